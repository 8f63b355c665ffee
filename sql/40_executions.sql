-- Executions: start, pause, resume, kill, restart, bulk resume, wait; states and histories.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT revision FROM flow_deploy($$
id: pause_demo
namespace: demo

tasks:
  - id: initial_logic
    type: io.kestra.plugin.core.log.Log
    message: placeholder for tasks with initial logic before the pause

  - id: wait_for_manual_resume
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: status
        type: STRING

  - id: entire_downstream_logic
    type: io.kestra.plugin.core.log.Log
    message: can have multiple tasks defined here after the pause task
$$);

SELECT flow_start('demo', 'pause_demo') AS id \gset
SELECT length(:'id') AS id_length, :'id' ~ '^[0-9A-Za-z]{22}$' AS base62;
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history, labels ? 'system.username' AS has_user,
       labels ->> 'system.correlationId' = id AS correlation
FROM flowpg.executions WHERE id = :'id';
SELECT task_id, state, jsonb_path_query_array(history, '$[*].state') AS history, jsonb_array_length(attempts) AS attempts
FROM flowpg.task_runs WHERE execution_id = :'id' ORDER BY created_at;
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;

SELECT flow_resume(:'id', '{"status": "OK"}');
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history, ended_at IS NOT NULL AS ended
FROM flowpg.executions WHERE id = :'id';
SELECT task_id, state, outputs -> 'onResume' AS on_resume, outputs -> 'resumed' ->> 'to' AS resumed_to,
       outputs -> 'resumed' ->> 'by' = current_user AS by_me
FROM flowpg.task_runs WHERE execution_id = :'id' ORDER BY created_at;
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;
SELECT action, flow_id, detail FROM flowpg.audit_log WHERE execution_id = :'id' ORDER BY id;

-- resuming again: not paused
SELECT flow_resume(:'id', '{"status": "OK"}');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_resume('nonexistent', '{}');
\echo :LAST_ERROR_SQLSTATE

-- a resume inside a transaction that rolls back changes nothing
SELECT flow_start('demo', 'pause_demo') AS id2 \gset
BEGIN;
SELECT flow_resume(:'id2', '{"status": "later"}');
ROLLBACK;
SELECT state FROM flowpg.executions WHERE id = :'id2';
SELECT count(*) FROM flowpg.task_runs WHERE execution_id = :'id2';

-- kill while paused
SELECT flow_kill(:'id2');
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history FROM flowpg.executions WHERE id = :'id2';
SELECT task_id, state, outputs -> 'resumed' ->> 'to' AS resumed_to FROM flowpg.task_runs WHERE execution_id = :'id2' ORDER BY created_at;
SELECT flow_kill(:'id2');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_wait(:'id2', '1s');
