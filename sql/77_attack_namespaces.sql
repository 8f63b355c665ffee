-- Attack: namespaces with empty parts (issue 11, finding 10).  flow_grant took 'team.' and
-- 'team..x'; a grant there covers nothing anyone could name, and 'team.' reads like a parent of
-- 'team.x' without being one.  Every namespace, in a flow document or as an argument, has
-- non-empty parts between its dots.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t77_user;
SELECT pg_temp.try($$SELECT flow_grant('team.', 'flowpg_t77_user', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant('team..x', 'flowpg_t77_user', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant('.team', 'flowpg_t77_user', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_revoke('team.', 'flowpg_t77_user', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_start('team..x', 'f')$$);
SELECT pg_temp.try($$SELECT flow_secret_set('team.', 'S', 'v')$$);
SELECT pg_temp.try($$SELECT flow_kv_set('a..b', 'k', '1')$$);
SELECT count(*) AS grants FROM flowpg.namespace_grants;

SELECT line, col, path, message FROM flow_validate($$
id: f
namespace: team.
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
SELECT line, col, path, message FROM flow_validate($$
id: f
namespace: team..x
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);

-- well-formed ones are as before, '' (every namespace) included
SELECT flow_grant('team.x', 'flowpg_t77_user', 'VIEW');
SELECT flow_grant('', 'flowpg_t77_user', 'VIEW');
SELECT namespace, permission FROM flowpg.namespace_grants ORDER BY namespace;

SELECT flow_revoke('team.x', 'flowpg_t77_user', 'VIEW');
SELECT flow_revoke('', 'flowpg_t77_user', 'VIEW');
DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t77_user;
