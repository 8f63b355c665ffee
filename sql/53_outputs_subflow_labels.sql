-- Flow outputs with required: false (an output whose expression fails is null, not a failure);
-- Subflow inheritLabels (the parent execution's labels, under the child flow's own); the child's
-- flow outputs read in the parent as outputs.<task>.outputs; the deprecated Subflow outputs,
-- rendered in the child's context.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- required: false turns a failing expression into null; a required output (the default) still fails
SELECT revision FROM flow_deploy($$
id: optional-outputs
namespace: t.out
inputs:
  - id: strict
    type: BOOLEAN
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: here
outputs:
  - id: present
    type: STRING
    value: "{{ outputs.ret.value }}"
  - id: optional
    type: STRING
    required: false
    value: "{{ outputs.missing.value }}"
  - id: strict
    type: STRING
    value: "{{ inputs.strict ? outputs.missing.value : 'fine' }}"
$$);
SELECT flow_start('t.out', 'optional-outputs', '{"strict": false}') AS id \gset
SELECT state, outputs FROM flowpg.executions WHERE id = :'id';
SELECT flow_start('t.out', 'optional-outputs', '{"strict": true}') AS id \gset
SELECT state, outputs FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id';

-- a child with labels and flow outputs
SELECT revision FROM flow_deploy($$
id: child
namespace: t.out
labels:
  childLabel: childFoo
  overriding: child
inputs:
  - id: n
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
outputs:
  - id: doubled
    type: INT
    value: "{{ outputs.double.value | number }}"
  - id: optional
    type: STRING
    required: false
    value: "{{ outputs.nothing.value }}"
$$);

-- inheritLabels: the parent execution's labels (its flow's and those given at start) go to the
-- child, except system ones and those the child flow sets itself; the task's labels beat both;
-- the child's flow outputs are outputs.<task>.outputs
SELECT revision FROM flow_deploy($$
id: parent
namespace: t.out
labels:
  parentLabel: parentFoo
  overriding: parent
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.out
    flowId: child
    inputs:
      n: 21
    inheritLabels: true
    labels:
      taskLabel: taskFoo
  - id: call-plain
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.out
    flowId: child
    inputs:
      n: 1
    labels:
      taskLabel: plain
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.outputs.doubled + 1 }} {{ outputs.call.outputs.optional is null }} {{ outputs['call-plain'].outputs.doubled }}"
$$);
SELECT flow_start('t.out', 'parent', '{}', '{"startLabel": "startFoo"}') AS id \gset
SELECT pg_temp.runs(:'id');
SELECT message FROM flowpg.logs WHERE execution_id = :'id';
SELECT r.task_id, x.labels - 'system.username' - 'system.correlationId' AS labels,
       x.labels ->> 'system.correlationId' = :'id' AS correlated
FROM flowpg.task_runs r JOIN flowpg.executions x ON x.id = r.outputs ->> 'executionId'
WHERE r.execution_id = :'id' ORDER BY r.created_at;
SELECT task_id, outputs -> 'outputs' AS child_outputs FROM flowpg.task_runs
WHERE execution_id = :'id' AND task_id LIKE 'call%' ORDER BY created_at;

-- the deprecated Subflow outputs: rendered in the child's context (its task outputs); one that
-- fails to render fails the Subflow task, even though the child succeeded
SELECT revision FROM flow_deploy($$
id: parent-deprecated-outputs
namespace: t.out
inputs:
  - id: key
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.out
    flowId: child
    inputs:
      n: 5
    outputs:
      extracted: "{{ outputs.double.value ?? outputs[inputs.key].value }}"
      fromChildFlow: "{{ flow.id }}"
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.outputs.extracted }} from {{ outputs.call.outputs.fromChildFlow }}"
$$);
SELECT flow_start('t.out', 'parent-deprecated-outputs', '{"key": "x"}') AS id \gset
SELECT pg_temp.runs(:'id');
SELECT message FROM flowpg.logs WHERE execution_id = :'id';
SELECT revision FROM flow_deploy($$
id: parent-bad-outputs
namespace: t.out
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.out
    flowId: child
    inputs:
      n: 5
    outputs:
      extracted: "{{ outputs.nothing.value ?? outputs.neither.value }}"
$$);
SELECT flow_start('t.out', 'parent-bad-outputs') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT regexp_replace(message, '[0-9A-Za-z]{22}', '<id>') FROM flowpg.logs WHERE execution_id = :'id';
SELECT x.state FROM flowpg.executions x WHERE x.parent_id = :'id';

-- deploy-time: inheritLabels must be a boolean, outputs a map
SELECT * FROM flow_validate($$
id: bad-subflow
namespace: t.out
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.out
    flowId: child
    inheritLabels: sometimes
    outputs: [a]
outputs:
  - id: o
    value: x
    required: maybe
$$);

-- the README's example
SELECT revision FROM flow_deploy($$
id: outputs_child
namespace: demo
labels:
  team: child-team
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "21"
outputs:
  - id: doubled
    type: INT
    value: "{{ outputs.double.value | number * 2 }}"
  - id: optional
    type: STRING
    required: false
    value: "{{ outputs.nothing.value }}"
$$);
SELECT revision FROM flow_deploy($$
id: outputs_parent
namespace: demo
labels:
  team: parent-team
  cost_center: "42"
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: demo
    flowId: outputs_child
    inheritLabels: true
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.outputs.doubled }} {{ outputs.call.outputs.optional is null }}"
$$);
SELECT flow_start('demo', 'outputs_parent') AS id \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'id';                  -- 42 true
SELECT labels ->> 'team', labels ->> 'cost_center' FROM flowpg.executions
WHERE parent_id = :'id';                                                     -- child-team | 42
