\set ECHO none
-- Helpers shared by the regression tests (included with \i from the tree's top directory).
-- They live in pg_temp, so each test file's session gets its own and nothing is left behind.

-- The outcome of a call: its result, or its SQLSTATE, message and detail, with the random
-- 22-character execution and task run ids replaced by <id> and UTC timestamps by <time>.
CREATE FUNCTION pg_temp.try(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
    detail text;
BEGIN
    EXECUTE call INTO result;
    RETURN result;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN regexp_replace(regexp_replace(
               SQLSTATE || ': ' || SQLERRM || CASE WHEN detail <> '' THEN E'\n' || detail ELSE '' END,
               '[0-9A-Za-z]{22}', '<id>', 'g'),
               '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z', '<time>', 'g');
END $$;

-- The task runs of an execution in order, as "task_id:STATE ...".
CREATE FUNCTION pg_temp.runs(exec text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(task_id || ':' || state, ' ' ORDER BY created_at, id)
    FROM flowpg.task_runs WHERE execution_id = exec
$$;

-- Start a flow and show its state and task runs.
CREATE FUNCTION pg_temp.run(ns text, flow text, inputs jsonb DEFAULT '{}') RETURNS TABLE (state text, runs text)
LANGUAGE plpgsql AS $$
DECLARE exec_id text := flow_start(ns, flow, inputs);
BEGIN
    RETURN QUERY SELECT x.state, pg_temp.runs(x.id) FROM flowpg.executions x WHERE x.id = exec_id;
END $$;
\set ECHO all
