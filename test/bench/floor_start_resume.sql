-- The raw-SQL floor: the same row writes and commits as flowpg_start_resume.sql, written by hand
-- into tables shaped like flowpg's (same columns and indexes), with the same NOTIFYs.
\set n random(1, 1000000000)
BEGIN;
INSERT INTO floor.executions (id, namespace, flow_id, flow_revision, state, inputs, labels, history, created_by, created_at, updated_at)
    VALUES (md5(:n::text || clock_timestamp()::text), 'bench', 'lpl', 1, 'PAUSED', '{}',
            '{"system.username": "bench", "system.correlationId": "x"}',
            '[{"state": "CREATED", "date": "2026-01-01T00:00:00.000000Z"}, {"state": "RUNNING", "date": "2026-01-01T00:00:00.000000Z"}, {"state": "PAUSED", "date": "2026-01-01T00:00:00.000000Z"}]',
            current_user, now(), now())
    RETURNING id \gset
INSERT INTO floor.task_runs (id, execution_id, namespace, task_id, state, attempts, history, created_at, ended_at)
    VALUES (md5(:'id' || 'a'), :'id', 'bench', 'before', 'SUCCESS', '[{"state": "SUCCESS"}]', '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "SUCCESS"}]', now(), now());
INSERT INTO floor.logs (execution_id, task_run_id, task_id, namespace, level, message, at)
    VALUES (:'id', md5(:'id' || 'a'), 'before', 'bench', 'INFO', 'starting ' || :'id', now());
INSERT INTO floor.task_runs (id, execution_id, namespace, task_id, state, attempts, history, created_at)
    VALUES (md5(:'id' || 'b'), :'id', 'bench', 'approve', 'PAUSED', '[{"state": "PAUSED"}]', '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "PAUSED"}]', now());
INSERT INTO floor.audit_log (actor, action, namespace, flow_id, execution_id, detail)
    VALUES (current_user, 'start', 'bench', 'lpl', :'id', '{"inputs": {}}');
SELECT pg_notify('flowpg', '{"state": "CREATED"}'), pg_notify('flowpg', '{"state": "RUNNING"}'), pg_notify('flowpg', '{"state": "PAUSED"}');
COMMIT;
BEGIN;
SELECT state FROM floor.executions WHERE id = :'id' FOR UPDATE;
SELECT id, state, outputs FROM floor.task_runs WHERE execution_id = :'id';
UPDATE floor.task_runs SET state = 'SUCCESS', outputs = '{"onResume": {"ok": true}, "resumed": {"by": "bench", "to": "SUCCESS"}}',
    history = history || '[{"state": "SUCCESS"}]', ended_at = now() WHERE id = md5(:'id' || 'b');
INSERT INTO floor.task_runs (id, execution_id, namespace, task_id, state, attempts, history, created_at, ended_at)
    VALUES (md5(:'id' || 'c'), :'id', 'bench', 'after', 'SUCCESS', '[{"state": "SUCCESS"}]', '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "SUCCESS"}]', now(), now());
INSERT INTO floor.logs (execution_id, task_run_id, task_id, namespace, level, message, at)
    VALUES (:'id', md5(:'id' || 'c'), 'after', 'bench', 'INFO', 'approved: true', now());
UPDATE floor.executions SET state = 'SUCCESS', history = history || '[{"state": "RESTARTED"}, {"state": "RUNNING"}, {"state": "SUCCESS"}]',
    updated_at = now(), ended_at = now() WHERE id = :'id';
INSERT INTO floor.audit_log (actor, action, namespace, flow_id, execution_id, detail)
    VALUES (current_user, 'resume', 'bench', 'lpl', :'id', '{"inputs": {"ok": true}}');
SELECT pg_notify('flowpg', '{"state": "RESTARTED"}'), pg_notify('flowpg', '{"state": "RUNNING"}'), pg_notify('flowpg', '{"state": "SUCCESS"}');
COMMIT;
