-- flowpg install script, part 1: flow definitions (SPEC section 7).

CREATE FUNCTION flow_deploy(source text, OUT namespace text, OUT id text, OUT revision int)
    AS 'MODULE_PATHNAME', 'flow_deploy' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_deploy(text) IS
    'check a Kestra YAML flow and store it; an identical source keeps its revision, a changed one makes the next';

CREATE FUNCTION flow_validate(source text)
    RETURNS TABLE (line int, col int, path text, message text)
    AS 'MODULE_PATHNAME', 'flow_validate' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION flow_validate(text) IS
    'every problem of a flow source, with its YAML line, column and path; no rows means valid';

CREATE FUNCTION flow_delete(namespace text, id text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_delete' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_delete(text, text) IS
    'delete a flow: it can no longer start; its revisions and executions are kept';

CREATE FUNCTION flow_rollback(namespace text, id text, revision int) RETURNS int
    AS 'MODULE_PATHNAME', 'flow_rollback' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_rollback(text, text, int) IS
    'deploy the source of an earlier revision again, as a new revision';

-- The latest revision of each flow (deleted flows show deleted = true).
CREATE VIEW flowpg.flows WITH (security_invoker = true) AS
    SELECT DISTINCT ON (namespace, id)
           namespace, id, revision, source, definition, disabled, deleted, created_at, created_by
    FROM flowpg.flow_revisions
    ORDER BY namespace, id, revision DESC;
COMMENT ON VIEW flowpg.flows IS 'the latest revision of each flow';
