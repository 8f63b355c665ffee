-- flowpg install script, part 5: who may see and do what (SPEC sections 6, 7 and 8).
--
-- Users read the read model under row-level security; every write goes through the functions
-- above, which check permissions in C and then write as the extension's owner (who bypasses
-- these policies as the tables' owner).  The predicates below answer for the current role with
-- the same C functions those checks use.

CREATE FUNCTION flow_grant(namespace text, grantee regrole, permission text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_grant' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_grant(text, regrole, text) IS
    'give a role (and every role with its privileges) VIEW, EXECUTE, RESUME, DEPLOY or ADMIN on a namespace and its descendants ('''' is every namespace); needs ADMIN there';

CREATE FUNCTION flow_revoke(namespace text, grantee regrole, permission text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_revoke' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_revoke(text, regrole, text) IS
    'remove a grant made with flow_grant (an error if there is none); needs ADMIN on the namespace';

CREATE FUNCTION flowpg.has_permission(namespace text, permission text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'flowpg_has_permission' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowpg.has_permission(text, text) IS
    'whether the current role holds a permission (VIEW, EXECUTE, RESUME, DEPLOY, ADMIN) on a namespace';

CREATE FUNCTION flowpg.is_assigned(execution_id text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'flowpg_is_assigned' LANGUAGE C STRICT STABLE PARALLEL RESTRICTED COST 100;
COMMENT ON FUNCTION flowpg.is_assigned(text) IS
    'whether the current role is an assignee of a HumanTask (in any state) of an execution';

CREATE FUNCTION flowpg.may_resume(namespace text, assigned_users text[], assigned_groups text[])
    RETURNS boolean AS 'MODULE_PATHNAME', 'flowpg_may_resume' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowpg.may_resume(text, text[], text[]) IS
    'whether the current role may resume a paused task run with these columns: flow_resume''s own rule';

CREATE FUNCTION flowpg.current_groups() RETURNS text[]
    AS 'MODULE_PATHNAME', 'flowpg_current_groups' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowpg.current_groups() IS
    'the current role''s name and the names of every role it is a member of, directly or not';

CREATE FUNCTION flowpg.resume_namespaces() RETURNS text[]
    AS 'MODULE_PATHNAME', 'flowpg_resume_namespaces' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowpg.resume_namespaces() IS
    'the namespaces of the grants through which the current role holds RESUME ({''''} for an admin)';

CREATE FUNCTION flowpg.namespace_path(namespace text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'flowpg_namespace_path' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowpg.namespace_path(text) IS
    'a namespace, each of its parents, and '''': the namespaces whose grants cover it';

-- for the inbox and resume: plain pauses are found by the namespaces that cover them (the GIN
-- indexes on assigned_users and assigned_groups, in the storage part, find HumanTasks).
CREATE INDEX task_runs_paused_ns_idx ON flowpg.task_runs USING gin (flowpg.namespace_path(namespace))
    WHERE state = 'PAUSED' AND assigned_users IS NULL AND assigned_groups IS NULL;

-- Flows: seen by roles with VIEW on the namespace.
ALTER TABLE flowpg.flow_revisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY flow_revisions_view ON flowpg.flow_revisions FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW'));
GRANT SELECT ON flowpg.flow_revisions, flowpg.flows TO PUBLIC;

-- Executions, task runs, logs and audit rows: seen by roles with VIEW on the namespace, and by
-- the assignees of the execution's HumanTasks.
ALTER TABLE flowpg.executions ENABLE ROW LEVEL SECURITY;
CREATE POLICY executions_view ON flowpg.executions FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW') OR flowpg.is_assigned(id));
ALTER TABLE flowpg.task_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY task_runs_view ON flowpg.task_runs FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW') OR flowpg.is_assigned(execution_id));
ALTER TABLE flowpg.logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY logs_view ON flowpg.logs FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW') OR flowpg.is_assigned(execution_id));
ALTER TABLE flowpg.audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_view ON flowpg.audit_log FOR SELECT
    USING (flowpg.has_permission(coalesce(namespace, ''), 'VIEW')
           OR (execution_id IS NOT NULL AND flowpg.is_assigned(execution_id)));
GRANT SELECT ON flowpg.executions, flowpg.task_runs, flowpg.logs, flowpg.audit_log TO PUBLIC;

-- Grants: seen by the namespace's admins, and by the roles they reach.
ALTER TABLE flowpg.namespace_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY namespace_grants_view ON flowpg.namespace_grants FOR SELECT
    USING (flowpg.has_permission(namespace, 'ADMIN') OR pg_catalog.pg_has_role(grantee, 'USAGE'));
GRANT SELECT ON flowpg.namespace_grants TO PUBLIC;

-- Tables nobody reads directly: row-level security with no policy refuses every row even to a
-- role that was granted access by mistake.
ALTER TABLE flowpg.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.kv ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.execution_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.work ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.trigger_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.flow_listeners ENABLE ROW LEVEL SECURITY;

-- The inbox: the paused task runs the current role may resume.  flowpg.may_resume is the very
-- rule flow_resume applies, so the inbox shows exactly what its reader may resume.  The three
-- conditions before it are implied by it and only let the planner find the candidates through
-- the partial indexes on task_runs (by the reader's name, by the groups it belongs to, by the
-- namespaces where it holds RESUME) instead of reading every paused task run.
--
-- The view reads the tables as its owner and filters by the reader's rights itself (an assignee
-- needs no VIEW on the namespace); security_barrier keeps a reader's own conditions, which might
-- call a leaky function, from seeing rows before that filter has run.
CREATE VIEW flowpg.inbox WITH (security_barrier = true) AS
    SELECT t.execution_id,
           e.namespace,
           e.flow_id,
           e.flow_revision,
           t.id AS task_run_id,
           t.task_id,
           task.definition ->> 'type' AS task_type,
           task.definition ->> 'description' AS description,
           coalesce(task.definition -> 'onResume', '[]') AS on_resume,
           t.assigned_users,
           t.assigned_groups,
           (SELECT max((h ->> 'date')::timestamptz)
              FROM pg_catalog.jsonb_array_elements(t.history) AS h
             WHERE h ->> 'state' = 'PAUSED') AS paused_at,
           t.due_at AS expires_at,
           e.created_by AS started_by,
           e.labels,
           e.inputs,
           it.value,
           it.iteration
    FROM flowpg.task_runs AS t
    JOIN flowpg.executions AS e ON e.id = t.execution_id
    JOIN flowpg.flow_revisions AS r
      ON r.namespace = e.namespace AND r.id = e.flow_id AND r.revision = e.flow_revision
    CROSS JOIN LATERAL (
        SELECT pg_catalog.jsonb_path_query_first(r.definition,
                   'strict $.** ? (@.id == $id && @.type like_regex "(Pause|HumanTask)$")',
                   pg_catalog.jsonb_build_object('id', t.task_id)) AS definition
    ) AS task
    -- the loop iteration it pauses: its own ForEach value, or that of the nearest holder
    LEFT JOIN LATERAL (
        WITH RECURSIVE up (parent_id, value, iteration, depth) AS (
            SELECT t.parent_id, t.value, t.iteration, 0
            UNION ALL
            SELECT p.parent_id, p.value, p.iteration, up.depth + 1
              FROM up JOIN flowpg.task_runs AS p ON p.id = up.parent_id
             WHERE up.value IS NULL AND up.depth < 64
        )
        SELECT up.value, up.iteration FROM up WHERE up.value IS NOT NULL LIMIT 1
    ) AS it ON true
    WHERE t.state = 'PAUSED'
      AND (t.assigned_users OPERATOR(pg_catalog.&&) ARRAY[CURRENT_USER::text COLLATE "default"]
           OR t.assigned_groups OPERATOR(pg_catalog.&&) flowpg.current_groups()
           OR (t.assigned_users IS NULL AND t.assigned_groups IS NULL
               AND flowpg.namespace_path(t.namespace) OPERATOR(pg_catalog.&&) flowpg.resume_namespaces()))
      AND flowpg.may_resume(t.namespace, t.assigned_users, t.assigned_groups);
COMMENT ON VIEW flowpg.inbox IS
    'the paused task runs (Pause and HumanTask) that the current role may resume with flow_resume';
GRANT SELECT ON flowpg.inbox TO PUBLIC;
