-- Pause and HumanTask errors/finally (run once the pause has ended, errors only when it failed;
-- they do not change its state) and flow-level afterExecution (tasks run once the execution has
-- ended, whatever its state, without changing it); what may not go in afterExecution.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- Wait (20 s at most) until an execution has ended: timers are fired by the worker.
CREATE FUNCTION pg_temp.wait_end(exec text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE deadline timestamptz := clock_timestamp() + interval '20 seconds';
BEGIN
    WHILE clock_timestamp() < deadline AND EXISTS (
        SELECT 1 FROM flowpg.executions WHERE id = exec AND ended_at IS NULL) LOOP
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN (SELECT state FROM flowpg.executions WHERE id = exec);
END $$;

-- Kestra's pause-errors-finally-after-execution (unchanged): the timeout fails the pause, its
-- errors and finally run, `log` never does, the execution ends FAILED, then afterExecution runs
SELECT revision FROM flow_deploy($$
id: pause-with-errors-finally-after-execution
namespace: io.kestra.tests

tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT0.25S
    errors:
      - id: logError
        type: io.kestra.plugin.core.log.Log
        message: I'm in error
    finally:
      - id: logFinally
        type: io.kestra.plugin.core.log.Log
        message: I'm in finally
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: I'm after the pause

afterExecution:
  - id: logAfter
    type: io.kestra.plugin.core.log.Log
    message: I'm after the execution
$$);
SELECT flow_start('io.kestra.tests', 'pause-with-errors-finally-after-execution') AS id \gset
SELECT pg_temp.wait_end(:'id');
SELECT pg_temp.runs(:'id');
-- the handlers are children of the pause; afterExecution starts after the execution ended
SELECT r.task_id, p.task_id AS parent, r.created_at >= x.ended_at AS after_end
FROM flowpg.task_runs r JOIN flowpg.executions x ON x.id = r.execution_id
LEFT JOIN flowpg.task_runs p ON p.id = r.parent_id
WHERE r.execution_id = :'id' ORDER BY r.created_at;
SELECT jsonb_path_query_array(history, '$[*].state') AS history FROM flowpg.executions WHERE id = :'id';

-- a pause resumed by a person: finally runs, errors does not, and the flow goes on; a
-- HumanTask takes errors/finally too
SELECT revision FROM flow_deploy($$
id: pause-handlers
namespace: t.after
tasks:
  - id: approve
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: [postgres]
    errors:
      - id: rejected
        type: io.kestra.plugin.core.log.Log
        message: rejected
    finally:
      - id: decided
        type: io.kestra.plugin.core.log.Log
        message: "decided by {{ outputs.approve.resumed.by }}"
  - id: next
    type: io.kestra.plugin.core.log.Log
    message: next
$$);
SELECT flow_start('t.after', 'pause-handlers') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_resume(:'id');
SELECT pg_temp.runs(:'id');
SELECT string_agg(message, ' | ' ORDER BY at) FROM flowpg.logs WHERE execution_id = :'id';
-- killed while paused: neither errors nor finally run
SELECT flow_start('t.after', 'pause-handlers') AS id \gset
SELECT flow_kill(:'id');
SELECT pg_temp.runs(:'id');

-- a pause that fails as it begins (behavior does not render to a known one) runs its errors;
-- a failing finally fails the block; allowFailure on the pause: no errors, the flow goes on
SELECT revision FROM flow_deploy($$
id: pause-begin-fails
namespace: t.after
inputs:
  - id: behavior
    type: STRING
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    behavior: "{{ inputs.behavior }}"
    pauseDuration: PT1H
    errors:
      - id: onError
        type: io.kestra.plugin.core.log.Log
        message: "pause failed"
    finally:
      - id: cleanup
        type: io.kestra.plugin.core.execution.Fail
        errorMessage: cleanup failed
  - id: next
    type: io.kestra.plugin.core.log.Log
    message: next
$$);
SELECT * FROM pg_temp.run('t.after', 'pause-begin-fails', '{"behavior": "SOMETIMES"}');
SELECT revision FROM flow_deploy($$
id: pause-allow-failure
namespace: t.after
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    behavior: "{{ 'SOMETIMES' }}"
    pauseDuration: PT1H
    allowFailure: true
    errors:
      - id: onError
        type: io.kestra.plugin.core.log.Log
        message: "pause failed"
  - id: next
    type: io.kestra.plugin.core.log.Log
    message: next
$$);
SELECT * FROM pg_temp.run('t.after', 'pause-allow-failure');

-- Kestra's after-execution, after-execution-error and after-execution-finally (unchanged):
-- afterExecution sees the final state, and after errors and finally
SELECT revision FROM flow_deploy($$
id: after-execution
namespace: io.kestra.tests

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World! 🚀

afterExecution:
  - id: end
    type: io.kestra.plugin.core.output.OutputValues
    values:
      state: "{{execution.state}}"
$$);
SELECT revision FROM flow_deploy($$
id: after-execution-error
namespace: io.kestra.tests

tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail

errors:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: I'm failing

afterExecution:
  - id: end
    type: io.kestra.plugin.core.output.OutputValues
    values:
      state: "{{execution.state}}"
$$);
SELECT revision FROM flow_deploy($$
id: after-execution-finally
namespace: io.kestra.tests

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World! 🚀

finally:
  - id: finally
    type: io.kestra.plugin.core.log.Log
    message: I'm a finally block

afterExecution:
  - id: end
    type: io.kestra.plugin.core.output.OutputValues
    values:
      state: "{{execution.state}}"
$$);
SELECT flow_start('io.kestra.tests', 'after-execution') AS id1,
       flow_start('io.kestra.tests', 'after-execution-error') AS id2,
       flow_start('io.kestra.tests', 'after-execution-finally') AS id3 \gset
SELECT x.flow_id, x.state, pg_temp.runs(x.id), r.outputs -> 'values' AS end_outputs
FROM flowpg.executions x JOIN flowpg.task_runs r ON r.execution_id = x.id AND r.task_id = 'end'
WHERE x.id IN (:'id1', :'id2', :'id3') ORDER BY x.flow_id;

-- a failing afterExecution task does not change the final state; the ones after it do not run;
-- a kill runs afterExecution too (with state KILLED), and so does a restart's new end, once
SELECT revision FROM flow_deploy($$
id: after-fails
namespace: t.after
inputs:
  - id: pause
    type: BOOLEAN
    defaults: false
tasks:
  - id: maybe
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.pause }}"
    then:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
afterExecution:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "ended {{ execution.state }}"
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "the report failed"
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
$$);
SELECT * FROM pg_temp.run('t.after', 'after-fails');
SELECT flow_start('t.after', 'after-fails', '{"pause": true}') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_kill(:'id');
SELECT pg_temp.runs(:'id');
SELECT string_agg(message, ' | ' ORDER BY at) FROM flowpg.logs WHERE execution_id = :'id';

SELECT revision FROM flow_deploy($$
id: after-restart
namespace: t.after
inputs:
  - id: n
    type: INT
tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount == 0 }}"
afterExecution:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "ended {{ execution.state }}"
$$);
SELECT flow_start('t.after', 'after-restart', '{"n": 1}') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT flow_restart(:'id');
SELECT pg_temp.runs(:'id');
SELECT string_agg(message, ' | ' ORDER BY at) FROM flowpg.logs WHERE execution_id = :'id' AND task_id = 'report';

-- an Exit ends the execution: afterExecution still runs (with Exit's state)
SELECT revision FROM flow_deploy($$
id: after-exit
namespace: t.after
tasks:
  - id: stop
    type: io.kestra.plugin.core.execution.Exit
    state: WARNING
  - id: unreached
    type: io.kestra.plugin.core.log.Log
    message: unreached
afterExecution:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "ended {{ execution.state }}"
$$);
SELECT flow_start('t.after', 'after-exit') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id';

-- ... and after an Exit with KILLED, and after an expiry with behavior CANCEL (the worker's
-- timer): the pause's own errors and finally do not run, afterExecution does
SELECT revision FROM flow_deploy($$
id: after-exit-killed
namespace: t.after
tasks:
  - id: stop
    type: io.kestra.plugin.core.execution.Exit
    state: KILLED
afterExecution:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "ended {{ execution.state }}"
$$);
SELECT flow_start('t.after', 'after-exit-killed') AS id \gset
SELECT state, pg_temp.runs(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id';
SELECT revision FROM flow_deploy($$
id: after-cancel
namespace: t.after
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.2S
    behavior: CANCEL
    errors:
      - id: onError
        type: io.kestra.plugin.core.log.Log
        message: error
    finally:
      - id: onFinally
        type: io.kestra.plugin.core.log.Log
        message: finally
afterExecution:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "ended {{ execution.state }}"
$$);
SELECT flow_start('t.after', 'after-cancel') AS id \gset
SELECT pg_temp.wait_end(:'id');
SELECT pg_temp.runs(:'id');
SELECT message FROM flowpg.logs WHERE execution_id = :'id';

-- a retry with behavior CREATE_NEW_EXECUTION ends the execution RETRIED: its afterExecution
-- runs then (the end of that execution), and the new execution's when it ends
SELECT revision FROM flow_deploy($$
id: after-retried
namespace: t.after
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry:
      behavior: CREATE_NEW_EXECUTION
      type: constant
      maxAttempts: 2
      interval: PT0.1S
afterExecution:
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "ended {{ execution.state }}"
$$);
SELECT flow_start('t.after', 'after-retried') AS id \gset
DO $$
BEGIN
    FOR i IN 1 .. 400 LOOP
        PERFORM 1 FROM flowpg.executions WHERE flow_id = 'after-retried' AND state = 'FAILED';
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT x.state, pg_temp.runs(x.id), l.message
FROM flowpg.executions x JOIN flowpg.logs l ON l.execution_id = x.id AND l.task_id = 'report'
WHERE x.flow_id = 'after-retried' ORDER BY x.created_at;

-- deploy errors (22023): a Pause, a HumanTask or an Exit in afterExecution (at any depth), a
-- non-list afterExecution or Pause errors, an id used twice; a refused flow is not stored
SELECT * FROM flow_validate($$
id: after-bad
namespace: t.after
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
    errors:
      - id: nope
        type: io.kestra.plugin.core.log.Log
        message: n
afterExecution:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: human
        type: io.kestra.plugin.ee.flow.HumanTask
        assignment: {users: [postgres]}
      - id: stop
        type: io.kestra.plugin.core.execution.Exit
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: twice
$$);
SELECT * FROM flow_validate($$
id: after-bad-shape
namespace: t.after
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.Pause
    errors: {id: x, type: io.kestra.plugin.core.log.Log, message: x}
    finally: []
afterExecution: just text
$$);
SELECT pg_temp.try($q$SELECT flow_deploy($$
id: after-bad
namespace: t.after
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
afterExecution:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
$$)$q$);
SELECT count(*) FROM flowpg.flows WHERE id LIKE 'after-bad%';
