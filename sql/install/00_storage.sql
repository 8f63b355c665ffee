-- flowpg install script, part 0: storage.
--
-- Every table of the product lives in the schema flowpg.  Users write none of them: every write
-- goes through the functions of the later parts, which check permissions and then write as the
-- extension's owner.  The read model (flow_revisions, executions, task_runs, logs, audit_log,
-- and the views flows and inbox) is readable under row-level security; the rest (secrets, kv,
-- secret input values, the work queue, trigger state) is readable by no user at all.

\echo Use "CREATE EXTENSION flowpg" to load this file. \quit

CREATE SCHEMA flowpg;
COMMENT ON SCHEMA flowpg IS 'flowpg: flows, executions, approvals';

-- One row per deployed revision of a flow.  Revisions are immutable; the latest revision of a
-- flow is the one with the highest number, and it alone says whether the flow is deleted.
CREATE TABLE flowpg.flow_revisions (
    namespace   text        NOT NULL,
    id          text        NOT NULL,
    revision    int         NOT NULL,
    source      text        NOT NULL,
    definition  jsonb       NOT NULL,
    disabled    boolean     NOT NULL DEFAULT false,
    deleted     boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  name        NOT NULL DEFAULT current_user,
    PRIMARY KEY (namespace, id, revision)
);

-- One row per run of a flow revision.  history is a jsonb array of {state, date}, appended to,
-- never edited.  labels is an object whose keys are as given ("system.username").
CREATE TABLE flowpg.executions (
    id            text        PRIMARY KEY,
    namespace     text        NOT NULL,
    flow_id       text        NOT NULL,
    flow_revision int         NOT NULL,
    state         text        NOT NULL,
    inputs        jsonb       NOT NULL DEFAULT '{}',
    labels        jsonb       NOT NULL DEFAULT '{}',
    outputs       jsonb,
    history       jsonb       NOT NULL DEFAULT '[]',
    parent_id     text,
    trigger       jsonb,
    created_by    name        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    -- an execution that a retry (behavior CREATE_NEW_EXECUTION) started: {attemptNumber,
    -- originalId, originalCreatedDate}, Kestra's execution metadata; NULL for a first attempt
    metadata      jsonb
);
-- Every index of flowpg's tables is there for a query of flowpg's that needs it (named in a
-- "for" comment); each costs every insert and every update that is not HOT.
-- for the lookups by id (every step's row lock) and flow_purge's trees: the primary key, and
-- for a subflow's children (flow_kill, flow_purge's trees, a parent's advance):
CREATE INDEX executions_parent_idx ON flowpg.executions (parent_id) WHERE parent_id IS NOT NULL;

-- One row per run of one task inside an execution.  namespace is copied from the execution so
-- that row-level security needs no join.  attempts is a jsonb array of {state, startDate,
-- endDate}, one per try.  due_at is when a pause expires, a retry falls due or a timeout fires.
CREATE TABLE flowpg.task_runs (
    id              text        PRIMARY KEY,
    execution_id    text        NOT NULL,
    namespace       text        NOT NULL,
    task_id         text        NOT NULL,
    parent_id       text,
    state           text        NOT NULL,
    outputs         jsonb,
    attempts        jsonb       NOT NULL DEFAULT '[]',
    history         jsonb       NOT NULL DEFAULT '[]',
    assigned_users  text[],
    assigned_groups text[],
    due_at          timestamptz,
    created_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    value           text,
    iteration       int4
);
-- for exec_load's "SELECT ... FROM flowpg.task_runs WHERE execution_id = $1", the link page's
-- pause, flow_purge's DELETE and the row security of task runs by execution:
CREATE INDEX task_runs_execution_idx ON flowpg.task_runs (execution_id);
-- for the inbox and resume: look paused task runs up by assignee, or by namespace for plain pauses
CREATE INDEX task_runs_paused_users_idx ON flowpg.task_runs USING gin (assigned_users)
    WHERE state = 'PAUSED';
CREATE INDEX task_runs_paused_groups_idx ON flowpg.task_runs USING gin (assigned_groups)
    WHERE state = 'PAUSED';
-- (the index for plain pauses, on flowpg.namespace_path(namespace), is in the security part)

-- Log lines written by tasks (Log, and errors of failed task runs).
CREATE TABLE flowpg.logs (
    execution_id text        NOT NULL,
    task_run_id  text,
    task_id      text,
    namespace    text        NOT NULL,
    level        text        NOT NULL,
    message      text        NOT NULL,
    at           timestamptz NOT NULL
);
-- for the error logs of an execution in expressions (exec_render.c, by execution in order of
-- time), the app's execution page and flow_purge's DELETE:
CREATE INDEX logs_execution_idx ON flowpg.logs (execution_id, at);

-- Who did what.  Append-only: a trigger below refuses updates, deletes and truncation.
CREATE TABLE flowpg.audit_log (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor        name        NOT NULL,
    action       text        NOT NULL,
    namespace    text,
    flow_id      text,
    execution_id text,
    task_run_id  text,
    detail       jsonb       NOT NULL DEFAULT '{}'
);
-- for an approval link's decision ("SELECT detail ->> 'via' FROM flowpg.audit_log WHERE
-- execution_id = $1 ...", api_links.c) and the app's execution page:
CREATE INDEX audit_log_execution_idx ON flowpg.audit_log (execution_id)
    WHERE execution_id IS NOT NULL;

-- Secrets, per namespace ('' is the global namespace).  Never readable through SQL.  With
-- flowpg.secret_key_file set, value is sealed (AES-256-GCM, src/core/secret_crypt.c) and key_id names
-- the key; key_id NULL marks a value in clear (no key configured, or stored by 0.1).
CREATE TABLE flowpg.secrets (
    namespace  text        NOT NULL,
    name       text        NOT NULL,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by name        NOT NULL DEFAULT current_user,
    key_id     text        CHECK (key_id ~ '^[0-9a-f]{16}$'),
    PRIMARY KEY (namespace, name)
);

-- The key-value store, per namespace ('' is the global namespace).
CREATE TABLE flowpg.kv (
    namespace  text        NOT NULL,
    key        text        NOT NULL,
    value      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by name        NOT NULL DEFAULT current_user,
    PRIMARY KEY (namespace, key)
);

-- The type of namespace_grants.grantee: a role's oid, written out as its name like regrole, so
-- that pg_dump writes role names that a restore maps to the new oids.  Unlike regrole's, its
-- input does not fail on a name that is no role (a restore into a cluster without that role):
-- it warns and gives oid 0, and the trigger namespace_grants_skip_missing drops the row, so the
-- other grants are restored (src/api/api_restore.c).  It converts to and from oid and regrole for
-- free, and uses oid's operators and indexes.
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

-- Namespace permissions: VIEW, EXECUTE, RESUME, DEPLOY, ADMIN.  A grant on 'hr' covers 'hr.*';
-- '' covers every namespace.  grantee is stored as a role oid so that renaming a role keeps its
-- grants (and as grantee_role so that pg_dump writes role names, which a restore maps to the new
-- oids, skipping the roles the new cluster lacks).
-- A row counts only while its grantee holds the marker privilege flow_grant gives (see
-- src/core/security.c), which also keeps the role from being dropped by accident.
CREATE TABLE flowpg.namespace_grants (
    namespace  text        NOT NULL,
    grantee    flowpg.grantee_role NOT NULL,
    permission text        NOT NULL CHECK (permission IN ('VIEW', 'EXECUTE', 'RESUME', 'DEPLOY', 'ADMIN')),
    granted_by name        NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grantee, namespace, permission)
);

-- The real values of SECRET-typed inputs (flow inputs and onResume), which the read model shows
-- masked.  Tasks render with these values; no user can read them.  Sealed like secrets.value
-- when key_id is set: inputs is then a JSON string, the sealed JSON text.
CREATE TABLE flowpg.execution_secrets (
    execution_id text  PRIMARY KEY,
    inputs       jsonb NOT NULL,
    key_id       text  CHECK (key_id ~ '^[0-9a-f]{16}$')
);

-- Work for the background worker: external tasks to send ('send', and 'retry' rows that carry a
-- request), and timers to fire: pauses to expire ('expire', 'timeout') and retries of internal
-- tasks ('retry').  A row is due at due_at.  The worker claims due sends (claimed_at, committed
-- before anything goes out), records each result in a transaction of its own and deletes the row
-- there; claims left by a worker that stopped or crashed are cleared when the next one starts, so
-- the work is sent again (at-least-once).  Timers are fired, each in a transaction of its own,
-- without being claimed.  detail holds the rendered request ({request, secrets}) or the pause's
-- {behavior}; the worker adds workerFailures when it had to put a row off after an error.  A
-- request rendered with secrets is stored sealed when a key file is set ({request: sealed text,
-- key_id}, src/engine/exec_store.c), like flowpg.secrets.value.
-- namespace is the execution's, for sharing the worker's slots fairly among namespaces.
CREATE TABLE flowpg.work (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('send', 'expire', 'timeout', 'retry')),
    execution_id text,
    task_run_id  text,
    due_at       timestamptz NOT NULL,
    claimed_at   timestamptz,
    detail       jsonb       NOT NULL DEFAULT '{}',
    namespace    text        NOT NULL DEFAULT ''
);
-- for the worker's two queues, each read in due order: sends (bounded by the requests it may have in
-- flight) and timers; the predicates are spelled exactly as the worker's queries spell them
CREATE INDEX work_send_idx ON flowpg.work (due_at)
    WHERE claimed_at IS NULL AND (kind = 'send' OR (kind = 'retry' AND detail ? 'request'));
CREATE INDEX work_timer_idx ON flowpg.work (due_at)
    WHERE claimed_at IS NULL AND NOT (kind = 'send' OR (kind = 'retry' AND detail ? 'request'));
-- for the worker's sharing of slots: the sends queued by namespace, each namespace's in due order: the worker shares its slots
-- among the namespaces with sends waiting (it finds them by skipping through this index)
CREATE INDEX work_send_namespace_idx ON flowpg.work (namespace, due_at)
    WHERE claimed_at IS NULL AND (kind = 'send' OR (kind = 'retry' AND detail ? 'request'));
-- for "UPDATE flowpg.work SET claimed_at = NULL WHERE claimed_at IS NOT NULL" (a new worker's start):
CREATE INDEX work_claimed_idx ON flowpg.work (claimed_at) WHERE claimed_at IS NOT NULL;
-- for "DELETE FROM flowpg.work WHERE task_run_id = $1" (a resumed pause's expiry, a killed run):
CREATE INDEX work_task_run_idx ON flowpg.work (task_run_id);

-- State kept for triggers: for each Schedule trigger of a flow that can run, its definition as
-- deployed (schedule) and its next fire time (next_at, NULL when the cron expression never
-- matches again); and the executions seen inside the time window of a Flow trigger's
-- preconditions (window_state; schedule is NULL on those rows).
CREATE TABLE flowpg.trigger_state (
    namespace  text        NOT NULL,
    flow_id    text        NOT NULL,
    trigger_id text        NOT NULL,
    schedule   jsonb,
    next_at    timestamptz,
    window_state jsonb     NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, flow_id, trigger_id)
);
-- for the worker's due schedules, in the order they fall due:
CREATE INDEX trigger_state_next_idx ON flowpg.trigger_state (next_at) WHERE schedule IS NOT NULL;

-- The Flow triggers of the latest revision of every flow that has some, kept at deploy so that
-- the executor finds the listeners of a state change without reading flow definitions.
CREATE TABLE flowpg.flow_listeners (
    namespace  text  NOT NULL,
    flow_id    text  NOT NULL,
    trigger_id text  NOT NULL,
    trigger    jsonb NOT NULL,
    PRIMARY KEY (namespace, flow_id, trigger_id)
);

-- pg_dump keeps user data; the extension's objects are recreated by CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_revisions', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.executions', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.task_runs', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.logs', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.secrets', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.kv', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.namespace_grants', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.execution_secrets', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.work', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.trigger_state', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_listeners', '');
-- ... and where the identity columns' sequences stand, so new rows after a restore don't collide
SELECT pg_catalog.pg_extension_config_dump('flowpg.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.work_id_seq', '');

-- The audit log is append-only, for superusers too.
CREATE FUNCTION flowpg.audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'flowpg.audit_log is append-only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit rows can be neither updated nor deleted.';
END
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON flowpg.audit_log
    FOR EACH ROW EXECUTE FUNCTION flowpg.audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON flowpg.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION flowpg.audit_log_refuse_change();

-- A grant row whose role a restore did not find (grantee_role's input gave oid 0, with a WARNING
-- naming the role) is left out, so that the other rows of the COPY are restored.
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

-- Nobody but the extension's owner touches the tables directly.  Read access and row-level
-- security policies are granted in the security part of this script.
REVOKE ALL ON ALL TABLES IN SCHEMA flowpg FROM PUBLIC;
GRANT USAGE ON SCHEMA flowpg TO PUBLIC;
-- ... and under session_replication_role = replica too.
ALTER TABLE flowpg.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
ALTER TABLE flowpg.audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;
ALTER TABLE flowpg.namespace_grants ENABLE ALWAYS TRIGGER namespace_grants_skip_missing;
