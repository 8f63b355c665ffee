-- The raw-SQL floor: the same row writes and commits as flowpg_start_resume.sql, written by hand
-- into tables shaped like flowpg's (same columns and indexes), with the same NOTIFYs, and sent as
-- one statement per transaction (the fewest round trips plain SQL can manage).
WITH e AS (
    INSERT INTO floor.executions (id, namespace, flow_id, flow_revision, state, inputs, labels, history, created_by, created_at, updated_at)
    VALUES (md5(random()::text || clock_timestamp()::text), 'bench', 'lpl', 1, 'PAUSED', '{}',
            '{"system.username": "bench", "system.correlationId": "x"}',
            '[{"state": "CREATED", "date": "2026-01-01T00:00:00.000000Z"}, {"state": "RUNNING", "date": "2026-01-01T00:00:00.000000Z"}, {"state": "PAUSED", "date": "2026-01-01T00:00:00.000000Z"}]',
            current_user, now(), now())
    RETURNING id),
t1 AS (
    INSERT INTO floor.task_runs (id, execution_id, namespace, task_id, state, attempts, history, created_at, ended_at)
    SELECT md5(id || 'a'), id, 'bench', 'before', 'SUCCESS', '[{"state": "SUCCESS"}]', '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "SUCCESS"}]', now(), now() FROM e),
l1 AS (
    INSERT INTO floor.logs (execution_id, task_run_id, task_id, namespace, level, message, at)
    SELECT id, md5(id || 'a'), 'before', 'bench', 'INFO', 'starting ' || id, now() FROM e),
t2 AS (
    INSERT INTO floor.task_runs (id, execution_id, namespace, task_id, state, attempts, history, created_at)
    SELECT md5(id || 'b'), id, 'bench', 'approve', 'PAUSED', '[{"state": "PAUSED"}]', '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "PAUSED"}]', now() FROM e),
a1 AS (
    INSERT INTO floor.audit_log (actor, action, namespace, flow_id, execution_id, detail)
    SELECT current_user, 'start', 'bench', 'lpl', id, '{"inputs": {}}' FROM e)
SELECT id, pg_notify('flowpg', '{"state": "CREATED"}'), pg_notify('flowpg', '{"state": "RUNNING"}'),
       pg_notify('flowpg', '{"state": "PAUSED"}') FROM e \gset
WITH e AS (
    SELECT id FROM floor.executions WHERE id = :id FOR UPDATE),
r AS (
    SELECT t.id, t.state, t.outputs FROM floor.task_runs t JOIN e ON t.execution_id = e.id),
u AS (
    UPDATE floor.task_runs SET state = 'SUCCESS', outputs = '{"onResume": {"ok": true}, "resumed": {"by": "bench", "to": "SUCCESS"}}',
        history = history || '[{"state": "SUCCESS"}]', ended_at = now()
    WHERE id = (SELECT md5(id || 'b') FROM e)),
t3 AS (
    INSERT INTO floor.task_runs (id, execution_id, namespace, task_id, state, attempts, history, created_at, ended_at)
    SELECT md5(id || 'c'), id, 'bench', 'after', 'SUCCESS', '[{"state": "SUCCESS"}]', '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "SUCCESS"}]', now(), now() FROM e),
l2 AS (
    INSERT INTO floor.logs (execution_id, task_run_id, task_id, namespace, level, message, at)
    SELECT id, md5(id || 'c'), 'after', 'bench', 'INFO', 'approved: true', now() FROM e),
x AS (
    UPDATE floor.executions SET state = 'SUCCESS', history = history || '[{"state": "RESTARTED"}, {"state": "RUNNING"}, {"state": "SUCCESS"}]',
        updated_at = now(), ended_at = now() WHERE id = (SELECT id FROM e)),
a2 AS (
    INSERT INTO floor.audit_log (actor, action, namespace, flow_id, execution_id, detail)
    SELECT current_user, 'resume', 'bench', 'lpl', id, '{"inputs": {"ok": true}}' FROM e)
SELECT (SELECT count(*) FROM r), pg_notify('flowpg', '{"state": "RESTARTED"}'), pg_notify('flowpg', '{"state": "RUNNING"}'),
       pg_notify('flowpg', '{"state": "SUCCESS"}');
