-- Deploying flows: the seed guide's flows deploy unchanged; revisions; delete; rollback; audit.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- The guide's complete flows, byte for byte.
\set flow `cat test/flows/guide/vacation_approval.yml`
SELECT * FROM flow_deploy(:'flow');

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

\set flow `cat test/flows/guide/pause_demo.yml`
SELECT * FROM flow_deploy(:'flow');

SELECT * FROM flow_deploy($$
id: pause_demo_with_subflow
namespace: demo

tasks:
  - id: initial_logic
    type: io.kestra.plugin.core.log.Log
    message: placeholder for tasks with initial logic before the pause

  - id: wait_for_manual_resume
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: status
        type: STRING

  - id: entire_downstream_logic
    type: io.kestra.plugin.core.flow.Subflow
    namespace: demo
    flowId: downstream_logic_flow
$$);

\set flow `cat test/flows/guide/resume_demo.yml`
SELECT * FROM flow_deploy(:'flow');

-- The guide's task snippets, each placed inside a flow.
SELECT * FROM flow_deploy($$
id: snippets
namespace: demo.snippets
inputs:
  - id: employee_email
    type: EMAIL
tasks:
  - id: await_decision
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
        displayName: Approve this request?
      - id: reason
        type: STRING
        displayName: Decision notes
      - id: team
        type: SELECT
        displayName: Team to review
        values:
          - HR
          - Finance
          - IT
  - id: handle_rejection
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.await_decision.onResume.approved is false }}"
    then:
      - id: notify_employee
        type: io.kestra.plugin.notifications.mail.MailSend
        to: "{{ inputs.employee_email }}"
        subject: "Request Denied"
        htmlTextContent: "Reason: {{ outputs.await_decision.onResume.reason }}"
  - id: security_review
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      groups:
        - Security Team
        - DevOps Engineers
        - Infrastructure Admins
  - id: production_deployment_approval
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users:
        - platform-lead@company.com
        - release-manager@company.com
      groups:
        - DevOps Team
        - Site Reliability Engineers
  - id: wait_five_minutes
    type: io.kestra.plugin.core.flow.Pause
    behavior: CANCEL
    pauseDuration: PT5M
  - id: approval_gate
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: signoff
        type: BOOLEAN
        required: true
  - id: alert
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: "{{ secret('TEAMS_WEBHOOK') }}"
    payload: |
      {
        "text": "The process {{ flow.id }} is pending approval {{ appLink() }}"
      }
$$);

SELECT namespace, id, revision, disabled, deleted, created_by = current_user AS by_me
FROM flowpg.flows ORDER BY namespace, id;

-- The stored definition is the YAML as JSON, typed by the YAML 1.2 core schema.
SELECT definition -> 'tasks' -> 1 -> 'onResume' -> 0 FROM flowpg.flows WHERE id = 'vacation_approval';

-- An identical source keeps its revision and writes nothing.
SELECT count(*) AS audit_rows FROM flowpg.audit_log;
SELECT * FROM flow_deploy((SELECT source FROM flowpg.flows WHERE id = 'pause_demo'));
SELECT count(*) AS audit_rows FROM flowpg.audit_log;

-- A changed source makes revision n+1; old revisions are kept.
SELECT * FROM flow_deploy($$
id: pause_demo
namespace: demo
description: now with a description
tasks:
  - id: initial_logic
    type: io.kestra.plugin.core.log.Log
    message: placeholder
$$);
SELECT revision, definition ->> 'description' AS description
FROM flowpg.flow_revisions WHERE id = 'pause_demo' ORDER BY revision;
SELECT revision FROM flowpg.flows WHERE id = 'pause_demo';

-- Rollback makes a new revision with the old source.
SELECT flow_rollback('demo', 'pause_demo', 1);
SELECT revision, source = (SELECT source FROM flowpg.flow_revisions WHERE id = 'pause_demo' AND revision = 1) AS same_as_1
FROM flowpg.flow_revisions WHERE id = 'pause_demo' ORDER BY revision;
-- rolling back to the source the flow already has changes nothing
SELECT flow_rollback('demo', 'pause_demo', 3);
SELECT flow_rollback('demo', 'pause_demo', 9);
\echo :LAST_ERROR_SQLSTATE
SELECT flow_rollback('demo', 'no_such_flow', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT flow_rollback('Demo', 'pause_demo', 1);
\echo :LAST_ERROR_SQLSTATE

-- Delete: the flow is marked deleted; deleting again is an error; a new deploy revives it.
SELECT flow_delete('demo', 'pause_demo_with_subflow');
SELECT revision, deleted FROM flowpg.flows WHERE id = 'pause_demo_with_subflow';
SELECT flow_delete('demo', 'pause_demo_with_subflow');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_delete('demo', 'never_deployed');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM flow_deploy((SELECT source FROM flowpg.flow_revisions WHERE id = 'pause_demo_with_subflow'));
SELECT revision, deleted FROM flowpg.flow_revisions WHERE id = 'pause_demo_with_subflow' ORDER BY revision;

-- Every write left one audit row.
SELECT action, namespace, flow_id, detail, actor = current_user AS by_me
FROM flowpg.audit_log ORDER BY id;

-- A disabled flow is stored as disabled.
SELECT * FROM flow_deploy($$
id: off
namespace: demo
disabled: true
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
SELECT id, disabled FROM flowpg.flows WHERE id = 'off';

-- Deploying needs DEPLOY on the namespace: a plain role is refused and nothing is written.
CREATE ROLE flowpg_t10_user;
SET ROLE flowpg_t10_user;
SELECT * FROM flow_deploy($$
id: intruder
namespace: demo
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
$$);
\echo :LAST_ERROR_SQLSTATE
SELECT flow_delete('demo', 'pause_demo');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_rollback('demo', 'pause_demo', 1);
\echo :LAST_ERROR_SQLSTATE
-- and sees no flows without VIEW
SELECT count(*) FROM flowpg.flows;
RESET ROLE;
DROP ROLE flowpg_t10_user;
SELECT count(*) FROM flowpg.flow_revisions WHERE id = 'intruder';
