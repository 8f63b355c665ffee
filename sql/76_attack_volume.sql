-- Attack: no bounds on volume (issue 11, finding 9).  Any DEPLOY holder could deploy schedules
-- firing every second, and flow_validate and flow_deploy took 30 MB sources.  Two settings
-- bound them, with clear errors: flowpg.min_schedule_interval (default 60 s) and
-- flowpg.max_flow_size (default 1 MB), both for superusers to change.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t76_deployer;
SELECT flow_grant('busy', 'flowpg_t76_deployer', 'DEPLOY');
SET ROLE flowpg_t76_deployer;

-- schedules firing more often than the minimum are refused, however the cron says it
SELECT line, col, path, message FROM flow_validate($$
id: hammer
namespace: busy
tasks:
  - id: hit
    type: io.kestra.plugin.core.log.Log
    message: hit
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
  - id: twice_a_minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0,30 * * * * *"
    withSeconds: true
  - id: at_the_turn_of_the_hour
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "59 * * * * *"
    withSeconds: true
  - id: every_minute
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * *"
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@daily"
$$);
SELECT * FROM flow_deploy($$
id: hammer
namespace: busy
tasks:
  - id: hit
    type: io.kestra.plugin.core.log.Log
    message: hit
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/1 * * * * *"
    withSeconds: true
$$);
\echo :LAST_ERROR_SQLSTATE
-- the setting is for superusers: a deployer cannot lower it for its own session
SET flowpg.min_schedule_interval = '1s';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a superuser may lower it (here for this session; in postgresql.conf for everyone)
SET flowpg.min_schedule_interval = '1s';
SELECT revision FROM flow_deploy($$
id: hammer
namespace: busy
tasks:
  - id: hit
    type: io.kestra.plugin.core.log.Log
    message: hit
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    disabled: true
$$);
RESET flowpg.min_schedule_interval;

-- sources larger than flowpg.max_flow_size are refused before they are parsed
SET ROLE flowpg_t76_deployer;
SELECT line, col, path, message FROM flow_validate(
    E'id: big\nnamespace: busy\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: "'
    || repeat('x', 2 * 1024 * 1024) || '"');
SELECT pg_temp.try($$SELECT flow_deploy(E'id: big\nnamespace: busy\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: "' || repeat('x', 30 * 1024 * 1024) || '"')$$);
SET flowpg.max_flow_size = '64MB';
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- just under the limit is fine
SELECT revision FROM flow_deploy(
    E'id: big\nnamespace: busy\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: "'
    || repeat('x', 1024 * 1024 - 200) || '"');
SELECT id, revision, length(source) > 1000000 AS big FROM flowpg.flows ORDER BY id;

DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t76_deployer;
