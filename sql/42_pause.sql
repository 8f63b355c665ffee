-- Pause and HumanTask (SPEC section 6): onResume validation and defaults, resumed {by, on, to},
-- task_id, assignment rendering, expiry timers stored, onPause, Parallel with two pauses.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- The guide's vacation_approval pause, with its onResume inputs
SELECT revision FROM flow_deploy($$
id: decide
namespace: t.pause
tasks:
  - id: await_decision
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
        description: Approve this request?
      - id: reason
        type: STRING
        description: Decision notes
        defaults: no reason given
      - id: team
        type: SELECT
        required: false
        values: [HR, Finance, IT]
  - id: log_result
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.await_decision.onResume.approved ? 'APPROVED' : 'REJECTED' }} by {{ outputs.await_decision.resumed.by }} ({{ outputs.await_decision.onResume.reason }}) team={{ outputs.await_decision.onResume.team ?? 'none' }}"
$$);
SELECT flow_start('t.pause', 'decide') AS id \gset

-- each wrong input is refused with 22023 and the execution stays paused
SELECT given, pg_temp.try(format('SELECT flow_resume(%L, %L)', :'id', given)) AS result
FROM unnest(ARRAY['{}', '{"approved": "yes"}', '{"approved": 1}', '{"approved": true, "team": "Sales"}',
                  '{"approved": true, "aproved": true}', '{"approved": [true]}', '[true]']) given;
SELECT state FROM flowpg.executions WHERE id = :'id';
-- a resume naming a task that is not paused
SELECT pg_temp.try(format('SELECT flow_resume(%L, %L, %L)', :'id', '{"approved": true}', 'log_result'));
-- the string form of a BOOLEAN is accepted; defaults fill in; the rest of the flow runs
SELECT flow_resume(:'id', '{"approved": "false"}', 'await_decision');
SELECT outputs -> 'onResume' AS on_resume, outputs -> 'resumed' ->> 'to' AS resumed_to,
       outputs -> 'resumed' ->> 'by' = current_user AS by_me,
       (outputs -> 'resumed' ->> 'on') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS on_is_utc_iso
FROM flowpg.task_runs WHERE execution_id = :'id' AND task_id = 'await_decision';
SELECT message = 'REJECTED by ' || current_user || ' (no reason given) team=none' AS message_ok
FROM flowpg.logs WHERE execution_id = :'id' AND task_id = 'log_result';

-- Parallel with two pauses: each resumes on its own; the execution stays PAUSED until both are done
SELECT revision FROM flow_deploy($$
id: two-pauses
namespace: t.pause
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: legal
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: legal_ok
            type: io.kestra.plugin.core.flow.Pause
          - id: legal_done
            type: io.kestra.plugin.core.log.Log
            message: legal done
      - id: finance
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: finance_ok
            type: io.kestra.plugin.core.flow.Pause
          - id: finance_done
            type: io.kestra.plugin.core.log.Log
            message: finance done
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: both approved
$$);
SELECT flow_start('t.pause', 'two-pauses') AS id2 \gset
SELECT state, pg_temp.runs(:'id2') FROM flowpg.executions WHERE id = :'id2';
SELECT flow_resume(:'id2', '{}', 'finance_ok');
SELECT state, pg_temp.runs(:'id2'), jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.executions WHERE id = :'id2';
-- without task_id, the oldest paused task run is resumed
SELECT flow_resume(:'id2');
SELECT state, pg_temp.runs(:'id2'), jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.executions WHERE id = :'id2';

-- Timers: pauseDuration and timeout store the due time and queue an expiry for the worker;
-- behavior is rendered when the pause begins; an invalid one fails the pause
SELECT revision FROM flow_deploy($$
id: timed
namespace: t.pause
inputs:
  - id: behavior
    type: STRING
    defaults: CANCEL
  - id: wait
    type: DURATION
    defaults: PT1H
tasks:
  - id: wait_five_minutes
    type: io.kestra.plugin.core.flow.Pause
    behavior: "{{ inputs.behavior }}"
    pauseDuration: "{{ inputs.wait }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
$$);
SELECT flow_start('t.pause', 'timed') AS id3 \gset
SELECT round(extract(epoch FROM due_at - created_at)) AS due_in_seconds
FROM flowpg.task_runs WHERE execution_id = :'id3' AND task_id = 'wait_five_minutes';
SELECT kind, detail FROM flowpg.work WHERE execution_id = :'id3';
-- a manual resume voids the expiry: behavior never applies to it
SELECT flow_resume(:'id3');
SELECT count(*) AS work_left FROM flowpg.work WHERE execution_id = :'id3';
SELECT flow_start('t.pause', 'timed', '{"behavior": "SOMETIMES"}') AS id4 \gset
SELECT state, pg_temp.runs(:'id4') FROM flowpg.executions WHERE id = :'id4';
SELECT message FROM flowpg.logs WHERE execution_id = :'id4';

SELECT revision FROM flow_deploy($$
id: timeout
namespace: t.pause
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT10M
$$);
SELECT flow_start('t.pause', 'timeout') AS id5 \gset
SELECT kind FROM flowpg.work WHERE execution_id = :'id5';
-- a kill voids the timer too
SELECT flow_kill(:'id5');
SELECT count(*) AS work_left FROM flowpg.work WHERE execution_id = :'id5';

-- onPause runs as the pause begins, as a child of the pause
SELECT revision FROM flow_deploy($$
id: on-pause
namespace: t.pause
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    onPause:
      id: hello
      type: io.kestra.plugin.core.log.Log
      message: "Hello World! 🚀"
$$);
SELECT flow_start('t.pause', 'on-pause') AS id6 \gset
SELECT state, pg_temp.runs(:'id6') FROM flowpg.executions WHERE id = :'id6';
SELECT l.message, r.parent_id = (SELECT id FROM flowpg.task_runs WHERE execution_id = :'id6' AND task_id = 'pause') AS child_of_pause
FROM flowpg.logs l JOIN flowpg.task_runs r ON r.id = l.task_run_id WHERE l.execution_id = :'id6';

-- HumanTask: the assignment is rendered when the pause begins and stored on the task run
SELECT revision FROM flow_deploy($$
id: human
namespace: t.pause
inputs:
  - id: manager
    type: STRING
tasks:
  - id: approve
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: ["{{ inputs.manager }}", "backup-approver"]
      groups: [Security Team]
$$);
SELECT flow_start('t.pause', 'human', '{"manager": "alice@example.com"}') AS id7 \gset
SELECT assigned_users, assigned_groups FROM flowpg.task_runs WHERE execution_id = :'id7';
-- the superuser is no assignee: refused like anyone else
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'id7'));
SELECT state FROM flowpg.executions WHERE id = :'id7';

-- Two pauses in a row with a Log between: the resume writes a log line and pauses again
-- (the execution row is updated while unfinished, then the log row inserted)
SELECT revision FROM flow_deploy($$
id: twice
namespace: t.pause
tasks:
  - id: first
    type: io.kestra.plugin.core.flow.Pause
  - id: between
    type: io.kestra.plugin.core.log.Log
    message: between
  - id: second
    type: io.kestra.plugin.core.flow.Pause
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
SELECT flow_start('t.pause', 'twice') AS id8 \gset
SELECT flow_resume(:'id8');
SELECT state, pg_temp.runs(:'id8'), jsonb_path_query_array(history, '$[*].state') AS history
FROM flowpg.executions WHERE id = :'id8';
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id8' ORDER BY at;
SELECT flow_resume(:'id8');
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id8' ORDER BY at;

-- a pause longer than PostgreSQL's timestamps reach fails its task run, saying why, and
-- queues nothing; the longest one that fits is fine
SELECT count(*) AS deployed FROM (VALUES (1, 'pauseDuration: PT2562047787H'),
    (2, 'timeout: PT2562047000H'), (3, 'pauseDuration: PT2000000000H')) AS v(n, prop),
    LATERAL flow_deploy(format($y$
id: forever-%s
namespace: t.pause
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    %s
$y$, n, prop));
SELECT flow_start('t.pause', 'forever-1') AS f1 \gset
SELECT flow_start('t.pause', 'forever-2') AS f2 \gset
SELECT flow_start('t.pause', 'forever-3') AS f3 \gset
SELECT e.flow_id, e.state, l.message
  FROM flowpg.executions e LEFT JOIN flowpg.logs l ON l.execution_id = e.id
 WHERE e.id IN (:'f1', :'f2', :'f3') ORDER BY e.flow_id;
SELECT count(*) AS queued FROM flowpg.work WHERE execution_id IN (:'f1', :'f2');
SELECT extract(year FROM due_at) > 200000 AS far_off FROM flowpg.task_runs WHERE execution_id = :'f3';
