-- Executions: start, pause, resume, kill, restart, bulk resume, wait; states and histories.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

\set flow `cat test/flows/guide/pause_demo.yml`
SELECT revision FROM flow_deploy(:'flow');

SELECT flow_start('demo', 'pause_demo') AS id \gset
SELECT length(:'id') AS id_length, :'id' ~ '^[0-9A-Za-z]{22}$' AS base62;
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history, labels ? 'system.username' AS has_user,
       labels ->> 'system.correlationId' = id AS correlation
FROM flowpg.executions WHERE id = :'id';
SELECT task_id, state, jsonb_path_query_array(history, '$[*].state') AS history, jsonb_array_length(attempts) AS attempts
FROM flowpg.task_runs WHERE execution_id = :'id' ORDER BY created_at;
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;

SELECT flow_resume(:'id', '{"status": "OK"}');
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history, ended_at IS NOT NULL AS ended
FROM flowpg.executions WHERE id = :'id';
SELECT task_id, state, outputs -> 'onResume' AS on_resume, outputs -> 'resumed' ->> 'to' AS resumed_to,
       outputs -> 'resumed' ->> 'by' = current_user AS by_me
FROM flowpg.task_runs WHERE execution_id = :'id' ORDER BY created_at;
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;
SELECT action, flow_id, detail FROM flowpg.audit_log WHERE execution_id = :'id' ORDER BY id;

-- resuming again: not paused
SELECT pg_temp.try(format('SELECT flow_resume(%L, %L)', :'id', '{"status": "OK"}'));
SELECT pg_temp.try($$SELECT flow_resume('nonexistent', '{}')$$);

-- a resume inside a transaction that rolls back changes nothing
SELECT flow_start('demo', 'pause_demo') AS id2 \gset
BEGIN;
SELECT flow_resume(:'id2', '{"status": "later"}');
ROLLBACK;
SELECT state FROM flowpg.executions WHERE id = :'id2';
SELECT count(*) FROM flowpg.task_runs WHERE execution_id = :'id2';

-- kill while paused
SELECT flow_kill(:'id2');
SELECT state, jsonb_path_query_array(history, '$[*].state') AS history FROM flowpg.executions WHERE id = :'id2';
SELECT task_id, state, outputs -> 'resumed' ->> 'to' AS resumed_to FROM flowpg.task_runs WHERE execution_id = :'id2' ORDER BY created_at;
SELECT pg_temp.try(format('SELECT flow_kill(%L)', :'id2'));
SELECT flow_wait(:'id2', '1s');

-- flow_start: unknown flow, disabled flow, bad arguments; nothing is written on error
SELECT count(*) AS executions_before FROM flowpg.executions;
SELECT pg_temp.try($$SELECT flow_start('demo', 'no_such_flow')$$);
SELECT pg_temp.try($$SELECT flow_start('Demo', 'pause_demo')$$);
SELECT pg_temp.try($$SELECT flow_start(NULL, 'pause_demo')$$);
SELECT pg_temp.try($$SELECT flow_start('demo', 'pause_demo', '[1, 2]')$$);
SELECT pg_temp.try($$SELECT flow_start('demo', 'pause_demo', '{"unexpected": 1}')$$);
SELECT pg_temp.try($$SELECT flow_start('demo', 'pause_demo', '{}', '{"system.username": "mallory"}')$$);
SELECT pg_temp.try($$SELECT flow_start('demo', 'pause_demo', '{}', '{"team": {"nested": true}}')$$);
SELECT revision FROM flow_deploy($$
id: off
namespace: demo
disabled: true
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: never
$$);
SELECT pg_temp.try($$SELECT flow_start('demo', 'off')$$);
SELECT flow_delete('demo', 'off');
SELECT pg_temp.try($$SELECT flow_start('demo', 'off')$$);
SELECT count(*) AS executions_after FROM flowpg.executions;

-- labels: the flow's, the caller's, and system ones (username = the starting role)
SELECT revision FROM flow_deploy($$
id: labelled
namespace: demo
labels:
  team: hr
  cost-center: 42
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ labels.team }} {{ labels['cost-center'] }} {{ labels.system.username == labels['system.username'] }}"
$$);
SELECT flow_start('demo', 'labelled', '{}', '{"team": "finance", "ticket": 7}') AS id3 \gset
SELECT labels - 'system.correlationId' AS labels, labels ->> 'system.correlationId' = id AS correlation
FROM flowpg.executions WHERE id = :'id3';
SELECT message FROM flowpg.logs WHERE execution_id = :'id3';

-- bulk resume: all or nothing, every offending id with its reason; then all at once
SELECT array_agg(flow_start('demo', 'pause_demo')) AS ids FROM generate_series(1, 3) \gset
SELECT pg_temp.try(format('SELECT flow_resume_bulk(%L::text[] || ARRAY[''nope''], %L)', :'ids', '{"status": "bulk"}'));
SELECT pg_temp.try(format('SELECT flow_resume_bulk(%L::text[], %L)', :'ids', '{"status": 42}'));
SELECT count(*) FILTER (WHERE state = 'PAUSED') AS still_paused FROM flowpg.executions WHERE id = ANY (:'ids'::text[]);
SELECT flow_resume_bulk(:'ids'::text[] || (:'ids'::text[])[1:1], '{"status": "bulk"}') AS resumed;
SELECT count(*) FILTER (WHERE state = 'SUCCESS') AS succeeded FROM flowpg.executions WHERE id = ANY (:'ids'::text[]);
SELECT count(*) AS resume_audit_rows FROM flowpg.audit_log WHERE action = 'resume' AND execution_id = ANY (:'ids'::text[]);
SELECT pg_temp.try(format('SELECT flow_resume_bulk(%L::text[])', :'ids'));
SELECT flow_resume_bulk('{}') AS nothing_to_do;
SELECT pg_temp.try($$SELECT flow_resume_bulk(NULL)$$);
SELECT pg_temp.try($$SELECT flow_resume_bulk(ARRAY[NULL]::text[])$$);

-- flow_wait returns at once for a paused or finished execution, and reports unknown ids
SELECT flow_start('demo', 'pause_demo') AS id4 \gset
SELECT flow_wait(:'id4', '5s');
SELECT pg_temp.try($$SELECT flow_wait('unknown-id', '1s')$$);
-- a timeout too long to add to now waits without end (here until statement_timeout) rather than
-- not at all; a negative one does not wait
SELECT revision FROM flow_deploy($$
id: stays-running
namespace: demo
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: demo
    flowId: pause_demo
$$);
SELECT flow_start('demo', 'stays-running') AS id5 \gset
SET statement_timeout = '300ms';
SELECT flow_wait(:'id5', '100000000 years');
SELECT flow_wait(:'id5', '2562047788 hours');
RESET statement_timeout;
SELECT flow_wait(:'id5', '-100000000 years');
SELECT flow_wait(:'id5', '-1 hour');
SELECT flow_kill(:'id5');
