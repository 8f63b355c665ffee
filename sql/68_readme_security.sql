-- The example of README.md's Security section, command for command, so that it keeps running.
-- (One difference: flowpg_admin is cluster-wide and another test may have created it already, so
-- it is created here only if missing, and dropped at the end only if created here.)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
CREATE TEMP TABLE admin_role AS
    SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flowpg_admin') AS created_here;

-- README: as a superuser, once: the people and teams are roles
DO $$ BEGIN
    IF (SELECT created_here FROM admin_role) THEN CREATE ROLE flowpg_admin NOLOGIN; END IF;
END $$;
CREATE ROLE "dba@company.com" LOGIN IN ROLE flowpg_admin;      -- ADMIN everywhere
CREATE ROLE platform_team NOLOGIN;                             -- a group
CREATE ROLE "platform-lead@company.com" LOGIN IN ROLE platform_team;
CREATE ROLE "dev-alice@company.com" LOGIN;
CREATE ROLE "it-admin@company.com" LOGIN;
CREATE ROLE "infrastructure-lead@company.com" LOGIN;

-- README: the DBA hands out namespace permissions
SET ROLE "dba@company.com";
SELECT flow_grant('infrastructure', 'platform_team', 'DEPLOY');
SELECT flow_grant('infrastructure', '"dev-alice@company.com"', 'EXECUTE');
RESET ROLE;

-- README: the platform lead deploys the guide's flow, unchanged
SET ROLE "platform-lead@company.com";
SELECT * FROM flow_deploy($$
id: vm_provisioning_approval
namespace: infrastructure

inputs:
  - id: vm_spec
    type: STRING
    defaults: "2 vCPU, 4GB RAM, Ubuntu 22.04"

tasks:
  - id: validate_request
    type: io.kestra.plugin.core.log.Log
    message: "Validating VM request from {{ labels.system.username }}: {{ inputs.vm_spec }}"

  - id: it_admin_approval
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users:
        - it-admin@company.com
        - infrastructure-lead@company.com

  - id: provision_vm
    type: io.kestra.plugin.core.log.Log
    message: "Approved by {{ outputs.it_admin_approval.resumed.by }}! Provisioning VM for {{ labels.system.username }}"
$$);
RESET ROLE;

-- README: Alice asks for a VM
SET ROLE "dev-alice@company.com";
SELECT flow_start('infrastructure', 'vm_provisioning_approval') AS id \gset
SELECT state FROM flowpg.executions WHERE id = :'id';
RESET ROLE;

-- README: the IT admin finds it in the inbox
SET ROLE "it-admin@company.com";
SELECT flow_id, task_id, assigned_users, started_by, paused_at IS NOT NULL AS paused
FROM flowpg.inbox;
RESET ROLE;

-- README: nobody else may decide: not Alice, not the admin, not a superuser
SET ROLE "dev-alice@company.com";
SELECT flow_resume(:'id');
RESET ROLE;
SET ROLE "dba@company.com";
SELECT flow_resume(:'id');
RESET ROLE;
SELECT flow_resume(:'id');

-- README: the IT admin approves
SET ROLE "it-admin@company.com";
SELECT flow_resume(:'id');
SELECT message FROM flowpg.logs WHERE execution_id = :'id' ORDER BY at;
RESET ROLE;

-- README: what each of them did
SET ROLE "dba@company.com";
SELECT actor, action, namespace, flow_id FROM flowpg.audit_log ORDER BY id;
RESET ROLE;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY platform_team, "dev-alice@company.com";
DROP ROLE "dba@company.com", "platform-lead@company.com", platform_team, "dev-alice@company.com",
    "it-admin@company.com", "infrastructure-lead@company.com";
DO $$ BEGIN
    IF (SELECT created_here FROM admin_role) THEN DROP ROLE flowpg_admin; END IF;
END $$;
