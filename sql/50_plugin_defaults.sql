-- pluginDefaults (and the deprecated taskDefaults): {type, values, forced} applied to every map
-- with a type (tasks at any depth, triggers, conditions) before the flow is checked; prefix
-- matching at a dot, aliases, forced, deep merge of maps, lists concatenated without
-- duplicates; the stored source as written, the definition with the defaults; bad entries refused.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- a required property (Log's message) given by a default is no error; the task's own value wins
SELECT revision FROM flow_deploy($$
id: defaults-basic
namespace: t.defaults
tasks:
  - id: plain
    type: io.kestra.plugin.core.log.Log
  - id: own
    type: io.kestra.plugin.core.log.Log
    message: my own message
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      message: "from the default, flow {{ flow.id }}"
      level: WARN
$$);
SELECT flow_start('t.defaults', 'defaults-basic') AS id \gset
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at, task_id;
-- the stored source is the flow as written; the definition shows the defaults applied
SELECT source ~ E'- id: plain\n    type: io.kestra.plugin.core.log.Log\n  - id: own' AS source_as_written,
       definition -> 'tasks' AS checked_tasks
FROM flowpg.flow_revisions WHERE id = 'defaults-basic';

-- prefix at a dot boundary (and Kestra's own form ending with a dot); aliases count as their type
SELECT revision FROM flow_deploy($$
id: defaults-prefix
namespace: t.defaults
tasks:
  - id: by-alias
    type: io.kestra.core.tasks.log.Log
  - id: ret
    type: io.kestra.plugin.core.debug.Return
pluginDefaults:
  - type: io.kestra.plugin.core.log
    values:
      message: by prefix
  - type: io.kestra.plugin.core.
    values:
      description: every core task
  - type: io.kestra.core.tasks.debugs.Return
    values:
      format: by the alias of Return
$$);
SELECT definition -> 'tasks' FROM flowpg.flows WHERE id = 'defaults-prefix';
SELECT flow_start('t.defaults', 'defaults-prefix') AS id \gset
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;
SELECT task_id, outputs FROM flowpg.task_runs WHERE execution_id = :'id' AND task_id = 'ret';

-- forced: the defaults win, the first forced one over later ones; unforced: the first one that
-- gives a key wins; maps merge recursively; lists are concatenated without duplicates
SELECT revision FROM flow_deploy($$
id: defaults-forced
namespace: t.defaults
tasks:
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      own: 1
      nested: {mine: a, shared: task}
      list: [b, a]
  - id: forced-log
    type: io.kestra.plugin.core.log.Log
    message: [task line]
    level: ERROR
pluginDefaults:
  - type: io.kestra.plugin.core.output.OutputValues
    values:
      values:
        own: 99
        added: 2
        nested: {theirs: b, shared: default}
        list: [a, c]
  - type: io.kestra.plugin.core.output.OutputValues
    values:
      values:
        added: 3
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values:
      level: INFO
      message: [forced line, task line]
  - type: io.kestra.plugin.core.log.Log
    forced: true
    values:
      level: DEBUG
$$);
SELECT flow_start('t.defaults', 'defaults-forced') AS id \gset
SELECT outputs FROM flowpg.task_runs WHERE execution_id = :'id' AND task_id = 'values';
SELECT level, message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at, message;

-- nested tasks, errors, triggers and their conditions; taskDefaults has the same shape
SELECT revision FROM flow_deploy($$
id: defaults-nested
namespace: t.defaults
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: inner
        type: io.kestra.plugin.core.log.Log
errors:
  - id: on-error
    type: io.kestra.plugin.core.log.Log
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
  - id: after
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
taskDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      message: from taskDefaults
  - type: io.kestra.plugin.core.trigger.Schedule
    values:
      cron: "0 3 * * *"
      disabled: true
  - type: io.kestra.core.models.conditions.types.ExecutionFlowCondition
    values:
      namespace: t.defaults
      flowId: defaults-basic
$$);
SELECT definition -> 'tasks' -> 0 -> 'tasks' AS nested, definition -> 'errors' AS errors,
       definition -> 'triggers' AS triggers
FROM flowpg.flows WHERE id = 'defaults-nested';
SELECT (pg_temp.run('t.defaults', 'defaults-nested')).*;

-- a default applies after the checks too: what it adds is checked like the task's own keys,
-- with the position of the default (an unknown property, a bad expression)
SELECT * FROM flow_validate($$
id: defaults-bad-values
namespace: t.defaults
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
pluginDefaults:
  - type: io.kestra.plugin.core.log
    values:
      message: "{{ unclosed"
      colour: red
$$);

-- refused entries: unknown type, a prefix not at a dot, not a list, not a map, values not a map,
-- values setting id or type, forced not a boolean, unknown and missing keys
SELECT * FROM flow_validate($$
id: defaults-refused
namespace: t.defaults
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
pluginDefaults:
  - type: io.kestra.plugin.scripts.shell.Commands
    values: {commands: [ls]}
  - type: io.kestra.plugin.core.lo
    values: {message: x}
  - just a string
  - type: io.kestra.plugin.core.log.Log
    values: [message]
  - type: io.kestra.plugin.core.log.Log
    values: {type: io.kestra.plugin.core.debug.Return}
  - type: io.kestra.plugin.core.log.Log
    forced: yes
    values: {message: x}
  - type: io.kestra.plugin.core.log.Log
    value: {message: x}
  - values: {message: x}
taskDefaults: {type: io.kestra.plugin.core.log.Log}
$$);
-- flow_deploy raises the first problem (22023, with line and column) and stores nothing
SELECT * FROM flow_deploy($$
id: defaults-unknown
namespace: t.defaults
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
pluginDefaults:
  - type: io.kestra.plugin.notifications.discord.DiscordExecution
    values:
      message: hi
$$);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM flowpg.flow_revisions WHERE id = 'defaults-unknown';
-- without the default the required message is missing again
SELECT * FROM flow_validate($$
id: defaults-none
namespace: t.defaults
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
pluginDefaults:
  - type: io.kestra.plugin.core.debug.Return
    values:
      format: x
$$);

-- the README's example
SELECT revision FROM flow_deploy($$
id: defaults_demo
namespace: demo
tasks:
  - id: quiet
    type: io.kestra.plugin.core.log.Log
  - id: loud
    type: io.kestra.plugin.core.log.Log
    message: my own message
    level: ERROR
pluginDefaults:
  - type: io.kestra.plugin.core.log
    values:
      message: "default message of {{ flow.id }}"
      level: WARN
$$);
SELECT definition -> 'tasks' FROM flowpg.flows WHERE id = 'defaults_demo';

-- defaults that would expand a small source enormously (every task gets a copy of values) are
-- refused, quickly, before they take the server's memory: 4,000 tasks times 10,000 values
SELECT flow_validate(format($f$
id: bomb
namespace: demo
tasks: [%s]
pluginDefaults:
  - type: "io."
    values: {x: [%s]}
$f$, (SELECT string_agg('{id: t' || g || ', type: io.kestra.plugin.core.log.Log, message: m}', ', ')
      FROM generate_series(1, 4000) g),
     (SELECT string_agg(g::text, ', ') FROM generate_series(1, 10000) g)));
\echo :LAST_ERROR_SQLSTATE
-- a list merged with a list is charged item by item, too
SELECT flow_validate(format($f$
id: bomb2
namespace: demo
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: [%s]
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: {message: [%s]}
$f$, (SELECT string_agg(g::text, ', ') FROM generate_series(1, 3000) g),
     (SELECT string_agg(g::text, ', ') FROM generate_series(3001, 6000) g)));
\echo :LAST_ERROR_SQLSTATE
