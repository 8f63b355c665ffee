-- Row-level security: who sees which rows of every table and view, and that users write
-- nothing directly (every write goes through the functions).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE flowpg_t62_red;        -- VIEW on red (and so on red.sub)
CREATE ROLE flowpg_t62_blue;       -- VIEW on blue
CREATE ROLE flowpg_t62_approver;   -- no permission at all, but assigned a HumanTask in blue
CREATE ROLE flowpg_t62_nobody;     -- nothing
CREATE ROLE flowpg_t62_boss;       -- ADMIN everywhere ('')
SELECT flow_grant('red', 'flowpg_t62_red', 'VIEW');
SELECT flow_grant('blue', 'flowpg_t62_blue', 'VIEW');
SELECT flow_grant('', 'flowpg_t62_boss', 'ADMIN');

SELECT revision FROM flow_deploy($$
id: red_flow
namespace: red
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello red
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT revision FROM flow_deploy($$
id: sub_flow
namespace: red.sub
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello red.sub
$$);
SELECT revision FROM flow_deploy($$
id: blue_flow
namespace: blue
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello blue
  - id: approve
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users:
        - flowpg_t62_approver
$$);
SELECT revision FROM flow_deploy($$
id: other_blue
namespace: blue
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello other blue
$$);
SELECT flow_start('red', 'red_flow') IS NOT NULL AS started;
SELECT flow_start('red.sub', 'sub_flow') IS NOT NULL AS started;
SELECT flow_start('blue', 'blue_flow') IS NOT NULL AS started;
SELECT flow_start('blue', 'other_blue') IS NOT NULL AS started;
SELECT flow_secret_set('red', 'TOKEN', 'red-secret-value');
SELECT flow_kv_set('red', 'limit', '10');

-- What a role sees of a relation: the namespaces of the rows (with their count), or the
-- SQLSTATE when it may not read the relation at all.
CREATE FUNCTION pg_temp.seen(role name, rel text, ns_expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    EXECUTE format('SET ROLE %I', role);
    EXECUTE format($q$SELECT coalesce(string_agg(ns || ':' || n, ' ' ORDER BY ns), '-')
                      FROM (SELECT coalesce(%s, '<none>') AS ns, count(*) AS n FROM flowpg.%I GROUP BY 1) s$q$,
                   ns_expr, rel) INTO result;
    RESET ROLE;
    RETURN result;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

SELECT rel AS relation,
       pg_temp.seen('flowpg_t62_red', rel, ns) AS red_viewer,
       pg_temp.seen('flowpg_t62_blue', rel, ns) AS blue_viewer,
       pg_temp.seen('flowpg_t62_approver', rel, ns) AS approver,
       pg_temp.seen('flowpg_t62_nobody', rel, ns) AS nobody
FROM (VALUES ('flows', 'namespace'), ('flow_revisions', 'namespace'), ('executions', 'namespace'),
             ('task_runs', 'namespace'), ('logs', 'namespace'), ('audit_log', 'namespace'),
             ('namespace_grants', 'namespace'), ('inbox', 'namespace'),
             ('secrets', 'namespace'), ('kv', 'namespace'), ('execution_secrets', 'execution_id'),
             ('work', 'kind'), ('trigger_state', 'namespace'), ('flow_listeners', 'namespace'))
     AS r(rel, ns)
ORDER BY 1;

-- the approver sees exactly the execution it is asked to decide, with its task runs and logs
SET ROLE flowpg_t62_approver;
SELECT flow_id, state FROM flowpg.executions;
SELECT task_id, state, assigned_users FROM flowpg.task_runs ORDER BY created_at;
SELECT task_id, message FROM flowpg.logs;
SELECT action, flow_id FROM flowpg.audit_log;
RESET ROLE;

-- the same when the approver reads many rows (past a hundred in one statement, the executions it
-- is assigned to are looked up once rather than row by row)
SELECT count(flow_start('blue', 'blue_flow')) AS more_assigned,
       count(flow_start('blue', 'other_blue')) AS more_not_assigned
FROM generate_series(1, 150);
SET ROLE flowpg_t62_approver;
SELECT flow_id, count(*) FROM flowpg.executions GROUP BY flow_id;
SELECT task_id, count(*) FROM flowpg.task_runs GROUP BY task_id ORDER BY task_id;
SELECT count(*) FROM flowpg.executions WHERE flow_id = 'other_blue';
RESET ROLE;

-- an ADMIN sees everything but secrets, kv and the internal tables, which no role reads
SELECT rel AS relation, pg_temp.seen('flowpg_t62_boss', rel, ns) AS admin
FROM (VALUES ('flows', 'namespace'), ('executions', 'namespace'), ('secrets', 'namespace'),
             ('kv', 'namespace'), ('execution_secrets', 'execution_id'), ('work', 'kind'),
             ('trigger_state', 'namespace'), ('flow_listeners', 'namespace')) AS r(rel, ns)
ORDER BY 1;

-- Users write nothing directly, not even an ADMIN of every namespace: INSERT, UPDATE, DELETE
-- and TRUNCATE on every table and view of the schema.
CREATE FUNCTION pg_temp.write(role name, sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', role);
    EXECUTE sql;
    RESET ROLE;
    RETURN 'ALLOWED';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT c.relname AS relation,
       pg_temp.write('flowpg_t62_boss', format('INSERT INTO flowpg.%I DEFAULT VALUES', c.relname)) AS "insert",
       pg_temp.write('flowpg_t62_boss', format('UPDATE flowpg.%I SET %I = %2$I', c.relname, a.attname)) AS "update",
       pg_temp.write('flowpg_t62_boss', format('DELETE FROM flowpg.%I', c.relname)) AS "delete",
       pg_temp.write('flowpg_t62_boss', format('TRUNCATE flowpg.%I', c.relname)) AS "truncate"
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT attname FROM pg_attribute
                    WHERE attrelid = c.oid AND attnum > 0 AND attidentity = '' ORDER BY attnum LIMIT 1) a
WHERE n.nspname = 'flowpg' AND c.relkind IN ('r', 'v')
ORDER BY 1;
-- (42501: permission denied; 55000: the views cannot be written; 42809: TRUNCATE of a view)

-- nor do they create objects in the schema, or change its tables
SELECT pg_temp.write('flowpg_t62_boss', 'CREATE TABLE flowpg.mine (x int)') AS create_table,
       pg_temp.write('flowpg_t62_boss', 'CREATE VIEW flowpg.inbox2 AS SELECT 1') AS create_view,
       pg_temp.write('flowpg_t62_boss', 'ALTER TABLE flowpg.executions DISABLE ROW LEVEL SECURITY') AS alter_table,
       pg_temp.write('flowpg_t62_boss', 'DROP POLICY executions_view ON flowpg.executions') AS drop_policy;

-- everything above is still there
SELECT count(*) AS executions FROM flowpg.executions;
SELECT count(*) AS audit_rows FROM flowpg.audit_log;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t62_red, flowpg_t62_blue, flowpg_t62_approver, flowpg_t62_nobody, flowpg_t62_boss;
DROP ROLE flowpg_t62_red, flowpg_t62_blue, flowpg_t62_approver, flowpg_t62_nobody, flowpg_t62_boss;
