-- Invalid flows: every rule of SPEC section 2 refused with line, column, path and SQLSTATE;
-- flow_validate lists every problem and never raises; a failed deploy writes nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- YAML syntax errors: 42601 with line and column
SELECT * FROM flow_deploy($$
id: broken
namespace: demo
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
   message: bad indentation
$$);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM flow_validate(E'id: x\nnamespace: [unclosed\n');
-- duplicate keys are an error
SELECT * FROM flow_deploy(E'id: a\nnamespace: demo\nid: b\ntasks: []\n');
\echo :LAST_ERROR_SQLSTATE
-- one document only
SELECT * FROM flow_validate(E'id: a\n---\nid: b\n');
-- an unknown alias
SELECT * FROM flow_validate(E'id: *nothing\n');

-- a UTF-8 byte order mark and Windows line ends are fine
SELECT count(*) AS problems FROM flow_validate(E'\xEF\xBB\xBFid: bom\r\nnamespace: demo\r\ntasks:\r\n  - id: t\r\n    type: io.kestra.plugin.core.log.Log\r\n    message: hi\r\n');
-- tabs cannot indent YAML
SELECT * FROM flow_validate(E'id: tabs\nnamespace: demo\ntasks:\n\t- id: t\n');

-- not a map; empty
SELECT * FROM flow_validate('- just a list');
SELECT * FROM flow_validate('');
SELECT * FROM flow_deploy('');
\echo :LAST_ERROR_SQLSTATE

-- top level: required keys, patterns, unknown keys (typos), types
SELECT * FROM flow_validate($$
id: 9-lives.ok
namespace: Demo
descripton: typo
tasks: []
disabled: "yes"
variables: [1]
labels: 42
$$);
SELECT * FROM flow_validate($$
namespace: demo
$$);
SELECT * FROM flow_validate($$
id: "has space"
namespace: "-starts-with-dash"
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
-- ids and namespaces have length limits
SELECT count(*) FROM flow_validate(format(E'id: %s\nnamespace: demo\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n', repeat('a', 100)));
SELECT message FROM flow_validate(format(E'id: %s\nnamespace: demo\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n', repeat('a', 101)));
SELECT message FROM flow_validate(format(E'id: a\nnamespace: %s\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n', repeat('a', 151)));

-- tasks: unknown type (with the supported list), missing id/type, duplicate ids across nesting,
-- bad task ids, unknown and missing properties
SELECT * FROM flow_validate($$
id: tasks
namespace: demo
tasks:
  - id: a
    type: io.kestra.plugin.scripts.python.Script
  - type: io.kestra.plugin.core.log.Log
    message: no id
  - id: b
    message: no type
  - id: c.d
    type: io.kestra.plugin.core.log.Log
    message: dots are not allowed in task ids
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        mesage: typo
errors:
  - id: seq
    type: io.kestra.plugin.core.log.Log
    message: duplicate in errors
finally:
  - just a string
$$);

-- property shapes: booleans, integers, durations, enums, maps, lists, required lists
SELECT * FROM flow_validate($$
id: shapes
namespace: demo
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: {not: a string}
    level: LOUD
    disabled: "yes"
    timeout: 5 minutes
    allowFailure: 1
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: P1Y2X
    behavior: resume
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks: []
  - id: if
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks: not a list
    concurrent: many
  - id: out
    type: io.kestra.plugin.core.output.OutputValues
    values: [1, 2]
  - id: retry
    type: io.kestra.plugin.core.log.Log
    message: hi
    retry:
      type: sometimes
      maxAttempts: three
      color: red
$$);

-- type-specific rules
SELECT * FROM flow_validate($$
id: specific
namespace: demo
tasks:
  - id: human
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment: {}
  - id: human2
    type: io.kestra.plugin.ee.flow.HumanTask
  - id: slack
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: http://127.0.0.1/hook
  - id: slack2
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: http://127.0.0.1/hook
    payload: '{"text": oops}'
  - id: teams
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: http://127.0.0.1/hook
  - id: http
    type: io.kestra.plugin.core.http.Request
    uri: http://127.0.0.1/x
    method: FETCH
    body: "{}"
    formData: {a: b}
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    delay: PT1S
    pauseDuration: PT1S
    onPause:
      id: on_pause
      type: io.kestra.plugin.core.log.Log
  - id: mail
    type: io.kestra.plugin.notifications.mail.MailSend
    to: [{name: x}]
    transportStrategy: SMTP_SSL
    port: "25"
  - id: query
    type: io.kestra.plugin.jdbc.postgresql.Query
    fetchType: ALL
$$);

-- triggers
SELECT * FROM flow_validate($$
id: triggered
namespace: demo
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: cron
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "61 * * * *"
  - id: cron
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * MON-FRI"
    timezone: Mars/Olympus_Mons
  - id: quartz
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 L * *"
    recoverMissedSchedules: SOME
  - id: fields
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * *"
  - id: upstream
    type: io.kestra.plugin.core.trigger.Flow
    states: [DONE]
    preconditions:
      id: p
      flows:
        - namespace: demo
    conditions:
      - type: io.kestra.plugin.core.condition.Weather
  - id: webhook
    type: io.kestra.plugin.core.trigger.Webhook
    key: secret
$$);

-- valid cron forms
SELECT * FROM flow_validate($$
id: crons
namespace: demo
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - {id: a, type: io.kestra.plugin.core.trigger.Schedule, cron: "*/15 9-17 * * 1-5"}
  - {id: b, type: io.kestra.plugin.core.trigger.Schedule, cron: "@daily"}
  - {id: c, type: io.kestra.plugin.core.trigger.Schedule, cron: "30 0 0 1 JAN,JUL ?", withSeconds: true}
  - {id: d, type: io.kestra.plugin.core.trigger.Schedule, cron: "0 0 * * 7", timezone: UTC}
  - {id: e, type: io.kestra.plugin.core.trigger.Schedule, cron: "5/10 * * * *", recoverMissedSchedules: ALL}
$$);

-- YAML 1.2 core schema: yes/no/on/off are strings, so a boolean property refuses them;
-- anchors, aliases and merge keys work; Kestra's alias type names work.
SELECT * FROM flow_validate($$
id: yaml12
namespace: demo
tasks:
  - id: t
    type: io.kestra.core.tasks.log.Log
    message: &msg hello
    disabled: no
  - &base
    id: u
    type: io.kestra.plugin.core.log.Log
    message: *msg
  - <<: *base
    id: v
$$);
SELECT revision FROM flow_deploy($$
id: yaml12
namespace: demo
tasks:
  - &base
    id: u
    type: io.kestra.plugin.core.log.Log
    message: &msg hello
  - <<: *base
    id: v
    description: off
$$);
SELECT jsonb_pretty(definition -> 'tasks') FROM flowpg.flows WHERE id = 'yaml12';
-- alias bombs are refused instead of expanding without end
SELECT message FROM flow_validate($$
a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
$$);
-- deep nesting is refused, not a stack overflow
SELECT message FROM flow_validate(repeat('[', 10000));
SELECT message FROM flow_validate('id: a' || E'\nnamespace: demo\ntasks:\n' ||
    (SELECT string_agg(repeat('  ', i) || '- id: s' || i || E'\n' || repeat('  ', i) || E'  type: io.kestra.plugin.core.flow.Sequential\n' || repeat('  ', i) || E'  tasks:\n', '' ORDER BY i) FROM generate_series(1, 60) i));

-- A failed deploy writes nothing: no revision, no audit row.
SELECT count(*) AS revisions_before FROM flowpg.flow_revisions;
SELECT count(*) AS audit_before FROM flowpg.audit_log;
SELECT * FROM flow_deploy($$
id: vacation_approval
namespace: hr.operations
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
$$);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS revisions_after FROM flowpg.flow_revisions;
SELECT count(*) AS audit_after FROM flowpg.audit_log;
-- the first problem is raised; the detail points to flow_validate for the rest
SELECT * FROM flow_deploy(E'id: a\nnamespace: demo\ntasks:\n  - id: t\n    type: x\n  - id: t\n    type: y\n');
-- flow_validate needs no permission and reads nothing
CREATE ROLE flowpg_t11_user;
SET ROLE flowpg_t11_user;
SELECT count(*) FROM flow_validate(E'id: a\nnamespace: demo\ntasks: []\n');
RESET ROLE;
DROP ROLE flowpg_t11_user;
