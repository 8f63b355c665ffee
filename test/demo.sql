-- The flowpg approval demo (run by test/demo; readable on its own).  test/demo passes three
-- variables: :top, the source tree (the guide's flows, unchanged, are in test/flows/guide),
-- :sink, the base URL of a loopback HTTP sink standing in for Slack and the HR system, and
-- :sink_log, the file where the sink records every request it gets.
\set QUIET on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION flowpg;

\echo '-- 1. Deploy the guide''s pause_demo flow, unchanged.'
\set flow `cat :'top'/test/flows/guide/pause_demo.yml`
SELECT * FROM flow_deploy(:'flow');

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

\echo
\echo '-- 5. The guide''s vacation_approval flow, unchanged: Slack, a decision, the HR system.'
\echo '--    Its Slack webhook is a secret and the HR endpoint a kv entry; both point at the sink.'
SELECT flow_secret_set('hr.operations', 'SLACK_HR_WEBHOOK', :'sink' || '/services/T000/B000/XXXXXXXX'),
       flow_kv_set('hr.operations', 'HR_API_ENDPOINT', to_jsonb(:'sink' || '/hr')) \gset
\set flow `cat :'top'/test/flows/guide/vacation_approval.yml`
SELECT * FROM flow_deploy(:'flow');

-- the people: an employee who may start it, a manager who may decide
CREATE ROLE alice;
CREATE ROLE hr_manager;
SELECT flow_grant('hr.operations', 'alice', 'EXECUTE'),
       flow_grant('hr.operations', 'hr_manager', 'RESUME') \gset

\echo '-- 6. Alice asks for her vacation.  Her transaction queues the Slack message; the background'
\echo '--    worker sends it once that commits, and the execution pauses for the decision.'
SET ROLE alice;
SELECT flow_start('hr.operations', 'vacation_approval',
                  '{"employee": "alice", "start_date": "2026-07-01", "end_date": "2026-07-14"}') AS vacation_id \gset
RESET ROLE;
SELECT flow_wait(:'vacation_id', '10s') AS state;
SELECT task_id, state FROM flowpg.task_runs WHERE execution_id = :'vacation_id' ORDER BY created_at;

\echo '-- 7. What Slack received (the sink''s record of the webhook call):'
SELECT r ->> 'method' AS method, r ->> 'path' AS path,
       (SELECT h ->> 1 FROM jsonb_array_elements(r -> 'headers') h WHERE h ->> 0 = 'Flowpg-Task-Run') AS "Flowpg-Task-Run",
       jsonb_pretty((r ->> 'body')::jsonb) AS payload
FROM regexp_split_to_table(pg_read_file(:'sink_log'), E'\n') AS line, LATERAL (SELECT line::jsonb AS r) j
WHERE line <> '' AND r ->> 'path' LIKE '/services/%';

\echo '-- 8. The decision waits in the manager''s inbox:'
SET ROLE hr_manager;
SELECT execution_id, task_id, started_by, paused_at, inputs, on_resume -> 0 ->> 'description' AS asks
FROM flowpg.inbox;
RESET ROLE;

\echo '-- 9. The manager approves.  The resume commits with the decision; the worker then sends'
\echo '--    the HR request, and the last task logs the decision.'
SET ROLE hr_manager;
SELECT flow_resume(:'vacation_id', '{"approved": true, "reason": "Within policy limits"}') AS state_after_resume;
RESET ROLE;
SELECT flow_wait(:'vacation_id', '10s') AS state;
SELECT task_id, state, outputs -> 'resumed' AS resumed
FROM flowpg.task_runs WHERE execution_id = :'vacation_id' ORDER BY created_at;

\echo '-- 10. What the HR system received: a multipart POST with the decision and who made it.'
SELECT r ->> 'method' AS method, r ->> 'path' AS path, p ->> 'name' AS field, p ->> 'value' AS value
FROM regexp_split_to_table(pg_read_file(:'sink_log'), E'\n') AS line, LATERAL (SELECT line::jsonb AS r) j,
     LATERAL jsonb_array_elements(r -> 'parts') p
WHERE line <> '' AND r ->> 'path' = '/hr/approvals';

\echo '-- 11. The final log line, and the audit trail: who asked, who decided.'
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'vacation_id' ORDER BY at;
SELECT action, actor, detail -> 'inputs' AS inputs
FROM flowpg.audit_log WHERE execution_id = :'vacation_id' ORDER BY id;
