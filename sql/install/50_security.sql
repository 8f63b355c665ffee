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
