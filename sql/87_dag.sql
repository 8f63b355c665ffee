-- core.flow.Dag: tasks with dependsOn start once everything they depend on has ended; disabled
-- tasks pass a chain through; concurrent; a failure stops new starts, then errors and finally;
-- deploy refuses unknown ids in dependsOn, cycles (named), bad shapes; restart.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- Kestra's dag.yaml (unchanged): 7 task runs, SUCCESS, each task after what it depends on
SELECT revision FROM flow_deploy($$
id: "dag"
namespace: io.kestra.tests
tasks:
  - id: dag
    description: "my task"
    type: io.kestra.core.tasks.flows.Dag
    tasks:
      - task:
          id: task1
          type: io.kestra.core.tasks.log.Log
          message: "1 !"
      - task:
          id: task2
          type: io.kestra.core.tasks.log.Log
          message: "2 !"
        dependsOn:
          - task1
      - task:
          id: task3
          type: io.kestra.core.tasks.log.Log
          message: "1 !"
        dependsOn:
          - task2
      - task:
          id: task4
          type: io.kestra.core.tasks.log.Log
          message: "1 !"
        dependsOn:
          - task2
      - task:
          id: task5
          type: io.kestra.core.tasks.log.Log
          message: "1 !"
        dependsOn:
          - task4
          - task3
$$);
SELECT * FROM pg_temp.run('io.kestra.tests', 'dag');

-- order follows dependsOn, not the list: last listed runs first
SELECT revision FROM flow_deploy($$
id: dag-order
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: c, type: io.kestra.plugin.core.log.Log, message: "c after {{ outputs.b.value }}"}
        dependsOn: [b]
      - task: {id: b, type: io.kestra.plugin.core.debug.Return, format: "b after a"}
        dependsOn: [a]
      - task: {id: a, type: io.kestra.plugin.core.log.Log, message: a}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
$$);
SELECT flow_start('t.dag', 'dag-order') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT string_agg(message, ' | ' ORDER BY at) FROM flowpg.logs WHERE execution_id = :'id';

-- Kestra's finally-dag.yaml (unchanged): failed=true gives 9 task runs, FAILED; errors e1, e2
-- then finally a1, a2 run in order
SELECT revision FROM flow_deploy($$
id: finally-dag
namespace: io.kestra.tests

inputs:
  - id: failed
    type: BOOLEAN
    defaults: false

tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: t1
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
      - task:
          id: t2
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
        dependsOn:
          - t1
      - task:
          id: t3
          type: io.kestra.plugin.core.flow.If
          condition: "{{ inputs.failed == false }}"
          then:
            - id: ok
              type: io.kestra.plugin.core.debug.Return
              format: "{{ task.id }}"
          else:
            - id: ko
              type: io.kestra.plugin.core.execution.Fail
        dependsOn:
          - t2

    errors:
      - id: e1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"

      - id: e2
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"

    finally:
      - id: a1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"

      - id: a2
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
$$);
SELECT * FROM pg_temp.run('io.kestra.tests', 'finally-dag', '{"failed": true}');
SELECT * FROM pg_temp.run('io.kestra.tests', 'finally-dag', '{"failed": false}');

-- Kestra's dag-disabled-dependency.yaml (Sleep replaced by a Log): a chain passes through
-- disabled tasks, and a task depending on a disabled root still runs
SELECT revision FROM flow_deploy($$
id: dag-disabled-dependency
namespace: io.kestra.tests

tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: first
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
      - task:
          id: disabled1
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
          disabled: true
        dependsOn:
          - first
      - task:
          id: disabled2
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
          disabled: true
        dependsOn:
          - disabled1
      - task:
          id: last
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
        dependsOn:
          - disabled2
      - task:
          id: disabledRoot
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
          disabled: true
      - task:
          id: afterDisabledRoot
          type: io.kestra.plugin.core.log.Log
          message: "{{ task.id }}"
        dependsOn:
          - disabledRoot

  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ task.id }}"
$$);
SELECT * FROM pg_temp.run('io.kestra.tests', 'dag-disabled-dependency');

-- a task waits for a paused dependency; its independent sibling runs meanwhile; concurrent: 1
-- keeps the second root from starting while the first (paused) one holds the slot
SELECT revision FROM flow_deploy($$
id: dag-pause
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: approve, type: io.kestra.plugin.core.flow.Pause}
      - task: {id: free, type: io.kestra.plugin.core.log.Log, message: free}
      - task: {id: gated, type: io.kestra.plugin.core.log.Log, message: gated}
        dependsOn: [approve]
$$);
SELECT flow_start('t.dag', 'dag-pause') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'id')) IS NOT NULL AS resumed;
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';

SELECT revision FROM flow_deploy($$
id: dag-concurrent
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    concurrent: 1
    tasks:
      - task: {id: approve, type: io.kestra.plugin.core.flow.Pause}
      - task: {id: free, type: io.kestra.plugin.core.log.Log, message: free}
$$);
SELECT flow_start('t.dag', 'dag-concurrent') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'id')) IS NOT NULL AS resumed;
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';

-- a failure stops new starts (the dependent of the failed task and a later root do not start);
-- an allowFailure failure does not; restart runs the failed task again (a new attempt on it only)
SELECT revision FROM flow_deploy($$
id: dag-fail
namespace: t.dag
inputs:
  - id: fail
    type: BOOLEAN
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: soft, type: io.kestra.plugin.core.execution.Fail, allowFailure: true}
      - task:
          id: hard
          type: io.kestra.plugin.core.execution.Fail
          condition: "{{ inputs.fail }}"
        dependsOn: [soft]
      - task: {id: next, type: io.kestra.plugin.core.log.Log, message: next}
        dependsOn: [hard]
$$);
SELECT flow_start('t.dag', 'dag-fail', '{"fail": true}') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT pg_temp.try(format('SELECT flow_restart(%L)', :'id')) IS NOT NULL AS restarted;
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT task_id, jsonb_array_length(attempts) AS attempts FROM flowpg.task_runs
WHERE execution_id = :'id' ORDER BY created_at;

-- a failure while a sibling is paused: nothing more starts, the paused one goes on; once it is
-- resumed the Dag ends FAILED and its errors run; its dependent never starts
SELECT revision FROM flow_deploy($$
id: dag-fail-while-paused
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: approve, type: io.kestra.plugin.core.flow.Pause}
      - task: {id: broken, type: io.kestra.plugin.core.execution.Fail}
      - task: {id: after-approve, type: io.kestra.plugin.core.log.Log, message: after}
        dependsOn: [approve]
    errors:
      - id: report
        type: io.kestra.plugin.core.log.Log
        message: "failed"
$$);
SELECT flow_start('t.dag', 'dag-fail-while-paused') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_resume(:'id');
SELECT pg_temp.runs(:'id');

-- concurrent rendered at run time: a negative value fails the Dag task run with a message
SELECT revision FROM flow_deploy($$
id: dag-invalid-concurrent
namespace: io.kestra.tests
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    concurrent: "{{ 0 - 1 }}"
    tasks:
      - task:
          id: a
          type: io.kestra.plugin.core.log.Log
          message: hello
$$);
SELECT flow_start('io.kestra.tests', 'dag-invalid-concurrent') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id';

-- deploy errors (22023, with line, column and path); a refused flow is not stored
-- Kestra's dag-cyclicdependency: task1 <-> task2
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: dag-cyclic
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: task1, type: io.kestra.plugin.core.log.Log, message: "1"}
        dependsOn: [task2]
      - task: {id: task2, type: io.kestra.plugin.core.log.Log, message: "2"}
        dependsOn: [task1]
      - task: {id: task3, type: io.kestra.plugin.core.log.Log, message: "3"}
$$)$q$);
-- a longer cycle below a root, and a task depending on itself
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: dag-cyclic-long
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: root, type: io.kestra.plugin.core.log.Log, message: "r"}
      - task: {id: x, type: io.kestra.plugin.core.log.Log, message: "x"}
        dependsOn: [root, z]
      - task: {id: y, type: io.kestra.plugin.core.log.Log, message: "y"}
        dependsOn: [x]
      - task: {id: z, type: io.kestra.plugin.core.log.Log, message: "z"}
        dependsOn: [y]
$$)$q$);
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: dag-self
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: me, type: io.kestra.plugin.core.log.Log, message: "m"}
        dependsOn: [me]
$$)$q$);
-- Kestra's dag-notexist-task: taskX; and an id of the flow outside the Dag
SELECT * FROM flow_validate($$
id: dag-notexist
namespace: t.dag
tasks:
  - id: outside
    type: io.kestra.plugin.core.log.Log
    message: o
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: task1, type: io.kestra.plugin.core.log.Log, message: "1"}
        dependsOn: [taskX]
      - task: {id: task2, type: io.kestra.plugin.core.log.Log, message: "2"}
        dependsOn: [task1, outside]
$$);
-- Kestra's dag-invalid-subtask (a Log without message), bad shapes, a negative concurrent
SELECT * FROM flow_validate($$
id: dag-shapes
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    concurrent: -2
    tasks:
      - task: {id: task1, type: io.kestra.plugin.core.log.Log}
      - task: {id: task2, type: io.kestra.plugin.core.log.Log, message: "2"}
        dependsOn: task1
      - dependsOn: [task1]
      - task: {id: task3, type: io.kestra.plugin.core.log.Log, message: "3"}
        dependsOn: [1]
        needs: [task1]
      - just a string
  - id: empty
    type: io.kestra.plugin.core.flow.Dag
    tasks: []
$$);
-- a duplicate id across the Dag and the flow is refused like any other
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: dag-duplicate
namespace: t.dag
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: a, type: io.kestra.plugin.core.log.Log, message: "1"}
$$)$q$);
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: dag-notexist
namespace: t.dag
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: task1, type: io.kestra.plugin.core.log.Log, message: "1"}
        dependsOn: [taskX]
$$)$q$);
SELECT count(*) FROM flowpg.flows WHERE namespace = 't.dag' AND id LIKE 'dag-%';

-- a Dag inside a ForEach: each iteration's Dag sees its own children, so every iteration runs
-- both tasks in order (a lookup by task id alone would find the first iteration's runs and
-- start nothing in the second)
SELECT revision FROM flow_deploy($$
id: dag-in-loop
namespace: t.dag
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: dag
        type: io.kestra.plugin.core.flow.Dag
        tasks:
          - task: {id: second, type: io.kestra.plugin.core.log.Log, message: "second {{ parent.taskrun.value }}"}
            dependsOn: [first]
          - task: {id: first, type: io.kestra.plugin.core.log.Log, message: "first {{ parent.taskrun.value }}"}
$$);
SELECT flow_start('t.dag', 'dag-in-loop') AS loop_id \gset
SELECT state FROM flowpg.executions WHERE id = :'loop_id';
SELECT message FROM flowpg.logs WHERE execution_id = :'loop_id' AND task_id IN ('first', 'second')
ORDER BY message;
-- in each iteration, second started once first had ended
SELECT d.value, s.created_at >= f.ended_at AS second_after_first
FROM flowpg.task_runs d
JOIN flowpg.task_runs f ON f.parent_id = d.id AND f.task_id = 'first'
JOIN flowpg.task_runs s ON s.parent_id = d.id AND s.task_id = 'second'
WHERE d.execution_id = :'loop_id' AND d.task_id = 'dag' ORDER BY 1;
SELECT task_id, count(*) FROM flowpg.task_runs WHERE execution_id = :'loop_id'
GROUP BY task_id ORDER BY task_id;
