-- Every function of SPEC section 7 checks its permission: a matrix of functions and roles,
-- each role holding one permission on the namespace acme (and "elsewhere" holding ADMIN on
-- another namespace only).  ok = allowed; otherwise the SQLSTATE raised.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE flowpg_t61_nobody;
CREATE ROLE flowpg_t61_view;
CREATE ROLE flowpg_t61_execute;
CREATE ROLE flowpg_t61_resume;
CREATE ROLE flowpg_t61_deploy;
CREATE ROLE flowpg_t61_admin;
CREATE ROLE flowpg_t61_elsewhere;
SELECT flow_grant('acme', 'flowpg_t61_view', 'VIEW');
SELECT flow_grant('acme', 'flowpg_t61_execute', 'EXECUTE');
SELECT flow_grant('acme', 'flowpg_t61_resume', 'RESUME');
SELECT flow_grant('acme', 'flowpg_t61_deploy', 'DEPLOY');
SELECT flow_grant('acme', 'flowpg_t61_admin', 'ADMIN');
SELECT flow_grant('elsewhere', 'flowpg_t61_elsewhere', 'ADMIN');

SELECT revision FROM flow_deploy($$
id: approve
namespace: acme
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: ok
        type: BOOLEAN
        defaults: true
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
SELECT revision FROM flow_deploy($$
id: approve
namespace: acme
description: revision 2
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: ok
        type: BOOLEAN
        defaults: true
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
SELECT revision FROM flow_deploy($$
id: broken
namespace: acme
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: always
$$);

SELECT flow_secret_set('acme', 'RENDER_S', 'x'), flow_kv_set('acme', 'render_k', '1');

-- run a call as a role: 'ok', or the SQLSTATE it raised
CREATE FUNCTION pg_temp.as_role(role name, call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', role);
    EXECUTE call;
    RESET ROLE;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

CREATE TEMP TABLE matrix (n serial, fn text, role name, result text);
GRANT ALL ON matrix TO PUBLIC;
DO $$
DECLARE
    r name;
    id text;
    short text;
BEGIN
    FOREACH r IN ARRAY ARRAY['flowpg_t61_nobody', 'flowpg_t61_view', 'flowpg_t61_execute', 'flowpg_t61_resume',
                             'flowpg_t61_deploy', 'flowpg_t61_admin', 'flowpg_t61_elsewhere'] LOOP
        short := replace(r, 'flowpg_t61_', '');
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_deploy', r, pg_temp.as_role(r, format($q$SELECT flow_deploy('id: f_%s
namespace: acme
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello')$q$, short))),
          ('flow_validate', r, pg_temp.as_role(r, $q$SELECT * FROM flow_validate('id: x
namespace: acme
tasks: []')$q$));
        PERFORM flow_deploy(format('id: d_%s
namespace: acme
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello', short));
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_delete', r, pg_temp.as_role(r, format($q$SELECT flow_delete('acme', 'd_%s')$q$, short))),
          ('flow_rollback', r, pg_temp.as_role(r, $q$SELECT flow_rollback('acme', 'approve', 1)$q$)),
          ('flow_start', r, pg_temp.as_role(r, $q$SELECT flow_start('acme', 'approve')$q$));
        id := flow_start('acme', 'approve');
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_resume', r, pg_temp.as_role(r, format($q$SELECT flow_resume(%L)$q$, id)));
        id := flow_start('acme', 'approve');
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_resume_bulk', r, pg_temp.as_role(r, format($q$SELECT flow_resume_bulk(ARRAY[%L])$q$, id)));
        id := flow_start('acme', 'approve');
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_kill', r, pg_temp.as_role(r, format($q$SELECT flow_kill(%L)$q$, id))),
          ('flow_wait', r, pg_temp.as_role(r, format($q$SELECT flow_wait(%L, '1s')$q$, id)));
        id := flow_start('acme', 'broken');
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_restart', r, pg_temp.as_role(r, format($q$SELECT flow_restart(%L)$q$, id)));
        PERFORM flow_secret_set('acme', 'S_' || short, 'x');
        PERFORM flow_kv_set('acme', 'k_' || short, '1');
        INSERT INTO matrix (fn, role, result) VALUES
          ('flow_secret_set', r, pg_temp.as_role(r, format($q$SELECT flow_secret_set('acme', 'T_%s', 'v')$q$, short))),
          ('flow_secret_delete', r, pg_temp.as_role(r, format($q$SELECT flow_secret_delete('acme', 'S_%s')$q$, short))),
          ('flow_kv_set', r, pg_temp.as_role(r, format($q$SELECT flow_kv_set('acme', 'j_%s', '2')$q$, short))),
          ('flow_kv_get', r, pg_temp.as_role(r, format($q$SELECT flow_kv_get('acme', 'k_%s')$q$, short))),
          ('flow_kv_delete', r, pg_temp.as_role(r, format($q$SELECT flow_kv_delete('acme', 'k_%s')$q$, short))),
          ('flow_render', r, pg_temp.as_role(r, $q$SELECT flow_render('{{ 1 + 1 }}')$q$)),
          ('flow_render secret()', r, pg_temp.as_role(r, $q$SELECT flow_render('{{ secret(''RENDER_S'') }}', '{"flow": {"namespace": "acme"}}')$q$)),
          ('flow_render kv()', r, pg_temp.as_role(r, $q$SELECT flow_render('{{ kv(''render_k'') }}', '{"flow": {"namespace": "acme"}}')$q$)),
          ('flow_grant', r, pg_temp.as_role(r, $q$SELECT flow_grant('acme', 'flowpg_t61_nobody', 'VIEW')$q$)),
          ('flow_revoke', r, pg_temp.as_role(r, $q$SELECT flow_revoke('acme', 'flowpg_t61_nobody', 'VIEW')$q$));
    END LOOP;
END $$;

SELECT fn,
       max(result) FILTER (WHERE role = 'flowpg_t61_nobody') AS nobody,
       max(result) FILTER (WHERE role = 'flowpg_t61_view') AS "VIEW",
       max(result) FILTER (WHERE role = 'flowpg_t61_execute') AS "EXECUTE",
       max(result) FILTER (WHERE role = 'flowpg_t61_resume') AS "RESUME",
       max(result) FILTER (WHERE role = 'flowpg_t61_deploy') AS "DEPLOY",
       max(result) FILTER (WHERE role = 'flowpg_t61_admin') AS "ADMIN",
       max(result) FILTER (WHERE role = 'flowpg_t61_elsewhere') AS elsewhere
FROM matrix GROUP BY fn ORDER BY min(n);

-- the messages say what was needed where
SET ROLE flowpg_t61_view;
SELECT flow_start('acme', 'approve');
SELECT * FROM flow_deploy('id: x
namespace: acme.sub
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello');
SELECT flow_secret_set('acme', 'X', 'y');
RESET ROLE;

-- a role that may not act on an execution learns nothing from resume, kill or restart, not even
-- whether it is paused or finished (and takes no lock on it)
SELECT flow_start('acme', 'broken') AS failed_id \gset
SELECT pg_temp.as_role('flowpg_t61_nobody', format('SELECT flow_resume(%L)', :'failed_id')) AS resume,
       pg_temp.as_role('flowpg_t61_nobody', format('SELECT flow_kill(%L)', :'failed_id')) AS kill,
       pg_temp.as_role('flowpg_t61_nobody', format('SELECT flow_restart(%L)', :'failed_id')) AS restart,
       pg_temp.as_role('flowpg_t61_nobody', format('SELECT flow_wait(%L)', :'failed_id')) AS wait;
-- (seeing it is not enough; a role with RESUME is told the state)
SELECT pg_temp.as_role('flowpg_t61_view', format('SELECT flow_resume(%L)', :'failed_id')) AS resume_with_view,
       pg_temp.as_role('flowpg_t61_resume', format('SELECT flow_resume(%L)', :'failed_id')) AS resume_with_resume;

-- Subflows start on behalf of the role that deployed the parent revision, which needs EXECUTE
-- where the subflow lives, whoever starts the parent.
SELECT flow_grant('billing', 'flowpg_t61_deploy', 'DEPLOY');
SET ROLE flowpg_t61_deploy;
SELECT revision FROM flow_deploy($$
id: child
namespace: billing
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: child ran
$$);
SELECT revision FROM flow_deploy($$
id: parent
namespace: acme
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: billing
    flowId: child
$$);
RESET ROLE;
SELECT flow_start('acme', 'parent') AS parent_id \gset
SELECT state FROM flowpg.executions WHERE id = :'parent_id';
SELECT task_id, state FROM flowpg.task_runs WHERE execution_id = :'parent_id';
SELECT level, message FROM flowpg.logs WHERE execution_id = :'parent_id';
SELECT count(*) AS children FROM flowpg.executions WHERE parent_id = :'parent_id';
-- with EXECUTE on billing, the same revision starts its subflow
SELECT flow_grant('billing', 'flowpg_t61_deploy', 'EXECUTE');
SELECT flow_start('acme', 'parent') AS parent_id \gset
SELECT state FROM flowpg.executions WHERE id = :'parent_id';
SELECT e.namespace, e.flow_id, e.state FROM flowpg.executions e WHERE parent_id = :'parent_id';
-- and losing it stops it again
SELECT flow_revoke('billing', 'flowpg_t61_deploy', 'EXECUTE');
SELECT flow_start('acme', 'parent') AS parent_id \gset
SELECT state FROM flowpg.executions WHERE id = :'parent_id';

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t61_nobody, flowpg_t61_view, flowpg_t61_execute, flowpg_t61_resume,
    flowpg_t61_deploy, flowpg_t61_admin, flowpg_t61_elsewhere;
DROP ROLE flowpg_t61_nobody, flowpg_t61_view, flowpg_t61_execute, flowpg_t61_resume,
    flowpg_t61_deploy, flowpg_t61_admin, flowpg_t61_elsewhere;
