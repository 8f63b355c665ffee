-- Retention (issue 10): flow_purge deletes finished executions that ended long enough ago, with
-- everything keyed to them, one bounded batch per call; ADMIN only; subflow trees go whole;
-- audit rows stay; bad arguments change nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t47_viewer;
CREATE ROLE flowpg_t47_hr_admin;
CREATE ROLE flowpg_t47_global;
SELECT flow_grant('hr', 'flowpg_t47_viewer', 'DEPLOY');
SELECT flow_grant('hr', 'flowpg_t47_hr_admin', 'ADMIN');
SELECT flow_grant('', 'flowpg_t47_global', 'ADMIN');

SELECT revision FROM flow_deploy($$
id: done
namespace: hr
inputs:
  - id: pin
    type: SECRET
    required: false
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
$$);
SELECT revision FROM flow_deploy($$
id: done
namespace: hr.ops
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
$$);
SELECT revision FROM flow_deploy($$
id: done
namespace: sales
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
$$);
SELECT revision FROM flow_deploy($$
id: ask
namespace: hr
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
$$);
-- a parent that ended while its child waits (wait: false)
SELECT revision FROM flow_deploy($$
id: fire_and_forget
namespace: hr
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: hr
    flowId: ask
    wait: false
$$);
-- a child that ended while its parent waits
SELECT revision FROM flow_deploy($$
id: then_ask
namespace: hr
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: hr
    flowId: done
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
$$);
-- a parent and its child that both ended
SELECT revision FROM flow_deploy($$
id: nested
namespace: hr
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: hr
    flowId: done
$$);

SELECT flow_start('hr', 'done', '{"pin": "1234"}') AS done1 \gset
SELECT flow_start('hr', 'done') AS done2 \gset
SELECT flow_start('hr.ops', 'done') AS ops1 \gset
SELECT flow_start('sales', 'done') AS sales1 \gset
SELECT flow_start('hr', 'ask') AS paused1 \gset
SELECT flow_start('hr', 'fire_and_forget') AS ff \gset
SELECT flow_start('hr', 'then_ask') AS ta \gset
SELECT flow_start('hr', 'nested') AS nest \gset
SELECT id AS ff_child FROM flowpg.executions WHERE parent_id = :'ff' \gset
SELECT id AS ta_child FROM flowpg.executions WHERE parent_id = :'ta' \gset
SELECT id AS nest_child FROM flowpg.executions WHERE parent_id = :'nest' \gset

-- what each execution has, by name
CREATE TEMP TABLE named (name text, id text);
INSERT INTO named VALUES ('done1', :'done1'), ('done2', :'done2'), ('ops1', :'ops1'),
    ('sales1', :'sales1'), ('paused1', :'paused1'), ('ff', :'ff'), ('ff_child', :'ff_child'),
    ('ta', :'ta'), ('ta_child', :'ta_child'), ('nest', :'nest'), ('nest_child', :'nest_child');
CREATE FUNCTION pg_temp.left_over() RETURNS TABLE (name text, state text, runs bigint, logs bigint,
    secrets bigint, audit bigint) LANGUAGE sql AS $$
    SELECT n.name, e.state,
           (SELECT count(*) FROM flowpg.task_runs t WHERE t.execution_id = n.id),
           (SELECT count(*) FROM flowpg.logs l WHERE l.execution_id = n.id),
           (SELECT count(*) FROM flowpg.execution_secrets s WHERE s.execution_id = n.id),
           (SELECT count(*) FROM flowpg.audit_log a WHERE a.execution_id = n.id)
    FROM named n LEFT JOIN flowpg.executions e ON e.id = n.id ORDER BY n.name
$$;
SELECT * FROM pg_temp.left_over();

-- bad arguments: a clear error, and nothing changes
\set VERBOSITY default
SELECT flow_purge('-1 day');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_purge(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT flow_purge('0', 'HR!');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_purge('0', 'hr', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT flow_purge('0', 'hr', NULL);
\echo :LAST_ERROR_SQLSTATE
-- a statement that fails after the purge undoes it
SELECT flow_purge('0', 'hr'), 1 / 0;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS executions FROM flowpg.executions;

-- permissions, as roles that are not superusers
SET ROLE flowpg_t47_viewer;
SELECT flow_purge('0', 'hr');
\echo :LAST_ERROR_SQLSTATE
SET ROLE flowpg_t47_hr_admin;
SELECT flow_purge('0', 'sales');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_purge('0');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_purge('0', '');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS executions FROM flowpg.executions;

-- nothing ended an hour ago yet
SET ROLE flowpg_t47_hr_admin;
SELECT flow_purge('1 hour', 'hr');
-- one batch at a time: batch_size counts the trees (a parent with its child is one)
SELECT flow_purge('0', 'hr', 1) AS first_batch;
SELECT flow_purge('0', 'hr') AS the_rest;
SELECT flow_purge('0', 'hr') AS nothing_left;
RESET ROLE;
-- gone: the finished executions of hr and hr.ops, with their task runs, logs and secret values,
-- and the parent with its finished child; kept: every unfinished execution, the parent whose
-- child waits, the child whose parent waits, sales; the audit rows of all of them stay
SELECT * FROM pg_temp.left_over();
SELECT actor, namespace, detail ->> 'olderThan' AS older_than, detail ->> 'executions' AS executions
  FROM flowpg.audit_log WHERE action = 'purge' ORDER BY id;
-- the kept ones still work: the waiting child ends, and then its parent can go
SELECT flow_resume(:'ff_child');
SELECT flow_resume(:'ta');
SELECT flow_resume(:'paused1');
SET ROLE flowpg_t47_global;
SELECT flow_purge('0') AS everything_else;
RESET ROLE;
SELECT * FROM pg_temp.left_over();

-- clean up: the extension takes the grants with it
DROP EXTENSION flowpg;
DROP ROLE flowpg_t47_viewer, flowpg_t47_hr_admin, flowpg_t47_global;
CREATE EXTENSION flowpg;
