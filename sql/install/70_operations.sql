-- flowpg install script, part 7: running flowpg for years: retention (flow_purge) and the
-- background worker's health (flowpg.worker_status).

-- for flow_purge, which finds the oldest finished executions by their end time:
CREATE INDEX executions_ended_idx ON flowpg.executions (ended_at) WHERE ended_at IS NOT NULL;

CREATE FUNCTION flow_purge(older_than interval, namespace text DEFAULT NULL, batch_size int DEFAULT 1000)
    RETURNS int AS 'MODULE_PATHNAME', 'flow_purge' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_purge(interval, text, int) IS
    'delete one batch of finished executions that ended more than older_than ago (in a namespace and below, or everywhere), with their task runs, logs and work; subflow trees go whole; audit rows stay; needs ADMIN there; returns how many were deleted: call again until 0';

-- The worker's health: one row, read from the worker's shared memory and this database's queue;
-- for members of pg_monitor and holders of ADMIN on '' (the function checks).
CREATE FUNCTION flowpg.worker_status_row(
    OUT running boolean, OUT pid int, OUT state text, OUT database text,
    OUT serves_this_database boolean, OUT started_at timestamptz, OUT in_flight int,
    OUT queued_sends bigint, OUT queued_timers bigint, OUT oldest_queued_age interval,
    OUT last_error text, OUT last_error_at timestamptz,
    OUT sends_completed bigint, OUT sends_failed bigint, OUT warning text)
    AS 'MODULE_PATHNAME', 'flowpg_worker_status' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flowpg.worker_status_row() IS
    'the row of flowpg.worker_status; needs membership of pg_monitor or ADMIN on ''''';
CREATE VIEW flowpg.worker_status AS SELECT * FROM flowpg.worker_status_row();
GRANT SELECT ON flowpg.worker_status TO PUBLIC;
