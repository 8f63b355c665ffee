-- Hostile input stays data: quotes and SQL fragments in namespaces, ids, inputs, labels, keys and
-- role names are refused as malformed or stored and used verbatim, never executed.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE TABLE canary (x int);
INSERT INTO canary VALUES (1);

-- role names that need quoting, including one that looks like SQL
CREATE ROLE "o'brien";
CREATE ROLE "evil""; DROP TABLE canary; --";
CREATE ROLE "Ops Team; DELETE FROM flowpg.audit_log";
GRANT "Ops Team; DELETE FROM flowpg.audit_log" TO "o'brien";

-- malformed names are refused before anything runs
SELECT pg_temp.try(call) AS outcome FROM (VALUES
    ($q$SELECT flow_start('x''); DROP TABLE canary; --', 'f')$q$),
    ($q$SELECT flow_start('ok', 'f''; DROP TABLE canary; --')$q$),
    ($q$SELECT flow_grant('x''); DROP TABLE canary; --', 'o''brien', 'VIEW')::text$q$),
    ($q$SELECT flow_grant('ok', 'o''brien', 'VIEW''); DROP TABLE canary; --')::text$q$),
    ($q$SELECT flow_secret_set('ok', 'K''; DROP TABLE canary; --', 'v')::text$q$),
    ($q$SELECT flow_kv_set('ok', 'k', '"''); DROP TABLE canary; --"')::text$q$),
    ($q$SELECT flow_kv_get('ok', 'k')::text$q$),
    ($q$SELECT flow_resume('''); DROP TABLE canary; --')$q$),
    ($q$SELECT flow_kill('x'' OR ''1''=''1')$q$),
    ($q$SELECT flow_delete('ok', 'x'' OR ''1''=''1')::text$q$),
    ($q$SELECT flowpg.has_permission('x''); DROP TABLE canary; --', 'VIEW')::text$q$)
) AS t(call);

-- grants to such roles work, by their exact names (a regrole argument takes a name quoted as an
-- identifier when it needs quotes; the marker GRANT quotes it again)
SELECT flow_grant('hostile', 'o''brien', 'EXECUTE');
SELECT flow_grant('hostile', '"evil""; DROP TABLE canary; --"', 'VIEW');
SELECT flow_grant('hostile', quote_ident('Ops Team; DELETE FROM flowpg.audit_log')::regrole, 'VIEW');
SELECT namespace, grantee, permission FROM flowpg.namespace_grants ORDER BY grantee::text;
SELECT grantee, privilege_type FROM information_schema.column_privileges
WHERE table_schema = 'flowpg' AND table_name = 'namespace_grants' AND column_name = 'grantee'
  AND grantee NOT IN (current_user, 'PUBLIC') ORDER BY 1;
SET ROLE "evil""; DROP TABLE canary; --";
SELECT flowpg.has_permission('hostile', 'VIEW') AS evil_sees, flowpg.has_permission('hostile', 'EXECUTE') AS evil_starts;
RESET ROLE;

-- a flow whose text, inputs, labels and assignment carry quotes and SQL
SELECT revision FROM flow_deploy($yaml$
id: hostile_flow
namespace: hostile
description: "'); DROP TABLE canary; --"
labels:
  note: "$$; DROP TABLE canary; $$"
inputs:
  - id: comment
    type: STRING
  - id: pw
    type: SECRET
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "comment={{ inputs.comment }} pw={{ inputs.pw }}"
  - id: decide
    type: io.kestra.plugin.ee.flow.HumanTask
    description: "Robert'); DROP TABLE canary;--"
    assignment:
      users:
        - evil"; DROP TABLE canary; --
      groups:
        - Ops Team; DELETE FROM flowpg.audit_log
    onResume:
      - id: why
        type: STRING
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "why={{ outputs.decide.onResume.why }}"
$yaml$);
SET ROLE "o'brien";
SELECT flow_start('hostile', 'hostile_flow',
                  $${"comment": "Robert'); DROP TABLE canary;--", "pw": "p'w\"; --"}$$,
                  $${"ticket": "1' OR '1'='1", "x'); --": "key with quotes"}$$) AS h1 \gset
SELECT flow_start('hostile', 'hostile_flow', '{"comment": "again", "pw": "x"}') AS h2 \gset
RESET ROLE;
SELECT inputs, labels - 'system.correlationId' - 'system.username' AS labels, labels ->> 'system.username' AS started_by
FROM flowpg.executions WHERE id = :'h1';
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'h1' ORDER BY at;
SELECT task_id, assigned_users, assigned_groups FROM flowpg.task_runs
WHERE execution_id = :'h1' AND task_id = 'decide';

-- the quoted user resumes one, a member of the quoted group the other; the inbox finds them
SET ROLE "evil""; DROP TABLE canary; --";
SELECT flow_id, task_id, description FROM flowpg.inbox ORDER BY execution_id = :'h1' DESC;
SELECT flow_resume(:'h1', $${"why": "because'); DROP TABLE canary; --"}$$);
RESET ROLE;
SET ROLE "o'brien";
SELECT flow_resume(:'h2', '{"why": "$$ ; DELETE FROM flowpg.audit_log"}');
RESET ROLE;
SELECT task_id, message FROM flowpg.logs WHERE execution_id IN (:'h1', :'h2') AND task_id = 'echo'
ORDER BY message;
SELECT actor, action FROM flowpg.audit_log WHERE action = 'resume' ORDER BY id;

-- nothing was dropped or deleted
SELECT count(*) AS canary_rows FROM canary;
SELECT count(*) > 0 AS audit_rows_left FROM flowpg.audit_log;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY "o'brien", "evil""; DROP TABLE canary; --", "Ops Team; DELETE FROM flowpg.audit_log";
DROP ROLE "o'brien", "evil""; DROP TABLE canary; --", "Ops Team; DELETE FROM flowpg.audit_log";
DROP TABLE canary;
