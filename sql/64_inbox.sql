-- flowpg.inbox: the paused task runs the current role may resume, what it shows, that it agrees
-- with flow_resume for every role and every paused task run, and that it is an index lookup.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE flowpg_t64_lead;       -- named as a user in HumanTasks
CREATE ROLE flowpg_t64_finance;    -- a group
CREATE ROLE flowpg_t64_fred;       -- in finance
GRANT flowpg_t64_finance TO flowpg_t64_fred;
CREATE ROLE flowpg_t64_ops;        -- RESUME on ops (plain pauses in ops and ops.*)
CREATE ROLE flowpg_t64_admin;      -- ADMIN everywhere
CREATE ROLE flowpg_t64_nobody;
SELECT flow_grant('ops', 'flowpg_t64_ops', 'RESUME');
SELECT flow_grant('', 'flowpg_t64_admin', 'ADMIN');
SELECT flow_grant('ops', 'flowpg_t64_fred', 'EXECUTE');

SELECT revision FROM flow_deploy($$
id: expense
namespace: ops
description: an expense to approve
tasks:
  - id: check
    type: io.kestra.plugin.core.log.Log
    message: checking
  - id: manager_ok
    type: io.kestra.plugin.ee.flow.HumanTask
    description: The team lead approves the expense
    pauseDuration: P2D
    assignment:
      users: [flowpg_t64_lead]
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: false
        description: Approve the expense?
  - id: finance_ok
    type: io.kestra.plugin.ee.flow.HumanTask
    description: Finance books it
    assignment:
      groups: [flowpg_t64_finance]
$$);
SELECT revision FROM flow_deploy($$
id: restart_server
namespace: ops.eu
tasks:
  - id: sequence
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: confirm
        type: io.kestra.plugin.core.flow.Pause
        description: Confirm the restart
        onResume:
          - id: reason
            type: STRING
            required: false
$$);
SELECT revision FROM flow_deploy($$
id: other
namespace: opsx
tasks:
  - id: confirm
    type: io.kestra.plugin.core.flow.Pause
$$);

SET ROLE flowpg_t64_fred;
SELECT flow_start('ops', 'expense', labels => '{"team": "red"}') AS e1 \gset
RESET ROLE;
SELECT flow_start('ops.eu', 'restart_server') AS r1 \gset
SELECT flow_start('opsx', 'other') AS x1 \gset

-- what each role finds in its inbox
CREATE FUNCTION pg_temp.inbox(role name) RETURNS TABLE (flow_id text, task_id text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', role);
    RETURN QUERY SELECT i.flow_id, i.task_id FROM flowpg.inbox i ORDER BY 1, 2;
    RESET ROLE;
END $$;
SELECT r AS role, string_agg(i.flow_id || '.' || i.task_id, ', ') AS inbox
FROM unnest(ARRAY['flowpg_t64_lead', 'flowpg_t64_fred', 'flowpg_t64_finance', 'flowpg_t64_ops',
                  'flowpg_t64_admin', 'flowpg_t64_nobody']) AS r
LEFT JOIN LATERAL pg_temp.inbox(r) AS i ON true
GROUP BY r ORDER BY r;
-- a superuser, like flowpg_admin, may resume every plain pause, and no HumanTask it is not named in
SELECT flow_id, task_id FROM flowpg.inbox ORDER BY 1, 2;

-- the columns
SET ROLE flowpg_t64_lead;
SELECT execution_id = :'e1' AS is_e1, namespace, flow_id, flow_revision, task_run_id IS NOT NULL AS has_run,
       task_id, task_type, description, on_resume, assigned_users, assigned_groups,
       paused_at BETWEEN now() - interval '1 minute' AND now() AS paused_now,
       round(extract(epoch FROM expires_at - paused_at) / 3600) AS expires_after_hours, started_by, labels ->> 'team' AS team, inputs
FROM flowpg.inbox;
RESET ROLE;
SET ROLE flowpg_t64_ops;
SELECT flow_id, task_id, task_type, description, on_resume, assigned_users, expires_at, started_by
FROM flowpg.inbox;
RESET ROLE;

-- resuming takes the row out of the inbox, and the next pause puts its own in
SET ROLE flowpg_t64_lead;
SELECT flow_resume(:'e1', '{"approved": true}');
SELECT count(*) AS lead_inbox FROM flowpg.inbox;
RESET ROLE;
SET ROLE flowpg_t64_fred;
SELECT flow_id, task_id FROM flowpg.inbox;
RESET ROLE;

-- The inbox and flow_resume never disagree: for every role and every paused task run, the run
-- is in the role's inbox exactly when flow_resume(execution, task_id) by that role succeeds
-- (each resume is tried in a subtransaction and rolled back).
SELECT flow_start('ops', 'expense') AS e2 \gset
SELECT flow_start('ops.eu', 'restart_server') AS r2 \gset
CREATE FUNCTION pg_temp.resume_works(role name, id text, task text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET ROLE %I', role);
        PERFORM flow_resume(id, '{}', task);
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'resumed';
    EXCEPTION WHEN OTHERS THEN
        RESET ROLE;
        RETURN CASE WHEN SQLERRM = 'resumed' THEN 'yes' WHEN SQLSTATE = '42501' THEN 'no' ELSE SQLSTATE END;
    END;
END $$;
CREATE FUNCTION pg_temp.in_inbox(role name, run_id text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE found boolean;
BEGIN
    EXECUTE format('SET ROLE %I', role);
    SELECT EXISTS (SELECT 1 FROM flowpg.inbox WHERE task_run_id = run_id) INTO found;
    RESET ROLE;
    RETURN CASE WHEN found THEN 'yes' ELSE 'no' END;
END $$;
SELECT r AS role, t.task_id,
       pg_temp.in_inbox(r, t.id) AS in_inbox,
       pg_temp.resume_works(r, t.execution_id, t.task_id) AS may_resume
FROM unnest(ARRAY['flowpg_t64_lead', 'flowpg_t64_fred', 'flowpg_t64_finance', 'flowpg_t64_ops',
                  'flowpg_t64_admin', 'flowpg_t64_nobody', current_user]) AS r
CROSS JOIN flowpg.task_runs t
WHERE t.state = 'PAUSED'
ORDER BY r, t.namespace, t.task_id, t.created_at;
SELECT count(*) AS disagreements
FROM unnest(ARRAY['flowpg_t64_lead', 'flowpg_t64_fred', 'flowpg_t64_finance', 'flowpg_t64_ops',
                  'flowpg_t64_admin', 'flowpg_t64_nobody', current_user]) AS r
CROSS JOIN flowpg.task_runs t
WHERE t.state = 'PAUSED'
  AND pg_temp.in_inbox(r, t.id) <> pg_temp.resume_works(r, t.execution_id, t.task_id);

-- A leaky function in the reader's own WHERE clause sees only the reader's rows: the view is a
-- security barrier, its own filter runs first.
CREATE FUNCTION pg_temp.peek(task text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
    RAISE NOTICE 'peeked at %', task;
    RETURN true;
END $$;
SET ROLE flowpg_t64_lead;
SELECT count(*) FROM flowpg.inbox WHERE pg_temp.peek(task_id);
RESET ROLE;

-- The plan: candidates come from the partial indexes on task_runs (by the reader's name, its
-- groups, and the namespaces where it holds RESUME), never from reading every paused task run.
SET enable_seqscan = off;
SET ROLE flowpg_t64_fred;
EXPLAIN (COSTS OFF) SELECT * FROM flowpg.inbox;
RESET ROLE;
RESET enable_seqscan;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t64_ops, flowpg_t64_admin, flowpg_t64_fred;
DROP ROLE flowpg_t64_lead, flowpg_t64_finance, flowpg_t64_fred, flowpg_t64_ops, flowpg_t64_admin,
    flowpg_t64_nobody;
