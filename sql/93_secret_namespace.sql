-- secret(name, namespace) (Kestra's second argument): a namespace on the flow's own way up (itself,
-- a parent, '') is what secret(name) reaches anyway; any other namespace needs ADMIN there for the
-- role that deployed the flow (checked when the task renders), else a permission error that is
-- the same whether or not the secret exists.  flow_render applies the same rule to its caller.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t93_dev;        -- DEPLOY and EXECUTE on team.a
CREATE ROLE flowpg_t93_lead;       -- the same, and ADMIN on team.b
CREATE ROLE flowpg_t93_admin_a;    -- ADMIN on team.a only
SELECT flow_grant('team.a', r::regrole, p) FROM unnest(ARRAY['flowpg_t93_dev', 'flowpg_t93_lead']) r, unnest(ARRAY['DEPLOY', 'EXECUTE', 'VIEW']) p;
SELECT flow_grant('team.b', 'flowpg_t93_lead', 'ADMIN');
SELECT flow_grant('team.a', 'flowpg_t93_admin_a', 'ADMIN');
SET client_min_messages = error;
SELECT flow_secret_set('team.a', 'A_TOKEN', 'a-secret-111'), flow_secret_set('team', 'PARENT_TOKEN', 'p-secret-222'),
       flow_secret_set('team.b', 'B_TOKEN', 'b-secret-333'), flow_secret_set('', 'GLOBAL_TOKEN', 'g-secret-444');
RESET client_min_messages;

-- each role deploys the same flow into team.a
CREATE FUNCTION pg_temp.flow(id text) RETURNS text LANGUAGE sql AS $f$ SELECT format($$
id: %s
namespace: team.a
tasks:
  - id: own
    type: io.kestra.plugin.core.log.Log
    message: "own {{ secret('A_TOKEN', 'team.a') }} {{ secret('A_TOKEN', namespace='team.a') | length }}"
    allowFailure: true
  - id: parent
    type: io.kestra.plugin.core.log.Log
    message: "parent {{ secret('PARENT_TOKEN', 'team') }} global {{ secret('GLOBAL_TOKEN', '') }}"
    allowFailure: true
  - id: other
    type: io.kestra.plugin.core.log.Log
    message: "other {{ secret('B_TOKEN', 'team.b') }} {{ secret('B_TOKEN', 'team.b') | length }}"
    allowFailure: true
  - id: other_parent
    type: io.kestra.plugin.core.log.Log
    message: "other's parent {{ secret('PARENT_TOKEN', 'team.b') }}"
    allowFailure: true
  - id: missing
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('NO_SUCH', 'team.b') }}"
    allowFailure: true
  - id: missing_own
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('NO_SUCH', 'team') }}"
    allowFailure: true
  - id: sibling_child
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('A_TOKEN', 'team.a.sub') }}"
    allowFailure: true
$$, id) $f$;

SET ROLE flowpg_t93_dev;
SELECT revision FROM flow_deploy(pg_temp.flow('by_dev'));
SELECT * FROM pg_temp.run('team.a', 'by_dev');
RESET ROLE;
SET ROLE flowpg_t93_lead;
SELECT revision FROM flow_deploy(pg_temp.flow('by_lead'));
SELECT * FROM pg_temp.run('team.a', 'by_lead');
RESET ROLE;
-- what was logged (secret values masked): the developer reaches team.a, team and '' but not
-- team.b, with one message for a secret that exists and one that does not
SELECT x.flow_id, l.task_id, l.level, l.message
FROM flowpg.logs l JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.namespace = 'team.a' ORDER BY x.flow_id, l.at, l.task_id;

-- the right is checked when the task renders: after a revoke, the lead's flow is refused too
SELECT flow_revoke('team.b', 'flowpg_t93_lead', 'ADMIN');
SET ROLE flowpg_t93_lead;
SELECT * FROM pg_temp.run('team.a', 'by_lead');
RESET ROLE;
SELECT l.task_id, l.message FROM flowpg.logs l JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.flow_id = 'by_lead' AND l.task_id = 'other' ORDER BY l.at;

-- flow_render: ADMIN on the context's namespace as for secret(name), and on any namespace off its
-- way up; values come back as ******
SET ROLE flowpg_t93_admin_a;
SELECT t, pg_temp.try(format('SELECT flow_render(%L, %L)', t, '{"flow": {"namespace": "team.a"}}'))
FROM unnest(ARRAY['{{ secret(''A_TOKEN'', ''team.a'') }}', '{{ secret(''PARENT_TOKEN'', ''team'') }}',
                  '{{ secret(''B_TOKEN'', ''team.b'') }}', '{{ secret(''NO_SUCH'', ''team.b'') }}',
                  '{{ secret(''NO_SUCH'', ''team'') }}', '{{ secret(''A_TOKEN'', null) }}',
                  '{{ secret(''A_TOKEN'', 42) }}', '{{ secret(''A_TOKEN'', ''team.a'', 3) }}']) t;
RESET ROLE;
SET ROLE flowpg_t93_dev;
SELECT pg_temp.try($$SELECT flow_render('{{ secret(''A_TOKEN'', ''team.a'') }}', '{"flow": {"namespace": "team.a"}}')$$);
RESET ROLE;
SELECT flow_grant('team.b', 'flowpg_t93_admin_a', 'ADMIN');
SET ROLE flowpg_t93_admin_a;
SELECT pg_temp.try($$SELECT flow_render('{{ secret(''B_TOKEN'', ''team.b'') }} {{ secret(''PARENT_TOKEN'', ''team.b'') }}', '{"flow": {"namespace": "team.a"}}')$$);
RESET ROLE;

DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t93_dev, flowpg_t93_lead, flowpg_t93_admin_a;
