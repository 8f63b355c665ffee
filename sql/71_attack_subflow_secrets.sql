-- Attack: a subflow's outputs carried the child namespace's secrets to the parent in clear
-- (issue 11, finding 2).  The child stored ******, but the parent's Subflow task run got the
-- child's outputs as the child had rendered them, so `| upper` in the parent revealed the
-- secret.  A child's outputs reach the parent masked with everything secret in the child, as
-- Flow triggers already pass an upstream's values on.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t71_vault_admin;    -- ADMIN on vault: owns its secret and its flows
CREATE ROLE flowpg_t71_outsider;       -- DEPLOY and EXECUTE on team, EXECUTE on vault only
SELECT flow_grant('vault', 'flowpg_t71_vault_admin', 'ADMIN');
SELECT flow_grant('team', 'flowpg_t71_outsider', 'DEPLOY');
SELECT flow_grant('team', 'flowpg_t71_outsider', 'EXECUTE');
SELECT flow_grant('vault', 'flowpg_t71_outsider', 'EXECUTE');

SET ROLE flowpg_t71_vault_admin;
SELECT flow_secret_set('vault', 'TOKEN', 'tok-secret-4e1d');
-- a child that ends in the transaction that starts it, and one that ends after a pause
SELECT revision FROM flow_deploy($$
id: issue_token
namespace: vault
tasks:
  - id: noop
    type: io.kestra.plugin.core.log.Log
    message: issuing
outputs:
  - id: token
    type: STRING
    value: "{{ secret('TOKEN') }}"
  - id: wrapped
    type: JSON
    value: "{{ {'nested': [secret('TOKEN')]} }}"
$$);
SELECT revision FROM flow_deploy($$
id: issue_later
namespace: vault
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
outputs:
  - id: token
    type: STRING
    value: "{{ secret('TOKEN') }}"
$$);
RESET ROLE;

-- the outsider's parent flows read the child's outputs and transform them before logging
SET ROLE flowpg_t71_outsider;
SELECT revision FROM flow_deploy($$
id: steal
namespace: team
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: vault
    flowId: issue_token
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.sub.outputs.token | upper }} {{ outputs.sub.outputs.wrapped.nested[0] | upper }}"
$$);
SELECT revision FROM flow_deploy($$
id: steal_later
namespace: team
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: vault
    flowId: issue_later
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.sub.outputs.token | upper }}"
$$);
SELECT * FROM pg_temp.run('team', 'steal');
SELECT flow_start('team', 'steal_later') AS later \gset
RESET ROLE;

-- the child resumes in a transaction of its own; its end advances the parent
SELECT flow_resume(id) FROM flowpg.executions WHERE parent_id = :'later';

-- nowhere in the parents' rows is the secret, transformed or not
SELECT e.flow_id, t.task_id, t.outputs -> 'outputs' AS child_outputs
FROM flowpg.executions e JOIN flowpg.task_runs t ON t.execution_id = e.id
WHERE e.namespace = 'team' AND t.task_id = 'sub' ORDER BY e.flow_id;
SELECT e.flow_id, l.message FROM flowpg.logs l JOIN flowpg.executions e ON e.id = l.execution_id
WHERE e.namespace = 'team' ORDER BY e.flow_id;
SELECT count(*) AS rows_with_the_secret
FROM flowpg.task_runs t, flowpg.logs l
WHERE l.execution_id = t.execution_id
  AND (t.outputs::text ILIKE '%tok-secret-4e1d%' OR l.message ILIKE '%tok-secret-4e1d%');
SELECT count(*) AS executions_with_the_secret FROM flowpg.executions
WHERE outputs::text ILIKE '%tok-secret-4e1d%';

DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t71_vault_admin, flowpg_t71_outsider;
