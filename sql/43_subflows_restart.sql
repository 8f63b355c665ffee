-- Subflow (wait, no wait, transmitFailed, a paused child, kill cascading, unknown flow, invalid
-- inputs, nesting limit) and restart of a FAILED execution from its failed task runs.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

SELECT revision FROM flow_deploy($$
id: child
namespace: t.sub
inputs:
  - id: items
    type: STRING
  - id: pause
    type: BOOLEAN
    defaults: false
  - id: fail
    type: BOOLEAN
    defaults: false
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.pause }}"
    then:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
  - id: echo
    type: io.kestra.plugin.core.debug.Return
    format: "child got {{ inputs.items }}"
outputs:
  - id: echoed
    type: STRING
    value: "{{ outputs.echo.value }}"
$$);
SELECT revision FROM flow_deploy($$
id: parent
namespace: t.sub
inputs:
  - id: pause
    type: BOOLEAN
    defaults: false
  - id: fail
    type: BOOLEAN
    defaults: false
  - id: wait
    type: BOOLEAN
    defaults: true
  - id: transmit
    type: BOOLEAN
    defaults: true
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.sub
    flowId: child
    wait: "{{ inputs.wait }}"
    transmitFailed: "{{ inputs.transmit }}"
    inputs:
      items: "from {{ flow.id }}"
      pause: "{{ inputs.pause }}"
      fail: "{{ inputs.fail }}"
    labels:
      origin: parent
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.call.outputs.echoed ?? 'no outputs' }}"
$$);

-- wait (default): the child runs inside the parent's transaction and the parent goes on
SELECT flow_start('t.sub', 'parent') AS p1 \gset
SELECT state, pg_temp.runs(:'p1') FROM flowpg.executions WHERE id = :'p1';
SELECT c.state, c.parent_id = :'p1' AS child_of_p1, c.labels ->> 'origin' AS origin,
       c.labels ->> 'system.correlationId' = :'p1' AS correlated, c.trigger ->> 'executionId' = :'p1' AS triggered_by_p1
FROM flowpg.executions c WHERE c.parent_id = :'p1';
SELECT outputs -> 'state' AS state, outputs -> 'outputs' AS child_outputs,
       outputs ->> 'executionId' = (SELECT id FROM flowpg.executions WHERE parent_id = :'p1') AS id_ok
FROM flowpg.task_runs WHERE execution_id = :'p1' AND task_id = 'call';
SELECT outputs ->> 'value' AS after FROM flowpg.task_runs WHERE execution_id = :'p1' AND task_id = 'after';

-- a child that pauses keeps the parent RUNNING; resuming the child finishes both
SELECT flow_start('t.sub', 'parent', '{"pause": true}') AS p2 \gset
SELECT id AS c2 FROM flowpg.executions WHERE parent_id = :'p2' \gset
SELECT (SELECT state FROM flowpg.executions WHERE id = :'p2') AS parent, (SELECT state FROM flowpg.executions WHERE id = :'c2') AS child;
SELECT flow_resume(:'c2');
SELECT (SELECT state FROM flowpg.executions WHERE id = :'p2') AS parent, pg_temp.runs(:'p2') AS parent_runs;

-- killing the parent kills the paused child
SELECT flow_start('t.sub', 'parent', '{"pause": true}') AS p3 \gset
SELECT flow_kill(:'p3');
SELECT state, pg_temp.runs(id) FROM flowpg.executions WHERE id = :'p3' OR parent_id = :'p3' ORDER BY created_at;
-- each kill has its audit row; the child's says whose kill it follows
SELECT a.execution_id = :'p3' AS is_parent, a.actor, a.detail ->> 'parent' = :'p3' AS follows_parent
  FROM flowpg.audit_log a JOIN flowpg.executions e ON e.id = a.execution_id
 WHERE a.action = 'kill' AND (e.id = :'p3' OR e.parent_id = :'p3') ORDER BY a.id;

-- a failed child fails the Subflow task (transmitFailed), or not
SELECT flow_start('t.sub', 'parent', '{"fail": true}') AS p4 \gset
SELECT state, pg_temp.runs(:'p4') FROM flowpg.executions WHERE id = :'p4';
SELECT regexp_replace(message, '[0-9A-Za-z]{22}', '<id>') AS message FROM flowpg.logs WHERE execution_id = :'p4';
SELECT flow_start('t.sub', 'parent', '{"fail": true, "transmit": false}') AS p5 \gset
SELECT state, pg_temp.runs(:'p5') FROM flowpg.executions WHERE id = :'p5';

-- wait: false: the parent does not wait for a paused child
SELECT flow_start('t.sub', 'parent', '{"pause": true, "wait": false}') AS p6 \gset
SELECT state, pg_temp.runs(:'p6') FROM flowpg.executions WHERE id = :'p6';
SELECT state FROM flowpg.executions WHERE parent_id = :'p6';

-- an unknown flow or invalid inputs fail the Subflow task, not the caller
SELECT revision FROM flow_deploy($$
id: broken-calls
namespace: t.sub
tasks:
  - id: missing
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.sub
    flowId: does-not-exist
    allowFailure: true
  - id: bad-inputs
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.sub
    flowId: child
    inputs:
      itemz: typo
$$);
SELECT flow_start('t.sub', 'broken-calls') AS p7 \gset
SELECT state, pg_temp.runs(:'p7') FROM flowpg.executions WHERE id = :'p7';
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'p7' ORDER BY at;

-- a flow that calls itself stops at the nesting limit
SELECT revision FROM flow_deploy($$
id: recursive
namespace: t.sub
tasks:
  - id: again
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.sub
    flowId: recursive
$$);
SELECT flow_start('t.sub', 'recursive') AS p8 \gset
SELECT count(*) AS executions, count(*) FILTER (WHERE state = 'FAILED') AS failed
FROM flowpg.executions WHERE flow_id = 'recursive';
SELECT DISTINCT message FROM flowpg.logs l JOIN flowpg.executions e ON e.id = l.execution_id
WHERE e.flow_id = 'recursive' AND message LIKE 'subflows%';

-- Restart (Kestra's restart_last_failed): c fails on its first attempt because its lazy ternary
-- takes the undefined branch; a restart re-runs it as attempt 2 and the flow finishes
SELECT revision FROM flow_deploy($$
id: restart_last_failed
namespace: t.sub
tasks:
- id: a
  type: io.kestra.plugin.core.log.Log
  message: "{{ task.id }}"
- id: b
  type: io.kestra.plugin.core.log.Log
  message: "{{ task.id }}"
- id: c
  type: io.kestra.plugin.core.log.Log
  message: "{{taskrun.attemptsCount == 1 ? 'ok' : ko}}"
- id: d
  type: io.kestra.plugin.core.log.Log
  message: "{{ task.id }}"
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: handled
$$);
SELECT flow_start('t.sub', 'restart_last_failed') AS r1 \gset
SELECT state, pg_temp.runs(:'r1') FROM flowpg.executions WHERE id = :'r1';
SELECT flow_restart(:'r1');
SELECT state, pg_temp.runs(:'r1'), jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.executions WHERE id = :'r1';
SELECT task_id, jsonb_array_length(attempts) AS attempts, jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.task_runs WHERE execution_id = :'r1' ORDER BY created_at;
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'r1' ORDER BY at;
SELECT action FROM flowpg.audit_log WHERE execution_id = :'r1' ORDER BY id;
-- only a FAILED execution restarts
SELECT pg_temp.try(format('SELECT flow_restart(%L)', :'r1'));
SELECT pg_temp.try($$SELECT flow_restart('no-such-execution')$$);

-- the per-session cache of compiled flows empties itself when it holds 1,000 of them; a parent
-- whose Subflow call is what fills it keeps running on its own, intact, compiled flow
DO $$
BEGIN
    FOR i IN 1..1010 LOOP
        PERFORM flow_deploy(format($y$
id: many-%s
namespace: t.sub.cache
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.sub
    flowId: child
    inputs:
      items: "%s"
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ flow.id }} after {{ outputs.call.state }}"
$y$, i, i));
        PERFORM flow_start('t.sub.cache', 'many-' || i);
    END LOOP;
END $$;
SELECT e.state, count(*),
       count(*) FILTER (WHERE t.outputs->>'value' = e.flow_id || ' after SUCCESS') AS intact
  FROM flowpg.executions e JOIN flowpg.task_runs t ON t.execution_id = e.id AND t.task_id = 'after'
 WHERE e.namespace = 't.sub.cache' GROUP BY e.state;

-- flow_resume_bulk of a paused parent and its paused child, in both orders: whichever is resumed
-- first, the other sees what it did (the child's end advances the parent the list holds)
SELECT revision FROM flow_deploy($$
id: both-paused
namespace: t.sub
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: branch
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: call
            type: io.kestra.plugin.core.flow.Subflow
            namespace: t.sub
            flowId: child
            inputs:
              items: bulk
              pause: true
          - id: after_call
            type: io.kestra.plugin.core.log.Log
            message: "child said {{ outputs.call.outputs.echoed }}"
      - id: approve
        type: io.kestra.plugin.core.flow.Pause
$$);
CREATE TEMP TABLE pairs (parent text, child text);
DO $$
DECLARE
    p text;
    c text;
    child_first bool := false;
    parent_first bool := false;
BEGIN
    FOR i IN 1..200 LOOP
        EXIT WHEN child_first AND parent_first;
        p := flow_start('t.sub', 'both-paused');
        SELECT id INTO c FROM flowpg.executions WHERE parent_id = p;
        IF c < p AND NOT child_first THEN
            child_first := true;
            INSERT INTO pairs VALUES (p, c);
        ELSIF c > p AND NOT parent_first THEN
            parent_first := true;
            INSERT INTO pairs VALUES (p, c);
        END IF;
    END LOOP;
END $$;
SELECT count(*) AS pairs FROM pairs;
SELECT flow_resume_bulk(ARRAY[parent, child], '{}') AS resumed FROM pairs ORDER BY child < parent;
SELECT child < parent AS child_first, e.state, pg_temp.runs(e.id)
  FROM pairs JOIN flowpg.executions e ON e.id = pairs.parent ORDER BY child < parent;
SELECT e.state FROM pairs JOIN flowpg.executions e ON e.id = pairs.child;
SELECT count(*) AS resume_audit_rows FROM flowpg.audit_log a JOIN pairs ON a.execution_id IN (pairs.parent, pairs.child)
 WHERE a.action = 'resume';
