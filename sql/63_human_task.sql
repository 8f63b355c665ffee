-- HumanTask (SPEC section 6): only assignees resume, by user name, by group membership (nested
-- too), and nobody else: not a role holding RESUME, not flowpg_admin, not a superuser.  The
-- Kestra guide's vm_provisioning_approval runs unchanged with its users as roles.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- errors as "SQLSTATE: message (detail)", execution ids masked
CREATE FUNCTION pg_temp.try(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
    detail text;
BEGIN
    EXECUTE call INTO result;
    RETURN coalesce(result, 'ok');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN regexp_replace(SQLSTATE || ': ' || SQLERRM || coalesce(E'\n' || nullif(detail, ''), ''),
                          '[0-9A-Za-z]{22}', '<id>', 'g');
END $$;
-- resume an execution as a role
CREATE FUNCTION pg_temp.resume_as(role name, id text, inputs jsonb DEFAULT '{}', task text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    EXECUTE format('SET ROLE %I', role);
    result := flow_resume(id, inputs, task);
    RESET ROLE;
    RETURN result;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9A-Za-z]{22}', '<id>', 'g');
END $$;

-- the users and groups of the guide, as roles
CREATE ROLE "it-admin@company.com";
CREATE ROLE "infrastructure-lead@company.com";
CREATE ROLE "Security Team";
CREATE ROLE "DevOps Engineers";
CREATE ROLE flowpg_t63_appsec;                 -- a team inside Security Team
GRANT "Security Team" TO flowpg_t63_appsec;
CREATE ROLE flowpg_t63_alice;                  -- in Security Team
GRANT "Security Team" TO flowpg_t63_alice;
CREATE ROLE flowpg_t63_bob;                    -- in AppSec, so in Security Team through it
GRANT flowpg_t63_appsec TO flowpg_t63_bob;
CREATE ROLE flowpg_t63_carol NOINHERIT;        -- a NOINHERIT member of DevOps Engineers
GRANT "DevOps Engineers" TO flowpg_t63_carol;
CREATE ROLE flowpg_t63_eve;                    -- nobody in particular
CREATE ROLE flowpg_t63_requester;              -- may start flows in infrastructure
CREATE ROLE flowpg_t63_operator;               -- holds RESUME (and so VIEW) on infrastructure
CREATE ROLE flowpg_t63_frank;                  -- a member of flowpg_admin
-- (flowpg_admin is cluster-wide and may exist already: created here only if missing)
CREATE TEMP TABLE admin_role AS
    SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flowpg_admin') AS created_here;
DO $$ BEGIN
    IF (SELECT created_here FROM admin_role) THEN CREATE ROLE flowpg_admin; END IF;
END $$;
GRANT flowpg_admin TO flowpg_t63_frank;
SELECT flow_grant('infrastructure', 'flowpg_t63_requester', 'EXECUTE');
SELECT flow_grant('infrastructure', 'flowpg_t63_operator', 'RESUME');

-- the guide's flow, unchanged
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

SET ROLE flowpg_t63_requester;
SELECT flow_start('infrastructure', 'vm_provisioning_approval') AS vm \gset
SELECT state FROM flowpg.executions WHERE id = :'vm';
RESET ROLE;
SELECT task_id, state, assigned_users, assigned_groups FROM flowpg.task_runs
WHERE execution_id = :'vm' ORDER BY created_at;

-- nobody but the two users may resume it: not a stranger, not the requester, not a role
-- holding RESUME on the namespace, not flowpg_admin, not a superuser
SELECT pg_temp.resume_as('flowpg_t63_eve', :'vm') AS stranger,
       pg_temp.resume_as('flowpg_t63_requester', :'vm') AS requester,
       pg_temp.resume_as('flowpg_t63_operator', :'vm') AS operator;
SELECT pg_temp.resume_as('flowpg_t63_frank', :'vm') AS flowpg_admin_member;
SELECT pg_temp.try(format('SELECT flow_resume(%L)', :'vm')) AS superuser;
SET ROLE flowpg_t63_operator;
SELECT flow_resume(:'vm');
RESET ROLE;
-- ... and none of the refusals changed anything
SELECT state FROM flowpg.executions WHERE id = :'vm';
SELECT count(*) AS resume_audit_rows FROM flowpg.audit_log WHERE execution_id = :'vm' AND action = 'resume';

-- an assignee may, without any permission on the namespace
SELECT pg_temp.resume_as('it-admin@company.com', :'vm') AS it_admin;
SELECT state FROM flowpg.executions WHERE id = :'vm';
SELECT task_id, state, outputs -> 'resumed' ->> 'by' AS resumed_by, outputs -> 'resumed' ->> 'to' AS resumed_to
FROM flowpg.task_runs WHERE execution_id = :'vm' ORDER BY created_at;
SELECT actor, action, detail ->> 'task_id' AS task_id FROM flowpg.audit_log WHERE execution_id = :'vm' ORDER BY id;
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'vm' ORDER BY at;
-- the other assignee comes too late
SELECT pg_temp.resume_as('infrastructure-lead@company.com', :'vm') AS infrastructure_lead;

-- groups: the members of a named group, directly or through other roles, whatever their
-- INHERIT setting (membership, not privilege, makes an assignee)
SELECT revision FROM flow_deploy($$
id: security_gate
namespace: infrastructure
tasks:
  - id: security_review
    type: io.kestra.plugin.ee.flow.HumanTask
    description: Review the change for security
    assignment:
      groups:
        - Security Team
        - DevOps Engineers
        - Infrastructure Admins
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: reviewed
$$);
SELECT flow_start('infrastructure', 'security_gate') AS g1 \gset
SELECT flow_start('infrastructure', 'security_gate') AS g2 \gset
SELECT flow_start('infrastructure', 'security_gate') AS g3 \gset
SELECT flow_start('infrastructure', 'security_gate') AS g4 \gset
SELECT pg_temp.resume_as('flowpg_t63_eve', :'g1') AS stranger,
       pg_temp.resume_as('it-admin@company.com', :'g1') AS it_admin,
       pg_temp.resume_as('flowpg_t63_operator', :'g1') AS operator;
SELECT pg_temp.resume_as('flowpg_t63_alice', :'g1') AS direct_member,
       pg_temp.resume_as('flowpg_t63_bob', :'g2') AS nested_member,
       pg_temp.resume_as('flowpg_t63_carol', :'g3') AS noinherit_member,
       pg_temp.resume_as('Security Team', :'g4') AS the_group_itself;
SELECT outputs -> 'resumed' ->> 'by' AS resumed_by FROM flowpg.task_runs
WHERE execution_id IN (:'g1', :'g2', :'g3', :'g4') AND task_id = 'security_review' ORDER BY 1;
-- a group that does not exist as a role ("Infrastructure Admins") simply has no members

-- a membership granted later counts at once; one revoked stops counting at once
SELECT flow_start('infrastructure', 'security_gate') AS g5 \gset
SELECT pg_temp.resume_as('flowpg_t63_eve', :'g5') AS before_joining;
GRANT "DevOps Engineers" TO flowpg_t63_eve;
REVOKE "Security Team" FROM flowpg_t63_alice;
SELECT flow_start('infrastructure', 'security_gate') AS g6 \gset
SELECT pg_temp.resume_as('flowpg_t63_alice', :'g6') AS after_leaving;
SELECT pg_temp.resume_as('flowpg_t63_eve', :'g5') AS after_joining;
REVOKE "DevOps Engineers" FROM flowpg_t63_eve;
GRANT "Security Team" TO flowpg_t63_alice;

-- users and groups together
SELECT revision FROM flow_deploy($$
id: production_deployment
namespace: infrastructure
tasks:
  - id: production_deployment_approval
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users:
        - it-admin@company.com
      groups:
        - DevOps Engineers
$$);
SELECT flow_start('infrastructure', 'production_deployment') AS p1 \gset
SELECT flow_start('infrastructure', 'production_deployment') AS p2 \gset
SELECT pg_temp.resume_as('flowpg_t63_alice', :'p1') AS not_in_devops,
       pg_temp.resume_as('it-admin@company.com', :'p1') AS named_user,
       pg_temp.resume_as('flowpg_t63_carol', :'p2') AS devops_member;

-- bulk resume applies the same rule to each execution, all or nothing
SELECT flow_start('infrastructure', 'security_gate') AS b1 \gset
SELECT flow_start('infrastructure', 'security_gate') AS b2 \gset
SELECT flow_start('infrastructure', 'production_deployment') AS b3 \gset
SET ROLE flowpg_t63_alice;
SELECT pg_temp.try(format('SELECT flow_resume_bulk(ARRAY[%L, %L, %L])::text', :'b1', :'b2', :'b3'));
RESET ROLE;
SELECT count(*) FILTER (WHERE state = 'PAUSED') AS still_paused FROM flowpg.executions
WHERE id IN (:'b1', :'b2', :'b3');
SET ROLE flowpg_t63_alice;
SELECT flow_resume_bulk(ARRAY[:'b1', :'b2']) AS resumed;
RESET ROLE;
SELECT actor, action, detail ->> 'bulk' AS bulk FROM flowpg.audit_log
WHERE execution_id IN (:'b1', :'b2') AND action = 'resume' ORDER BY execution_id;
-- a superuser's bulk resume of HumanTasks is refused too
SELECT pg_temp.try(format('SELECT flow_resume_bulk(ARRAY[%L])::text', :'b3'));

-- Parallel branches paused for different people: each resumes its own, and a resume without
-- task_id takes the oldest pause the caller may resume
SELECT revision FROM flow_deploy($$
id: two_approvals
namespace: infrastructure
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: security
        type: io.kestra.plugin.ee.flow.HumanTask
        assignment:
          groups: [Security Team]
      - id: platform
        type: io.kestra.plugin.ee.flow.HumanTask
        assignment:
          users: [infrastructure-lead@company.com]
$$);
SELECT flow_start('infrastructure', 'two_approvals') AS two \gset
SELECT pg_temp.resume_as('flowpg_t63_alice', :'two', '{}', 'platform') AS alice_takes_platform;
SELECT pg_temp.resume_as('infrastructure-lead@company.com', :'two') AS lead;
SELECT task_id, state, outputs -> 'resumed' ->> 'by' AS resumed_by FROM flowpg.task_runs
WHERE execution_id = :'two' AND task_id IN ('security', 'platform') ORDER BY task_id;
SELECT pg_temp.resume_as('flowpg_t63_bob', :'two') AS bob;
SELECT state FROM flowpg.executions WHERE id = :'two';

-- Assignments rendered from expressions when the pause begins, and stored on the task run
SELECT revision FROM flow_deploy($$
id: manager_approval
namespace: infrastructure
inputs:
  - id: manager
    type: STRING
  - id: reviewers
    type: ARRAY
    itemType: STRING
    required: false
tasks:
  - id: approve
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: ["{{ inputs.manager }}"]
      groups: "{{ inputs.reviewers ?? [] }}"
$$);
SET ROLE flowpg_t63_requester;
SELECT flow_start('infrastructure', 'manager_approval', '{"manager": "flowpg_t63_eve"}') AS m1 \gset
SELECT flow_start('infrastructure', 'manager_approval',
                  '{"manager": "nobody@company.com", "reviewers": ["DevOps Engineers"]}') AS m2 \gset
RESET ROLE;
SELECT CASE execution_id WHEN :'m1' THEN 'm1' ELSE 'm2' END AS execution, assigned_users, assigned_groups
FROM flowpg.task_runs WHERE execution_id IN (:'m1', :'m2') ORDER BY 1;
SELECT pg_temp.resume_as('flowpg_t63_alice', :'m1') AS alice,
       pg_temp.resume_as('flowpg_t63_requester', :'m1') AS requester,
       pg_temp.resume_as('flowpg_t63_eve', :'m1') AS the_manager;
SELECT pg_temp.resume_as('flowpg_t63_eve', :'m2') AS eve,
       pg_temp.resume_as('flowpg_t63_carol', :'m2') AS devops_reviewer;
-- a rendered name is only ever a name: quotes and SQL in it stay data
SELECT flow_start('infrastructure', 'manager_approval',
                  $${"manager": "x'); DROP TABLE flowpg.executions; --"}$$) AS m3 \gset
SELECT assigned_users FROM flowpg.task_runs WHERE execution_id = :'m3';
SELECT pg_temp.resume_as('flowpg_t63_eve', :'m3') AS eve;
SELECT count(*) > 0 AS executions_still_there FROM flowpg.executions;

-- kill is not a decision: it needs RESUME on the namespace, even for a HumanTask
SELECT flow_start('infrastructure', 'security_gate') AS k \gset
SET ROLE flowpg_t63_alice;
SELECT pg_temp.try(format('SELECT flow_kill(%L)', :'k'));
RESET ROLE;
SET ROLE flowpg_t63_operator;
SELECT flow_kill(:'k');
RESET ROLE;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t63_requester, flowpg_t63_operator;
DROP ROLE "it-admin@company.com", "infrastructure-lead@company.com", "Security Team", "DevOps Engineers",
    flowpg_t63_appsec, flowpg_t63_alice, flowpg_t63_bob, flowpg_t63_carol, flowpg_t63_eve,
    flowpg_t63_requester, flowpg_t63_operator, flowpg_t63_frank;
DO $$ BEGIN
    IF (SELECT created_here FROM admin_role) THEN DROP ROLE flowpg_admin; END IF;
END $$;
