-- flowpg.audit_log (SPEC section 8): one row per action, by the role that acted, SECRET inputs
-- masked; append-only for everyone, superusers included.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.try(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9A-Za-z]{22}', '<id>', 'g');
END $$;

CREATE ROLE flowpg_t65_admin;      -- ADMIN on audited (does everything below)
CREATE ROLE flowpg_t65_reader;     -- VIEW on audited
SELECT flow_grant('audited', 'flowpg_t65_admin', 'ADMIN');
SELECT flow_grant('audited', 'flowpg_t65_reader', 'VIEW');

SET ROLE flowpg_t65_admin;
SELECT revision FROM flow_deploy($$
id: signup
namespace: audited
inputs:
  - id: user
    type: STRING
  - id: password
    type: SECRET
tasks:
  - id: confirm
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: otp
        type: SECRET
      - id: note
        type: STRING
        required: false
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
-- deploying the same source again changes nothing and writes nothing
SELECT revision FROM flow_deploy((SELECT source FROM flowpg.flows WHERE id = 'signup'));
SELECT revision FROM flow_deploy($$
id: signup
namespace: audited
description: second revision
inputs:
  - id: user
    type: STRING
  - id: password
    type: SECRET
tasks:
  - id: confirm
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: otp
        type: SECRET
      - id: note
        type: STRING
        required: false
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
SELECT flow_rollback('audited', 'signup', 1);
SELECT revision FROM flow_deploy($$
id: broken
namespace: audited
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: always
$$);
SELECT revision FROM flow_deploy($$
id: scratch
namespace: audited
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
$$);
SELECT flow_delete('audited', 'scratch');
SELECT flow_start('audited', 'signup', '{"user": "ann", "password": "hunter2"}') AS s1 \gset
SELECT flow_start('audited', 'signup', '{"user": "bob", "password": "swordfish"}') AS s2 \gset
SELECT flow_start('audited', 'signup', '{"user": "cat", "password": "letmein"}') AS s3 \gset
SELECT flow_start('audited', 'signup', '{"user": "dan", "password": "opensesame"}') AS s4 \gset
SELECT flow_resume(:'s1', '{"otp": "123456", "note": "first"}');
SELECT flow_resume_bulk(ARRAY[:'s2', :'s3'], '{"otp": "654321"}');
SELECT flow_kill(:'s4');
SELECT flow_start('audited', 'broken') AS b1 \gset
SELECT flow_restart(:'b1');
SELECT flow_secret_set('audited', 'API_KEY', 'sk-live-very-secret');
SELECT flow_secret_set('audited', 'API_KEY', 'sk-live-rotated');
SELECT flow_secret_delete('audited', 'API_KEY');
SELECT flow_kv_set('audited', 'limit', '{"max": 3}');
SELECT flow_kv_get('audited', 'limit');
SELECT flow_kv_delete('audited', 'limit');
SELECT flow_grant('audited.sub', 'flowpg_t65_reader', 'EXECUTE');
SELECT flow_revoke('audited.sub', 'flowpg_t65_reader', 'EXECUTE');
-- a call that fails writes nothing
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'s1'));
SELECT pg_temp.try($$SELECT flow_start('audited', 'signup', '{"user": "eve"}')$$);
RESET ROLE;

-- every row, as the VIEW holder reads them (execution ids shown by the names of the variables
-- holding them; the rows of one bulk resume, written in execution id order, sorted by name)
SET ROLE flowpg_t65_reader;
SELECT actor, action, namespace, flow_id,
       CASE execution_id WHEN :'s1' THEN 's1' WHEN :'s2' THEN 's2' WHEN :'s3' THEN 's3'
                         WHEN :'s4' THEN 's4' WHEN :'b1' THEN 'b1' END AS execution,
       task_run_id IS NOT NULL AS has_task_run, detail
FROM flowpg.audit_log
ORDER BY CASE WHEN detail ? 'bulk' THEN (SELECT min(id) FROM flowpg.audit_log WHERE detail ? 'bulk') ELSE id END,
         execution;
-- every row has a time
SELECT bool_and(at IS NOT NULL) AS all_timed, count(*) AS rows FROM flowpg.audit_log;
RESET ROLE;

-- no secret value anywhere in the audit log
SELECT count(*) AS rows_with_a_secret FROM flowpg.audit_log
WHERE detail::text ~ '(hunter2|swordfish|letmein|opensesame|123456|654321|sk-live)';

-- Append-only, for everyone: a plain role has no privilege to change it ...
SET ROLE flowpg_t65_admin;
SELECT pg_temp.try('UPDATE flowpg.audit_log SET actor = ''nobody''') AS "update",
       pg_temp.try('DELETE FROM flowpg.audit_log') AS "delete",
       pg_temp.try('TRUNCATE flowpg.audit_log') AS "truncate",
       pg_temp.try('INSERT INTO flowpg.audit_log (actor, action) VALUES (''me'', ''forged'')') AS "insert";
RESET ROLE;
-- ... and a superuser is stopped by the table's triggers
SELECT pg_temp.try('UPDATE flowpg.audit_log SET actor = ''nobody''') AS "update",
       pg_temp.try('DELETE FROM flowpg.audit_log') AS "delete",
       pg_temp.try('TRUNCATE flowpg.audit_log') AS "truncate";
UPDATE flowpg.audit_log SET detail = '{}' WHERE action = 'start';
-- ... even with replication-role triggers off
SET session_replication_role = replica;
SELECT pg_temp.try('DELETE FROM flowpg.audit_log') AS delete_as_replica;
RESET session_replication_role;
SELECT count(*) AS rows_still_there FROM flowpg.audit_log;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t65_admin, flowpg_t65_reader;
DROP ROLE flowpg_t65_admin, flowpg_t65_reader;
