-- Signed approval links: appLink() signs the link of the pause in context (in its onPause, or
-- the next pause after the rendering task); flow_link(token) tells what a link is for and
-- decides nothing; flow_resume_link(token, inputs) is flow_resume of that pause, once; every bad
-- token and every pause that cannot be decided has its own error and SQLSTATE and changes
-- nothing; flow_link_key_rotate() makes every earlier link fail.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT current_database() AS regress_db \gset

-- errors as "SQLSTATE: message / detail / hint", ids and times masked
CREATE FUNCTION pg_temp.mask(t text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(regexp_replace(t, '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z', '<time>', 'g'),
                          '[0-9A-Za-z]{22}', '<id>', 'g')
$$;
CREATE FUNCTION pg_temp.try(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
    detail text;
    hint text;
BEGIN
    EXECUTE call INTO result;
    RETURN pg_temp.mask(coalesce(result, 'ok'));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN pg_temp.mask(SQLSTATE || ': ' || SQLERRM || coalesce(E'\nDETAIL: ' || nullif(detail, ''), '')
                        || coalesce(E'\nHINT: ' || nullif(hint, ''), ''));
END $$;
-- a call as a role
CREATE FUNCTION pg_temp.as_role(role name, call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role);
    result := pg_temp.try(call);
    RESET ROLE;
    RETURN result;
END $$;
-- the task runs of an execution in order, as "task_id:STATE ..."
CREATE FUNCTION pg_temp.runs(exec text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(task_id || ':' || state, ' ' ORDER BY created_at, id)
    FROM flowpg.task_runs WHERE execution_id = exec
$$;
-- the token of the link a task logged
CREATE FUNCTION pg_temp.token(exec text, task text DEFAULT 'notify') RETURNS text LANGUAGE sql AS $$
    SELECT substring(message FROM 'token=([A-Za-z0-9_.-]+)') FROM flowpg.logs
    WHERE execution_id = exec AND task_id = task ORDER BY at DESC LIMIT 1
$$;
-- what flow_link says, as a role, without the parts that differ from run to run
CREATE FUNCTION pg_temp.link_as(role name, token text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE result jsonb;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', role);
    result := flow_link(token);
    RESET ROLE;
    RETURN pg_temp.mask((result - 'expires_at' - 'task_run_id' - 'labels')::text)::jsonb;
END $$;

CREATE ROLE flowpg_t80_manager;     -- RESUME on links
CREATE ROLE flowpg_t80_employee;    -- EXECUTE on links (which holds VIEW)
CREATE ROLE flowpg_t80_nobody;      -- nothing
CREATE ROLE flowpg_t80_assignee;    -- no permission, assigned to a HumanTask
CREATE ROLE flowpg_t80_nsadmin;     -- ADMIN on links only
SELECT flow_grant('links', 'flowpg_t80_manager', 'RESUME'),
       flow_grant('links', 'flowpg_t80_employee', 'EXECUTE'),
       flow_grant('links', 'flowpg_t80_nsadmin', 'ADMIN');

-- the guide's shape: a message with the link, then the pause it is for
SELECT revision FROM flow_deploy($$
id: before
namespace: links
inputs:
  - id: start_date
    type: DATE
  - id: code
    type: SECRET
    required: false
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "Approve: {{ appLink() }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    description: Approve this request?
    onResume:
      - id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        required: false
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: "approved={{ outputs.decide.onResume.approved }} by {{ outputs.decide.resumed.by }}"
$$);
-- the link rendered in the pause's own onPause, while it is paused
SELECT revision FROM flow_deploy($$
id: onpause
namespace: links
tasks:
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1H
    onPause:
      - id: notify
        type: io.kestra.plugin.core.log.Log
        message: "{{ appLink('review') }}"
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
-- a HumanTask: only its assignee decides
SELECT revision FROM flow_deploy($$
id: human
namespace: links
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: sign_off
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: [flowpg_t80_assignee]
$$);
-- no pause after the link: it is unsigned, as before
SELECT revision FROM flow_deploy($$
id: nopause
namespace: links
tasks:
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
$$);
-- the next pause is in a branch that is not taken
SELECT revision FROM flow_deploy($$
id: branch
namespace: links
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: maybe
    type: io.kestra.plugin.core.flow.If
    condition: "{{ false }}"
    then:
      - id: decide
        type: io.kestra.plugin.core.flow.Pause
$$);
-- a request between the link and the pause: the pause begins when the worker has sent it
SELECT revision FROM flow_deploy($$
id: later
namespace: links
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: http://127.0.0.1:9/never
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
$$);
-- a pause that expires as soon as the worker sees it
SELECT revision FROM flow_deploy($$
id: expiring
namespace: links
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0S
    behavior: WARN
$$);
-- pauses that expire as soon as the worker sees them, cancelling, or failing (to be restarted)
SELECT revision FROM flow_deploy($$
id: cancelling
namespace: links
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0S
    behavior: CANCEL
$$);
SELECT revision FROM flow_deploy($$
id: retried
namespace: links
tasks:
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0S
    behavior: FAIL
    onPause:
      - id: notify
        type: io.kestra.plugin.core.log.Log
        message: "{{ appLink() }}"
$$);

-- 1. The link of the guide's shape: signed, for the pause that comes next.
SET ROLE flowpg_t80_employee;
SELECT flow_start('links', 'before', '{"start_date": "2026-07-01", "code": "s3cret"}') AS id1 \gset
RESET ROLE;
SELECT message ~ '^Approve: http://localhost:8080/approve/[0-9A-Za-z]{22}\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$' AS signed_link
FROM flowpg.logs WHERE execution_id = :'id1' AND task_id = 'notify';
SELECT pg_temp.token(:'id1') AS t1 \gset
-- no role reads the key, ADMIN of every namespace included
SELECT count(*) AS keys, min(generation) AS generation FROM flowpg.link_keys;
SET ROLE flowpg_t80_nsadmin;
SELECT pg_temp.try('SELECT count(*) FROM flowpg.link_keys');
RESET ROLE;

-- what the link is for, to the manager who may decide it
SELECT jsonb_pretty(pg_temp.link_as('flowpg_t80_manager', :'t1'));
-- it expires after flowpg.link_ttl (7 days by default)
SELECT (flow_link(:'t1') ->> 'expires_at')::timestamptz - now() BETWEEN '7 days -1 minute' AND '7 days' AS seven_days;
-- the employee sees the request (EXECUTE holds VIEW) but may not decide; nobody sees nothing
SELECT pg_temp.link_as('flowpg_t80_employee', :'t1') -> 'may_decide' AS employee_may_decide;
SELECT pg_temp.link_as('flowpg_t80_nobody', :'t1') AS nobody_sees;
-- flow_link decides nothing, and accepts the whole link too
SELECT pg_temp.runs(:'id1');
SELECT flow_link((SELECT substring(message FROM 'http\S+') FROM flowpg.logs
                  WHERE execution_id = :'id1' AND task_id = 'notify')) ->> 'status' AS whole_link;

-- 2. Bad tokens: each its own error; flow_link says "invalid" of all of them.
SELECT pg_temp.try('SELECT flow_resume_link(''hello'')') AS garbage;
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)', split_part(:'t1', '.', 1))) AS no_signature;
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)', left(:'t1', -5))) AS truncated;
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)', 'x' || :'t1')) AS unknown_version;
SELECT pg_temp.try('SELECT flow_resume_link(NULL)') AS null_token;
-- a signature with one character changed
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)',
    split_part(:'t1', '.', 1) || '.' || overlay(split_part(:'t1', '.', 2) PLACING
        CASE WHEN substr(split_part(:'t1', '.', 2), 10, 1) = 'A' THEN 'B' ELSE 'A' END FROM 10 FOR 1))) AS bad_signature;
-- the payload changed, the signature kept: another attempt of the pause (byte 25), and a token
-- whose database tag (bytes 1 to 8) is not this database's, which is all a tag tells
CREATE FUNCTION pg_temp.b64url_decode(s text) RETURNS bytea LANGUAGE sql AS $$
    SELECT decode(translate(s, '-_', '+/') || repeat('=', (4 - length(s) % 4) % 4), 'base64')
$$;
CREATE FUNCTION pg_temp.b64url_encode(b bytea) RETURNS text LANGUAGE sql AS $$
    SELECT rtrim(translate(replace(encode(b, 'base64'), E'\n', ''), '+/', '-_'), '=')
$$;
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)',
    pg_temp.b64url_encode(set_byte(pg_temp.b64url_decode(split_part(:'t1', '.', 1)), 25, 9))
    || '.' || split_part(:'t1', '.', 2))) AS tampered_attempt;
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)',
    pg_temp.b64url_encode(set_byte(pg_temp.b64url_decode(split_part(:'t1', '.', 1)), 1,
             (get_byte(pg_temp.b64url_decode(split_part(:'t1', '.', 1)), 1) + 1) % 256))
    || '.' || split_part(:'t1', '.', 2))) AS other_tag;
SELECT flow_link(t) AS preview
FROM unnest(ARRAY['hello', split_part(:'t1', '.', 1), left(:'t1', -5), 'x' || :'t1',
                  split_part(:'t1', '.', 1) || '.' || reverse(split_part(:'t1', '.', 2))]) AS t;
-- nothing changed
SELECT pg_temp.runs(:'id1');

-- 3. Who may decide through it: exactly who may flow_resume.
SELECT pg_temp.as_role('flowpg_t80_employee', format('SELECT flow_resume_link(%L, ''{"approved": true}'')', :'t1')) AS employee;
SELECT pg_temp.as_role('flowpg_t80_nobody', format('SELECT flow_resume_link(%L, ''{"approved": true}'')', :'t1')) AS nobody;
-- inputs are validated as flow_resume validates them
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": "yes", "reasn": 1}'')', :'t1')) AS bad_inputs;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''[1]'')', :'t1')) AS not_an_object;
SELECT pg_temp.runs(:'id1');
-- the manager decides: the flow goes on in the same transaction
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": true, "reason": "fine"}'')', :'t1')) AS manager;
SELECT pg_temp.runs(:'id1');
SELECT message FROM flowpg.logs WHERE execution_id = :'id1' AND task_id = 'done';
-- the audit row says it came through a link (the SECRET input stays masked in the execution)
SELECT actor, action, detail FROM flowpg.audit_log WHERE execution_id = :'id1' ORDER BY id;
-- a link decides once
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": false}'')', :'t1')) AS second_use;
SELECT jsonb_pretty(pg_temp.link_as('flowpg_t80_manager', :'t1'));

-- 4. A link rendered in the pause's onPause: it expires with the pause.
SET ROLE flowpg_t80_employee;
SELECT flow_start('links', 'onpause') AS id2 \gset
RESET ROLE;
SELECT message ~ '^http://localhost:8080/review/[0-9A-Za-z]{22}\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$' AS signed_review_link
FROM flowpg.logs WHERE execution_id = :'id2' AND task_id = 'notify';
SELECT pg_temp.token(:'id2') AS t2 \gset
SELECT flow_link(:'t2') ->> 'status' AS status,
       (flow_link(:'t2') ->> 'expires_at')::timestamptz = due_at AS expires_with_the_pause
FROM flowpg.task_runs WHERE execution_id = :'id2' AND task_id = 'decide';
-- decided with plain flow_resume: the link says who, and that it was not through a link
SET ROLE flowpg_t80_manager;
SELECT flow_resume(:'id2');
RESET ROLE;
SELECT flow_link(:'t2') -> 'via_link' AS via_link, flow_link(:'t2') -> 'decided' ->> 'by' AS decided_by;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t2')) AS after_flow_resume;

-- 5. A HumanTask's link: its assignee sees and decides it without any namespace permission;
--    a RESUME holder, a namespace admin and a superuser may not.
SET ROLE flowpg_t80_employee;
SELECT flow_start('links', 'human') AS id3 \gset
RESET ROLE;
SELECT pg_temp.token(:'id3') AS t3 \gset
SELECT pg_temp.link_as('flowpg_t80_assignee', :'t3') ->> 'status' AS status,
       pg_temp.link_as('flowpg_t80_assignee', :'t3') -> 'may_decide' AS assignee_may_decide,
       pg_temp.link_as('flowpg_t80_assignee', :'t3') -> 'assigned_users' AS assigned_users,
       pg_temp.link_as('flowpg_t80_manager', :'t3') -> 'may_decide' AS manager_may_decide;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t3')) AS manager;
SELECT pg_temp.as_role('flowpg_t80_nsadmin', format('SELECT flow_resume_link(%L)', :'t3')) AS namespace_admin;
SELECT pg_temp.try(format('SELECT flow_resume_link(%L)', :'t3')) AS superuser;
SELECT pg_temp.as_role('flowpg_t80_assignee', format('SELECT flow_resume_link(%L)', :'t3')) AS assignee;
SELECT pg_temp.runs(:'id3');

-- 6. Pauses that cannot be decided: killed, not begun yet, never reached, expired.
SET ROLE flowpg_t80_employee;
SELECT flow_start('links', 'before', '{"start_date": "2026-07-02"}') AS id4 \gset
RESET ROLE;
SELECT pg_temp.token(:'id4') AS t4 \gset
SET ROLE flowpg_t80_manager;
SELECT flow_kill(:'id4');
RESET ROLE;
SELECT pg_temp.link_as('flowpg_t80_manager', :'t4') ->> 'status' AS killed;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": true}'')', :'t4')) AS killed;
-- the pause has not begun while the request before it waits for the worker (here: in this
-- transaction, which the worker cannot see)
BEGIN;
SELECT flow_start('links', 'later') AS id5 \gset
SELECT pg_temp.token(:'id5') AS t5 \gset
SELECT pg_temp.link_as('flowpg_t80_manager', :'t5') ->> 'status' AS status,
       pg_temp.link_as('flowpg_t80_manager', :'t5') ->> 'reason' AS reason;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t5')) AS not_begun;
ROLLBACK;
-- ... and now its execution was rolled back: it does not exist
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t5')) AS unknown_execution;
SELECT flow_link(:'t5') AS unknown_execution;
-- the execution ended without reaching the pause of the link
SELECT flow_start('links', 'branch') AS id6 \gset
SELECT pg_temp.token(:'id6') AS t6 \gset
SELECT pg_temp.link_as('flowpg_t80_manager', :'t6') ->> 'status' AS status;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t6')) AS never_reached;
-- the pause expired (the worker applies its behavior)
SELECT flow_start('links', 'expiring') AS id7 \gset
SELECT pg_temp.token(:'id7') AS t7 \gset
SELECT set_config('links.id7', :'id7', false) IS NOT NULL AS waiting_for_the_worker;
DO $$
DECLARE deadline timestamptz := clock_timestamp() + interval '30 seconds';
BEGIN
    WHILE clock_timestamp() < deadline AND
          (SELECT state FROM flowpg.executions WHERE id = current_setting('links.id7')) = 'PAUSED' LOOP
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT pg_temp.runs(:'id7');
SELECT pg_temp.link_as('flowpg_t80_manager', :'t7') ->> 'status' AS status;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t7')) AS pause_expired;
-- a pause that expired with behavior CANCEL, and one that failed and was restarted: the link
-- of its first attempt does not decide the second (a restart sends no new message; the pause is
-- in the inbox, for flow_resume)
SELECT flow_start('links', 'cancelling') AS id12 \gset
SELECT flow_start('links', 'retried') AS id13 \gset
SELECT pg_temp.token(:'id12') AS t12 \gset
SELECT pg_temp.token(:'id13') AS t13 \gset
SELECT set_config('links.id12', :'id12', false) IS NOT NULL, set_config('links.id13', :'id13', false) IS NOT NULL;
DO $$
DECLARE deadline timestamptz := clock_timestamp() + interval '30 seconds';
BEGIN
    WHILE clock_timestamp() < deadline AND
          EXISTS (SELECT FROM flowpg.executions WHERE id IN (current_setting('links.id12'), current_setting('links.id13'))
                  AND ended_at IS NULL) LOOP
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT pg_temp.runs(:'id12') AS cancelling, pg_temp.runs(:'id13') AS retried;
SELECT pg_temp.link_as('flowpg_t80_manager', :'t12') ->> 'status' AS status,
       pg_temp.link_as('flowpg_t80_manager', :'t12') ->> 'execution_state' AS execution_state;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t12')) AS pause_cancelled;
SELECT pg_temp.link_as('flowpg_t80_manager', :'t13') ->> 'status' AS status;
-- restarted in a transaction of its own, which the worker cannot see (so the pause stays)
BEGIN;
SET LOCAL ROLE flowpg_t80_manager;
SELECT flow_restart(:'id13');
RESET ROLE;
SELECT pg_temp.runs(:'id13') AS restarted, jsonb_array_length(attempts) AS attempts
FROM flowpg.task_runs WHERE execution_id = :'id13' AND task_id = 'decide';
SELECT pg_temp.link_as('flowpg_t80_manager', :'t13') ->> 'status' AS first_attempt_link;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L)', :'t13')) AS first_attempt;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume(%L)', :'id13')) AS from_the_inbox;
ROLLBACK;
-- a link past its own expiry: flowpg.link_ttl, which only a superuser sets
SET ROLE flowpg_t80_manager;
SELECT pg_temp.try('SELECT set_config(''flowpg.link_ttl'', ''1'', false)') AS manager_sets_ttl;
RESET ROLE;
SET flowpg.link_ttl = '1s';
SELECT flow_start('links', 'before', '{"start_date": "2026-07-03"}') AS id8 \gset
RESET flowpg.link_ttl;
SELECT pg_temp.token(:'id8') AS t8 \gset
SELECT pg_sleep(1.1);
SELECT pg_temp.link_as('flowpg_t80_manager', :'t8') ->> 'status' AS status;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": true}'')', :'t8')) AS link_expired;
SELECT pg_temp.runs(:'id8');
-- a task with no pause after it renders the unsigned link, as flow_render does
SELECT flow_start('links', 'nopause') AS id9 \gset
SELECT flow_resume(:'id9');
SELECT pg_temp.mask(message) AS unsigned_link FROM flowpg.logs WHERE execution_id = :'id9';

-- 7. Rotation: ADMIN on '' only; every earlier link fails as rotated, new ones work.
SET ROLE flowpg_t80_employee;
SELECT flow_start('links', 'before', '{"start_date": "2026-07-04"}') AS id10 \gset
RESET ROLE;
SELECT pg_temp.token(:'id10') AS t10 \gset
SELECT pg_temp.as_role('flowpg_t80_nsadmin', 'SELECT flow_link_key_rotate()') AS namespace_admin;
SELECT flow_link_key_rotate() AS generation;
SELECT actor = current_user AS by_me, action, namespace, detail FROM flowpg.audit_log WHERE action = 'link_key_rotate';
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": true}'')', :'t10')) AS rotated;
SELECT pg_temp.link_as('flowpg_t80_manager', :'t10') AS rotated;
SELECT pg_temp.runs(:'id10');
SET ROLE flowpg_t80_employee;
SELECT flow_start('links', 'before', '{"start_date": "2026-07-05"}') AS id11 \gset
RESET ROLE;
SELECT pg_temp.as_role('flowpg_t80_manager', format('SELECT flow_resume_link(%L, ''{"approved": false}'')', pg_temp.token(:'id11'))) AS new_link;
SELECT count(*) AS keys, min(generation) AS generation FROM flowpg.link_keys;

-- 8. A link of another database is told apart from a forged one.
SET client_min_messages = warning;
CREATE DATABASE flowpg_t80_other;
\c flowpg_t80_other
CREATE EXTENSION flowpg;
SELECT revision FROM flow_deploy($$
id: before
namespace: links
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT flow_start('links', 'before') AS other_id \gset
SELECT substring(message FROM 'token=([A-Za-z0-9_.-]+)') AS t_other FROM flowpg.logs
WHERE execution_id = :'other_id' \gset
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE flowpg_t80_other WITH (FORCE);
RESET client_min_messages;
\set SHOW_CONTEXT never
SELECT flow_link(:'t_other') AS other_database;
SELECT set_config('links.t', :'t_other', false) IS NOT NULL AS other_token;
DO $$
BEGIN
    PERFORM flow_resume_link(current_setting('links.t'));
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END $$;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t80_manager, flowpg_t80_employee, flowpg_t80_nobody, flowpg_t80_assignee, flowpg_t80_nsadmin;
DROP ROLE flowpg_t80_manager, flowpg_t80_employee, flowpg_t80_nobody, flowpg_t80_assignee, flowpg_t80_nsadmin;
