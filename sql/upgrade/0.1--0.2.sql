-- flowpg upgrade from 0.1 to 0.2 (ALTER EXTENSION flowpg UPDATE); the Makefile appends
-- sql/install/90_comments.sql to make sql/flowpg--0.1--0.2.sql.
--
-- Every change that version 0.2 makes to the install script (sql/install/*.sql) is made here
-- to a 0.1 database, so that an upgraded database and a fresh 0.2 install have the same
-- catalog (test/t/22_upgrade.pl compares them) and keep every flow, execution, grant and
-- secret.  Install the 0.2 library, restart (the worker waits, idle, while the extension is
-- older than the library), then run ALTER EXTENSION flowpg UPDATE in the database.

\echo Use "ALTER EXTENSION flowpg UPDATE" to load this file. \quit

-- Signed approval links (sql/install/60_links.sql, as it is there).

-- The database's link key: one row, readable by no role (row-level security with no policy, and
-- no privilege).  tag tells this database's tokens from another's; it is made with the first
-- key, which is created when the first signed link is rendered, and kept across rotations.
-- flow_link_key_rotate() replaces key with a new one of the next generation, so that links
-- signed before fail as rotated.  With flowpg.secret_key_file set the key is sealed like a
-- secret (key_id names the key that sealed it, NULL: in clear), bound to its tag and
-- generation; flow_secret_key_rotate() seals a key in clear and re-seals it under a new key.
CREATE TABLE flowpg.link_keys (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    tag        bytea       NOT NULL CHECK (length(tag) = 8),
    generation int         NOT NULL CHECK (generation > 0),
    key        text        NOT NULL,
    key_id     text        CHECK (key_id ~ '^[0-9a-f]{16}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name        NOT NULL,
    -- in clear: the key's 64 hex digits; sealed: base64 of format, nonce, ciphertext and tag
    CHECK (CASE WHEN key_id IS NULL THEN key ~ '^[0-9a-f]{64}$'
                ELSE key ~ '^[A-Za-z0-9+/]{124}$' END)
);
REVOKE ALL ON flowpg.link_keys FROM PUBLIC;
ALTER TABLE flowpg.link_keys ENABLE ROW LEVEL SECURITY;
-- a dump keeps the key, so the links of a restored database still work
SELECT pg_catalog.pg_extension_config_dump('flowpg.link_keys', '');

CREATE FUNCTION flow_link(token text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'flow_link' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION flow_link(text) IS
    'what an approval link is for, deciding nothing: its status (open, pending, closed, decided, expired, killed, invalid) and, to a caller who may see the execution, the request and its form';

CREATE FUNCTION flow_resume_link(token text, inputs jsonb DEFAULT '{}') RETURNS text
    AS 'MODULE_PATHNAME', 'flow_resume_link' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_resume_link(text, jsonb) IS
    'decide through an approval link: flow_resume of the link''s paused task run, with the same checks; a link decides once';

CREATE FUNCTION flow_link_key_rotate() RETURNS int
    AS 'MODULE_PATHNAME', 'flow_link_key_rotate' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_link_key_rotate() IS
    'replace the approval link key, so that every link signed before fails; needs ADMIN on ''''; returns the new key generation';

-- Retention and the worker's health (sql/install/70_operations.sql, as it is there).

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

-- Grants restore into a cluster that lacks some of their roles (sql/install/00_storage.sql, as
-- it is there): namespace_grants.grantee becomes flowpg.grantee_role, whose input skips a missing
-- role with a WARNING, and a trigger drops such rows.  The column keeps its oids and its marker
-- privileges; the policy that reads it is made again around the change of type.
CREATE TYPE flowpg.grantee_role;
CREATE FUNCTION flowpg.grantee_role_in(cstring) RETURNS flowpg.grantee_role
    AS 'MODULE_PATHNAME', 'flowpg_grantee_role_in' LANGUAGE C STRICT STABLE;
CREATE FUNCTION flowpg.grantee_role_out(flowpg.grantee_role) RETURNS cstring
    AS 'MODULE_PATHNAME', 'flowpg_grantee_role_out' LANGUAGE C STRICT STABLE;
CREATE TYPE flowpg.grantee_role (
    INPUT = flowpg.grantee_role_in,
    OUTPUT = flowpg.grantee_role_out,
    LIKE = pg_catalog.oid
);
CREATE CAST (flowpg.grantee_role AS oid) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (oid AS flowpg.grantee_role) WITHOUT FUNCTION AS ASSIGNMENT;
CREATE CAST (regrole AS flowpg.grantee_role) WITHOUT FUNCTION AS ASSIGNMENT;
CREATE CAST (flowpg.grantee_role AS regrole) WITHOUT FUNCTION;

DROP POLICY namespace_grants_view ON flowpg.namespace_grants;
ALTER TABLE flowpg.namespace_grants
    ALTER COLUMN grantee TYPE flowpg.grantee_role USING grantee::oid::flowpg.grantee_role;
CREATE POLICY namespace_grants_view ON flowpg.namespace_grants FOR SELECT
    USING (flowpg.has_permission(namespace, 'ADMIN') OR pg_catalog.pg_has_role(grantee, 'USAGE'));

CREATE FUNCTION flowpg.namespace_grants_skip_missing() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.grantee::pg_catalog.oid OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER namespace_grants_skip_missing
    BEFORE INSERT ON flowpg.namespace_grants
    FOR EACH ROW EXECUTE FUNCTION flowpg.namespace_grants_skip_missing();
ALTER TABLE flowpg.namespace_grants ENABLE ALWAYS TRIGGER namespace_grants_skip_missing;

-- Secrets at rest (sql/install/00_storage.sql and 30_store.sql, as they are there).  Values of
-- 0.1 stay in clear, marked so by key_id NULL, and stay readable; with flowpg.secret_key_file
-- set, flow_secret_key_rotate() encrypts them.
ALTER TABLE flowpg.secrets ADD COLUMN key_id text CHECK (key_id ~ '^[0-9a-f]{16}$');
ALTER TABLE flowpg.execution_secrets ADD COLUMN key_id text CHECK (key_id ~ '^[0-9a-f]{16}$');

CREATE FUNCTION flow_secret_key_rotate() RETURNS bigint
    AS 'MODULE_PATHNAME', 'flow_secret_key_rotate' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_secret_key_rotate() IS
    'encrypt every secret, SECRET input value, queued request rendered with secrets and the approval link key with the key of flowpg.secret_key_file (values in clear, and those under flowpg.secret_key_file_previous), in one transaction; needs ADMIN on ''''; returns how many values it re-encrypted (the link key and each queued request count as one)';

-- The worker shares its in-flight slots fairly among namespaces (sql/install/00_storage.sql):
-- work rows carry their execution's namespace, and the queued sends are indexed by it.
ALTER TABLE flowpg.work ADD COLUMN namespace text NOT NULL DEFAULT '';
UPDATE flowpg.work w SET namespace = e.namespace FROM flowpg.executions e WHERE e.id = w.execution_id;
CREATE INDEX work_send_namespace_idx ON flowpg.work (namespace, due_at)
    WHERE claimed_at IS NULL AND (kind = 'send' OR (kind = 'retry' AND detail ? 'request'));
COMMENT ON COLUMN flowpg.work.namespace IS 'the namespace of its execution: the worker shares its in-flight slots among namespaces';

-- Indexes no query of flowpg's needs (issue 15): each cost every insert and update.
DROP INDEX flowpg.executions_flow_idx;
DROP INDEX flowpg.executions_unfinished_idx;
DROP INDEX flowpg.audit_log_namespace_idx;

-- Retry with behavior CREATE_NEW_EXECUTION (sql/install/00_storage.sql): the attempt number,
-- first id and first start of an execution that a retry started.
ALTER TABLE flowpg.executions ADD COLUMN metadata jsonb;

-- Flow-level concurrency (sql/install/75_concurrency.sql, as it is there).
CREATE TABLE flowpg.flow_slots (
    namespace  text NOT NULL,
    flow_id    text NOT NULL,
    slot_limit int  CHECK (slot_limit > 0),
    used       int  NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (namespace, flow_id)
);
-- The executions waiting in state QUEUED for a slot of their flow, in the order they queued.
-- for "DELETE FROM flowpg.flow_queue WHERE execution_id = $1" (a start from the queue, a kill):
-- the primary key
CREATE TABLE flowpg.flow_queue (
    execution_id text   PRIMARY KEY,
    seq          bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    namespace    text   NOT NULL,
    flow_id      text   NOT NULL
);
-- for the oldest queued execution of a flow, taken when a slot frees:
CREATE INDEX flow_queue_flow_idx ON flowpg.flow_queue (namespace, flow_id, seq);
-- readable by no role: flowpg.executions shows the QUEUED executions
REVOKE ALL ON flowpg.flow_slots, flowpg.flow_queue FROM PUBLIC;
ALTER TABLE flowpg.flow_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.flow_queue ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_slots', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_queue', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_queue_seq_seq', '');

-- Loops (issue 12): a task inside a ForEach has one task run per iteration, told apart by the
-- iteration's value (taskrun.value) and its index (taskrun.iteration).
ALTER TABLE flowpg.task_runs ADD COLUMN value text;
ALTER TABLE flowpg.task_runs ADD COLUMN iteration int4;
COMMENT ON COLUMN flowpg.task_runs.value IS 'the ForEach value of its iteration (taskrun.value), for the direct children of a ForEach; else NULL';
COMMENT ON COLUMN flowpg.task_runs.iteration IS 'the 0-based index of that value among the ForEach''s distinct values, or of a WaitFor''s iteration (taskrun.iteration); else NULL';

-- The inbox shows which loop iteration each pause belongs to (sql/install/50_security.sql, as
-- it is there; new columns at the end).
CREATE OR REPLACE VIEW flowpg.inbox WITH (security_barrier = true) AS
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
COMMENT ON COLUMN flowpg.inbox.value IS 'inside a ForEach: the value of the iteration it pauses (its own, or that of the nearest task run holding it); else NULL';
COMMENT ON COLUMN flowpg.inbox.iteration IS 'inside a ForEach: that iteration''s 0-based index; else NULL';
