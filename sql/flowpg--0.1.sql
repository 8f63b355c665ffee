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
    ended_at      timestamptz
);
CREATE INDEX executions_flow_idx ON flowpg.executions (namespace, flow_id, created_at);
CREATE INDEX executions_parent_idx ON flowpg.executions (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX executions_unfinished_idx ON flowpg.executions (state) WHERE ended_at IS NULL;

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
    ended_at        timestamptz
);
CREATE INDEX task_runs_execution_idx ON flowpg.task_runs (execution_id);
-- the inbox and resume look paused task runs up by assignee, or by namespace for plain pauses
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
CREATE INDEX audit_log_execution_idx ON flowpg.audit_log (execution_id)
    WHERE execution_id IS NOT NULL;
CREATE INDEX audit_log_namespace_idx ON flowpg.audit_log (namespace, at);

-- Secrets, per namespace ('' is the global namespace).  Never readable through SQL.
CREATE TABLE flowpg.secrets (
    namespace  text        NOT NULL,
    name       text        NOT NULL,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by name        NOT NULL DEFAULT current_user,
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

-- Namespace permissions: VIEW, EXECUTE, RESUME, DEPLOY, ADMIN.  A grant on 'hr' covers 'hr.*';
-- '' covers every namespace.  grantee is stored as a role oid so that renaming a role keeps its
-- grants (and regrole so that pg_dump writes role names, which a restore maps to the new oids).
-- A row counts only while its grantee holds the marker privilege flow_grant gives (see
-- src/security.c), which also keeps the role from being dropped by accident.
CREATE TABLE flowpg.namespace_grants (
    namespace  text        NOT NULL,
    grantee    regrole     NOT NULL,
    permission text        NOT NULL CHECK (permission IN ('VIEW', 'EXECUTE', 'RESUME', 'DEPLOY', 'ADMIN')),
    granted_by name        NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grantee, namespace, permission)
);

-- The real values of SECRET-typed inputs (flow inputs and onResume), which the read model shows
-- masked.  Tasks render with these values; no user can read them.
CREATE TABLE flowpg.execution_secrets (
    execution_id text  PRIMARY KEY,
    inputs       jsonb NOT NULL
);

-- Work for the background worker: external tasks to send ('send', and 'retry' rows that carry a
-- request), and timers to fire: pauses to expire ('expire', 'timeout') and retries of internal
-- tasks ('retry').  A row is due at due_at.  The worker claims due sends (claimed_at, committed
-- before anything goes out), records each result in a transaction of its own and deletes the row
-- there; claims left by a worker that stopped or crashed are cleared when the next one starts, so
-- the work is sent again (at-least-once).  Timers are fired, each in a transaction of its own,
-- without being claimed.  detail holds the rendered request ({request, secrets}) or the pause's
-- {behavior}; the worker adds workerFailures when it had to put a row off after an error.
CREATE TABLE flowpg.work (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('send', 'expire', 'timeout', 'retry')),
    execution_id text,
    task_run_id  text,
    due_at       timestamptz NOT NULL,
    claimed_at   timestamptz,
    detail       jsonb       NOT NULL DEFAULT '{}'
);
-- the worker's two queues, each read in due order: sends (bounded by the requests it may have in
-- flight) and timers; the predicates are spelled exactly as the worker's queries spell them
CREATE INDEX work_send_idx ON flowpg.work (due_at)
    WHERE claimed_at IS NULL AND (kind = 'send' OR (kind = 'retry' AND detail ? 'request'));
CREATE INDEX work_timer_idx ON flowpg.work (due_at)
    WHERE claimed_at IS NULL AND NOT (kind = 'send' OR (kind = 'retry' AND detail ? 'request'));
CREATE INDEX work_claimed_idx ON flowpg.work (claimed_at) WHERE claimed_at IS NOT NULL;
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

-- Nobody but the extension's owner touches the tables directly.  Read access and row-level
-- security policies are granted in the security part of this script.
REVOKE ALL ON ALL TABLES IN SCHEMA flowpg FROM PUBLIC;
GRANT USAGE ON SCHEMA flowpg TO PUBLIC;
-- ... and under session_replication_role = replica too.
ALTER TABLE flowpg.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
ALTER TABLE flowpg.audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;
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
-- flowpg install script, part 2: rendering templates (SPEC section 3), for writing and debugging
-- flows.

CREATE FUNCTION flow_render(template text, context jsonb DEFAULT '{}') RETURNS text
    AS 'MODULE_PATHNAME', 'flow_render' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_render(text, jsonb) IS
    'render a template against a context exactly as a task property would be (strict); secret() and kv() resolve in context.flow.namespace for ADMIN roles only, and secret values come back as ******';
-- flowpg install script, part 3: secrets and the key-value store (ADMIN on the namespace).

CREATE FUNCTION flow_secret_set(namespace text, name text, value text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_secret_set' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_secret_set(text, text, text) IS
    'create or replace a secret in a namespace ('''' is global); its value is never readable through SQL';

CREATE FUNCTION flow_secret_delete(namespace text, name text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_secret_delete' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_secret_delete(text, text) IS 'remove a secret';

CREATE FUNCTION flow_kv_set(namespace text, key text, value jsonb) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_kv_set' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_kv_set(text, text, jsonb) IS 'create or replace a key-value entry';

CREATE FUNCTION flow_kv_get(namespace text, key text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'flow_kv_get' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION flow_kv_get(text, text) IS 'the value of a key-value entry, or NULL';

CREATE FUNCTION flow_kv_delete(namespace text, key text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_kv_delete' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_kv_delete(text, text) IS 'remove a key-value entry';
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

-- Plain pauses are found by the namespaces that cover them (the GIN indexes on assigned_users
-- and assigned_groups, in the storage part, find HumanTasks).
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
           e.inputs
    FROM flowpg.task_runs AS t
    JOIN flowpg.executions AS e ON e.id = t.execution_id
    JOIN flowpg.flow_revisions AS r
      ON r.namespace = e.namespace AND r.id = e.flow_id AND r.revision = e.flow_revision
    CROSS JOIN LATERAL (
        SELECT pg_catalog.jsonb_path_query_first(r.definition,
                   'strict $.** ? (@.id == $id && @.type like_regex "(Pause|HumanTask)$")',
                   pg_catalog.jsonb_build_object('id', t.task_id)) AS definition
    ) AS task
    WHERE t.state = 'PAUSED'
      AND (t.assigned_users OPERATOR(pg_catalog.&&) ARRAY[CURRENT_USER::text COLLATE "default"]
           OR t.assigned_groups OPERATOR(pg_catalog.&&) flowpg.current_groups()
           OR (t.assigned_users IS NULL AND t.assigned_groups IS NULL
               AND flowpg.namespace_path(t.namespace) OPERATOR(pg_catalog.&&) flowpg.resume_namespaces()))
      AND flowpg.may_resume(t.namespace, t.assigned_users, t.assigned_groups);
COMMENT ON VIEW flowpg.inbox IS
    'the paused task runs (Pause and HumanTask) that the current role may resume with flow_resume';
GRANT SELECT ON flowpg.inbox TO PUBLIC;
-- flowpg install script, part 6: signed approval links (appLink() in a task with a pause in
-- context) and what an approval application calls with them.

-- The database's link key: one row, readable by no role (row-level security with no policy, and
-- no privilege).  tag tells this database's tokens from another's; it is made with the first
-- key, which is created when the first signed link is rendered, and kept across rotations.
-- flow_link_key_rotate() replaces key with a new one of the next generation, so that links
-- signed before fail as rotated.
CREATE TABLE flowpg.link_keys (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    tag        bytea       NOT NULL CHECK (length(tag) = 8),
    generation int         NOT NULL CHECK (generation > 0),
    key        bytea       NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name        NOT NULL
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
