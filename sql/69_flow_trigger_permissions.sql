-- Flow triggers act on behalf of the role that deployed the listening flow: it must see the
-- upstream namespace (VIEW) to be fired at all, and hold EXECUTE on its own; what is secret
-- upstream reaches the new execution masked.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE flowpg_t69_hr;        -- DEPLOY and EXECUTE on hr
CREATE ROLE flowpg_t69_sales;     -- DEPLOY and EXECUTE on sales, nothing on hr (yet)
CREATE ROLE flowpg_t69_intern;    -- DEPLOY on sales only
SELECT flow_grant('hr', 'flowpg_t69_hr', 'DEPLOY');
SELECT flow_grant('hr', 'flowpg_t69_hr', 'EXECUTE');
SELECT flow_grant('sales', 'flowpg_t69_sales', 'DEPLOY');
SELECT flow_grant('sales', 'flowpg_t69_sales', 'EXECUTE');
SELECT flow_grant('sales', 'flowpg_t69_intern', 'DEPLOY');
SELECT flow_secret_set('hr', 'HR_TOKEN', 'hr-token-c0ffee');
SELECT flow_kv_set('hr', 'HR_KEY', '"hr-kv-c0ffee"');

SET ROLE flowpg_t69_hr;
SELECT revision FROM flow_deploy($$
id: payroll
namespace: hr
inputs:
  - id: employee
    type: STRING
  - id: password
    type: SECRET
tasks:
  - id: pay
    type: io.kestra.plugin.core.output.OutputValues
    values:
      salary: 123456
      token: "{{ secret('HR_TOKEN') }}"
$$);
RESET ROLE;

-- a sales flow listening to every finished execution, everywhere, and copying what it can
SET ROLE flowpg_t69_sales;
SELECT revision FROM flow_deploy($$
id: snoop
namespace: sales
inputs:
  - id: what
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.what }}"
triggers:
  - id: everything
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      what: "{{ trigger.namespace }}/{{ trigger.flowId }} salary={{ outputs.pay.values.salary ?? '' }} token={{ outputs.pay.values.token ?? '' }} password={{ inputs.password ?? '' }}"
$$);
-- and one that tries to read hr's secrets and kv directly, transformed so that masking would
-- not recognise them: secret() and kv() are not available to trigger inputs at all
SELECT count(*) AS deployed FROM unnest(ARRAY['secret(''HR_TOKEN'') | upper', 'kv(''HR_KEY'')', 'secret(''HR_TOKEN'', ''hr'') | upper']) WITH ORDINALITY AS t(expr, n),
    LATERAL flow_deploy(format($y$
id: snoop_direct_%s
namespace: sales
inputs:
  - id: what
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.what }}"
triggers:
  - id: everything
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      what: "{{ %s }}"
$y$, n, expr));
RESET ROLE;

-- its deployer may not see hr: an hr execution does not exist for it, and leaves no trace in sales
SET ROLE flowpg_t69_hr;
SELECT flow_start('hr', 'payroll', '{"employee": "ann", "password": "s3cr3t-pw"}') IS NOT NULL AS started;
RESET ROLE;
SELECT namespace, flow_id, state FROM flowpg.executions ORDER BY namespace;
SELECT count(*) AS sales_audit_rows FROM flowpg.audit_log WHERE namespace = 'sales' AND action IN ('start', 'trigger_failed');

-- once it may see hr, it is fired; the values secret in hr arrive masked
SELECT flow_grant('hr', 'flowpg_t69_sales', 'VIEW');
SET ROLE flowpg_t69_hr;
SELECT flow_start('hr', 'payroll', '{"employee": "bob", "password": "s3cr3t-pw"}') IS NOT NULL AS started;
RESET ROLE;
SET ROLE flowpg_t69_sales;
SELECT flow_id, state, inputs FROM flowpg.executions WHERE namespace = 'sales';
SELECT message FROM flowpg.logs WHERE namespace = 'sales';
RESET ROLE;
SELECT count(*) AS rows_with_a_secret FROM flowpg.executions e
WHERE e.namespace = 'sales' AND e::text ~* '(hr-token-c0ffee|s3cr3t-pw|hr-kv-c0ffee)';
SELECT flow_id, detail ->> 'error' AS error FROM flowpg.audit_log WHERE action = 'trigger_failed' ORDER BY flow_id;

-- a listener whose deployer may not start flows in its own namespace is not started; the audit
-- log says why
SET ROLE flowpg_t69_intern;
SELECT revision FROM flow_deploy($$
id: intern_listener
namespace: sales
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: never
triggers:
  - id: on_payroll
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: payroll_done
      flows:
        - namespace: hr
          flowId: payroll
$$);
RESET ROLE;
SELECT flow_grant('hr', 'flowpg_t69_intern', 'VIEW');
SET ROLE flowpg_t69_hr;
SELECT flow_start('hr', 'payroll', '{"employee": "cat", "password": "pw-cat"}') IS NOT NULL AS started;
RESET ROLE;
SELECT count(*) AS intern_listener_runs FROM flowpg.executions WHERE flow_id = 'intern_listener';
SELECT action, flow_id, detail ->> 'error' AS error FROM flowpg.audit_log WHERE action = 'trigger_failed' AND flow_id = 'intern_listener';

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t69_hr, flowpg_t69_sales, flowpg_t69_intern;
DROP ROLE flowpg_t69_hr, flowpg_t69_sales, flowpg_t69_intern;
