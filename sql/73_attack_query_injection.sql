-- Attack: SQL injection through a template in Query.sql (issue 11, finding 4).  A Query's sql
-- used to be a template: `SELECT '{{ inputs.name }}'` pasted a starter's input into SQL text
-- that ran, several statements allowed, as the deployer.  sql is now taken as it is written:
-- values go in parameters (bound to :name placeholders), and the text is exactly one statement,
-- checked when the flow is deployed (and again when it runs, for revisions deployed before).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t73_deployer;   -- DEPLOY on shop, and may create tables in public
CREATE ROLE flowpg_t73_starter;    -- EXECUTE on shop
SELECT flow_grant('shop', 'flowpg_t73_deployer', 'DEPLOY');
SELECT flow_grant('shop', 'flowpg_t73_starter', 'EXECUTE');
GRANT CREATE ON SCHEMA public TO flowpg_t73_deployer;

-- the review's flow is refused at deploy, with its position and what to do instead
SET ROLE flowpg_t73_deployer;
SELECT * FROM flow_deploy($$
id: greet
namespace: shop
inputs:
  - id: name
    type: STRING
tasks:
  - id: hello
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT '{{ inputs.name }}' AS greeting"
    fetchType: FETCH_ONE
$$);
\echo :LAST_ERROR_SQLSTATE
-- tags and comments are expressions too
SELECT line, col, path, message FROM flow_validate($$
id: greet
namespace: shop
tasks:
  - id: a
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT 1 {% if true %}, 2{% endif %}"
  - id: b
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT 1 {# comment #}"
$$);

-- the same greeting, with the value as a parameter: the input is data, whatever it holds
SELECT revision FROM flow_deploy($$
id: greet
namespace: shop
inputs:
  - id: name
    type: STRING
tasks:
  - id: hello
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT :name AS greeting
    fetchType: FETCH_ONE
    parameters:
      name: "{{ inputs.name }}"
$$);
RESET ROLE;
SET ROLE flowpg_t73_starter;
SELECT flow_start('shop', 'greet', $${"name": "x' AS greeting; CREATE TABLE injected (x int); SELECT '"}$$) AS id \gset
RESET ROLE;
SELECT outputs -> 'row' ->> 'greeting' AS greeting FROM flowpg.task_runs WHERE execution_id = :'id';
SELECT count(*) AS injected_tables FROM pg_class WHERE relname = 'injected';

-- exactly one statement: two are refused, and so is none
SET ROLE flowpg_t73_deployer;
SELECT line, col, path, message FROM flow_validate($$
id: two
namespace: shop
tasks:
  - id: two
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT 1; CREATE TABLE injected (x int)"
  - id: none
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "-- nothing but a comment"
  - id: trailing_semicolon_is_one
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT 1;"
$$);

-- SQL syntax is checked at deploy, placeholders bound as they will run (:name, not :: casts,
-- not inside strings)
SELECT line, col, path, message FROM flow_validate($$
id: syntax
namespace: shop
tasks:
  - id: bad
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELEC 1
  - id: unknown_placeholder
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT :missing
  - id: fine
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT :n::int, ':n' AS text"
    parameters:
      n: 1
$$);

-- statements that use what belongs to the calling session are refused: its prepared statements
-- and cursors (which would run the caller's SQL with the deployer's rights), LISTEN, DISCARD,
-- LOAD, transaction control
SELECT path, message FROM flow_validate($$
id: session
namespace: shop
tasks:
  - id: execute
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: EXECUTE callers_statement
  - id: prepare
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: PREPARE mine AS SELECT 1
  - id: deallocate
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: DEALLOCATE ALL
  - id: fetch
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: FETCH ALL FROM callers_cursor
  - id: declare
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: DECLARE c CURSOR FOR SELECT 1
  - id: close
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: CLOSE ALL
  - id: listen
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: LISTEN somewhere
  - id: discard
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: DISCARD ALL
  - id: load
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: LOAD 'plpgsql'
  - id: commit
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: COMMIT
$$) ORDER BY line;
RESET ROLE;

-- the same checks when a Query runs, for revisions deployed before them (stored here directly,
-- as an older flowpg would have stored them): the task run fails and nothing runs
INSERT INTO flowpg.flow_revisions (namespace, id, revision, source, definition, disabled, created_by)
VALUES ('shop', 'legacy', 1, $$
id: legacy
namespace: shop
inputs:
  - id: name
    type: STRING
tasks:
  - id: templated
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT '{{ inputs.name }}' AS greeting"
    allowFailure: true
  - id: two
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: "SELECT 1; CREATE TABLE injected (x int)"
    allowFailure: true
  - id: execute
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: EXECUTE callers_statement
$$, '{}', false, 'flowpg_t73_deployer');
PREPARE callers_statement AS SELECT 1;
SET ROLE flowpg_t73_starter;
SELECT * FROM pg_temp.run('shop', 'legacy', $${"name": "x' AS greeting; CREATE TABLE injected (x int); SELECT '"}$$);
RESET ROLE;
SELECT task_id, message FROM flowpg.logs
WHERE execution_id = (SELECT id FROM flowpg.executions WHERE flow_id = 'legacy') ORDER BY at;
SELECT count(*) AS injected_tables FROM pg_class WHERE relname = 'injected';
DEALLOCATE callers_statement;

DROP EXTENSION flowpg CASCADE;
REVOKE CREATE ON SCHEMA public FROM flowpg_t73_deployer;
DROP ROLE flowpg_t73_deployer, flowpg_t73_starter;
