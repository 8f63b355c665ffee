-- Secrets (SPEC sections 3 and 8): readable by no role through SQL, not from any table, view or
-- function; used only while rendering; masked as ****** in every stored log line, output and
-- error message.  SECRET-typed inputs likewise.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t66_admin;      -- ADMIN on vault (sets secrets, renders with them)
CREATE ROLE flowpg_t66_viewer;     -- VIEW on vault
CREATE ROLE flowpg_t66_deployer;   -- DEPLOY and EXECUTE on vault
CREATE ROLE flowpg_t66_global;     -- ADMIN everywhere
SELECT flow_grant('vault', 'flowpg_t66_admin', 'ADMIN');
SELECT flow_grant('vault', 'flowpg_t66_viewer', 'VIEW');
SELECT flow_grant('vault', 'flowpg_t66_deployer', 'DEPLOY');
SELECT flow_grant('vault', 'flowpg_t66_deployer', 'EXECUTE');
SELECT flow_grant('', 'flowpg_t66_global', 'ADMIN');

SET ROLE flowpg_t66_admin;
SELECT flow_secret_set('vault', 'API_TOKEN', 'tok-7f3a9c1e');
RESET ROLE;
SELECT flow_secret_set('', 'GLOBAL_PW', 'pw-global-42');

-- flow_render: secret() only for ADMIN on the namespace; even then the value never comes back,
-- transformed or not, and cannot be compared against a guess
SET ROLE flowpg_t66_viewer;
SELECT pg_temp.try($$SELECT flow_render('{{ secret(''API_TOKEN'') }}', '{"flow": {"namespace": "vault"}}')$$);
RESET ROLE;
SET ROLE flowpg_t66_deployer;
SELECT pg_temp.try($$SELECT flow_render('{{ secret(''API_TOKEN'') }}', '{"flow": {"namespace": "vault"}}')$$);
SELECT pg_temp.try($$SELECT flow_render('{{ kv(''anything'') }}', '{"flow": {"namespace": "vault"}}')$$);
RESET ROLE;
SET ROLE flowpg_t66_admin;
SELECT template, pg_temp.try(format('SELECT flow_render(%L, %L)', template, '{"flow": {"namespace": "vault"}}')) AS rendered
FROM (VALUES ('{{ secret(''API_TOKEN'') }}'),
             ('Bearer {{ secret(''API_TOKEN'') }}'),
             ('{{ secret(''API_TOKEN'') | upper }}'),
             ('{{ secret(''API_TOKEN'') | length }}'),
             ('{{ secret(''API_TOKEN'') == ''tok-7f3a9c1e'' }}'),
             ('{{ secret(''API_TOKEN'') | split(''-'') | join('' '') }}'),
             ('{{ secret(''GLOBAL_PW'') }}'),
             ('{{ secret(''MISSING'') }}')) AS t(template);
-- the global namespace's secrets are for ADMIN of ''
SELECT pg_temp.try($$SELECT flow_render('{{ secret(''GLOBAL_PW'') }}', '{"flow": {"namespace": ""}}')$$);
RESET ROLE;
SET ROLE flowpg_t66_global;
SELECT flow_render('{{ secret(''GLOBAL_PW'') }}', '{"flow": {"namespace": ""}}');
RESET ROLE;
SET ROLE flowpg_t66_viewer;
SELECT flow_render('{{ secret(''API_TOKEN'') }}', '{"flow": {"namespace": "vault"}}');
RESET ROLE;

-- flow_kv_get reads the key-value store, never a secret of the same name
SET ROLE flowpg_t66_admin;
SELECT flow_kv_get('vault', 'API_TOKEN') IS NULL AS no_secret_through_kv;
RESET ROLE;

-- In executions, secret values are masked in every log line, output and error message stored.
SET ROLE flowpg_t66_deployer;
SELECT revision FROM flow_deploy($$
id: uses_secrets
namespace: vault
inputs:
  - id: user
    type: STRING
  - id: password
    type: SECRET
tasks:
  - id: log_it
    type: io.kestra.plugin.core.log.Log
    message: "calling with {{ secret('API_TOKEN') }} for {{ inputs.user }}/{{ inputs.password }}"
  - id: keep_it
    type: io.kestra.plugin.core.output.OutputValues
    values:
      header: "Bearer {{ secret('API_TOKEN') }}"
      password: "{{ inputs.password }}"
      global: "{{ secret('GLOBAL_PW') }}"
  - id: give_back
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('API_TOKEN') }}/{{ inputs.password }}"
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: pin
        type: SECRET
  - id: log_pin
    type: io.kestra.plugin.core.log.Log
    message: "pin {{ outputs.ask.onResume.pin }} and {{ outputs.keep_it.values.header }}"
  - id: bad_number
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('API_TOKEN') | number }}"
    allowFailure: true
  - id: fail_loudly
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "refused token {{ secret('API_TOKEN') }} and password {{ inputs.password }}"
$$);
SELECT flow_start('vault', 'uses_secrets', '{"user": "ann", "password": "pa55-w0rd"}') AS x \gset
RESET ROLE;
SET ROLE flowpg_t66_admin;
SELECT flow_resume(:'x', '{"pin": "4711-0815"}');
RESET ROLE;

-- what a VIEW holder reads
SET ROLE flowpg_t66_viewer;
SELECT state, inputs FROM flowpg.executions WHERE id = :'x';
SELECT task_id, state, outputs #- '{resumed,on}' AS outputs FROM flowpg.task_runs
WHERE execution_id = :'x' ORDER BY created_at;
SELECT task_id, level, message FROM flowpg.logs WHERE execution_id = :'x' ORDER BY at;
SELECT action, detail FROM flowpg.audit_log WHERE execution_id = :'x' ORDER BY id;
RESET ROLE;

-- A subflow given a secret through a plain input or a label: the child renders with the real
-- value (its length shows it), also in a later step after a pause, and stores it masked
SET ROLE flowpg_t66_deployer;
SELECT revision FROM flow_deploy($$
id: child
namespace: vault.child
inputs:
  - id: token
    type: STRING
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: "before: {{ inputs.token }} ({{ inputs.token | length }} characters) {{ labels.via }}"
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after: {{ inputs.token }} ({{ inputs.token | length }} characters)"
  - id: out
    type: io.kestra.plugin.core.output.OutputValues
    values:
      token: "{{ inputs.token }}"
$$);
SELECT revision FROM flow_deploy($$
id: parent
namespace: vault
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: vault.child
    flowId: child
    wait: false
    inputs:
      token: "{{ secret('API_TOKEN') }}"
    labels:
      via: "{{ secret('API_TOKEN') }}"
$$);
SELECT flow_start('vault', 'parent') AS parent_id \gset
RESET ROLE;
SELECT id AS child_id FROM flowpg.executions WHERE parent_id = :'parent_id' \gset
SELECT flow_resume(:'child_id');
SET ROLE flowpg_t66_viewer;
SELECT state, inputs, labels ->> 'via' AS via FROM flowpg.executions WHERE id = :'child_id';
SELECT task_id, message FROM flowpg.logs WHERE execution_id = :'child_id' ORDER BY at;
SELECT outputs FROM flowpg.task_runs WHERE execution_id = :'child_id' AND task_id = 'out';
RESET ROLE;

-- No table or view any role can read holds a secret value: every relation of the schema, read as
-- each role, searched for every value (a relation the role may not read counts as clean).
CREATE FUNCTION pg_temp.holding(role name) RETURNS TABLE (relation name, rows_with_a_secret text)
LANGUAGE plpgsql AS $$
DECLARE
    rel name;
    n bigint;
BEGIN
    FOR rel IN SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
               WHERE s.nspname = 'flowpg' AND c.relkind IN ('r', 'v') ORDER BY 1 LOOP
        BEGIN
            EXECUTE format('SET ROLE %I', role);
            EXECUTE format($q$SELECT count(*) FROM flowpg.%I t
                              WHERE t::text ~ '(tok-7f3a9c1e|pw-global-42|pa55-w0rd|4711-0815)'$q$, rel) INTO n;
            RESET ROLE;
            relation := rel;
            rows_with_a_secret := n::text;
        EXCEPTION WHEN insufficient_privilege THEN
            relation := rel;
            rows_with_a_secret := 'not readable';
        END;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT h.relation, v.rows_with_a_secret AS viewer, a.rows_with_a_secret AS admin,
       g.rows_with_a_secret AS global_admin
FROM pg_temp.holding('flowpg_t66_viewer') h
JOIN pg_temp.holding('flowpg_t66_viewer') v USING (relation)
JOIN pg_temp.holding('flowpg_t66_admin') a USING (relation)
JOIN pg_temp.holding('flowpg_t66_global') g USING (relation)
ORDER BY 1;
-- (the values are kept only where rendering needs them: secrets, and the real values of SECRET
-- inputs in execution_secrets, which no role reads; a superuser reads everything, of course, but
-- with a key file configured, as test/run does here, finds them only encrypted: no row at all
-- holds a value in clear; sql/78_secret_crypt.sql)
SELECT relation FROM pg_temp.holding(current_user) WHERE rows_with_a_secret NOT IN ('0') ORDER BY 1;

-- Every function of the extension that returns a value: none reads flowpg.secrets but
-- flow_render, which yields ****** for secret() (above).  A function added later shows up here,
-- to be checked in its turn.
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'flowpg'
WHERE p.prorettype NOT IN ('void'::regtype, 'trigger'::regtype)
ORDER BY 1, 2;

-- (flow_render shows no value, so a flow shows where the nearest secret wins: the namespace's
-- own, else a parent's, else the global one; its source holds the values it compares with,
-- which is why this comes last)
SELECT flow_secret_set('', 'TOKEN', 'global-token'), flow_secret_set('vault', 'TOKEN', 'vault-token');
SET ROLE flowpg_t66_deployer;
SELECT revision FROM flow_deploy($$
id: nearest
namespace: vault.child
tasks:
  - id: which
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('TOKEN') == 'vault-token' }} {{ secret('GLOBAL_PW') == 'pw-global-42' }}"
$$);
SELECT flow_start('vault.child', 'nearest') AS nearest_id \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'nearest_id';
RESET ROLE;

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t66_admin, flowpg_t66_viewer, flowpg_t66_deployer, flowpg_t66_global;
DROP ROLE flowpg_t66_admin, flowpg_t66_viewer, flowpg_t66_deployer, flowpg_t66_global;
