-- The deprecated EachSequential and EachParallel (issue 12), mapped onto ForEach with Kestra's
-- semantics for them: `value` (a list or a JSON string of one), one task run per task per value;
-- EachSequential one value at a time, EachParallel every value at once with each value's tasks
-- in parallel (`concurrent` limits the values under way); checked with Kestra's own test flows
-- each-sequential-nested (23 task runs), each-parallel (8), each-parallel-nested (11) and
-- each-object, and their error paths.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE FUNCTION pg_temp.iters(exec text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(task_id || coalesce('[' || value || ']', '') || ':' || state, ' ' ORDER BY created_at, id)
    FROM flowpg.task_runs WHERE execution_id = exec
$$;

-- Kestra's each-sequential-nested (its old type names, Return for the debug task)
SELECT revision FROM flow_deploy($$
id: each-sequential-nested
namespace: t86
tasks:
  - id: 1_each
    type: io.kestra.core.tasks.flows.EachSequential
    value: '["s1", "s2", "s3"]'
    tasks:
      - id: 1-1_return
        type: io.kestra.core.tasks.debugs.Return
        format: "{{task.id}} > {{taskrun.value}}"
      - id: 1-2_each
        type: io.kestra.core.tasks.flows.EachSequential
        value: '["a", "b"]'
        tasks:
          - id: 1-2-1_return
            type: io.kestra.core.tasks.debugs.Return
            format: "{{task.id}} > {{taskrun.value}} > {{ parent.taskrun.value }}"
          - id: 1-2-2_return
            type: io.kestra.core.tasks.debugs.Return
            format: "{{task.id}} > {{taskrun.value}}"
      - id: 1-3_return
        type: io.kestra.core.tasks.debugs.Return
        format: "{{task.id}} > {{ outputs['1-1_return'][taskrun.value].value }}"
  - id: 2_return
    type: io.kestra.core.tasks.debugs.Return
    format: "{{task.id}} > {{ outputs['1-2-1_return'].s1.a.value }}"
$$);
SELECT flow_start('t86', 'each-sequential-nested') AS id \gset
SELECT state, (SELECT count(*) FROM flowpg.task_runs WHERE execution_id = :'id') AS task_runs
FROM flowpg.executions WHERE id = :'id';
SELECT task_id, value, outputs ->> 'value' AS output FROM flowpg.task_runs
WHERE execution_id = :'id' AND task_id IN ('1-2-1_return', '1-3_return', '2_return') ORDER BY created_at;

-- Kestra's each-parallel: 8 task runs; every value's tasks start at once
SELECT revision FROM flow_deploy($$
id: each-parallel
namespace: t86
tasks:
  - id: 1_each
    type: io.kestra.plugin.core.flow.EachParallel
    value: '["value 1", "value 2", "value 3"]'
    tasks:
      - id: 1-1
        type: io.kestra.plugin.core.log.Log
        message: "{{ task.id }}"
      - id: 1-2
        type: io.kestra.plugin.core.log.Log
        message: "{{ task.id }}"
  - id: 2_end
    type: io.kestra.plugin.core.debug.Return
    format: "{{task.id}}"
$$);
SELECT flow_start('t86', 'each-parallel') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

-- each-parallel-nested (Log for its Bash): 11 task runs; parents[0] is the iteration's holder
SELECT revision FROM flow_deploy($$
id: each-parallel-nested
namespace: t86
tasks:
  - id: 1_each
    type: io.kestra.core.tasks.flows.EachParallel
    value: '["value 1", "value 2", "value 3"]'
    tasks:
      - id: 2-1_seq
        type: io.kestra.core.tasks.flows.Sequential
        tasks:
        - id: 2-1-1_t1
          type: io.kestra.plugin.core.log.Log
          message: "{{task.id}} > {{ parents[0].taskrun.value }}"
        - id: 2-1-2_t2
          type: io.kestra.plugin.core.log.Log
          message: "{{task.id}} > {{ parents[0].taskrun.value }}"
  - id: 2_end
    type: io.kestra.core.tasks.debugs.Return
    format: "{{task.id}}"
$$);
SELECT flow_start('t86', 'each-parallel-nested') AS id \gset
SELECT state, (SELECT count(*) FROM flowpg.task_runs WHERE execution_id = :'id') AS task_runs
FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY message;

-- each-object: a JSON string of strings and objects; each object's value is its JSON text
-- (fromJson reads it back; Kestra's test used the Handlebars helpers isJson and jq)
SELECT revision FROM flow_deploy($$
id: each-object
namespace: t86
tasks:
  - id: 1_each
    type: io.kestra.core.tasks.flows.EachSequential
    value: |
      [
        "value 1",
        {"key": "my-key", "value": "my-value"},
        {"key": "my-complex", "value": {"sub": 1, "bool": true}}
      ]
    tasks:
      - id: is-json
        type: io.kestra.core.tasks.flows.Switch
        value: "{{ taskrun.value | startsWith('{') }}"
        cases:
          "false":
            - id: not-json
              type: io.kestra.core.tasks.debugs.Return
              format: "{{task.id}} > STRING > {{parent.taskrun.value}}"
        defaults:
        - id: json
          type: io.kestra.core.tasks.debugs.Return
          format: "{{task.id}} > JSON > {{ fromJson(parent.taskrun.value).key }} > {{ fromJson(parent.taskrun.value).value | json }}"
$$);
SELECT flow_start('t86', 'each-object') AS id \gset
SELECT task_id, outputs ->> 'value' AS output FROM flowpg.task_runs
WHERE execution_id = :'id' AND task_id IN ('not-json', 'json') ORDER BY created_at;

-- EachParallel's `concurrent` limits the values under way: with pauses, two at a time
SELECT revision FROM flow_deploy($$
id: each-concurrent
namespace: t86
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachParallel
    value: [a, b, c]
    concurrent: 2
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
      - id: side
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }} at once"
$$);
SELECT flow_start('t86', 'each-concurrent') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

-- Error paths: a null in the list (Kestra's each-null), a map, no value at all, `values` (the
-- ForEach name) on an Each task, a negative `concurrent`; at run time a value rendering to a map
SELECT pg_temp.try(format($q$SELECT flow_deploy(%L)$q$, $$
id: each-null
namespace: t86
tasks:
  - id: 1_each
    type: io.kestra.core.tasks.flows.EachSequential
    value: '["value 1", null, "value 3"]'
    tasks:
      - id: 1-1
        type: io.kestra.core.tasks.debugs.Return
        format: "{{ taskrun.value }}"
$$));
SELECT * FROM flow_validate($$
id: bad
namespace: t86
tasks:
  - id: a
    type: io.kestra.plugin.core.flow.EachSequential
    value: {k: v}
    tasks: [{id: x, type: io.kestra.plugin.core.log.Log, message: x}]
  - id: b
    type: io.kestra.plugin.core.flow.EachParallel
    values: [1]
    concurrent: -2
    tasks: [{id: y, type: io.kestra.plugin.core.log.Log, message: x}]
$$);
SELECT revision FROM flow_deploy($$
id: each-bad-run
namespace: t86
inputs:
  - id: v
    type: JSON
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.EachParallel
    value: "{{ inputs.v }}"
    tasks:
      - id: x
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
$$);
SELECT flow_start('t86', 'each-bad-run', '{"v": {"a": 1}}') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'id';

-- WaitFor: its tasks run again while the condition holds, one iteration per check, each check
-- fired by the worker's timer after checkFrequency.interval (the task run waits in RETRYING);
-- Kestra's own example: the Return gives the iteration count, the loop stops once it is 4
SELECT revision FROM flow_deploy($$
id: waitfor
namespace: t86
tasks:
  - id: waitFor
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.return.value != '4' }}"
    checkFrequency:
      interval: PT0.05S
    tasks:
      - id: return
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.waitFor.iterationCount }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.waitFor.iterationCount }} {{ outputs.return.value }}"
$$);
SELECT flow_start('t86', 'waitfor') AS id \gset
SELECT flow_wait(:'id', '20s');
SELECT task_id, iteration, outputs ->> 'value' AS value FROM flowpg.task_runs
WHERE execution_id = :'id' AND task_id = 'return' ORDER BY created_at;
SELECT message FROM flowpg.logs WHERE execution_id = :'id';
SELECT jsonb_path_query_array(history, '$[*].state') AS waitfor_history,
       jsonb_path_query_array(attempts, '$[*].state') AS attempts
FROM flowpg.task_runs WHERE execution_id = :'id' AND task_id = 'waitFor';

-- maxIterations reached: SUCCESS with a WARN line, or FAILED with failOnMaxReached; a failing
-- iteration fails the WaitFor and its errors run
SELECT revision FROM flow_deploy($$
id: waitfor_max
namespace: t86
inputs:
  - id: fail
    type: BOOLEAN
tasks:
  - id: poll
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    failOnMaxReached: "{{ inputs.fail }}"
    checkFrequency:
      maxIterations: 2
      interval: PT0.05S
    tasks:
      - id: probe
        type: io.kestra.plugin.core.log.Log
        message: "check {{ taskrun.iteration }}"
$$);
SELECT flow_start('t86', 'waitfor_max', '{"fail": false}') AS id \gset
SELECT flow_wait(:'id', '20s');
SELECT level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;
SELECT flow_start('t86', 'waitfor_max', '{"fail": true}') AS id \gset
SELECT flow_wait(:'id', '20s');
SELECT level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;
SELECT revision FROM flow_deploy($$
id: waitfor_fail
namespace: t86
tasks:
  - id: poll
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    tasks:
      - id: boom
        type: io.kestra.plugin.core.execution.Fail
        errorMessage: "probe failed"
    errors:
      - id: handle
        type: io.kestra.plugin.core.log.Log
        message: handled
$$);
SELECT flow_start('t86', 'waitfor_fail') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';

-- A kill while the WaitFor waits for its next check ends it and voids the timer
SELECT revision FROM flow_deploy($$
id: waitfor_slow
namespace: t86
tasks:
  - id: poll
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    checkFrequency:
      interval: PT1H
    tasks:
      - id: probe
        type: io.kestra.plugin.core.log.Log
        message: probing
$$);
SELECT flow_start('t86', 'waitfor_slow') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT kind, due_at > now() + interval '59 minutes' AS in_an_hour FROM flowpg.work
WHERE execution_id = :'id';
SELECT flow_kill(:'id');
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT count(*) AS timers FROM flowpg.work WHERE execution_id = :'id';

-- An unbounded WaitFor (both limits lifted) is refused at deploy, as are maxIterations 0, a
-- WaitFor without condition, and limits that are no literal integer or duration
SELECT * FROM flow_validate($$
id: bad
namespace: t86
tasks:
  - id: forever
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    checkFrequency:
      maxIterations: null
      maxDuration: null
    tasks: [{id: x, type: io.kestra.plugin.core.log.Log, message: x}]
  - id: zero
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    checkFrequency:
      maxIterations: 0
    tasks: [{id: y, type: io.kestra.plugin.core.log.Log, message: x}]
  - id: nocondition
    type: io.kestra.plugin.core.flow.WaitFor
    tasks: [{id: z, type: io.kestra.plugin.core.log.Log, message: x}]
  - id: badlimits
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ true }}"
    checkFrequency:
      maxIterations: "{{ 3 }}"
      maxDuration: one hour
      interval: "{{ 'PT1S' }}"
    tasks: [{id: w, type: io.kestra.plugin.core.log.Log, message: x}]
$$);
