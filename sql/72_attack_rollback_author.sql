-- Attack: flow_rollback re-signed an old revision with the caller's identity (issue 11,
-- finding 3).  A DEPLOY-only role's revision, rolled back to by a superuser, then ran its Query
-- as the superuser.  A rollback keeps the role that wrote the source as the new revision's
-- author (created_by), the role its Query, Subflow and trigger steps act for; the audit row
-- says who rolled back and whose source it restored.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t72_dev;        -- DEPLOY and EXECUTE on apps: no superuser
CREATE ROLE flowpg_t72_ops;        -- DEPLOY on apps too
SELECT flow_grant('apps', 'flowpg_t72_dev', 'DEPLOY');
SELECT flow_grant('apps', 'flowpg_t72_dev', 'EXECUTE');
SELECT flow_grant('apps', 'flowpg_t72_ops', 'DEPLOY');

-- revision 1, by the developer: a Query that tries what only a superuser may do
SET ROLE flowpg_t72_dev;
SELECT revision FROM flow_deploy($$
id: sneaky
namespace: apps
tasks:
  - id: escalate
    type: io.kestra.plugin.jdbc.postgresql.Query
    sql: ALTER ROLE flowpg_t72_dev SUPERUSER
$$);
RESET ROLE;

-- revision 2, by a superuser who reviewed and replaced it
SELECT revision FROM flow_deploy($$
id: sneaky
namespace: apps
tasks:
  - id: harmless
    type: io.kestra.plugin.core.log.Log
    message: reviewed
$$);

-- the superuser rolls back to revision 1: revision 3 acts for the developer, who wrote it
SELECT flow_rollback('apps', 'sneaky', 1);
SELECT revision, created_by FROM flowpg.flow_revisions WHERE id = 'sneaky' ORDER BY revision;
SELECT actor, action, detail FROM flowpg.audit_log WHERE flow_id = 'sneaky' ORDER BY id;
SET ROLE flowpg_t72_dev;
SELECT * FROM pg_temp.run('apps', 'sneaky');
RESET ROLE;
SELECT message FROM flowpg.logs WHERE task_id = 'escalate';
SELECT rolsuper AS dev_is_superuser FROM pg_roles WHERE rolname = 'flowpg_t72_dev';

-- the other way round: a DEPLOY holder rolling back to a revision someone else wrote restores
-- that author too, never itself (it chose which source runs again, not who it runs as)
SET ROLE flowpg_t72_ops;
SELECT flow_rollback('apps', 'sneaky', 2);
RESET ROLE;
SELECT revision, created_by FROM flowpg.flow_revisions WHERE id = 'sneaky' ORDER BY revision;

DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t72_dev, flowpg_t72_ops;
