-- Nothing silent (issue 13): a deleted flow says it was deleted; a resume of something already
-- decided says by whom and when; an unknown task_id is unknown, not "not paused"; a rollback
-- to the source the flow has says it changed nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

SELECT revision FROM flow_deploy($$
id: gone
namespace: quiet
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
$$);
SELECT flow_delete('quiet', 'gone');
\set VERBOSITY default
SELECT flow_start('quiet', 'gone');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_start('quiet', 'never_was');
\echo :LAST_ERROR_SQLSTATE
-- a subflow of a deleted flow says so too
SELECT revision FROM flow_deploy($$
id: caller
namespace: quiet
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: quiet
    flowId: gone
$$);
SELECT * FROM pg_temp.run('quiet', 'caller');
SELECT message FROM flowpg.logs WHERE task_id = 'sub';

-- resumes of what was already decided
SELECT revision FROM flow_deploy($$
id: ask
namespace: quiet
tasks:
  - id: first
    type: io.kestra.plugin.core.flow.Pause
  - id: second
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT flow_start('quiet', 'ask') AS id \gset
SELECT flow_resume(:'id', '{}', 'first');
SELECT regexp_replace(pg_temp.try(format('SELECT flow_resume(%L, ''{}'', ''first'')', :'id')),
                      '\d{4}-\d\d-\d\dT[0-9:.]+Z', '<time>');
SELECT flow_resume(:'id');
SELECT regexp_replace(pg_temp.try(format('SELECT flow_resume(%L)', :'id')),
                      '\d{4}-\d\d-\d\dT[0-9:.]+Z', '<time>');
-- an unknown task id is unknown; a known one not reached yet is said so
SELECT flow_start('quiet', 'ask') AS id2 \gset
SELECT pg_temp.try(format('SELECT flow_resume(%L, ''{}'', ''no_such_task'')', :'id2'));
SELECT pg_temp.try(format('SELECT flow_resume(%L, ''{}'', ''second'')', :'id2'));
-- killed: said so
SELECT flow_kill(:'id2');
SELECT regexp_replace(pg_temp.try(format('SELECT flow_resume(%L, ''{}'', ''first'')', :'id2')),
                      '\d{4}-\d\d-\d\dT[0-9:.]+Z', '<time>');

-- a rollback to the source the flow already has changes nothing, and says so
SELECT flow_rollback('quiet', 'ask', 1);
SELECT count(*) AS revisions FROM flowpg.flow_revisions WHERE id = 'ask';

DROP EXTENSION flowpg CASCADE;
