-- flowpg install script, part 5: who may read what.
--
-- Users read the read model under row-level security; every write goes through the functions
-- above, which check permissions in C and then write as the extension's owner (who bypasses
-- these policies as the tables' owner).

CREATE FUNCTION flowpg.has_permission(namespace text, permission text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'flowpg_has_permission' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flowpg.has_permission(text, text) IS
    'whether the current user holds a permission (VIEW, EXECUTE, RESUME, DEPLOY, ADMIN) on a namespace';

ALTER TABLE flowpg.flow_revisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY flow_revisions_view ON flowpg.flow_revisions FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW'));
GRANT SELECT ON flowpg.flow_revisions, flowpg.flows TO PUBLIC;

-- Tables nobody reads directly: row-level security with no policy refuses every row even to a
-- role that was granted access by mistake.
ALTER TABLE flowpg.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.kv ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.execution_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.work ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.trigger_state ENABLE ROW LEVEL SECURITY;

-- Executions, task runs and logs: seen by roles with VIEW on the namespace.
ALTER TABLE flowpg.executions ENABLE ROW LEVEL SECURITY;
CREATE POLICY executions_view ON flowpg.executions FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW'));
ALTER TABLE flowpg.task_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY task_runs_view ON flowpg.task_runs FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW'));
ALTER TABLE flowpg.logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY logs_view ON flowpg.logs FOR SELECT
    USING (flowpg.has_permission(namespace, 'VIEW'));
ALTER TABLE flowpg.audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_view ON flowpg.audit_log FOR SELECT
    USING (flowpg.has_permission(coalesce(namespace, ''), 'VIEW'));
GRANT SELECT ON flowpg.executions, flowpg.task_runs, flowpg.logs, flowpg.audit_log TO PUBLIC;
