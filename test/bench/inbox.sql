-- The inbox with many paused task runs: loads :n paused executions (default a million) straight
-- into the tables, then shows the plan and the time of the inbox query for a few readers, and of
-- a resume.  Run it in a scratch database with flowpg installed, as a superuser:
--
--     psql -X -v n=1000000 -f test/bench/inbox.sql
--
-- The data: 40% HumanTasks assigned to one of 10000 users, 40% to one of 200 groups, 20% plain
-- Pauses, spread over 1000 namespaces (bench.ns0 .. bench.ns999).  The readers: a user named in
-- about 40 runs and a member of one group (about 2000 runs); an operator holding RESUME on one
-- namespace (about 200 plain pauses); a member of nothing.
\set ON_ERROR_STOP on
\if :{?n}
\else
\set n 1000000
\endif
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
DROP ROLE IF EXISTS bench_user42, bench_group7, bench_ops, bench_nobody;
CREATE ROLE bench_group7;
CREATE ROLE bench_user42 IN ROLE bench_group7;
CREATE ROLE bench_ops;
CREATE ROLE bench_nobody;
SELECT flow_grant('bench.ns7', 'bench_ops', 'RESUME');

-- one deployed flow, copied to every namespace
SELECT revision FROM flow_deploy($$
id: approve
namespace: bench.ns0
tasks:
  - id: human
    type: io.kestra.plugin.ee.flow.HumanTask
    description: Approve it
    assignment:
      users: ["{{ inputs.who }}"]
    onResume:
      - id: ok
        type: BOOLEAN
        defaults: true
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
$$);
INSERT INTO flowpg.flow_revisions (namespace, id, revision, source, definition, created_by)
SELECT 'bench.ns' || i, id, revision, replace(source, 'bench.ns0', 'bench.ns' || i),
       jsonb_set(definition, '{namespace}', to_jsonb('bench.ns' || i)), created_by
FROM flowpg.flow_revisions, generate_series(1, 999) AS i;

\timing on
INSERT INTO flowpg.executions (id, namespace, flow_id, flow_revision, state, history, created_by,
                               created_at, updated_at)
SELECT lpad(i::text, 22, 'x'), 'bench.ns' || (i / 5 % 1000), 'approve', 1, 'PAUSED',
       '[{"state": "CREATED"}, {"state": "RUNNING"}, {"state": "PAUSED"}]', 'bench', now(), now()
FROM generate_series(1, :n) AS i;
INSERT INTO flowpg.task_runs (id, execution_id, namespace, task_id, state, history,
                              assigned_users, assigned_groups, created_at)
SELECT lpad(i::text, 22, 'r'), lpad(i::text, 22, 'x'), 'bench.ns' || (i / 5 % 1000),
       CASE WHEN i % 5 = 4 THEN 'pause' ELSE 'human' END, 'PAUSED',
       jsonb_build_array(jsonb_build_object('state', 'PAUSED', 'date', now())),
       CASE i % 5 WHEN 0 THEN ARRAY['bench_user' || (i / 5 % 10000)] WHEN 1 THEN ARRAY['bench_user' || (i / 5 % 10000)]
                  WHEN 2 THEN '{}' WHEN 3 THEN '{}' END,
       CASE i % 5 WHEN 0 THEN '{}' WHEN 1 THEN '{}'
                  WHEN 2 THEN ARRAY['bench_group' || (i / 5 % 200)] WHEN 3 THEN ARRAY['bench_group' || (i / 5 % 200)] END,
       now()
FROM generate_series(1, :n) AS i;
VACUUM ANALYZE flowpg.executions, flowpg.task_runs, flowpg.flow_revisions;
\timing off
SELECT count(*) AS paused_task_runs FROM flowpg.task_runs WHERE state = 'PAUSED';

-- each reader: the plan, then the inbox twice (the first warms the caches), with its time
\timing on
SET ROLE bench_user42;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM flowpg.inbox;
SELECT count(*) AS user42_inbox FROM flowpg.inbox;
SELECT count(*) AS user42_inbox FROM flowpg.inbox;
RESET ROLE;
SET ROLE bench_ops;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM flowpg.inbox;
SELECT count(*) AS ops_inbox FROM flowpg.inbox;
SELECT count(*) AS ops_inbox FROM flowpg.inbox;
RESET ROLE;
SET ROLE bench_nobody;
SELECT count(*) AS nobody_inbox FROM flowpg.inbox;
RESET ROLE;

-- one page of the inbox, newest first, as an application would show it
SET ROLE bench_user42;
SELECT execution_id, flow_id, task_id, description FROM flowpg.inbox ORDER BY paused_at DESC, task_run_id LIMIT 5;
RESET ROLE;
\timing off
