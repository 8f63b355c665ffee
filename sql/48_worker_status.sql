-- The worker's health (issue 10): flowpg.worker_status, for members of pg_monitor and holders of
-- ADMIN on '' only, tried as roles that are not superusers.  (A live worker, a sink and the
-- counters are in test/t/24_worker_status.pl.)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE flowpg_t48_nobody;
CREATE ROLE flowpg_t48_hr_admin;
CREATE ROLE flowpg_t48_global;
CREATE ROLE flowpg_t48_monitor IN ROLE pg_monitor;
SELECT flow_grant('hr', 'flowpg_t48_hr_admin', 'ADMIN');
SELECT flow_grant('', 'flowpg_t48_global', 'ADMIN');

-- the regression cluster's worker serves this database
-- (it sees the new extension at its next look, within flowpg.naptime)
DO $$
BEGIN
    FOR i IN 1..400 LOOP
        EXIT WHEN (SELECT state FROM flowpg.worker_status) = 'running';
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
\x on
SELECT running, pid IS NOT NULL AS has_pid, state, database, serves_this_database,
       started_at <= now() AS started, in_flight, queued_sends, queued_timers,
       sends_failed >= 0 AS counts, warning
  FROM flowpg.worker_status;
\x off

\set VERBOSITY default
SET ROLE flowpg_t48_nobody;
SELECT running FROM flowpg.worker_status;
\echo :LAST_ERROR_SQLSTATE
-- ADMIN of one namespace is not enough: the queue and the errors are the whole database's
SET ROLE flowpg_t48_hr_admin;
SELECT running FROM flowpg.worker_status;
\echo :LAST_ERROR_SQLSTATE
SET ROLE flowpg_t48_global;
SELECT running, state FROM flowpg.worker_status;
SET ROLE flowpg_t48_monitor;
SELECT running, state FROM flowpg.worker_status;
RESET ROLE;
-- no role writes it
SET ROLE flowpg_t48_global;
DELETE FROM flowpg.worker_status;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the queue: a timer that is not due yet counts, and is not overdue
SELECT revision FROM flow_deploy($$
id: later
namespace: hr
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: P1D
$$);
SELECT flow_start('hr', 'later') AS id \gset
SELECT queued_sends, queued_timers, oldest_queued_age FROM flowpg.worker_status;

-- every column says what it holds (\d+)
SELECT a.attname, col_description(c.oid, a.attnum) IS NOT NULL AS commented
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.oid = 'flowpg.worker_status'::regclass ORDER BY a.attnum;

DROP EXTENSION flowpg;
DROP ROLE flowpg_t48_nobody, flowpg_t48_hr_admin, flowpg_t48_global, flowpg_t48_monitor;
CREATE EXTENSION flowpg;
