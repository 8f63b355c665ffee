-- Retry as Kestra has it (issue 12): a flowable's retry retries its failed child, attempts are
-- recorded on the task that failed, taskrun.attemptsCount after a restart, the retry behavior
-- (RETRY_FAILED_TASK, CREATE_NEW_EXECUTION) and flow-level retry; the error paths at deploy.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- The task runs of an execution with their attempts, as "task_id:STATE/attempts ...".
CREATE FUNCTION pg_temp.attempts(exec text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(task_id || ':' || state || '/' || jsonb_array_length(attempts), ' '
                      ORDER BY created_at, id)
    FROM flowpg.task_runs WHERE execution_id = exec
$$;

-- Wait until an execution started by an earlier statement (committed, so that the worker sees
-- its retries) ends; show its state and attempts.
CREATE FUNCTION pg_temp.ended(exec_id text)
RETURNS TABLE (state text, attempts text) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_wait(exec_id, '20s');
    RETURN QUERY SELECT x.state, pg_temp.attempts(x.id) FROM flowpg.executions x WHERE x.id = exec_id;
END $$;

-- Kestra's retry-flowable: the retry of a Sequential retries the child that failed; the attempts
-- are the child's (3), the Sequential keeps its one
SELECT revision FROM flow_deploy($$
id: retry-flowable
namespace: t.retry
tasks:
  - id: flowable
    type: io.kestra.plugin.core.flow.Sequential
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
    tasks:
      - id: child
        type: io.kestra.plugin.core.execution.Fail
$$);
SELECT flow_start('t.retry', 'retry-flowable') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- Kestra's retry-flowable-child: the child's own retry
SELECT revision FROM flow_deploy($$
id: retry-flowable-child
namespace: t.retry
tasks:
  - id: flowable
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: child
        type: io.kestra.plugin.core.execution.Fail
        retry:
          type: constant
          interval: PT0.1S
          maxAttempts: 3
$$);
SELECT flow_start('t.retry', 'retry-flowable-child') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- Kestra's retry-flowable-nested-child: the nearest flowable with a retry holds the policy, the
-- task that failed gets the attempts; a task's own retry wins over its parent's (once: 1 attempt)
SELECT revision FROM flow_deploy($$
id: retry-flowable-nested-child
namespace: t.retry
tasks:
  - id: flowable
    type: io.kestra.plugin.core.flow.Sequential
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
    tasks:
      - id: nested
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: own
            type: io.kestra.plugin.core.log.Log
            message: "{{ taskrun.attemptsCount == 1 ? 'second try' : ko }}"
            retry:
              type: constant
              interval: PT0.1S
              maxAttempts: 2
          - id: child
            type: io.kestra.plugin.core.execution.Fail
$$);
SELECT flow_start('t.retry', 'retry-flowable-nested-child') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- Kestra's retry-flowable-parallel: each failed child of a Parallel is retried
SELECT revision FROM flow_deploy($$
id: retry-flowable-parallel
namespace: t.retry
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 2
    tasks:
      - id: t1
        type: io.kestra.plugin.core.execution.Fail
      - id: t2
        type: io.kestra.plugin.core.execution.Fail
$$);
SELECT flow_start('t.retry', 'retry-flowable-parallel') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- Kestra's retry-with-flowable-errors: a child that succeeds on its second attempt, so the
-- Sequential succeeds and its errors do not run
SELECT revision FROM flow_deploy($$
id: retry-with-flowable-errors
namespace: t.retry
tasks:
  - id: flowable
    type: io.kestra.plugin.core.flow.Sequential
    retry:
      type: constant
      interval: PT0.1S
      maxAttempts: 3
    tasks:
      - id: before
        type: io.kestra.plugin.core.log.Log
        message: once
      - id: flaky
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.attemptsCount > 0 ? 'ok' : ko }}"
    errors:
      - id: handler
        type: io.kestra.plugin.core.log.Log
        message: not run
$$);
SELECT flow_start('t.retry', 'retry-with-flowable-errors') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- Restart (Kestra's RestartCaseTest on restart_last_failed): taskrun.attemptsCount is 1 in the
-- attempt a restart runs; the task that failed gets the new attempt, not the Sequential holding
-- it; the restarted execution carries the label system.restarted = "true"
SELECT revision FROM flow_deploy($$
id: restart-in-sequential
namespace: t.retry
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: "{{ task.id }}"
      - id: c
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.attemptsCount == 1 ? 'ok' : ko }}"
$$);
SELECT flow_start('t.retry', 'restart-in-sequential') AS r1 \gset
SELECT state, pg_temp.attempts(:'r1'), labels ? 'system.restarted' AS restarted
FROM flowpg.executions WHERE id = :'r1';
SELECT flow_restart(:'r1');
SELECT state, pg_temp.attempts(:'r1'), labels -> 'system.restarted' AS restarted
FROM flowpg.executions WHERE id = :'r1';
SELECT task_id, jsonb_path_query_array(attempts, '$[*].state') AS attempts,
       jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.task_runs WHERE execution_id = :'r1' ORDER BY created_at;

-- Kestra's flow-level retry with RETRY_FAILED_TASK (retry-failed-flow-attempts): a task without
-- a policy of its own (nor a flowable's above it) is retried per the flow's; maxAttempt is
-- Kestra's older spelling of maxAttempts; a task's own policy wins over the flow's
SELECT revision FROM flow_deploy($$
id: retry-failed-flow-attempts
namespace: t.retry
retry:
  behavior: RETRY_FAILED_TASK
  type: constant
  maxAttempt: 4
  interval: PT0.1S
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: once
        type: io.kestra.plugin.core.execution.Fail
        retry:
          type: constant
          interval: PT0.1S
          maxAttempts: 1
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
$$);
SELECT flow_start('t.retry', 'retry-failed-flow-attempts') AS id \gset
SELECT * FROM pg_temp.ended(:'id');
-- only the failed task is re-run: what succeeded before it runs once
SELECT revision FROM flow_deploy($$
id: retry-failed-flow-rerun
namespace: t.retry
retry:
  type: constant
  maxAttempts: 3
  interval: PT0.1S
tasks:
  - id: start
    type: io.kestra.plugin.core.log.Log
    message: start
  - id: flaky
    type: io.kestra.plugin.core.log.Log
    message: "{{ taskrun.attemptsCount >= 2 ? 'third time' : ko }}"
  - id: end
    type: io.kestra.plugin.core.log.Log
    message: end
$$);
SELECT flow_start('t.retry', 'retry-failed-flow-rerun') AS id \gset
SELECT * FROM pg_temp.ended(:'id');
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'id' AND level = 'INFO' ORDER BY at;

-- Error paths at deploy (nothing is deployed): a retry without maxAttempts or maxDuration, on a
-- task or on the flow; an unknown behavior; a flow-level retry that is not a map
SELECT * FROM flow_validate($$
id: retry-unbounded
namespace: t.retry
retry:
  type: constant
  interval: PT1S
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
    retry:
      type: exponential
      interval: PT1S
      behavior: SOMETIMES
$$);
SELECT * FROM flow_deploy($$
id: retry-not-a-map
namespace: t.retry
retry: 3
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM flowpg.flows WHERE namespace = 't.retry' AND id LIKE 'retry-unbounded%' OR id = 'retry-not-a-map';

-- behavior CREATE_NEW_EXECUTION (Kestra's retry-new-execution-task-attempts and -flow-attempts):
-- the failed task run, the flowables holding it and the execution end RETRIED, and a new
-- execution of the same revision, inputs and labels (plus system.replay) runs the whole flow
-- again; maxAttempts counts the executions (3: RETRIED, RETRIED, FAILED). Waits for the last.
CREATE FUNCTION pg_temp.chain(flow text)
RETURNS TABLE (state text, attempt jsonb, replay jsonb, runs text, same_inputs boolean,
               same_correlation boolean, original boolean)
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. 400 LOOP
        PERFORM 1 FROM flowpg.executions x WHERE x.flow_id = flow AND x.state IN ('FAILED', 'SUCCESS');
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN QUERY
    SELECT x.state, x.metadata -> 'attemptNumber', x.labels -> 'system.replay', pg_temp.attempts(x.id),
           x.inputs = f.inputs, x.labels ->> 'system.correlationId' = f.id,
           coalesce(x.metadata ->> 'originalId' = f.id, x.id = f.id)
    FROM flowpg.executions x,
         LATERAL (SELECT y.id, y.inputs FROM flowpg.executions y WHERE y.flow_id = flow
                  ORDER BY y.created_at LIMIT 1) f
    WHERE x.flow_id = flow ORDER BY x.created_at;
END $$;
SELECT revision FROM flow_deploy($$
id: retry-new-execution-task-attempts
namespace: t.retry
labels:
  team: hr
inputs:
  - id: who
    type: STRING
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.who }}"
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
        retry:
          behavior: CREATE_NEW_EXECUTION
          type: constant
          maxAttempts: 3
          interval: PT0.1S
errors:
  - id: handler
    type: io.kestra.plugin.core.log.Log
    message: only the last execution runs its errors
$$);
SELECT flow_start('t.retry', 'retry-new-execution-task-attempts', '{"who": "ann"}') AS id \gset
SELECT * FROM pg_temp.chain('retry-new-execution-task-attempts');
SELECT jsonb_path_query_array(history, '$[*].state') AS history, labels ->> 'team' AS team
FROM flowpg.executions WHERE id = :'id';
-- one start row per execution, a retry's by flowpg, naming the execution it retries
SELECT a.action, a.actor, a.detail ->> 'retry_of' = lag(x.id) OVER (ORDER BY a.id) AS retry_of_previous,
       a.detail -> 'attempt' AS attempt
FROM flowpg.audit_log a JOIN flowpg.executions x ON x.id = a.execution_id
WHERE x.flow_id = 'retry-new-execution-task-attempts' ORDER BY a.id;
SELECT count(*) AS work_left FROM flowpg.work w JOIN flowpg.executions x ON x.id = w.execution_id
WHERE x.flow_id = 'retry-new-execution-task-attempts';

-- the same at flow level; a parallel branch still running when the retry ends the execution is
-- CANCELLED, as after an Exit
SELECT revision FROM flow_deploy($$
id: retry-new-execution-flow-attempts
namespace: t.retry
retry:
  behavior: CREATE_NEW_EXECUTION
  type: constant
  maxAttempts: 2
  interval: PT0.1S
tasks:
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
$$);
SELECT flow_start('t.retry', 'retry-new-execution-flow-attempts') AS id \gset
SELECT state, pg_temp.attempts(:'id') FROM flowpg.executions WHERE id = :'id';
DO $$
BEGIN
    FOR i IN 1 .. 400 LOOP
        PERFORM 1 FROM flowpg.executions WHERE flow_id = 'retry-new-execution-flow-attempts' AND state = 'PAUSED';
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
-- the last execution pauses (its Fail has no attempt left: FAILED); killed, it ends KILLED and
-- is not retried
SELECT flow_kill(id) FROM flowpg.executions
WHERE flow_id = 'retry-new-execution-flow-attempts' AND state = 'PAUSED';
SELECT state, metadata -> 'attemptNumber' AS attempt, pg_temp.attempts(id)
FROM flowpg.executions WHERE flow_id = 'retry-new-execution-flow-attempts' ORDER BY created_at;

-- CREATE_NEW_EXECUTION in a subflow's execution retries the failed task in place: the parent's
-- Subflow task waits for its one child, which ends FAILED after its 2 attempts
SELECT revision FROM flow_deploy($$
id: retry-new-execution-child
namespace: t.retry
retry:
  behavior: CREATE_NEW_EXECUTION
  type: constant
  maxAttempts: 2
  interval: PT0.1S
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
$$);
SELECT revision FROM flow_deploy($$
id: retry-new-execution-parent
namespace: t.retry
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.retry
    flowId: retry-new-execution-child
$$);
SELECT flow_start('t.retry', 'retry-new-execution-parent') AS id \gset
SELECT * FROM pg_temp.ended(:'id');
SELECT state, pg_temp.attempts(id), metadata FROM flowpg.executions
WHERE flow_id = 'retry-new-execution-child';

-- maxDuration bounds a retry too, as Kestra counts it: no attempt starts past it (from the task
-- run's start); with a 0.3 s budget and a 0.2 s interval, the second attempt is the last
SELECT revision FROM flow_deploy($$
id: retry-max-duration
namespace: t.retry
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.2S
      maxDuration: PT0.3S
$$);
SELECT flow_start('t.retry', 'retry-max-duration') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- Kestra's retry-subflow: a Subflow task is retried like any task (here by the flow's retry),
-- each attempt with a new child execution
SELECT revision FROM flow_deploy($$
id: failed-first
namespace: t.retry
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
$$);
SELECT revision FROM flow_deploy($$
id: retry-subflow
namespace: t.retry
retry:
  type: constant
  interval: PT0.1S
  maxAttempt: 3
tasks:
  - id: subflow
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.retry
    flowId: failed-first
$$);
SELECT flow_start('t.retry', 'retry-subflow') AS id \gset
SELECT * FROM pg_temp.ended(:'id');
SELECT state, count(*) FROM flowpg.executions WHERE parent_id = :'id' GROUP BY state;

-- Kestra's RetryCaseTest flows as they are: retry-success (WARNING with warningOnRetry, one task
-- run, 4 attempts), retry-failed (5 attempts, then the errors task: 2 task runs) and
-- retry-and-fail (3 attempts; the task after it never runs, the errors task does)
SELECT revision FROM flow_deploy($$
id: retry-success
namespace: io.kestra.tests
tasks:
- id: failed
  type: io.kestra.plugin.core.log.Log
  message: "{{ taskrun.attemptsCount == 3 ? 'ok' : ko}}"
  retry:
    type: constant
    interval: PT0.250S
    maxAttempt: 4
    maxDuration: PT15S
    warningOnRetry: true
errors:
  - id: never-happen
    type: io.kestra.plugin.core.log.Log
    message: Never {{task.id}}
$$);
SELECT flow_start('io.kestra.tests', 'retry-success') AS id \gset
SELECT * FROM pg_temp.ended(:'id');
SELECT revision FROM flow_deploy($$
id: retry-failed
namespace: io.kestra.tests
tasks:
- id: failed
  type: io.kestra.plugin.core.execution.Fail
  retry:
    type: constant
    interval: PT0.250S
    maxAttempt: 5
    maxDuration: PT15S
errors:
  - id: t2
    type: io.kestra.plugin.core.log.Log
    message: second {{task.id}}
$$);
SELECT flow_start('io.kestra.tests', 'retry-failed') AS id \gset
SELECT * FROM pg_temp.ended(:'id');
SELECT revision FROM flow_deploy($$
id: retry-and-fail
namespace: io.kestra.tests
description: >
  Retrying step should prevent following steps from executing.
tasks:
  - id: keepFailingWithRetry
    type: io.kestra.plugin.core.execution.Fail
    description: Keep retrying with a simple retry defined.
    retry:
      type: constant
      maxAttempt: 3
      interval: PT1S
  - id: thisTaskShouldNotBeExecuted
    type: io.kestra.plugin.core.log.Log
    message: "The previous task should fail"
errors:
  - id: error
    type: io.kestra.plugin.core.log.Log
    message: once
$$);
SELECT flow_start('io.kestra.tests', 'retry-and-fail') AS id \gset
SELECT * FROM pg_temp.ended(:'id');

-- A new execution (CREATE_NEW_EXECUTION) acts for the role that started the first one, which must
-- still hold EXECUTE when the retry falls due: once revoked, nothing starts, and the RETRIED
-- execution says why in an ERROR log line and a trigger_failed audit row (the grant is revoked
-- within the 2 s interval before the second retry)
CREATE ROLE flowpg_t90_ann;
SELECT flow_grant('t.retry.perm', 'flowpg_t90_ann', 'EXECUTE');
SELECT revision FROM flow_deploy($$
id: retry-as-starter
namespace: t.retry.perm
retry:
  behavior: CREATE_NEW_EXECUTION
  type: constant
  maxAttempts: 3
  interval: PT2S
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
$$);
SET ROLE flowpg_t90_ann;
SELECT flow_start('t.retry.perm', 'retry-as-starter') IS NOT NULL AS started;
RESET ROLE;
DO $$
BEGIN
    FOR i IN 1 .. 400 LOOP
        PERFORM 1 FROM flowpg.executions WHERE flow_id = 'retry-as-starter' HAVING count(*) = 2;
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT flow_revoke('t.retry.perm', 'flowpg_t90_ann', 'EXECUTE');
DO $$
BEGIN
    FOR i IN 1 .. 400 LOOP
        PERFORM 1 FROM flowpg.audit_log WHERE flow_id = 'retry-as-starter' AND action = 'trigger_failed';
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT state, created_by, labels ->> 'system.username' AS username, metadata -> 'attemptNumber' AS attempt
FROM flowpg.executions WHERE flow_id = 'retry-as-starter' ORDER BY created_at;
SELECT regexp_replace(message, '[0-9A-Za-z]{22}', '<id>') AS message FROM flowpg.logs l
JOIN flowpg.executions x ON x.id = l.execution_id
WHERE x.flow_id = 'retry-as-starter' AND x.metadata IS NOT NULL ORDER BY l.at;
SELECT action, actor, detail ->> 'retry_of' = execution_id AS about_the_retried_one
FROM flowpg.audit_log WHERE flow_id = 'retry-as-starter' ORDER BY id;
DROP OWNED BY flowpg_t90_ann;
DROP ROLE flowpg_t90_ann;
