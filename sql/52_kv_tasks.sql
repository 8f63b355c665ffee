-- KV tasks core.kv.Set, Get and Delete over flowpg.kv (the store of flow_kv_* and kv()): outputs as
-- Kestra shapes them, overwrite, kvType, errorOnMissing; the revision's deployer needs ADMIN on
-- the namespace written (and on one read outside the flow's own namespaces), as flow_kv_* do;
-- every write audited; a failing task writes nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t52_admin;      -- ADMIN on store (deploys the flows that write)
CREATE ROLE flowpg_t52_deployer;   -- DEPLOY and EXECUTE on store only
SELECT flow_grant('store', 'flowpg_t52_admin', 'ADMIN');
SELECT flow_grant('store', 'flowpg_t52_deployer', 'DEPLOY');
SELECT flow_grant('store', 'flowpg_t52_deployer', 'EXECUTE');
SELECT flow_grant('other', 'flowpg_t52_deployer', 'DEPLOY');

-- Set (a typed value from an expression, kvType, overwrite), Get (outputs.value, null when
-- missing), Delete (outputs.deleted); kv() in a later task sees what Set wrote
SET ROLE flowpg_t52_admin;
SELECT revision FROM flow_deploy($$
id: kv-round
namespace: store.team
tasks:
  - id: set-map
    type: io.kestra.plugin.core.kv.Set
    key: order_1
    value: "{{ {'amount': 42, 'items': ['a', 'b']} }}"
  - id: set-number
    type: io.kestra.plugin.core.kv.Set
    key: count
    value: "17"
    kvType: NUMBER
  - id: set-string
    type: io.kestra.plugin.core.kv.Set
    namespace: store
    key: greeting
    value: hello {{ flow.id }}
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: order_1
  - id: get-missing
    type: io.kestra.plugin.core.kv.Get
    key: nothing
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.get.value.amount + kv('count') }} {{ kv('greeting') }} {{ outputs['get-missing'].value is null }}"
  - id: delete
    type: io.kestra.plugin.core.kv.Delete
    key: count
  - id: delete-again
    type: io.kestra.plugin.core.kv.Delete
    key: count
$$);
SELECT flow_start('store.team', 'kv-round') AS id \gset
RESET ROLE;
SELECT pg_temp.runs(:'id');
SELECT task_id, outputs FROM flowpg.task_runs WHERE execution_id = :'id' AND outputs IS NOT NULL
ORDER BY created_at;
SELECT message FROM flowpg.logs WHERE execution_id = :'id';
SELECT namespace, key, value, updated_by FROM flowpg.kv ORDER BY namespace, key;
SELECT actor, action, namespace, flow_id, detail FROM flowpg.audit_log
WHERE action LIKE 'kv_%' ORDER BY id;

-- overwrite: false refuses an existing key (the value stays); errorOnMissing fails Get and Delete
SET ROLE flowpg_t52_admin;
SELECT revision FROM flow_deploy($$
id: kv-errors
namespace: store
inputs:
  - id: case
    type: STRING
tasks:
  - id: sw
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.case }}"
    cases:
      keep:
        - id: keep
          type: io.kestra.plugin.core.kv.Set
          key: greeting
          value: replaced
          overwrite: false
      get:
        - id: get
          type: io.kestra.plugin.core.kv.Get
          key: nothing
          errorOnMissing: true
      delete:
        - id: delete
          type: io.kestra.plugin.core.kv.Delete
          key: nothing
          errorOnMissing: true
      badkey:
        - id: badkey
          type: io.kestra.plugin.core.kv.Set
          key: "{{ 'no spaces allowed' }}"
          value: x
      badnumber:
        - id: badnumber
          type: io.kestra.plugin.core.kv.Set
          key: n
          value: twelve
          kvType: NUMBER
$$);
SELECT c, (pg_temp.run('store', 'kv-errors', jsonb_build_object('case', c))).*
FROM unnest(ARRAY['keep', 'get', 'delete', 'badkey', 'badnumber']) c;
RESET ROLE;
SELECT l.task_id, l.message FROM flowpg.logs l JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.flow_id = 'kv-errors' ORDER BY l.at;
SELECT value FROM flowpg.kv WHERE namespace = 'store' AND key = 'greeting';
SELECT count(*) AS n_entries FROM flowpg.kv WHERE key = 'n';

-- a deployer without ADMIN: its flows may read the kv of their own namespace and its parents
-- (as kv() does) but write nowhere, and read nothing elsewhere
SET ROLE flowpg_t52_deployer;
SELECT revision FROM flow_deploy($$
id: kv-denied
namespace: store.team
inputs:
  - id: case
    type: STRING
tasks:
  - id: sw
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.case }}"
    cases:
      read-parent:
        - id: read-parent
          type: io.kestra.plugin.core.kv.Get
          namespace: store
          key: greeting
      write:
        - id: write
          type: io.kestra.plugin.core.kv.Set
          key: order_1
          value: tampered
      delete:
        - id: delete
          type: io.kestra.plugin.core.kv.Delete
          namespace: store
          key: greeting
      read-elsewhere:
        - id: read-elsewhere
          type: io.kestra.plugin.core.kv.Get
          namespace: other
          key: greeting
$$);
SELECT c, (pg_temp.run('store.team', 'kv-denied', jsonb_build_object('case', c))).*
FROM unnest(ARRAY['read-parent', 'write', 'delete', 'read-elsewhere']) c;
RESET ROLE;
SELECT l.task_id, l.message FROM flowpg.logs l JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.flow_id = 'kv-denied' ORDER BY l.at;
SELECT outputs FROM flowpg.task_runs WHERE task_id = 'read-parent';
SELECT namespace, key, value FROM flowpg.kv ORDER BY namespace, key;

-- deploy-time errors: missing key and value, a kvType that is not one, unknown properties
SELECT * FROM flow_validate($$
id: kv-invalid
namespace: store
tasks:
  - id: set
    type: io.kestra.plugin.core.kv.Set
  - id: typed
    type: io.kestra.plugin.core.kv.Set
    key: k
    value: v
    kvType: TEXT
    ttl: PT1H
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: k
    overwrite: true
$$);

-- a secret never reaches the kv store: it is masked as in every stored output
SELECT flow_secret_set('store', 'TOKEN', 's3cr3t-value');
SET ROLE flowpg_t52_admin;
SELECT revision FROM flow_deploy($$
id: kv-secret
namespace: store
tasks:
  - id: set
    type: io.kestra.plugin.core.kv.Set
    key: leaked
    value: "token={{ secret('TOKEN') }}"
$$);
SELECT (pg_temp.run('store', 'kv-secret')).*;
RESET ROLE;
SELECT value FROM flowpg.kv WHERE key = 'leaked';

-- the README's example
SELECT revision FROM flow_deploy($$
id: kv_demo
namespace: demo
tasks:
  - id: remember
    type: io.kestra.plugin.core.kv.Set
    key: last_order
    value: "{{ {'id': 17, 'amount': 250} }}"
  - id: recall
    type: io.kestra.plugin.core.kv.Get
    key: last_order
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "order {{ outputs.recall.value.id }} for {{ kv('last_order').amount }}"
$$);
SELECT flow_start('demo', 'kv_demo') AS id \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'id';   -- order 17 for 250
SELECT flow_kv_get('demo', 'last_order');                      -- {"id": 17, "amount": 250}

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t52_admin, flowpg_t52_deployer;
DROP ROLE flowpg_t52_admin, flowpg_t52_deployer;
