-- How task errors are contained (README, "Errors in tasks"): an internal task reports a user's
-- mistake (a template that does not render, a missing value, a value of the wrong type or out of
-- range) by failing its task run, with the reason in an ERROR log line; it never raises, so the
-- caller's flow_start or flow_resume (and its transaction) goes on.  Only Query runs in a
-- subtransaction (its SQL may raise anything, see 44_query).  One flow per task type, each
-- deployed fine and failing only when it runs; then one failing after a resume.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- Deploy a flow of one task (yaml: the task's lines), start it, and show the state, the task
-- runs, and the ERROR log lines, all in the transaction of this SELECT: it never raises.
CREATE FUNCTION pg_temp.fails(flow text, task text) RETURNS TABLE (state text, runs text, errors text)
LANGUAGE plpgsql AS $$
DECLARE exec_id text;
BEGIN
    PERFORM flow_deploy(format(E'id: %s\nnamespace: t.errors\ntasks:\n%s', flow, task));
    exec_id := flow_start('t.errors', flow, '{}');
    RETURN QUERY SELECT x.state, pg_temp.runs(x.id),
        (SELECT string_agg(l.task_id || ': ' || l.message, E'\n' ORDER BY l.at, l.task_id)
         FROM flowpg.logs l WHERE l.execution_id = x.id AND l.level = 'ERROR')
    FROM flowpg.executions x WHERE x.id = exec_id;
END $$;

-- Log: a variable that does not exist; a level that renders to no level
SELECT * FROM pg_temp.fails('log-undefined', $$
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.nothing }}"
$$);
SELECT * FROM pg_temp.fails('log-level', $$
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hello
    level: "{{ 'LOUD' }}"
$$);

-- Return: an operator on values of the wrong type
SELECT * FROM pg_temp.fails('return-type', $$
  - id: t
    type: io.kestra.plugin.core.debug.Return
    format: "{{ {'a': 1} - 1 }}"
$$);

-- OutputValues: one value does not render
SELECT * FROM pg_temp.fails('output-values', $$
  - id: t
    type: io.kestra.plugin.core.output.OutputValues
    values:
      fine: ok
      broken: "{{ outputs.nowhere.value }}"
$$);

-- Fail: its condition does not render (a Fail that fails as meant is in 41_flowable)
SELECT * FROM pg_temp.fails('fail-condition', $$
  - id: t
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ 1 / 0 }}"
$$);

-- Labels: a label value does not render; Exit: a state that renders to no exit state
SELECT * FROM pg_temp.fails('labels-render', $$
  - id: t
    type: io.kestra.plugin.core.execution.Labels
    labels:
      a: "{{ outputs.nowhere.value }}"
$$);
SELECT * FROM pg_temp.fails('exit-state', $$
  - id: t
    type: io.kestra.plugin.core.execution.Exit
    state: "{{ 'DONE' }}"
$$);

-- kv.Set: the value does not render; kv.Get: a key that is no key; kv.Delete: the namespace
-- does not render
SELECT * FROM pg_temp.fails('kv-set', $$
  - id: t
    type: io.kestra.plugin.core.kv.Set
    key: k
    value: "{{ outputs.nowhere.value }}"
$$);
SELECT * FROM pg_temp.fails('kv-get', $$
  - id: t
    type: io.kestra.plugin.core.kv.Get
    key: "{{ 'a b' }}"
$$);
SELECT * FROM pg_temp.fails('kv-delete', $$
  - id: t
    type: io.kestra.plugin.core.kv.Delete
    namespace: "{{ inputs.nothing }}"
    key: k
$$);

-- If: the condition does not render
SELECT * FROM pg_temp.fails('if-condition', $$
  - id: t
    type: io.kestra.plugin.core.flow.If
    condition: "{{ missing }}"
    then:
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: never
$$);

-- Sequential: a child's error fails the child, then the Sequential
SELECT * FROM pg_temp.fails('sequential-child', $$
  - id: t
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: child
        type: io.kestra.plugin.core.log.Log
        message: "{{ missing }}"
      - id: after
        type: io.kestra.plugin.core.log.Log
        message: never
$$);

-- Parallel: one child's error fails it, the other child still runs, then the Parallel fails
SELECT * FROM pg_temp.fails('parallel-child', $$
  - id: t
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: "{{ missing }}"
      - id: b
        type: io.kestra.plugin.core.log.Log
        message: b
$$);

-- Switch: the value does not render
SELECT * FROM pg_temp.fails('switch-value', $$
  - id: t
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ missing }}"
    cases:
      A:
        - id: a
          type: io.kestra.plugin.core.log.Log
          message: a
$$);

-- Subflow: a flow that does not exist; inputs the subflow refuses
SELECT * FROM pg_temp.fails('subflow-missing', $$
  - id: t
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.errors
    flowId: "{{ 'no-such-flow' }}"
$$);
SELECT revision FROM flow_deploy($$
id: child
namespace: t.errors
inputs:
  - id: n
    type: INT
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.n }}"
$$);
SELECT * FROM pg_temp.fails('subflow-inputs', $$
  - id: t
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.errors
    flowId: child
    inputs:
      n: not a number
$$);

-- Pause: a duration that is no duration; a behavior that is none
SELECT * FROM pg_temp.fails('pause-duration', $$
  - id: t
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: "{{ 'soon' }}"
$$);
SELECT * FROM pg_temp.fails('pause-behavior', $$
  - id: t
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1H
    behavior: "{{ 'SHRUG' }}"
$$);

-- HumanTask: the assignment does not render
SELECT * FROM pg_temp.fails('human-assignment', $$
  - id: t
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: "{{ inputs.approver }}"
$$);

-- Query: a parameter does not render; the SQL raises (inside its subtransaction)
SELECT * FROM pg_temp.fails('query-parameter', $$
  - id: t
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT :x AS x
    parameters:
      x: "{{ missing }}"
$$);
SELECT * FROM pg_temp.fails('query-raises', $$
  - id: t
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: SELECT 1 / 0
$$);

-- HttpRequest (external: rendered in the caller's transaction before it is queued): the uri
-- does not render; a header does not render
SELECT * FROM pg_temp.fails('http-uri', $$
  - id: t
    type: io.kestra.plugin.core.http.Request
    uri: "{{ missing }}"
$$);
SELECT * FROM pg_temp.fails('http-header', $$
  - id: t
    type: io.kestra.plugin.core.http.Request
    uri: http://127.0.0.1:9/
    headers:
      X-Token: "{{ secret('NO_SUCH_TOKEN') }}"
$$);

-- Slack and Teams: the url does not render
SELECT * FROM pg_temp.fails('slack-url', $$
  - id: t
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('NO_SUCH_SECRET') }}"
    messageText: hello
$$);
SELECT * FROM pg_temp.fails('teams-url', $$
  - id: t
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: "{{ missing }}"
    payload: "{}"
$$);

-- Mail: the recipients do not render; a port that is no number
SELECT * FROM pg_temp.fails('mail-to', $$
  - id: t
    type: io.kestra.plugin.notifications.mail.MailSend
    host: 127.0.0.1
    from: flows@example.com
    to: "{{ inputs.who }}"
    subject: hi
    plainTextContent: hi
$$);
SELECT * FROM pg_temp.fails('mail-port', $$
  - id: t
    type: io.kestra.plugin.notifications.mail.MailSend
    host: 127.0.0.1
    port: "{{ 'smtp' }}"
    from: flows@example.com
    to: someone@example.com
    subject: hi
    plainTextContent: hi
$$);


-- The same in flow_resume: a task after the pause fails on an onResume value it cannot use; the
-- resume returns FAILED, and the caller's own write in that transaction commits with it
SELECT revision FROM flow_deploy($$
id: after-resume
namespace: t.errors
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: n
        type: STRING
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n + outputs.wait.onResume.n }}"
$$);
CREATE TABLE pg_temp.decisions (execution_id text, state text);
SELECT flow_start('t.errors', 'after-resume', '{}') AS id \gset
BEGIN;
INSERT INTO pg_temp.decisions SELECT :'id', flow_resume(:'id', '{"n": "x"}');
COMMIT;
SELECT d.state AS resumed_to, pg_temp.runs(d.execution_id) AS runs,
    (SELECT string_agg(l.task_id || ': ' || l.message, E'\n') FROM flowpg.logs l
     WHERE l.execution_id = d.execution_id AND l.level = 'ERROR') AS errors
FROM pg_temp.decisions d;
