-- core.execution.Labels (labels set at run time: a map, a list of {key, value}, or an expression
-- rendering to a JSON map; system labels refused) and core.execution.Exit (ends the execution
-- with SUCCESS, WARNING, FAILED, CANCELED or KILLED; nothing after it starts; what is left).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- Labels: a map (values rendered, an existing key overwritten), then a list; later tasks see them
SELECT revision FROM flow_deploy($$
id: labels-map
namespace: t.exec
labels:
  team: hr
  stage: draft
inputs:
  - id: customer
    type: STRING
tasks:
  - id: by-map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      customerId: "{{ inputs.customer }}"
      stage: reviewed
      "{{ 'computed' ~ '_key' }}": 42
      payload: {a: 1}
  - id: by-list
    type: io.kestra.core.tasks.executions.Labels
    labels:
      - key: order_id
        value: "{{ labels.customerId }}-1"
      - key: stage
        value: final
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ labels.stage }} {{ labels.order_id }} {{ labels.team }}"
$$);
SELECT flow_start('t.exec', 'labels-map', '{"customer": "c42"}') AS id \gset
SELECT state, labels - 'system.username' - 'system.correlationId' AS labels
FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id';

-- Kestra's RuntimeLabelsTest (flow labels-update-task, unchanged): a JSON input, a map with a
-- rendered key, a list, and an override of a flow label and of one given at start
SELECT revision FROM flow_deploy($$
id: labels-update-task
namespace: io.kestra.tests
labels:
  flowLabelKey: flowLabelValue
  overriddenFlowLabelKey: flowValueThatWillGetOverridden
inputs:
  - name: labelsJson
    type: JSON
  - name: labelsMapKey
    type: STRING
  - name: labelsMapValue
    type: STRING
  - name: labelsListKey
    type: STRING
  - name: labelsListValue
    type: STRING
tasks:
  - id: from-render
    type: io.kestra.core.tasks.executions.Labels
    labels: "{{ inputs.labelsJson }}"
  - id: from-map
    type: io.kestra.core.tasks.executions.Labels
    labels:
      "{{ inputs.labelsMapKey }}": "{{ inputs.labelsMapValue }}"
  - id: from-list
    type: io.kestra.core.tasks.executions.Labels
    labels:
      - key: "{{ inputs.labelsListKey }}"
        value: "{{ inputs.labelsListValue }}"
  - id: override-labels
    type: io.kestra.core.tasks.executions.Labels
    labels:
      overriddenFlowLabelKey: "{{ flow.namespace ~ '.' ~ flow.id }}"
      overriddenExecutionLabelKey: "{{ taskrun.id }}"
$$);
SELECT flow_start('io.kestra.tests', 'labels-update-task',
    '{"labelsJson": "{\"keyFromJson\": \"valueFromJson\"}", "labelsMapKey": "keyFromMap", "labelsMapValue": "valueFromMap", "labelsListKey": "keyFromList", "labelsListValue": "valueFromList"}',
    '{"keyFromExecution": "valueFromExecution", "overriddenExecutionLabelKey": "executionValueThatWillGetOverridden"}') AS id \gset
SELECT x.state, pg_temp.runs(x.id), x.labels - 'system.username' - 'system.correlationId' - 'overriddenExecutionLabelKey' AS labels,
       x.labels ->> 'overriddenExecutionLabelKey' = (SELECT r.id FROM flowpg.task_runs r WHERE r.execution_id = x.id AND r.task_id = 'override-labels') AS overridden_by_taskrun_id
FROM flowpg.executions x WHERE x.id = :'id';

-- an expression that renders to a JSON map; labels set after a pause are saved on resume
SELECT revision FROM flow_deploy($$
id: labels-after-pause
namespace: t.exec
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: decision
        type: STRING
  - id: label
    type: io.kestra.plugin.core.execution.Labels
    labels: "{{ {'decision': outputs.wait.onResume.decision} | json }}"
$$);
SELECT flow_start('t.exec', 'labels-after-pause') AS id \gset
SELECT flow_resume(:'id', '{"decision": "approved"}');
SELECT labels ->> 'decision' AS decision FROM flowpg.executions WHERE id = :'id';

-- run-time errors fail the task run and change no label: a system label (from an expression),
-- an expression that is not a map, an empty key
SELECT revision FROM flow_deploy($$
id: labels-bad
namespace: t.exec
inputs:
  - id: kind
    type: STRING
tasks:
  - id: sw
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.kind }}"
    cases:
      system:
        - id: system
          type: io.kestra.plugin.core.execution.Labels
          labels:
            fine: yes
            "{{ 'system.username' }}": mallory
      notmap:
        - id: notmap
          type: io.kestra.plugin.core.execution.Labels
          labels: "{{ [1, 2] | json }}"
      empty:
        - id: empty
          type: io.kestra.plugin.core.execution.Labels
          labels:
            - key: "{{ '' }}"
              value: x
$$);
SELECT k, (pg_temp.run('t.exec', 'labels-bad', jsonb_build_object('kind', k))).*
FROM unnest(ARRAY['system', 'notmap', 'empty']) k;
SELECT task_id, message FROM flowpg.logs l JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.flow_id = 'labels-bad' ORDER BY l.at;
SELECT count(*) AS with_fine_label FROM flowpg.executions WHERE flow_id = 'labels-bad' AND labels ? 'fine';
SELECT DISTINCT labels ->> 'system.username' = current_user AS username_kept
FROM flowpg.executions WHERE flow_id = 'labels-bad';

-- deploy-time errors: labels missing or of another shape, list items without key or value,
-- literal system labels
SELECT * FROM flow_validate($$
id: labels-invalid
namespace: t.exec
tasks:
  - id: none
    type: io.kestra.plugin.core.execution.Labels
  - id: number
    type: io.kestra.plugin.core.execution.Labels
    labels: 42
  - id: list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: a
      - value: b
      - just text
  - id: system-map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      system.correlationId: x
  - id: system-list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: system.username
        value: x
$$);

-- Exit SUCCESS: the tasks after it do not start; the execution and the Exit run end SUCCESS
SELECT revision FROM flow_deploy($$
id: exit-success
namespace: t.exec
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: first
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
finally:
  - id: finally-never
    type: io.kestra.plugin.core.log.Log
    message: finally does not run after an Exit
$$);
SELECT (pg_temp.run('t.exec', 'exit-success')).*;

-- Kestra's own example: Exit KILLED in an If's else kills the execution
SELECT revision FROM flow_deploy($$
id: exit
namespace: t.exec
inputs:
  - id: state
    type: SELECT
    values:
      - CONTINUE
      - END
    defaults: CONTINUE
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{inputs.state == 'CONTINUE'}}"
    then:
      - id: hello
        type: io.kestra.plugin.core.log.Log
        message: I'm continuing
    else:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: KILLED
  - id: end
    type: io.kestra.plugin.core.log.Log
    message: I'm ending
$$);
SELECT s, (pg_temp.run('t.exec', 'exit', jsonb_build_object('state', s))).*
FROM unnest(ARRAY['CONTINUE', 'END']) s;

-- Kestra's ExitTest (flows exit and exit-killed): WARNING gives 2 task runs, the If WARNING and
-- the execution WARNING; KILLED gives 2 task runs, both KILLED (above)
SELECT revision FROM flow_deploy($$
id: exit-warning
namespace: t.exec
inputs:
  - id: state
    type: SELECT
    values:
      - CONTINUE
      - END
    defaults: END
tasks:
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{inputs.state == 'CONTINUE'}}"
    then:
      - id: hello
        type: io.kestra.plugin.core.log.Log
        message: I'm continuing
    else:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: WARNING
  - id: end
    type: io.kestra.plugin.core.log.Log
    message: I'm ending
$$);
SELECT (pg_temp.run('t.exec', 'exit-warning')).*;

-- WARNING, FAILED and CANCELED (a rendered state) end the Exit, the flowables holding it and the
-- execution with that state; no errors block runs after an Exit, no retry or allowFailure applies
SELECT revision FROM flow_deploy($$
id: exit-states
namespace: t.exec
inputs:
  - id: state
    type: STRING
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    retry: {type: constant, interval: PT1S, maxAttempts: 3}
    tasks:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: "{{ inputs.state }}"
      - id: after
        type: io.kestra.plugin.core.log.Log
        message: after
errors:
  - id: on-error
    type: io.kestra.plugin.core.log.Log
    message: errors do not run after an Exit
$$);
SELECT s, (pg_temp.run('t.exec', 'exit-states', jsonb_build_object('state', s))).*
FROM unnest(ARRAY['WARNING', 'FAILED', 'CANCELED']) s;
-- a state that renders to no exit state is an ordinary task failure (the errors block runs)
SELECT revision FROM flow_deploy($$
id: exit-bad-state
namespace: t.exec
tasks:
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
    state: "{{ 'DONE' }}"
errors:
  - id: on-error
    type: io.kestra.plugin.core.log.Log
    message: errors run after a failed Exit
$$);
SELECT (pg_temp.run('t.exec', 'exit-bad-state')).*;
SELECT level, message FROM flowpg.logs l JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.flow_id = 'exit-bad-state' ORDER BY l.at;

-- siblings: a paused branch is CANCELLED (nobody could resume it), a queued external task goes on
-- (the worker sends it and records its result), a branch not started yet never starts
SELECT revision FROM flow_deploy($$
id: exit-siblings
namespace: t.exec
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: approve
        type: io.kestra.plugin.core.flow.Pause
      - id: call
        type: io.kestra.plugin.core.http.Request
        uri: http://127.0.0.1:9/
      - id: branch
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: exit
            type: io.kestra.plugin.core.execution.Exit
            state: WARNING
      - id: later
        type: io.kestra.plugin.core.log.Log
        message: never
$$);
SELECT (pg_temp.run('t.exec', 'exit-siblings')).*;
SELECT count(*) AS inbox FROM flowpg.inbox WHERE flow_id = 'exit-siblings';

-- a request still in flight when an Exit ended the execution: its failure is recorded, and it is
-- not retried (the worker would otherwise send it again to an execution that has ended)
SELECT revision FROM flow_deploy($$
id: exit-inflight-retry
namespace: t.exec
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: call
        type: io.kestra.plugin.core.http.Request
        uri: http://127.0.0.1:9/
        retry:
          type: constant
          interval: PT1S
          maxAttempts: 3
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: SUCCESS
$$);
SELECT flow_start('t.exec', 'exit-inflight-retry') AS id \gset
SELECT set_config('t51.id', :'id', false) IS NOT NULL AS noted;
DO $$
BEGIN
    FOR i IN 1 .. 200 LOOP
        PERFORM 1 FROM flowpg.task_runs WHERE execution_id = current_setting('t51.id') AND task_id = 'call'
            AND state IN ('FAILED', 'SUCCESS', 'WARNING', 'RETRYING');
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.05);
    END LOOP;
END
$$;
SELECT pg_sleep(1.5);
SELECT state FROM flowpg.executions WHERE id = :'id';
SELECT task_id, state, jsonb_array_length(attempts) AS attempts FROM flowpg.task_runs
WHERE execution_id = :'id' AND task_id = 'call';
SELECT count(*) AS work_left FROM flowpg.work WHERE execution_id = :'id';

-- an Exit after a resume ends the execution from the resume
SELECT revision FROM flow_deploy($$
id: exit-after-resume
namespace: t.exec
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
    state: FAILED
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
$$);
SELECT flow_start('t.exec', 'exit-after-resume') AS id \gset
SELECT flow_resume(:'id');
SELECT pg_temp.runs(:'id');
SELECT state FROM jsonb_to_recordset((SELECT history FROM flowpg.executions WHERE id = :'id')) AS h(state text);

-- deploy-time: a literal state that is not an exit state
SELECT * FROM flow_validate($$
id: exit-invalid
namespace: t.exec
tasks:
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
    state: CANCELLED
$$);

-- the README's example
SELECT revision FROM flow_deploy($$
id: exit_demo
namespace: demo
inputs:
  - id: state
    type: SELECT
    values: [CONTINUE, END]
    defaults: CONTINUE
tasks:
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels:
      decision: "{{ inputs.state }}"
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.state == 'CONTINUE' }}"
    then:
      - id: hello
        type: io.kestra.plugin.core.log.Log
        message: continuing
    else:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: KILLED
  - id: end
    type: io.kestra.plugin.core.log.Log
    message: ending
$$);
SELECT flow_start('demo', 'exit_demo', '{"state": "END"}') AS id \gset
SELECT state, labels ->> 'decision' AS decision FROM flowpg.executions WHERE id = :'id';
--  state  | decision
-- --------+----------
--  KILLED | END
