-- A Pause or HumanTask inside a ForEach pauses its own iteration (issue 12): each item is
-- approved on its own (flow_resume with the task run id, or the task id: its oldest pause the
-- caller may resume), flow_resume_bulk takes task run ids and resumes many in one call (all or
-- nothing), the inbox shows one row per paused iteration with its value; the onResume of each
-- iteration is outputs.<pause>[value].onResume after the loop.
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
CREATE FUNCTION pg_temp.run_of(exec text, task text, val text) RETURNS text LANGUAGE sql AS $$
    SELECT id FROM flowpg.task_runs WHERE execution_id = exec AND task_id = task AND value = val
$$;

CREATE ROLE flowpg_t85_alice;
CREATE ROLE flowpg_t85_bob;
CREATE ROLE flowpg_t85_ops;          -- RESUME on t85 (plain pauses)
SELECT flow_grant('t85', 'flowpg_t85_ops', 'RESUME');
SELECT flow_grant('t85', 'flowpg_t85_ops', 'VIEW');

-- Each order is approved by the role its iteration names (a HumanTask assignment rendered
-- with taskrun.value); all iterations pause at once (concurrencyLimit 0)
SELECT revision FROM flow_deploy($$
id: approvals
namespace: t85
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [flowpg_t85_alice, flowpg_t85_bob]
    concurrencyLimit: 0
    tasks:
      - id: approve
        type: io.kestra.plugin.ee.flow.HumanTask
        description: "approve for {{ taskrun.value }}"
        assignment:
          users: ["{{ taskrun.value }}"]
        onResume:
          - id: ok
            type: BOOLEAN
      - id: booked
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}: {{ outputs.approve[taskrun.value].onResume.ok }}"
  - id: summary
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.approve.flowpg_t85_alice.onResume.ok }} {{ outputs.approve.flowpg_t85_bob.onResume.ok }}"
$$);
SELECT flow_start('t85', 'approvals') AS id \gset
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SET ROLE flowpg_t85_alice;
SELECT task_id, description, value, iteration, assigned_users FROM flowpg.inbox;
-- alice resumes by task id: her own iteration, not bob's (which she may not resume)
SELECT flow_resume(:'id', '{"ok": true}', 'approve');
SELECT count(*) AS alice_inbox FROM flowpg.inbox;
SET ROLE flowpg_t85_bob;
SELECT task_id, value, iteration FROM flowpg.inbox;
-- bob cannot take alice's (decided) iteration by its task run id
SELECT pg_temp.try(format('SELECT flow_resume(%L, %L, %L)', :'id', '{"ok": true}',
                          pg_temp.run_of(:'id', 'approve', 'flowpg_t85_alice')));
SELECT flow_resume(:'id', '{"ok": false}', pg_temp.run_of(:'id', 'approve', 'flowpg_t85_bob'));
RESET ROLE;
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;

-- A Pause below a Sequential in the loop: the inbox gives the iteration of its holder.  Many
-- iterations resumed in one flow_resume_bulk by task run ids; a bad id anywhere resumes none.
SELECT revision FROM flow_deploy($$
id: batch
namespace: t85
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b, c]
    concurrencyLimit: 0
    tasks:
      - id: group
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: wait
            type: io.kestra.plugin.core.flow.Pause
            onResume:
              - id: note
                type: STRING
                defaults: none
          - id: after
            type: io.kestra.plugin.core.log.Log
            message: "{{ parent.taskrun.value }} {{ outputs.wait[parent.taskrun.value].onResume.note }}"
$$);
SELECT flow_start('t85', 'batch') AS id \gset
SET ROLE flowpg_t85_ops;
SELECT task_id, value, iteration FROM flowpg.inbox WHERE execution_id = :'id' ORDER BY iteration;
SELECT array_agg(task_run_id ORDER BY iteration) AS runs FROM flowpg.inbox WHERE execution_id = :'id' \gset
SELECT pg_temp.try(format('SELECT flow_resume_bulk(%L::text[] || ARRAY[%L], %L)',
                          :'runs', 'no-such-id', '{"note": "x"}'));
SELECT count(*) AS still_paused FROM flowpg.inbox WHERE execution_id = :'id';
-- the same iteration twice, and the execution id too, resume each pause once
SELECT flow_resume_bulk(:'runs'::text[] || ARRAY[(:'runs'::text[])[1], :'id'], '{"note": "ok"}');
RESET ROLE;
SELECT state, pg_temp.iters(:'id') FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY message;  -- resumed in id order
SELECT count(*) AS audit_rows FROM flowpg.audit_log WHERE execution_id = :'id' AND action = 'resume';

-- Forty iterations paused at once (past the size where task runs are looked up through an
-- index), all resumed in one flow_resume_bulk: one audit row each, the loop ends with the last
SELECT revision FROM flow_deploy($$
id: many
namespace: t85
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, 40) }}"
    concurrencyLimit: 0
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
      - id: after
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
  - id: sum
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.after | length }} {{ outputs.after['17'].value }} {{ outputs.after['40'].value }}"
$$);
SELECT flow_start('t85', 'many') AS id \gset
SELECT count(*) AS paused FROM flowpg.task_runs WHERE execution_id = :'id' AND state = 'PAUSED';
SELECT flow_resume_bulk(array(SELECT id FROM flowpg.task_runs WHERE execution_id = :'id' AND state = 'PAUSED'));
SELECT state, (SELECT count(*) FROM flowpg.task_runs WHERE execution_id = :'id') AS task_runs,
       (SELECT count(*) FROM flowpg.audit_log WHERE execution_id = :'id' AND action = 'resume') AS audit_rows
FROM flowpg.executions WHERE id = :'id';
SELECT message FROM flowpg.logs WHERE execution_id = :'id';

-- One iteration at a time (the default): only the first pauses; the next iteration's pause
-- begins in the transaction that resumes the one before.  Resuming by task id takes the paused
-- run; once every run of the task is decided, the message says how the last one ended.
SELECT revision FROM flow_deploy($$
id: oneatatime
namespace: t85
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [x, y]
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
$$);
SELECT flow_start('t85', 'oneatatime') AS id \gset
SELECT pg_temp.iters(:'id');
SELECT flow_resume(:'id', '{}', 'wait');
SELECT pg_temp.iters(:'id');
SELECT flow_resume(:'id', '{}', 'wait');
SELECT pg_temp.try(format('SELECT flow_resume(%L, %L, %L)', :'id', '{}', 'wait'));
SELECT pg_temp.try(format('SELECT flow_resume(%L, %L, %L)', :'id', '{}', 'nowhere'));

DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t85_alice, flowpg_t85_bob, flowpg_t85_ops;
DROP ROLE flowpg_t85_alice, flowpg_t85_bob, flowpg_t85_ops;
