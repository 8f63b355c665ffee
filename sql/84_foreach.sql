-- core.flow.ForEach (issue 12): one task run per task per iteration, with taskrun.value,
-- taskrun.iteration and parent in expressions; outputs shaped as Kestra shapes them
-- (outputs.t[value], nested loops one level per value); concurrencyLimit 1 (default), 0 and N;
-- errors and finally; values as a list, an expression or a JSON string; bad values refused at
-- deploy or failing the loop's task run; the value and iteration columns behind row security.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- The task runs of an execution as "task[value#iteration]:STATE", in creation order.
CREATE FUNCTION pg_temp.iters(exec text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(task_id || coalesce('[' || value || '#' || iteration || ']', '') || ':' || state,
                      ' ' ORDER BY created_at, id)
    FROM flowpg.task_runs WHERE execution_id = exec
$$;
-- Its log lines, in order.
CREATE FUNCTION pg_temp.logs(exec text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT coalesce(task_id, '-') || ': ' || message FROM flowpg.logs WHERE execution_id = exec ORDER BY at, ctid
$$;

-- The guide's shape: taskrun.value for direct children, parent.taskrun.value below an If,
-- outputs.t[value] of an earlier task of the same iteration and, after the loop, of every one
SELECT revision FROM flow_deploy($$
id: loop
namespace: t84
tasks:
  - id: for_each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["value 1", "value 2", "value 3"]
    tasks:
      - id: before_if
        type: io.kestra.plugin.core.debug.Return
        format: "Before if {{ taskrun.value }} #{{ taskrun.iteration }}"
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: '{{ taskrun.value == "value 2" }}'
        then:
          - id: after_if
            type: io.kestra.plugin.core.debug.Return
            format: "After if {{ parent.taskrun.value }} ({{ outputs.before_if[parent.taskrun.value].value }})"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message:
      - "{{ outputs.before_if | json }}"
      - "{{ outputs.after_if['value 2'].value }}"
      - "{{ outputs.for_each is defined }} {{ outputs.if['value 1'].evaluationResult }}"
$$);
SELECT flow_start('t84', 'loop') AS id \gset
SELECT state FROM flowpg.executions WHERE id = :'id';
SELECT pg_temp.iters(:'id');
SELECT * FROM pg_temp.logs(:'id');

-- values from an expression (a JSON input), duplicates dropped (the first stays), numbers and
-- maps as their JSON text; a JSON string literal; an empty list runs nothing and succeeds
SELECT revision FROM flow_deploy($$
id: exprs
namespace: t84
inputs:
  - id: items
    type: JSON
tasks:
  - id: from_input
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ inputs.items }}"
    tasks:
      - id: show
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.iteration }}={{ taskrun.value }}"
  - id: from_json_text
    type: io.kestra.plugin.core.flow.ForEach
    values: '["x", {"k": 1}, 2]'
    tasks:
      - id: show_json
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
  - id: yaml_items
    type: io.kestra.plugin.core.flow.ForEach
    values:
      - "{{ flow.id }}"
      - 3.5
      - {name: "{{ flow.namespace }}"}
    tasks:
      - id: show_yaml
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
  - id: empty
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ [] }}"
    tasks:
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: never
$$);
SELECT flow_start('t84', 'exprs', '{"items": ["b", "a", "b", 7, {"k": "v"}, "a"]}') AS id \gset
SELECT state FROM flowpg.executions WHERE id = :'id';
SELECT pg_temp.iters(:'id');
SELECT * FROM pg_temp.logs(:'id');

-- Nested loops: outputs.inner[outer][inner]; parent.taskrun.value is the outer value
SELECT revision FROM flow_deploy($$
id: nested
namespace: t84
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: [1, 2]
        tasks:
          - id: cell
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parent.taskrun.value }}{{ taskrun.value }}"
  - id: table
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.cell | json }} {{ outputs.cell.b['1'].value }}"
$$);
SELECT flow_start('t84', 'nested') AS id \gset
SELECT pg_temp.iters(:'id');
SELECT * FROM pg_temp.logs(:'id');

-- A Subflow per iteration: each child gets the value as an input; the parent's loop goes on
-- as each child ends (here at once), and outputs.call[value].outputs is the child's flow output
SELECT revision FROM flow_deploy($$
id: child
namespace: t84
inputs:
  - id: item
    type: STRING
tasks:
  - id: work
    type: io.kestra.plugin.core.debug.Return
    format: "done {{ inputs.item }}"
outputs:
  - id: result
    type: STRING
    value: "{{ outputs.work.value }}"
$$);
SELECT revision FROM flow_deploy($$
id: fanout
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [x, y]
    tasks:
      - id: call
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t84
        flowId: child
        inputs:
          item: "{{ taskrun.value }}"
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.x.outputs.result }}, {{ outputs.call.y.outputs.result }}"
$$);
SELECT flow_start('t84', 'fanout') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT * FROM pg_temp.logs(:'id');
SELECT count(*) AS children FROM flowpg.executions WHERE parent_id = :'id' AND state = 'SUCCESS';

-- A failing iteration: with concurrencyLimit 1 nothing later starts; errors then finally run;
-- the loop and the execution fail
SELECT revision FROM flow_deploy($$
id: failing
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [ok, bad, later]
    tasks:
      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == 'bad' }}"
        errorMessage: "{{ taskrun.value }} is bad"
      - id: next
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }} passed"
    errors:
      - id: on_error
        type: io.kestra.plugin.core.log.Log
        message: "the loop failed"
    finally:
      - id: cleanup
        type: io.kestra.plugin.core.log.Log
        message: "cleanup {{ taskrun.value ?? 'no value' }}"
$$);
SELECT flow_start('t84', 'failing') AS id \gset
SELECT state FROM flowpg.executions WHERE id = :'id';
SELECT pg_temp.iters(:'id');
SELECT * FROM pg_temp.logs(:'id');

-- flow_restart of a failed loop: the failed iteration's task runs again (its second attempt
-- passes) and the later iterations start; the loop and the execution succeed
SELECT revision FROM flow_deploy($$
id: restartable
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [ok, bad, later]
    tasks:
      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == 'bad' and taskrun.attemptsCount == 0 }}"
      - id: next
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }} passed"
$$);
SELECT flow_start('t84', 'restartable') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_restart(:'id');
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

-- concurrencyLimit: 1 pauses at the first iteration; 2 runs two iterations at a time; 0 all of
-- them.  Each resume ends one iteration's pause and the next iteration starts in that step.
SELECT revision FROM flow_deploy($$
id: limits
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b, c]
    concurrencyLimit: 2
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
      - id: done
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }} done"
$$);
SELECT flow_start('t84', 'limits') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_resume(:'id');
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_resume(:'id');
SELECT flow_resume(:'id');
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

SELECT revision FROM flow_deploy($$
id: limits1
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b]
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
$$);
SELECT flow_start('t84', 'limits1') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_resume(:'id');
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

SELECT revision FROM flow_deploy($$
id: limits0
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b, c]
    concurrencyLimit: 0
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
$$);
SELECT flow_start('t84', 'limits0') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
-- a kill ends every paused iteration and the loop
SELECT flow_kill(:'id');
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

-- Bad values at deploy: a map, a null, a boolean, a string that is no JSON list, a number;
-- a negative or templated concurrencyLimit; tasks missing.  Nothing is stored.
SELECT pg_temp.try(format($q$SELECT flow_deploy(%L)$q$, $$
id: bad
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: {a: 1}
    tasks: [{id: x, type: io.kestra.plugin.core.log.Log, message: x}]
$$));
SELECT pg_temp.try(format($q$SELECT flow_deploy(%L)$q$, $$
id: bad
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, null, true]
    tasks: [{id: x, type: io.kestra.plugin.core.log.Log, message: x}]
$$));
SELECT * FROM flow_validate($$
id: bad
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, null, true, [1]]
    concurrencyLimit: -1
    tasks: [{id: x, type: io.kestra.plugin.core.log.Log, message: x}]
  - id: each2
    type: io.kestra.plugin.core.flow.ForEach
    values: "a, b"
    concurrencyLimit: "{{ 2 }}"
    tasks: [{id: y, type: io.kestra.plugin.core.log.Log, message: x}]
  - id: each3
    type: io.kestra.plugin.core.flow.ForEach
    values: 42
  - id: each4
    type: io.kestra.plugin.core.flow.ForEach
    tasks: [{id: z, type: io.kestra.plugin.core.log.Log, message: x}]
$$);
SELECT count(*) AS stored FROM flowpg.flows WHERE id = 'bad';

-- Bad values at run time fail the loop's task run with the reason, logged on it: a map, a
-- string that is no JSON list, a null element, more than 10000 values.  No iteration began, so
-- the loop's own errors block does not run (the flow's would).
SELECT revision FROM flow_deploy($$
id: badrun
namespace: t84
inputs:
  - id: v
    type: JSON
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ inputs.v }}"
    tasks:
      - id: x
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
    errors:
      - id: handled
        type: io.kestra.plugin.core.log.Log
        message: handled
$$);
SELECT flow_start('t84', 'badrun', '{"v": {"a": 1}}') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT * FROM pg_temp.logs(:'id');
SELECT flow_start('t84', 'badrun', '{"v": "\"a, b\""}') AS id \gset
SELECT * FROM pg_temp.logs(:'id');
SELECT flow_start('t84', 'badrun', '{"v": ["a", null]}') AS id \gset
SELECT * FROM pg_temp.logs(:'id');
SELECT revision FROM flow_deploy($$
id: toomany
namespace: t84
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(0, 10000) }}"
    tasks:
      - id: x
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
$$);
SELECT flow_start('t84', 'toomany') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT * FROM pg_temp.logs(:'id');

-- The value and iteration columns are behind the task runs' row security: a role with VIEW
-- on the namespace sees them, another role sees no row
CREATE ROLE flowpg_t84_viewer;
CREATE ROLE flowpg_t84_stranger;
SELECT flow_grant('t84', 'flowpg_t84_viewer', 'VIEW');
SELECT flow_start('t84', 'loop') AS id \gset
SET ROLE flowpg_t84_viewer;
SELECT task_id, value, iteration FROM flowpg.task_runs WHERE execution_id = :'id' AND value IS NOT NULL
ORDER BY iteration, created_at;
SET ROLE flowpg_t84_stranger;
SELECT count(*) FROM flowpg.task_runs WHERE execution_id = :'id';
RESET ROLE;
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t84_viewer, flowpg_t84_stranger;
DROP ROLE flowpg_t84_viewer, flowpg_t84_stranger;
