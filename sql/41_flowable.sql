-- Flowable tasks and the final-state rule: If, Sequential, Parallel, errors and finally (flow and
-- task level), allowFailure, allowWarning, runIf, disabled, Fail, Return, OutputValues, flow outputs.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql


-- If with then and else, on a BOOL input (Kestra's if-condition family)
SELECT revision FROM flow_deploy($$
id: if-else
namespace: t.flow
inputs:
  - id: param
    type: STRING
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.param }}"
    then:
      - id: when-true
        type: io.kestra.plugin.core.log.Log
        message: "true"
    else:
      - id: when-false
        type: io.kestra.plugin.core.log.Log
        message: "false"
$$);
SELECT p, (pg_temp.run('t.flow', 'if-else', jsonb_build_object('param', p))).*
FROM unnest(ARRAY['true', 'True ', '1', 'yes', 'x', 'false', ' FALSE', '0', '-0', 'no', 'null', '']) p;
SELECT outputs FROM flowpg.task_runs WHERE task_id = 'if' ORDER BY created_at LIMIT 1;

-- If without else: a false condition runs nothing
SELECT revision FROM flow_deploy($$
id: if-without-else
namespace: t.flow
inputs:
  - id: param
    type: BOOLEAN
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.param }}"
    then:
      - id: when-true
        type: io.kestra.plugin.core.log.Log
        message: "true"
$$);
SELECT (pg_temp.run('t.flow', 'if-without-else', '{"param": true}')).*;
SELECT (pg_temp.run('t.flow', 'if-without-else', '{"param": false}')).*;

-- Nested Sequential and Parallel; disabled tasks create no task run
SELECT revision FROM flow_deploy($$
id: nested
namespace: t.flow
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: s1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
      - id: off
        type: io.kestra.plugin.core.log.Log
        message: never
        disabled: true
      - id: par
        type: io.kestra.plugin.core.flow.Parallel
        tasks:
          - id: p1
            type: io.kestra.plugin.core.debug.Return
            format: "{{ task.id }}"
          - id: p2
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - id: p2a
                type: io.kestra.plugin.core.debug.Return
                format: "{{ outputs.s1.value }} then {{ task.id }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.p2a.value }}"
$$);
SELECT (pg_temp.run('t.flow', 'nested')).*;
SELECT task_id, outputs ->> 'value' AS value, parent_id IS NOT NULL AS has_parent
FROM flowpg.task_runs r WHERE task_id IN ('s1', 'p2a', 'last') ORDER BY created_at;

-- Flow-level errors and finally (Kestra's finally-flow-error): false succeeds, true fails
SELECT revision FROM flow_deploy($$
id: finally-flow-error
namespace: t.flow
inputs:
  - id: failed
    type: BOOL
    defaults: false
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.failed == false }}"
    then:
      - id: ok
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
    else:
      - id: ko
        type: io.kestra.plugin.core.execution.Fail
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
SELECT (pg_temp.run('t.flow', 'finally-flow-error', '{"failed": false}')).*;
SELECT (pg_temp.run('t.flow', 'finally-flow-error', '{"failed": true}')).*;
-- the failure is logged with Fail's default message
SELECT task_id, level, message FROM flowpg.logs WHERE task_id = 'ko';

-- errors and finally on a Parallel (Kestra's finally-parallel): every branch runs, then errors, then finally
SELECT revision FROM flow_deploy($$
id: finally-parallel
namespace: t.flow
inputs:
  - id: failed
    type: BOOL
    defaults: false
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: p1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: "{{ inputs.failed == false }}"
        then:
          - id: ok
            type: io.kestra.plugin.core.debug.Return
            format: "{{ task.id }}"
        else:
          - id: ko
            type: io.kestra.plugin.core.execution.Fail
      - id: p3
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
    errors:
      - id: e1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
    finally:
      - id: a1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
$$);
SELECT (pg_temp.run('t.flow', 'finally-parallel', '{"failed": false}')).*;
SELECT (pg_temp.run('t.flow', 'finally-parallel', '{"failed": true}')).*;

-- A failure in a nested Sequential with local errors: the handler runs, the execution still fails,
-- and the tasks after the failure never run
SELECT revision FROM flow_deploy($$
id: local-errors
namespace: t.flow
tasks:
  - id: parent-seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: t1
        type: io.kestra.plugin.core.debug.Return
        format: "{{ task.id }}"
      - id: t2_seq
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: t2-t1
            type: io.kestra.plugin.core.execution.Fail
            errorMessage: "broken {{ task.id }}"
          - id: t2-t2
            type: io.kestra.plugin.core.debug.Return
            format: never
        errors:
          - id: error-t1
            type: io.kestra.plugin.core.debug.Return
            format: "Error Trigger ! {{ task.id }}"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: never
$$);
SELECT (pg_temp.run('t.flow', 'local-errors')).*;
SELECT message FROM flowpg.logs WHERE task_id = 't2-t1';

-- allowFailure turns a failure into WARNING and the flow goes on; allowWarning turns WARNING into SUCCESS
SELECT revision FROM flow_deploy($$
id: allow
namespace: t.flow
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    tasks:
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
      - id: not-reached
        type: io.kestra.plugin.core.log.Log
        message: never
  - id: log-allowed
    type: io.kestra.plugin.core.log.Log
    message: goes on
$$);
SELECT (pg_temp.run('t.flow', 'allow')).*;
SELECT revision FROM flow_deploy($$
id: allow-warning
namespace: t.flow
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    allowFailure: true
    allowWarning: true
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: goes on
$$);
SELECT (pg_temp.run('t.flow', 'allow-warning')).*;

-- runIf: true runs, false skips, an undefined variable fails the task (Kestra's task-runif)
SELECT revision FROM flow_deploy($$
id: runif
namespace: t.flow
tasks:
  - id: executed
    type: io.kestra.plugin.core.log.Log
    runIf: "{{ 1 == 1 }}"
    message: [one, two]
  - id: notexecuted
    type: io.kestra.plugin.core.log.Log
    runIf: "false"
    message: never
  - id: output
    type: io.kestra.plugin.core.output.OutputValues
    values:
      taskrun_data: 1
  - id: compared
    type: io.kestra.plugin.core.log.Log
    runIf: "{{ outputs.output['values']['taskrun_data'] == 1 }}"
    message: compared
  - id: willfailedtheflow
    type: io.kestra.plugin.core.log.Log
    runIf: "{{ outputs.notexists.value == 1 }}"
    message: never
$$);
SELECT (pg_temp.run('t.flow', 'runif')).*;
SELECT task_id, level, message FROM flowpg.logs WHERE task_id IN ('executed', 'willfailedtheflow') ORDER BY at;

-- Fail with a condition
SELECT revision FROM flow_deploy($$
id: fail-condition
namespace: t.flow
inputs:
  - id: n
    type: INT
tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.n > 10 }}"
    errorMessage: "{{ inputs.n }} is too big"
$$);
SELECT (pg_temp.run('t.flow', 'fail-condition', '{"n": 5}')).*;
SELECT (pg_temp.run('t.flow', 'fail-condition', '{"n": 50}')).*;
SELECT message FROM flowpg.logs WHERE task_id = 'check';

-- OutputValues, Return, and flow outputs (a STRING output renders a map as JSON text)
SELECT revision FROM flow_deploy($$
id: outputs
namespace: t.flow
tasks:
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      output1: xyz
      output2: abc
      n: 3
  - id: return
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs['values']['values'].output1 }}-{{ outputs['values']['values'].n * 2 }}"
outputs:
  - id: key
    type: STRING
    value: "{{ outputs.values['values'] }}"
  - id: doubled
    type: STRING
    value: "{{ outputs.return.value }}"
$$);
SELECT (pg_temp.run('t.flow', 'outputs')).*;
SELECT outputs FROM flowpg.task_runs WHERE task_id IN ('values', 'return') ORDER BY created_at;
SELECT outputs FROM flowpg.executions WHERE flow_id = 'outputs';

-- a flow output that reads an undefined variable fails the execution
SELECT revision FROM flow_deploy($$
id: outputs-failed
namespace: t.flow
tasks:
  - id: ok
    type: io.kestra.plugin.core.debug.Return
    format: fine
outputs:
  - id: bad
    type: STRING
    value: "{{ outputs.nothing.value }}"
$$);
SELECT (pg_temp.run('t.flow', 'outputs-failed')).*;
SELECT outputs IS NULL AS no_outputs FROM flowpg.executions WHERE flow_id = 'outputs-failed';
SELECT level, message FROM flowpg.logs l JOIN flowpg.executions e ON e.id = l.execution_id
WHERE e.flow_id = 'outputs-failed';

-- A render error in a task fails its task run, not the caller's transaction
SELECT revision FROM flow_deploy($$
id: render-error
namespace: t.flow
tasks:
  - id: bad
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.x.onResume.approved }}"
$$);
BEGIN;
SELECT (pg_temp.run('t.flow', 'render-error')).*;
SELECT 'the transaction is still usable' AS note;
COMMIT;
SELECT message FROM flowpg.logs WHERE task_id = 'bad';

-- Switch (Kestra's switch family): the case its value names, or defaults; no match and no
-- defaults fails; the value is an output, and so is whether defaults ran
SELECT revision FROM flow_deploy($$
id: switch
namespace: t.flow
inputs:
  - id: string
    type: STRING
  - id: def
    type: STRING
    defaults: amazing
tasks:
  - id: parent-seq
    type: io.kestra.plugin.core.flow.Switch
    value: "{{inputs.string}}"
    cases:
      FIRST:
        - id: t1
          type: io.kestra.plugin.core.debug.Return
          format: "{{task.id}}"
      SECOND:
        - id: t2
          type: io.kestra.plugin.core.debug.Return
          format: "{{task.id}}"
        - id: t2_sub
          type: io.kestra.plugin.core.debug.Return
          format: "{{task.id}}"
      THIRD:
        - id: t3
          type: io.kestra.plugin.core.flow.Sequential
          tasks:
            - id: failed
              type: io.kestra.plugin.core.execution.Fail
          errors:
            - id: error-t1
              type: io.kestra.plugin.core.debug.Return
              format: "Error Trigger ! {{task.id}}"
    defaults:
      - id: default
        type: io.kestra.plugin.core.debug.Return
        format: "{{task.id}} > {{ inputs.def }}"
$$);
SELECT v, (pg_temp.run('t.flow', 'switch', jsonb_build_object('string', v))).*
FROM unnest(ARRAY['FIRST', 'SECOND', 'THIRD', 'OTHER']) v;
SELECT r.outputs FROM flowpg.task_runs r JOIN flowpg.executions e ON e.id = r.execution_id
WHERE e.flow_id = 'switch' AND r.task_id = 'parent-seq' ORDER BY r.created_at;
SELECT outputs ->> 'value' AS value FROM flowpg.task_runs WHERE task_id = 'default';
SELECT revision FROM flow_deploy($$
id: switch-impossible
namespace: t.flow
tasks:
  - id: switch
    type: io.kestra.plugin.core.flow.Switch
    value: impossible
    cases:
      "NO":
        - id: t1
          type: io.kestra.plugin.core.debug.Return
          format: no
    defaults: null
$$);
SELECT (pg_temp.run('t.flow', 'switch-impossible')).*;
SELECT message FROM flowpg.logs WHERE task_id = 'switch';

-- errorLogs() lists the execution's ERROR log lines, for errors handlers (Kestra's errors flow)
SELECT revision FROM flow_deploy($$
id: errors
namespace: t.flow
tasks:
- id: failed
  type: io.kestra.plugin.core.execution.Fail
errors:
  - id: t2
    type: io.kestra.plugin.core.log.Log
    message: |
      {%- for log in errorLogs() -%}
      - task: {{ log.taskId }}, message: {{ log.message }}
      {%- endfor -%}
$$);
SELECT (pg_temp.run('t.flow', 'errors')).*;
SELECT message FROM flowpg.logs WHERE task_id = 't2';
