-- flowpg install script, part 4: executions (SPEC sections 6 and 7).

CREATE FUNCTION flow_start(namespace text, id text, inputs jsonb DEFAULT '{}', labels jsonb DEFAULT '{}')
    RETURNS text AS 'MODULE_PATHNAME', 'flow_start' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_start(text, text, jsonb, jsonb) IS
    'start an execution of the latest revision of a flow; runs it up to its first pause or external task; returns the execution id';

CREATE FUNCTION flow_resume(execution_id text, inputs jsonb DEFAULT '{}', task_id text DEFAULT NULL)
    RETURNS text AS 'MODULE_PATHNAME', 'flow_resume' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_resume(text, jsonb, text) IS
    'resume a paused execution with the onResume inputs; returns the execution''s state afterwards';

CREATE FUNCTION flow_resume_bulk(execution_ids text[], inputs jsonb DEFAULT '{}')
    RETURNS int AS 'MODULE_PATHNAME', 'flow_resume_bulk' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_resume_bulk(text[], jsonb) IS
    'resume many paused executions, all or nothing; returns how many were resumed';

CREATE FUNCTION flow_kill(execution_id text)
    RETURNS text AS 'MODULE_PATHNAME', 'flow_kill' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_kill(text) IS 'kill an unfinished execution; nothing after a pause runs';

CREATE FUNCTION flow_restart(execution_id text)
    RETURNS text AS 'MODULE_PATHNAME', 'flow_restart' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_restart(text) IS 're-run a FAILED execution from its failed task runs';

CREATE FUNCTION flow_wait(execution_id text, timeout interval DEFAULT '30s')
    RETURNS text AS 'MODULE_PATHNAME', 'flow_wait' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_wait(text, interval) IS
    'wait until an execution is finished or paused, or the timeout passes; returns its state';
