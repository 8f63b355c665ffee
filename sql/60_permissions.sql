-- Namespace permissions: flow_grant, flow_revoke, the hierarchy of permissions, namespaces and
-- roles, and what happens to grants when roles are renamed or dropped.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- errors as "SQLSTATE: message", so that one file shows both
CREATE FUNCTION pg_temp.try(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    EXECUTE call INTO result;
    RETURN coalesce(result, 'ok');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE ROLE flowpg_t60_boss;
CREATE ROLE flowpg_t60_alice;
CREATE ROLE flowpg_t60_bob;
CREATE ROLE flowpg_t60_team;
CREATE ROLE flowpg_t60_dept;
CREATE ROLE flowpg_t60_carol NOINHERIT;
GRANT flowpg_t60_dept TO flowpg_t60_team;
GRANT flowpg_t60_team TO flowpg_t60_bob;
GRANT flowpg_t60_team TO flowpg_t60_carol;

-- every permission of every role in a few namespaces, as a table
CREATE FUNCTION pg_temp.rights(role name) RETURNS TABLE (namespace text, permissions text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', role);
    RETURN QUERY
    SELECT ns, coalesce(string_agg(p, ',' ORDER BY o), '-')
    FROM unnest(ARRAY['hr', 'hr.ops', 'hr.ops.eu', 'hrx', 'sales']) AS ns
    LEFT JOIN LATERAL (
        SELECT p, o FROM unnest(ARRAY['VIEW', 'EXECUTE', 'RESUME', 'DEPLOY', 'ADMIN']) WITH ORDINALITY AS x(p, o)
        WHERE flowpg.has_permission(ns, p)) AS held ON true
    GROUP BY ns ORDER BY ns;
    RESET ROLE;
END $$;

-- nobody holds anything yet
SELECT * FROM pg_temp.rights('flowpg_t60_alice');

-- only ADMIN may grant: a superuser is one
SELECT flow_grant('hr', 'flowpg_t60_boss', 'ADMIN');
SET ROLE flowpg_t60_alice;
SELECT pg_temp.try($$SELECT flow_grant('hr', 'flowpg_t60_alice', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_revoke('hr', 'flowpg_t60_boss', 'ADMIN')$$);
RESET ROLE;

-- an ADMIN of hr grants in hr and below, not elsewhere
SET ROLE flowpg_t60_boss;
SELECT flow_grant('hr.ops', 'flowpg_t60_alice', 'EXECUTE');
SELECT flow_grant('hr', 'flowpg_t60_alice', 'view');
SELECT pg_temp.try($$SELECT flow_grant('hrx', 'flowpg_t60_alice', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant('', 'flowpg_t60_alice', 'VIEW')$$);
RESET ROLE;

-- hr covers hr.ops and hr.ops.eu, not hrx; EXECUTE holds VIEW
SELECT * FROM pg_temp.rights('flowpg_t60_alice');
SELECT * FROM pg_temp.rights('flowpg_t60_boss');

-- the hierarchy: ADMIN holds everything, EXECUTE, RESUME and DEPLOY hold VIEW, VIEW only itself
SELECT flow_grant('sales', 'flowpg_t60_alice', 'RESUME');
SELECT * FROM pg_temp.rights('flowpg_t60_alice') WHERE namespace = 'sales';
SELECT flow_revoke('sales', 'flowpg_t60_alice', 'RESUME');
SELECT flow_grant('sales', 'flowpg_t60_alice', 'DEPLOY');
SELECT * FROM pg_temp.rights('flowpg_t60_alice') WHERE namespace = 'sales';
SELECT flow_revoke('sales', 'flowpg_t60_alice', 'DEPLOY');

-- granting again changes nothing and writes no audit row
SELECT count(*) AS grants_before FROM flowpg.namespace_grants \gset
SELECT flow_grant('hr', 'flowpg_t60_alice', 'VIEW');
SELECT count(*) = :grants_before AS unchanged FROM flowpg.namespace_grants;

-- a grant to a role covers its members, through nested roles too
SELECT flow_grant('sales', 'flowpg_t60_dept', 'EXECUTE');
SELECT * FROM pg_temp.rights('flowpg_t60_bob') WHERE namespace = 'sales';
-- ... but not a NOINHERIT member until it takes on the role, as with PostgreSQL's own privileges
SELECT * FROM pg_temp.rights('flowpg_t60_carol') WHERE namespace = 'sales';
SET ROLE flowpg_t60_carol;
SET ROLE flowpg_t60_team;
SELECT flowpg.has_permission('sales', 'EXECUTE') AS team_as_carol;
RESET ROLE;

-- a membership change takes effect at once, in a session that already looked
SET ROLE flowpg_t60_alice;
SELECT flowpg.has_permission('sales', 'EXECUTE') AS alice_before;
RESET ROLE;
GRANT flowpg_t60_team TO flowpg_t60_alice;
SET ROLE flowpg_t60_alice;
SELECT flowpg.has_permission('sales', 'EXECUTE') AS alice_as_member;
RESET ROLE;
REVOKE flowpg_t60_team FROM flowpg_t60_alice;
SET ROLE flowpg_t60_alice;
SELECT flowpg.has_permission('sales', 'EXECUTE') AS alice_after;
RESET ROLE;

-- revoke: the grant goes; one that does not exist is an error naming where to look
SELECT flow_revoke('sales', 'flowpg_t60_dept', 'EXECUTE');
SELECT * FROM pg_temp.rights('flowpg_t60_bob') WHERE namespace = 'sales';
SELECT pg_temp.try($$SELECT flow_revoke('sales', 'flowpg_t60_dept', 'EXECUTE')$$);
-- a permission held through a parent namespace is revoked where it was granted
SELECT pg_temp.try($$SELECT flow_revoke('hr.ops', 'flowpg_t60_alice', 'VIEW')$$);

-- bad arguments
SELECT pg_temp.try($$SELECT flow_grant('hr', 'flowpg_t60_alice', 'READ')$$);
SELECT pg_temp.try($$SELECT flow_grant('Bad Namespace', 'flowpg_t60_alice', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant('hr', 'flowpg_t60_nobody', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant('hr', 4000000000::oid::regrole, 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant(NULL, 'flowpg_t60_alice', 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_grant('hr', NULL, 'VIEW')$$);
SELECT pg_temp.try($$SELECT flow_revoke('hr', 'flowpg_t60_alice', NULL)$$);
SELECT pg_temp.try($$SELECT flowpg.has_permission('hr', 'READ')::text$$);
-- the messages in full
SELECT flow_grant('hr', 'flowpg_t60_alice', 'READ');
SET ROLE flowpg_t60_alice;
SELECT flow_grant('hr', 'flowpg_t60_alice', 'ADMIN');
RESET ROLE;
SELECT flow_revoke('hr', 'flowpg_t60_bob', 'VIEW');

-- grants are readable by the namespace's admins and by the roles they reach
SELECT namespace, grantee, permission, granted_by FROM flowpg.namespace_grants ORDER BY 1, 2, 3;
SET ROLE flowpg_t60_alice;
SELECT namespace, grantee, permission, granted_by FROM flowpg.namespace_grants ORDER BY 1, 2, 3;
RESET ROLE;
SET ROLE flowpg_t60_boss;
SELECT namespace, grantee, permission, granted_by FROM flowpg.namespace_grants ORDER BY 1, 2, 3;
RESET ROLE;

-- a grant, a revoke: one audit row each, by the role that did it
SELECT actor, action, namespace, detail FROM flowpg.audit_log
WHERE action IN ('grant', 'revoke') ORDER BY id;

-- flowpg_admin holds ADMIN everywhere, for its members.  flowpg does not create it (roles are
-- cluster-wide): the DBA does, and it may already exist here, so it is created only if missing
-- and dropped at the end only if this file created it.
CREATE TEMP TABLE admin_role AS
    SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flowpg_admin') AS created_here;
DO $$ BEGIN
    IF (SELECT created_here FROM admin_role) THEN CREATE ROLE flowpg_admin; END IF;
END $$;
GRANT flowpg_admin TO flowpg_t60_bob;
SELECT * FROM pg_temp.rights('flowpg_t60_bob');
SET ROLE flowpg_t60_bob;
SELECT flow_grant('', 'flowpg_t60_carol', 'VIEW');
SELECT flow_revoke('', 'flowpg_t60_carol', 'VIEW');
RESET ROLE;
REVOKE flowpg_admin FROM flowpg_t60_bob;
SELECT * FROM pg_temp.rights('flowpg_t60_bob') WHERE namespace = 'sales';
DO $$ BEGIN
    IF (SELECT created_here FROM admin_role) THEN DROP ROLE flowpg_admin; END IF;
END $$;

-- renaming a role keeps its grants (they are kept by oid)
ALTER ROLE flowpg_t60_alice RENAME TO flowpg_t60_alice2;
SELECT * FROM pg_temp.rights('flowpg_t60_alice2') WHERE namespace = 'hr';
ALTER ROLE flowpg_t60_alice2 RENAME TO flowpg_t60_alice;

-- a role holding grants cannot be dropped by accident ...
DROP ROLE flowpg_t60_alice;
-- ... until its grants are revoked, or DROP OWNED BY takes the marker away; the rows left
-- behind then count for nothing
SELECT 'flowpg_t60_alice'::regrole::oid AS alice_oid \gset
DROP OWNED BY flowpg_t60_alice;
DROP ROLE flowpg_t60_alice;
SELECT count(*) AS rows_left FROM flowpg.namespace_grants WHERE grantee = :alice_oid;
-- a new role that gets a dropped role's oid inherits nothing: here such a left-over row is
-- made by hand, as if dave had been given the oid of a dropped role that held ADMIN on hr
CREATE ROLE flowpg_t60_dave;
INSERT INTO flowpg.namespace_grants (namespace, grantee, permission, granted_by)
VALUES ('hr', 'flowpg_t60_dave', 'ADMIN', 'someone_dropped');
SELECT * FROM pg_temp.rights('flowpg_t60_dave');
-- and a grant to dave first clears such rows
SELECT flow_grant('sales', 'flowpg_t60_dave', 'VIEW');
SELECT * FROM pg_temp.rights('flowpg_t60_dave');
SELECT namespace, permission FROM flowpg.namespace_grants WHERE grantee = 'flowpg_t60_dave'::regrole;

-- revoking the last grant of a role lets it be dropped
SELECT flow_revoke('sales', 'flowpg_t60_dave', 'VIEW');
DROP ROLE flowpg_t60_dave;

-- DROP EXTENSION takes the grants and their markers with it: nothing keeps a role from going
CREATE ROLE flowpg_t60_erin;
SELECT flow_grant('hr', 'flowpg_t60_erin', 'VIEW');
DROP EXTENSION flowpg;
DROP ROLE flowpg_t60_erin;
CREATE EXTENSION flowpg;

-- clean up: every grant revoked, every role dropped
DELETE FROM flowpg.namespace_grants;
DROP ROLE flowpg_t60_boss, flowpg_t60_bob, flowpg_t60_carol, flowpg_t60_team, flowpg_t60_dept;
