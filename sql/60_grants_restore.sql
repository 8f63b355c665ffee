-- Grants and a restore into a cluster that lacks some of their roles (src/api/api_restore.c): the
-- type of namespace_grants.grantee reads a role name, and warns about one that is no role
-- instead of failing; the COPY of a dump then restores the other rows; the marker GRANT of a
-- missing role is a WARNING, not an error.  test/t/17_dump_restore.pl does it with pg_dump.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE ROLE flowpg_t60r_alice;
CREATE ROLE "flowpg_t60r Bob";
CREATE ROLE flowpg_t60r_carol;

-- the type: names in and out as regrole writes them, oid 0 and a WARNING for a missing role
SELECT 'flowpg_t60r_alice'::flowpg.grantee_role AS alice,
       '"flowpg_t60r Bob"'::flowpg.grantee_role AS bob,
       '"flowpg_t60r Bob"'::flowpg.grantee_role::oid = '"flowpg_t60r Bob"'::regrole::oid AS same_oid;
SELECT 'flowpg_t60r_nobody'::flowpg.grantee_role::oid AS nobody;
SELECT '0'::flowpg.grantee_role::oid AS a_number_is_no_role, '-'::flowpg.grantee_role AS dash;
SELECT 'a.b'::flowpg.grantee_role;
\echo :LAST_ERROR_SQLSTATE

-- flow_grant stores the oid and shows the name
SELECT flow_grant('t60r', 'flowpg_t60r_alice', 'VIEW');
SELECT flow_grant('t60r', '"flowpg_t60r Bob"', 'EXECUTE');
SELECT grantee, namespace, permission FROM flowpg.namespace_grants ORDER BY permission;
ALTER ROLE flowpg_t60r_alice RENAME TO flowpg_t60r_alice2;
SELECT grantee, permission FROM flowpg.namespace_grants ORDER BY permission;
ALTER ROLE flowpg_t60r_alice2 RENAME TO flowpg_t60r_alice;

-- a restore's COPY: the row of the missing role is left out with one WARNING, the others are kept
COPY flowpg.namespace_grants (namespace, grantee, permission, granted_by, granted_at) FROM stdin;
t60r.sub	flowpg_t60r_alice	RESUME	postgres	2026-01-01 00:00:00+00
t60r.sub	flowpg_t60r_gone	RESUME	postgres	2026-01-01 00:00:00+00
t60r.sub	flowpg_t60r_gone	VIEW	postgres	2026-01-01 00:00:00+00
t60r.sub	"flowpg_t60r Bob"	RESUME	postgres	2026-01-01 00:00:00+00
\.
SELECT grantee, namespace, permission FROM flowpg.namespace_grants WHERE namespace = 't60r.sub' ORDER BY 1;

-- the marker GRANT of a dump: missing roles are left out with a WARNING, the others get it
-- (the marker is the column's own privilege: every role may read the table)
CREATE FUNCTION pg_temp.marked(role text) RETURNS boolean LANGUAGE sql AS $$
    SELECT coalesce(attacl::text LIKE '%' || role || '=r/%', false) FROM pg_attribute
    WHERE attrelid = 'flowpg.namespace_grants'::regclass AND attname = 'grantee'
$$;
SELECT pg_temp.marked('flowpg_t60r_alice') AS alice_marked_before;
REVOKE SELECT (grantee) ON TABLE flowpg.namespace_grants FROM flowpg_t60r_alice;
GRANT SELECT (grantee) ON TABLE flowpg.namespace_grants TO flowpg_t60r_ghost;
GRANT SELECT (grantee) ON TABLE flowpg.namespace_grants TO flowpg_t60r_ghost2, flowpg_t60r_alice;
SELECT pg_temp.marked('flowpg_t60r_alice') AS alice_marked;
-- other GRANTs are untouched: a missing role is an error there as always
GRANT SELECT ON TABLE flowpg.flows TO flowpg_t60r_ghost3;
\echo :LAST_ERROR_SQLSTATE
-- and the GRANT is still checked: a role that may not grant is refused for the roles that exist
SET ROLE flowpg_t60r_alice;
GRANT SELECT (grantee) ON TABLE flowpg.namespace_grants TO flowpg_t60r_ghost4, flowpg_t60r_carol;
RESET ROLE;
SELECT pg_temp.marked('flowpg_t60r_carol') AS carol_marked;

-- clean up
SELECT flow_revoke('t60r', 'flowpg_t60r_alice', 'VIEW');
SELECT flow_revoke('t60r', '"flowpg_t60r Bob"', 'EXECUTE');
SELECT flow_revoke('t60r.sub', 'flowpg_t60r_alice', 'RESUME');
SELECT flow_revoke('t60r.sub', '"flowpg_t60r Bob"', 'RESUME');
DROP EXTENSION flowpg;
DROP ROLE flowpg_t60r_alice;
DROP ROLE "flowpg_t60r Bob";
DROP ROLE flowpg_t60r_carol;
CREATE EXTENSION flowpg;
