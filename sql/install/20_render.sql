-- flowpg install script, part 2: rendering templates (SPEC section 3), for writing and debugging
-- flows.

CREATE FUNCTION flow_render(template text, context jsonb DEFAULT '{}') RETURNS text
    AS 'MODULE_PATHNAME', 'flow_render' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_render(text, jsonb) IS
    'render a template against a context exactly as a task property would be (strict); secret() and kv() resolve in context.flow.namespace for ADMIN roles only, and secret values come back as ******';
