-- Attack: flow_kill, flow_restart and flow_wait named an execution's namespace in their
-- permission errors to callers who cannot see the execution (issue 11, finding 8).  A role that
-- may not see an execution now learns nothing of it from these calls, as from flow_resume; a
-- role that may see it is told which permission it lacks, and where.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t75_outsider;   -- nothing at all on the namespace
CREATE ROLE flowpg_t75_viewer;     -- VIEW on it
SELECT flow_grant('acquisitions.project_x', 'flowpg_t75_viewer', 'VIEW');

SELECT revision FROM flow_deploy($$
id: due_diligence
namespace: acquisitions.project_x
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT revision FROM flow_deploy($$
id: doomed
namespace: acquisitions.project_x
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
$$);
SELECT flow_start('acquisitions.project_x', 'due_diligence') AS paused \gset
SELECT flow_start('acquisitions.project_x', 'doomed') AS failed \gset

-- the outsider: the same answer as flow_resume gives, naming nothing
SET ROLE flowpg_t75_outsider;
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'paused'));
SELECT pg_temp.try(format('SELECT flow_kill(%L)', :'paused'));
SELECT pg_temp.try(format('SELECT flow_restart(%L)', :'failed'));
SELECT pg_temp.try(format('SELECT flow_wait(%L, ''1s'')', :'paused'));
RESET ROLE;

-- the viewer sees the execution, so it is told what it lacks
SET ROLE flowpg_t75_viewer;
SELECT pg_temp.try(format('SELECT flow_kill(%L)', :'paused'));
SELECT pg_temp.try(format('SELECT flow_restart(%L)', :'failed'));
SELECT flow_wait(:'paused', '1s');
RESET ROLE;

-- nothing changed
SELECT flow_id, state FROM flowpg.executions ORDER BY flow_id;
SELECT action, count(*) FROM flowpg.audit_log WHERE execution_id IS NOT NULL GROUP BY action ORDER BY action;

DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t75_outsider, flowpg_t75_viewer;
