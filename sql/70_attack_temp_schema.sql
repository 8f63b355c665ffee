-- Attack: code running as a flow's deployer through the caller's temporary schema (issue 11,
-- finding 1).  A Query runs in the caller's session as the role that deployed the flow; a
-- temporary table, view or type of that session, named like something the Query reads, would
-- be found first and run the caller's trigger (or view) with the deployer's rights.  flowpg
-- refuses to run a Query in a session that holds temporary relations or types, resets the
-- settings the session changed with SET, and runs flowpg's own statements with every relation
-- schema-qualified and pg_catalog first.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t70_exe;        -- EXECUTE on team: starts flows
CREATE ROLE flowpg_t70_resumer;    -- RESUME on team: resumes them
CREATE ROLE flowpg_t70_approver;   -- assignee of a HumanTask, no permission at all
SELECT flow_grant('team', 'flowpg_t70_exe', 'EXECUTE');
SELECT flow_grant('team', 'flowpg_t70_resumer', 'RESUME');

-- the business table, and flows a superuser deployed: a Query at the start, one after a pause,
-- one after a HumanTask
CREATE TABLE public.requests (id int PRIMARY KEY, status text);
INSERT INTO public.requests VALUES (1, 'PENDING');
SELECT revision FROM flow_deploy($$
id: approve_req
namespace: team
inputs:
  - id: rid
    type: INT
tasks:
  - id: approve
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: UPDATE requests SET status = 'APPROVED' WHERE id = :rid
    parameters:
      rid: "{{ inputs.rid }}"
$$);
SELECT revision FROM flow_deploy($$
id: watch_after_pause
namespace: team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: who
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT count(*)::int AS n FROM pg_stat_activity
    fetchType: FETCH_ONE
$$);
SELECT revision FROM flow_deploy($$
id: human_then_query
namespace: team
tasks:
  - id: decide
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: [flowpg_t70_approver]
  - id: record
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: UPDATE requests SET status = 'DECIDED' WHERE id = 1
$$);

-- the attack of the review: an EXECUTE-only role plants a temporary table named like the
-- business table, with a trigger that would make it a superuser, and starts the flow
SET ROLE flowpg_t70_exe;
CREATE TEMP TABLE requests (id int, status text);
INSERT INTO requests VALUES (1, 'x');
CREATE FUNCTION pg_temp.evil() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN EXECUTE 'ALTER ROLE flowpg_t70_exe SUPERUSER'; RETURN NEW; END $f$;
CREATE TRIGGER t BEFORE UPDATE ON requests FOR EACH ROW EXECUTE FUNCTION pg_temp.evil();
SELECT flow_start('team', 'approve_req', '{"rid": 1}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT rolsuper AS exe_is_superuser FROM pg_roles WHERE rolname = 'flowpg_t70_exe';
SELECT status FROM public.requests;
SELECT count(*) AS executions_started FROM flowpg.executions WHERE flow_id = 'approve_req';

-- without temporary relations, the same role starts the flow and the Query does its work
SET ROLE flowpg_t70_exe;
DROP TABLE pg_temp.requests;
DROP FUNCTION pg_temp.evil();
SELECT * FROM pg_temp.run('team', 'approve_req', '{"rid": 1}');
RESET ROLE;
SELECT status FROM public.requests;
SELECT rolsuper AS exe_is_superuser FROM pg_roles WHERE rolname = 'flowpg_t70_exe';

-- temporary functions are fine: PostgreSQL never looks for an unqualified function or operator
-- in pg_temp, so they cannot stand in for anything (the regress helpers are such functions)
SET ROLE flowpg_t70_exe;
CREATE FUNCTION pg_temp.harmless() RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT * FROM pg_temp.run('team', 'approve_req', '{"rid": 1}');
RESET ROLE;

-- the second attack of the review: a RESUME holder plants a temporary view named like the
-- catalog view the Query after the pause reads
SELECT flow_start('team', 'watch_after_pause') AS paused \gset
SET ROLE flowpg_t70_resumer;
CREATE TEMP VIEW pg_stat_activity AS SELECT 42 AS n;
SELECT flow_resume(:'paused');
\echo :LAST_ERROR_SQLSTATE
SELECT state FROM flowpg.executions WHERE id = :'paused';
DROP VIEW pg_temp.pg_stat_activity;
SELECT flow_resume(:'paused');
RESET ROLE;
SELECT outputs -> 'row' ->> 'n' <> '42' AS read_the_real_catalog_view
FROM flowpg.task_runs WHERE execution_id = :'paused' AND task_id = 'who';

-- a temporary type (composite, domain) counts like a relation: both are found through
-- search_path before the deployer's own
SET ROLE flowpg_t70_exe;
CREATE TYPE pg_temp.status_kind AS (s text);
SELECT pg_temp.try($$SELECT flow_start('team', 'approve_req', '{"rid": 1}')$$);
DROP TYPE pg_temp.status_kind;
CREATE DOMAIN pg_temp.rid AS int CHECK (VALUE > 0);
SELECT pg_temp.try($$SELECT flow_start('team', 'approve_req', '{"rid": 1}')$$);
DROP DOMAIN pg_temp.rid;
RESET ROLE;

-- a HumanTask's assignee, with a temporary table named like the business table: refused too
SELECT flow_start('team', 'human_then_query') AS human \gset
SET ROLE flowpg_t70_approver;
CREATE TEMP TABLE requests (id int, status text);
CREATE FUNCTION pg_temp.evil2() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN EXECUTE 'ALTER ROLE flowpg_t70_approver SUPERUSER'; RETURN NEW; END $f$;
CREATE TRIGGER t BEFORE UPDATE ON requests FOR EACH ROW EXECUTE FUNCTION pg_temp.evil2();
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'human'));
DROP TABLE pg_temp.requests;
SELECT flow_resume(:'human');
RESET ROLE;
SELECT status FROM public.requests;

-- settings the calling session changed with SET do not reach the deployer's SQL: a custom
-- setting that the business table's row-level security reads, say
CREATE TABLE public.tenant_rows (tenant text, note text);
INSERT INTO public.tenant_rows VALUES ('a', 'of tenant a'), ('b', 'of tenant b');
CREATE ROLE flowpg_t70_app;
GRANT SELECT ON public.tenant_rows TO flowpg_t70_app;
ALTER TABLE public.tenant_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_tenant ON public.tenant_rows
    USING (tenant = coalesce(nullif(current_setting('app.tenant', true), ''), 'a'));
SELECT flow_grant('team', 'flowpg_t70_app', 'DEPLOY');
SET ROLE flowpg_t70_app;
SELECT revision FROM flow_deploy($$
id: tenant_read
namespace: team
tasks:
  - id: read
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT string_agg(note, ', ') AS notes, current_setting('work_mem') AS work_mem FROM tenant_rows
    fetchType: FETCH_ONE
$$);
RESET ROLE;
SET ROLE flowpg_t70_exe;
SET app.tenant = 'b';
SET work_mem = '77kB';
SELECT flow_start('team', 'tenant_read') AS tenant \gset
SHOW app.tenant;
SHOW work_mem;
RESET app.tenant;
RESET work_mem;
RESET ROLE;
SELECT outputs -> 'row' AS row FROM flowpg.task_runs WHERE execution_id = :'tenant';

-- flowpg's own statements: temporary tables named like every relation flowpg reads or writes,
-- each with a trigger that would raise, do not stand in for flowpg's tables in a start, a
-- resume of a Pause and of a HumanTask, a kill, a bulk resume, or an expiry by the worker
SELECT revision FROM flow_deploy($$
id: plain
namespace: team
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: first
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: ok
        type: BOOLEAN
        defaults: true
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: "ok={{ outputs.wait.onResume.ok }}"
$$);
SELECT revision FROM flow_deploy($$
id: expiring
namespace: team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.5S
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: expired and went on
$$);
SELECT revision FROM flow_deploy($$
id: human
namespace: team
tasks:
  - id: decide
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: [flowpg_t70_approver]
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: decided
$$);
SELECT flow_grant('team', 'flowpg_t70_exe', 'RESUME');
-- (flow_wait returns at once for a paused execution: this waits for the worker's expiry)
CREATE FUNCTION pg_temp.await_expiry(exec text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE s text;
BEGIN
    FOR i IN 1..200 LOOP
        SELECT state INTO s FROM flowpg.executions WHERE id = exec;
        EXIT WHEN s <> 'PAUSED';
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN s;
END $f$;
SET ROLE flowpg_t70_exe;
CREATE FUNCTION pg_temp.hijacked() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN RAISE EXCEPTION 'a temporary % of the caller stood in for flowpg''s', TG_TABLE_NAME; END $f$;
DO $d$
DECLARE
    rel text;
BEGIN
    FOREACH rel IN ARRAY ARRAY['executions', 'task_runs', 'logs', 'audit_log', 'work', 'secrets',
                               'kv', 'flow_revisions', 'flows', 'namespace_grants', 'execution_secrets',
                               'trigger_state', 'flow_listeners', 'inbox', 'pg_extension', 'pg_roles']
    LOOP
        EXECUTE format('CREATE TEMP TABLE %I (id text, execution_id text, namespace text, state text)', rel);
        EXECUTE format('CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.%I'
                       ' FOR EACH ROW EXECUTE FUNCTION pg_temp.hijacked()', rel);
    END LOOP;
END $d$;
SELECT flow_start('team', 'plain') AS p1 \gset
SELECT flow_start('team', 'plain') AS p2 \gset
SELECT flow_start('team', 'plain') AS p3 \gset
SELECT flow_start('team', 'expiring') AS ex \gset
SELECT flow_start('team', 'human') AS h1 \gset
SELECT flow_resume(:'p1', '{"ok": false}');
SELECT flow_resume_bulk(ARRAY[:'p2'], '{}');
SELECT flow_kill(:'p3');
SELECT pg_temp.await_expiry(:'ex');
RESET ROLE;
-- (the same session, as the assignee: its temporary tables are still there)
SET ROLE flowpg_t70_approver;
SELECT flow_resume(:'h1');
RESET ROLE;
SELECT flow_id, state, pg_temp.runs(id) FROM flowpg.executions
WHERE id IN (:'p1', :'p2', :'p3', :'ex', :'h1') ORDER BY flow_id, state;
SELECT actor, action, count(*) FROM flowpg.audit_log
WHERE execution_id IN (:'p1', :'p2', :'p3', :'ex', :'h1') GROUP BY actor, action ORDER BY action, actor;
SELECT rolname, rolsuper FROM pg_catalog.pg_roles WHERE rolname LIKE 'flowpg\_t70\_%' ORDER BY rolname;

DISCARD TEMP;
DROP TABLE public.requests, public.tenant_rows;
DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t70_exe, flowpg_t70_resumer, flowpg_t70_approver, flowpg_t70_app;
