-- jdbc.postgresql.Query: SQL in this database as the role that deployed the revision, inside a
-- subtransaction: an approval and the business rows it approves commit (or roll back) together,
-- and an SQL error fails only the task run.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- the application's own table, and a role that deploys the flow
CREATE TABLE vacation_requests (employee text, days int, status text);
CREATE TABLE private_data (secret text);
INSERT INTO private_data VALUES ('top secret');
CREATE ROLE flowpg_t44_owner;
SELECT flow_grant('t.query', 'flowpg_t44_owner', 'DEPLOY');
GRANT SELECT, INSERT, UPDATE ON vacation_requests TO flowpg_t44_owner;

SET ROLE flowpg_t44_owner;
SELECT revision FROM flow_deploy($$
id: approve-vacation
namespace: t.query
inputs:
  - id: employee
    type: STRING
  - id: days
    type: INT
tasks:
  - id: record
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: INSERT INTO vacation_requests VALUES (:employee, :days, 'PENDING')
    parameters:
      employee: "{{ inputs.employee }}"
      days: "{{ inputs.days }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
  - id: apply
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: >-
      UPDATE vacation_requests SET status = :status WHERE employee = :employee
      RETURNING employee, days, status, current_user AS ran_as
    fetchType: FETCH_ONE
    parameters:
      employee: "{{ inputs.employee }}"
      status: "{{ outputs.decide.onResume.approved ? 'APPROVED' : 'REJECTED' }}"
  - id: count
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT status, count(*)::int AS n, sum(days) AS days FROM vacation_requests GROUP BY status ORDER BY status
    fetchType: FETCH
$$);
RESET ROLE;

-- the first Query runs in flow_start's transaction
SELECT flow_start('t.query', 'approve-vacation', '{"employee": "ada", "days": 3}') AS id \gset
SELECT * FROM vacation_requests;
SELECT outputs FROM flowpg.task_runs WHERE execution_id = :'id' AND task_id = 'record';

-- a resume in a transaction that rolls back: neither the decision nor the business row change
BEGIN;
SELECT flow_resume(:'id', '{"approved": true}');
SELECT * FROM vacation_requests;
ROLLBACK;
SELECT * FROM vacation_requests;
SELECT state FROM flowpg.executions WHERE id = :'id';

-- committed: both together; the Query ran as the deployer, not as the caller (a superuser)
SELECT flow_resume(:'id', '{"approved": true}');
SELECT * FROM vacation_requests;
SELECT outputs FROM flowpg.task_runs WHERE execution_id = :'id' AND task_id IN ('apply', 'count') ORDER BY created_at;

-- an SQL error fails the task run; the caller's transaction goes on and commits the failure
SELECT revision FROM flow_deploy($$
id: bad-sql
namespace: t.query
tasks:
  - id: bad
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: INSERT INTO no_such_table VALUES (1)
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
$$);
BEGIN;
SELECT flow_start('t.query', 'bad-sql') AS id2 \gset
SELECT 'still usable' AS note;
COMMIT;
SELECT state, pg_temp.runs(:'id2') FROM flowpg.executions WHERE id = :'id2';
SELECT message FROM flowpg.logs WHERE execution_id = :'id2';

-- what the deployer may not read, the flow may not read either
SET ROLE flowpg_t44_owner;
SELECT revision FROM flow_deploy($$
id: snoop
namespace: t.query
tasks:
  - id: read
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT * FROM private_data
    fetchType: FETCH
$$);
RESET ROLE;
SELECT flow_start('t.query', 'snoop') AS id3 \gset
SELECT state FROM flowpg.executions WHERE id = :'id3';
SELECT message FROM flowpg.logs WHERE execution_id = :'id3';

-- a failed Query leaves nothing behind, even what it did before failing
SELECT revision FROM flow_deploy($$
id: half-done
namespace: t.query
tasks:
  - id: two
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: >-
      WITH ins AS (INSERT INTO vacation_requests VALUES ('bob', 1, 'X') RETURNING 1)
      SELECT 1 / (SELECT count(*) - 1 FROM ins)
$$);
SELECT flow_start('t.query', 'half-done') AS id4 \gset
SELECT count(*) AS bob_rows FROM vacation_requests WHERE employee = 'bob';
SELECT message FROM flowpg.logs WHERE execution_id = :'id4';

-- the SQL leaves the session as it found it: settings it changes, even with a plain SET or
-- set_config(..., false), are put back, and it can neither change role nor leave a temp table
SELECT revision FROM flow_deploy($$
id: meddle
namespace: t.query
tasks:
  - id: path
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SET search_path = evil
  - id: timeout
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SET statement_timeout = 1
  - id: read_only
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SET default_transaction_read_only = on
  - id: memory
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT set_config('work_mem', '77kB', false)
$$);
SHOW search_path;
SELECT * FROM pg_temp.run('t.query', 'meddle');
SHOW search_path;
SHOW statement_timeout;
SHOW default_transaction_read_only;
SHOW work_mem;
SELECT revision FROM flow_deploy($$
id: become
namespace: t.query
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SET ROLE postgres
$$);
SELECT flow_start('t.query', 'become') AS id6 \gset
SELECT state, pg_temp.runs(:'id6') FROM flowpg.executions WHERE id = :'id6';
SELECT message FROM flowpg.logs WHERE execution_id = :'id6';
SELECT revision FROM flow_deploy($$
id: leave-behind
namespace: t.query
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: CREATE TEMP TABLE left_behind (x int)
$$);
SELECT flow_start('t.query', 'leave-behind') AS id7 \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'id7';
SELECT count(*) AS temp_tables FROM pg_class WHERE relname = 'left_behind';

-- :name is a placeholder only in SQL itself, as PostgreSQL's lexer reads it: not in strings
-- (E'' ones with their backslash escapes), quoted identifiers, comments (block comments nest)
-- or dollar quotes
SELECT revision FROM flow_deploy($f$
id: placeholders
namespace: t.query
tasks:
  - id: q
    type: io.kestra.plugin.jdbc.postgresql.Query
    fetchType: FETCH_ONE
    parameters:
      n: 5
    sql: |
      SELECT :n::int AS n, ':n' AS plain, E'\':n' AS escaped, $$:n$$ AS dollar, $q$ :n $q$ AS tagged,
             1 AS ":n" /* :n /* nested :n */ :n */, :n::int + 1 AS cast -- :n
$f$);
SELECT flow_start('t.query', 'placeholders') AS id8 \gset
SELECT outputs -> 'row' AS row FROM flowpg.task_runs WHERE execution_id = :'id8';
SELECT message FROM flowpg.logs WHERE execution_id = :'id8';

DROP TABLE vacation_requests, private_data;
DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t44_owner;
