-- Flow trigger preconditions `where`: entries of filters on the upstream execution (FLOW_ID,
-- NAMESPACE, STATE, EXPRESSION; EQUAL_TO ... REGEX; operand AND / OR), each one more condition
-- to meet within the time window, by an execution of any flow; resetOnSuccess; deploy errors.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- Kestra's flow-trigger-preconditions-flow-a, -flow-b and -flow-listen (unchanged)
SELECT revision FROM flow_deploy($$
id: flow-trigger-preconditions-flow-a
namespace: io.kestra.tests.trigger.preconditions

labels:
  some: label

tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "from parents: {{execution.id}}"
$$);
SELECT revision FROM flow_deploy($$
id: flow-trigger-preconditions-flow-b
namespace: io.kestra.tests.trigger.preconditions

outputs:
  - id: some
    type: STRING
    value: value

tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "from parents: {{execution.id}}"
$$);
SELECT revision FROM flow_deploy($$
id: flow-trigger-preconditions-flow-listen
namespace: io.kestra.tests.trigger.preconditions

triggers:
  - id: flow
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: flow
      flows:
        - namespace: io.kestra.tests.trigger.preconditions
          flowId: flow-trigger-preconditions-flow-a
          states: [SUCCESS, WARNING, FAILED]
        - namespace: io.kestra.tests.trigger.preconditions
          flowId: flow-trigger-preconditions-flow-b
          states: [SUCCESS]
      where:
        - id: flow1
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: io.kestra.tests.trigger
            - field: FLOW_ID
              type: EQUAL_TO
              value: flow-trigger-preconditions-flow-a
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{labels.some == 'label'}}"
        - id: flow2
          filters:
            - field: NAMESPACE
              type: ENDS_WITH
              value: trigger.preconditions
            - field: FLOW_ID
              type: EQUAL_TO
              value: flow-trigger-preconditions-flow-b

tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: "It works"
$$);
CREATE FUNCTION pg_temp.listened() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(x.state || ' ' || pg_temp.runs(x.id) || ' outputs=' ||
                               (x.trigger -> 'outputs')::text, '; ' ORDER BY x.created_at), 'none')
    FROM flowpg.executions x WHERE x.flow_id = 'flow-trigger-preconditions-flow-listen'
$$;
-- (i) A twice, then B: fires once, after B, with B's flow outputs
SELECT * FROM pg_temp.run('io.kestra.tests.trigger.preconditions', 'flow-trigger-preconditions-flow-a');
SELECT * FROM pg_temp.run('io.kestra.tests.trigger.preconditions', 'flow-trigger-preconditions-flow-a');
SELECT pg_temp.listened();
SELECT * FROM pg_temp.run('io.kestra.tests.trigger.preconditions', 'flow-trigger-preconditions-flow-b');
SELECT pg_temp.listened();
-- (ii) B, then A: fires again, the outputs merged across the window (B's `some` is there)
SELECT * FROM pg_temp.run('io.kestra.tests.trigger.preconditions', 'flow-trigger-preconditions-flow-b');
SELECT pg_temp.listened() LIKE '%; SUCCESS%' AS not_yet_twice;
-- the window has seen B's entries: its flows entry (1) and the where entry flow2
SELECT jsonb_object_keys(window_state -> 'seen') AS seen FROM flowpg.trigger_state
WHERE flow_id = 'flow-trigger-preconditions-flow-listen' ORDER BY 1;
SELECT * FROM pg_temp.run('io.kestra.tests.trigger.preconditions', 'flow-trigger-preconditions-flow-a');
SELECT pg_temp.listened();

-- where alone (no flows): any flow matching; each filter type; OR; the STATE field; the
-- end states by default; an execution of a flow the NAMESPACE filter excludes does not count
SELECT d.revision FROM (VALUES ('order-ship', 'ops'), ('order-bill', 'finance'), ('report', 'ops')) AS v(f, t),
LATERAL flow_deploy(format($f$
id: %s
namespace: t.where.up
labels:
  team: %s
inputs:
  - id: fail
    type: BOOLEAN
    defaults: false
tasks:
  - id: maybe
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
$f$, f, t)) AS d;
SELECT revision FROM flow_deploy($$
id: outsider
namespace: t.other
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
SELECT revision FROM flow_deploy($$
id: where-listen
namespace: t.where
triggers:
  - id: on-orders
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      from: "{{ trigger.flowId }} {{ trigger.state }}"
    preconditions:
      id: orders
      where:
        - id: ops-or-billing
          operand: OR
          filters:
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{ (labels.team ?? '') == 'finance' }}"
            - field: FLOW_ID
              type: REGEX
              value: "order-(bill|invoice)"
        - id: orders-ok
          filters:
            - field: NAMESPACE
              type: EQUAL_TO
              value: t.where.up
            - field: FLOW_ID
              type: CONTAINS
              value: "order"
            - field: STATE
              type: IN
              values: [SUCCESS, WARNING]
            - field: FLOW_ID
              type: NOT_IN
              values: [order-archive]
            - field: EXPRESSION
              type: IS_NOT_NULL
              value: "{{ labels.team }}"
            - field: EXPRESSION
              type: IS_FALSE
              value: "{{ inputs.fail }}"
            - field: STATE
              type: NOT_EQUAL_TO
              value: FAILED
inputs:
  - id: from
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.from }}"
$$);
CREATE FUNCTION pg_temp.where_fired() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(x.inputs ->> 'from', ', ' ORDER BY x.created_at), 'none')
    FROM flowpg.executions x WHERE x.flow_id = 'where-listen'
$$;
-- a failed order-ship satisfies neither entry (STATE), outsider neither; order-ship then
-- satisfies the second only, report (team ops, no order) neither: nothing fires yet
SELECT state FROM pg_temp.run('t.where.up', 'order-ship', '{"fail": true}');
SELECT state FROM pg_temp.run('t.other', 'outsider');
SELECT pg_temp.where_fired();
SELECT state FROM pg_temp.run('t.where.up', 'order-ship');
SELECT pg_temp.where_fired();
SELECT state FROM pg_temp.run('t.where.up', 'report');
SELECT pg_temp.where_fired();
-- order-bill (team finance) satisfies the first and the second: the window is complete
SELECT state FROM pg_temp.run('t.where.up', 'order-bill');
SELECT pg_temp.where_fired();

-- resetOnSuccess: false keeps what was seen, so each further match fires again; a single
-- where entry fires with no window; an expression that fails to render matches nothing and
-- leaves a trigger_failed audit row
SELECT revision FROM flow_deploy($$
id: where-keep
namespace: t.where
triggers:
  - id: keep
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: keep
      resetOnSuccess: false
      where:
        - id: ship
          filters:
            - field: FLOW_ID
              type: EQUAL_TO
              value: order-ship
        - id: bill
          filters:
            - field: FLOW_ID
              type: STARTS_WITH
              value: order-bi
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: kept
$$);
SELECT revision FROM flow_deploy($$
id: where-broken
namespace: t.where
triggers:
  - id: broken
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: broken
      where:
        - id: needs-output
          filters:
            - field: FLOW_ID
              type: EQUAL_TO
              value: report
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{ outputs.nothing.value }}"
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: never
$$);
SELECT state FROM pg_temp.run('t.where.up', 'order-ship');
SELECT state FROM pg_temp.run('t.where.up', 'order-bill');
SELECT state FROM pg_temp.run('t.where.up', 'order-ship');
SELECT count(*) AS kept_fired FROM flowpg.executions WHERE flow_id = 'where-keep';
SELECT state FROM pg_temp.run('t.where.up', 'report');
SELECT count(*) AS broken_fired FROM flowpg.executions WHERE flow_id = 'where-broken';
SELECT flow_id, regexp_replace(detail ->> 'error', '[0-9A-Za-z]{22}', '<id>', 'g') AS error
FROM flowpg.audit_log WHERE action = 'trigger_failed' AND flow_id = 'where-broken';

-- a listener counts only executions its deployer may see (VIEW on their namespace): one of a
-- namespace it cannot see neither renders its expressions, nor is remembered in the window
-- (with its outputs, for trigger.outputs), nor fires it
CREATE ROLE flowpg_t88_ops;
CREATE ROLE flowpg_t88_hr;
SELECT flow_grant('t88.ops', 'flowpg_t88_ops', 'DEPLOY');
SELECT flow_grant('t88.ops', 'flowpg_t88_ops', 'EXECUTE');
SELECT flow_grant('t88.hr', 'flowpg_t88_hr', 'DEPLOY');
SELECT flow_grant('t88.hr', 'flowpg_t88_hr', 'EXECUTE');
SET ROLE flowpg_t88_hr;
SELECT revision FROM flow_deploy($$
id: payroll
namespace: t88.hr
tasks:
  - id: pay
    type: io.kestra.plugin.core.log.Log
    message: paid
outputs:
  - id: salary
    type: INT
    value: 123456
$$);
RESET ROLE;
SET ROLE flowpg_t88_ops;
SELECT revision FROM flow_deploy($$
id: ops-step
namespace: t88.ops
tasks:
  - id: step
    type: io.kestra.plugin.core.log.Log
    message: step
$$);
SELECT revision FROM flow_deploy($$
id: snoop
namespace: t88.ops
inputs:
  - id: got
    type: STRING
triggers:
  - id: any-payroll
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      got: "salary {{ trigger.outputs.salary ?? 'unseen' }}"
    preconditions:
      id: any
      where:
        - id: payroll
          filters:
            - field: FLOW_ID
              type: EQUAL_TO
              value: payroll
        - id: mine
          filters:
            - field: FLOW_ID
              type: EQUAL_TO
              value: ops-step
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.got }}"
$$);
RESET ROLE;
SET ROLE flowpg_t88_hr;
SELECT flow_start('t88.hr', 'payroll') IS NOT NULL AS payroll_ran;
RESET ROLE;
SELECT count(*) AS marks FROM flowpg.trigger_state WHERE flow_id = 'snoop' AND window_state -> 'seen' ? 'where:payroll';
SET ROLE flowpg_t88_ops;
SELECT flow_start('t88.ops', 'ops-step') IS NOT NULL AS step_ran;
RESET ROLE;
SELECT count(*) AS snoop_fired FROM flowpg.executions WHERE flow_id = 'snoop';
-- once ops may see hr, payroll counts
SELECT flow_grant('t88.hr', 'flowpg_t88_ops', 'VIEW');
SET ROLE flowpg_t88_hr;
SELECT flow_start('t88.hr', 'payroll') IS NOT NULL AS payroll_ran;
RESET ROLE;
SELECT inputs ->> 'got' AS got FROM flowpg.executions WHERE flow_id = 'snoop';

-- deploy errors (22023 with line, column and path): every shape problem is listed
SELECT * FROM flow_validate($$
id: where-bad
namespace: t.where
triggers:
  - id: bad
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: bad
      resetOnSuccess: sometimes
      where:
        - id: a
          operand: XOR
          filters:
            - field: LABEL
              type: EQUAL_TO
              value: x
            - field: FLOW_ID
              type: LIKE
              value: x
            - field: FLOW_ID
              type: EQUAL_TO
            - field: STATE
              type: IN
              values: SUCCESS
            - field: FLOW_ID
              type: REGEX
              value: "order-("
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{ labels.x == }}"
            - field: NAMESPACE
              type: STARTS_WITH
              value: 42
              extra: 1
            - just text
        - id: a
          filters: []
        - filters:
            - {field: FLOW_ID, type: IS_NULL}
        - nope
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: x
$$);
SELECT * FROM flow_validate($$
id: where-empty
namespace: t.where
triggers:
  - id: bad
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: bad
      where: {id: a}
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: x
$$);
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: where-bad
namespace: t.where
triggers:
  - id: bad
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: bad
      where:
        - id: a
          filters:
            - field: FLOW_ID
              type: REGEX
              value: "order-("
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: x
$$)$q$);
SELECT count(*) FROM flowpg.flows WHERE id LIKE 'where-bad%' OR id = 'where-empty';

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t88_ops, flowpg_t88_hr;
DROP ROLE flowpg_t88_ops, flowpg_t88_hr;
