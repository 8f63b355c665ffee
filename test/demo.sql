-- The flowpg approval demo (run by test/demo; readable on its own).
\set QUIET on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION flowpg;

\echo '-- 1. Deploy the guide''s pause_demo flow, unchanged.'
SELECT * FROM flow_deploy($$
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

\echo '-- 2. Start it: the first task runs in this transaction, then the execution pauses.'
SELECT flow_start('demo', 'pause_demo') AS execution_id \gset
SELECT id, state FROM flowpg.executions WHERE id = :'execution_id';
SELECT task_id, state FROM flowpg.task_runs WHERE execution_id = :'execution_id' ORDER BY created_at;

\echo '-- 3. A person resumes it, in the same transaction as the application''s own writes.'
BEGIN;
CREATE TABLE decisions (execution_id text, decided_at timestamptz DEFAULT now());
INSERT INTO decisions (execution_id) VALUES (:'execution_id');
SELECT flow_resume(:'execution_id', '{"status": "OK"}') AS state_after_resume;
COMMIT;

\echo '-- 4. The rest of the flow ran; every state change is in the history.'
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.executions WHERE id = :'execution_id';
SELECT task_id, state, outputs -> 'onResume' AS on_resume, outputs -> 'resumed' ->> 'by' AS resumed_by
FROM flowpg.task_runs WHERE execution_id = :'execution_id' ORDER BY created_at;
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'execution_id' ORDER BY at;
SELECT action, actor, detail FROM flowpg.audit_log WHERE execution_id = :'execution_id' ORDER BY id;
