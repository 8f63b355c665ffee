-- core.trigger.Flow (SPEC section 10): the guide's resume_demo pattern, legacy conditions,
-- intermediate states, multi-flow preconditions within a time window, trigger inputs from the
-- upstream execution, and a trigger whose inputs are invalid.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- The guide's pause_demo and resume_demo: resume_demo runs when pause_demo succeeds
SELECT revision FROM flow_deploy($$
id: pause_demo
namespace: demo

tasks:
  - id: initial_logic
    type: io.kestra.plugin.core.log.Log
    message: placeholder for tasks with initial logic before the pause

  - id: wait_for_manual_resume
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: status
        type: STRING
$$);
\set flow `cat test/flows/guide/resume_demo.yml`
SELECT revision FROM flow_deploy(:'flow');
SELECT flow_start('demo', 'pause_demo') AS id \gset
SELECT count(*) AS resume_demo_runs FROM flowpg.executions WHERE flow_id = 'resume_demo';
-- a resume that rolls back starts nothing downstream either
BEGIN;
SELECT flow_resume(:'id', '{"status": "OK"}');
SELECT count(*) AS inside FROM flowpg.executions WHERE flow_id = 'resume_demo';
ROLLBACK;
SELECT count(*) AS after_rollback FROM flowpg.executions WHERE flow_id = 'resume_demo';
SELECT flow_resume(:'id', '{"status": "OK"}');
SELECT state, trigger ->> 'type' AS type, trigger ->> 'id' AS trigger_id, trigger ->> 'state' AS upstream_state,
       trigger ->> 'executionId' = :'id' AS from_upstream, created_by
FROM flowpg.executions WHERE flow_id = 'resume_demo';
SELECT action, actor FROM flowpg.audit_log WHERE flow_id = 'resume_demo' AND action = 'start';

-- Legacy conditions and intermediate states (Kestra's trigger-flow-listener-with-pause): the
-- listener fires on RUNNING, PAUSED, RUNNING (after the resume) and SUCCESS, never on RESTARTED
SELECT revision FROM flow_deploy($$
id: listener
namespace: demo.listen
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ trigger.executionId }} you're in {{ trigger.state }}"
outputs:
  - id: status
    type: STRING
    value: "{{ trigger.state }}"
triggers:
  - id: listen-flow
    type: io.kestra.plugin.core.trigger.Flow
    states: [RUNNING, PAUSED, SUCCESS, WARNING, FAILED]
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: demo
        flowId: pause_demo
$$);
SELECT flow_start('demo', 'pause_demo') AS id2 \gset
SELECT flow_resume(:'id2', '{"status": "go"}');
SELECT outputs ->> 'status' AS status FROM flowpg.executions
WHERE flow_id = 'listener' AND trigger ->> 'executionId' = :'id2' ORDER BY created_at;

-- Several upstream flows must all be seen within the time window; trigger inputs render with
-- the upstream execution's context and trigger.outputs merges their flow outputs
SELECT revision FROM flow_deploy($$
id: flow-a
namespace: demo.pre
labels:
  some: label
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: a
$$);
SELECT revision FROM flow_deploy($$
id: flow-b
namespace: demo.pre
tasks:
  - id: only
    type: io.kestra.plugin.core.debug.Return
    format: b
outputs:
  - id: some
    type: STRING
    value: value
$$);
SELECT revision FROM flow_deploy($$
id: both-done
namespace: demo.pre
inputs:
  - id: upstream
    type: STRING
  - id: merged
    type: STRING
tasks:
  - id: it-works
    type: io.kestra.plugin.core.log.Log
    message: "It works after {{ inputs.upstream }}: {{ inputs.merged }}"
triggers:
  - id: flow
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      upstream: "{{ trigger.flowId }} ({{ outputs.only.value }})"
      merged: "{{ trigger.outputs.some ?? 'nothing' }}"
    preconditions:
      id: flow
      timeWindow:
        type: DURATION_WINDOW
        window: PT1H
      flows:
        - namespace: demo.pre
          flowId: flow-a
          states: [SUCCESS]
        - namespace: demo.pre
          flowId: flow-b
$$);
SELECT flow_start('demo.pre', 'flow-a') IS NOT NULL AS a1;
SELECT flow_start('demo.pre', 'flow-a') IS NOT NULL AS a2;
SELECT count(*) AS fired_after_a FROM flowpg.executions WHERE flow_id = 'both-done';
SELECT flow_start('demo.pre', 'flow-b') IS NOT NULL AS b;
SELECT e.state, l.message FROM flowpg.executions e JOIN flowpg.logs l ON l.execution_id = e.id
WHERE e.flow_id = 'both-done';
-- the window starts afresh after firing
SELECT flow_start('demo.pre', 'flow-b') IS NOT NULL AS b_again;
SELECT count(*) AS fired FROM flowpg.executions WHERE flow_id = 'both-done';

-- A trigger whose inputs are invalid starts nothing and says why in the audit log; the upstream
-- execution is not affected.  (This flow-a also completes the window flow-b opened above, so
-- both-done runs a second time; being in demo.pre, its SUCCESS fails needs-input's trigger again.)
SELECT revision FROM flow_deploy($$
id: needs-input
namespace: demo.bad
inputs:
  - id: required_thing
    type: INT
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: never
triggers:
  - id: on-a
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: demo.pre
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [SUCCESS]
$$);
SELECT flow_start('demo.pre', 'flow-a') AS a3 \gset
SELECT state FROM flowpg.executions WHERE id = :'a3';
SELECT count(*) AS started FROM flowpg.executions WHERE flow_id = 'needs-input';
SELECT action, flow_id, detail ->> 'trigger_id' AS trigger_id, detail ->> 'error' AS error
FROM flowpg.audit_log WHERE action = 'trigger_failed';

-- Deleting a flow removes its triggers; a flow never triggers itself
SELECT flow_delete('demo.pre', 'both-done');
SELECT flow_start('demo.pre', 'flow-a') IS NOT NULL AS a4;
SELECT flow_start('demo.pre', 'flow-b') IS NOT NULL AS b4;
SELECT count(*) AS fired FROM flowpg.executions WHERE flow_id = 'both-done';
SELECT revision FROM flow_deploy($$
id: self
namespace: demo.self
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: once
triggers:
  - id: me
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: demo.self
        flowId: self
$$);
SELECT flow_start('demo.self', 'self') IS NOT NULL AS started;
SELECT count(*) AS self_runs FROM flowpg.executions WHERE flow_id = 'self';

-- A listener whose execution changes the catalog (and so invalidates the cached listeners)
-- ends while the listeners of its upstream are still being walked: every listener still runs
SELECT revision FROM flow_deploy($$
id: ddl-up
namespace: t.ddl
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: up
$$);
SELECT count(*) AS deployed FROM generate_series(1, 3) AS i, LATERAL flow_deploy(format($y$
id: ddl-down-%s
namespace: t.ddl
tasks:
  - id: ddl
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: CREATE TABLE t45_ddl_%s (x int)
triggers:
  - id: on-up
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: t.ddl
        flowId: ddl-up
$y$, i, i));
SELECT flow_start('t.ddl', 'ddl-up') IS NOT NULL AS started;
SELECT flow_id, state FROM flowpg.executions WHERE namespace = 't.ddl' ORDER BY flow_id;
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE 't45_ddl_%';

-- Each listener is first checked against the upstream flows it can fire for at all (its
-- preconditions' flows, or its ExecutionFlow condition), then in full; a disabled trigger
-- never fires.  A change of another flow fires none of these, a change of theirs fires them.
SELECT revision FROM flow_deploy($$
id: pin-up
namespace: t.pin
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: up
$$);
SELECT revision FROM flow_deploy($$
id: pin-other
namespace: t.pin
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: other
$$);
SELECT count(*) AS deployed FROM (VALUES
  ('by-condition', 'false', 'conditions: [{type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: t.pin, flowId: pin-up}]'),
  ('by-precondition', 'false', 'preconditions: {id: p, flows: [{namespace: t.x, flowId: nope}, {namespace: t.pin, flowId: pin-up, states: [SUCCESS]}]}'),
  ('by-namespace', 'false', 'conditions: [{type: io.kestra.plugin.core.condition.ExecutionNamespace, namespace: t.pin}]'),
  ('disabled', 'true', 'conditions: [{type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: t.pin, flowId: pin-up}]'))
  AS v(id, disabled, how), LATERAL flow_deploy(format($y$
id: %s
namespace: t.pin.down
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: fired
triggers:
  - id: on-up
    type: io.kestra.plugin.core.trigger.Flow
    disabled: %s
    %s
$y$, v.id, v.disabled, v.how));
SELECT flow_start('t.pin', 'pin-other') IS NOT NULL AS other_started;
SELECT flow_id, count(*) FROM flowpg.executions WHERE namespace = 't.pin.down' GROUP BY 1 ORDER BY 1;
SELECT flow_start('t.pin', 'pin-up') IS NOT NULL AS up_started;
SELECT flow_id, count(*) FROM flowpg.executions WHERE namespace = 't.pin.down' GROUP BY 1 ORDER BY 1;
