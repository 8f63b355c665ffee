-- Expressions (SPEC section 3), part 5: the context variables of an execution, strict undefined
-- errors, the truthiness rule, and the expressions of the approval guide
-- (seed/000_f920223d63a53797.txt) rendered against contexts shaped like the guide's executions.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- the variables an execution's task sees: flow, execution, inputs, outputs, vars, labels (dotted
-- label keys nested by the caller), task, taskrun, trigger
CREATE TEMP TABLE ctx AS SELECT '{
    "flow": {"id": "vacation_approval", "namespace": "hr.operations", "revision": 3},
    "execution": {"id": "23F2KgSYm3uCfHJ00DvNxY", "startDate": "2024-07-01T09:00:00.123456Z",
                  "state": "RUNNING"},
    "inputs": {"start_date": "2024-07-15", "end_date": "2024-07-26", "days": 10},
    "outputs": {
        "await_decision": {
            "onResume": {"approved": true, "reason": "Within policy limits"},
            "resumed": {"by": "alice", "on": "2024-07-02T10:11:12.5Z", "to": "SUCCESS"}},
        "error-t1": {"value": "from a dashed task id"}},
    "vars": {"numeric_variable": 5, "team": "HR"},
    "labels": {"system": {"username": "bob", "correlationId": "23F2KgSYm3uCfHJ00DvNxY"},
               "team": "hr"},
    "task": {"id": "update_hr_system", "type": "io.kestra.plugin.core.http.Request"},
    "taskrun": {"id": "7Qm9R1xZ2bC3dE4fG5hI6j", "startDate": "2024-07-02T10:11:13Z",
                "attemptsCount": 0},
    "trigger": {"executionId": "1AbCdEfGhIjKlMnOpQrStU", "namespace": "hr", "flowId": "upstream",
                "state": "SUCCESS", "outputs": {"some": "value"}}
}'::jsonb AS c;

SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ flow.id }} {{ flow.namespace }} {{ flow.revision }}'),
    ('{{ execution.id }} {{ execution.startDate }} {{ execution.state }}'),
    ('{{ inputs.start_date }} → {{ inputs.end_date }} ({{ inputs.days }} days)'),
    ('{{ outputs.await_decision.onResume.reason }} / {{ outputs[''error-t1''].value }}'),
    ('{{ vars.numeric_variable > 0 }} {{ vars.team }}'),
    ('{{ labels.system.username }} {{ labels.team }} {{ labels[''system''][''correlationId''] }}'),
    ('{{ task.id }} {{ task.type }}'),
    ('{{ taskrun.id }} {{ taskrun.startDate }} {{ taskrun.attemptsCount }}'),
    ('{{ trigger.executionId }} {{ trigger.namespace }} {{ trigger.flowId }} {{ trigger.state }} {{ trigger.outputs.some }}'),
    ('{{ execution.startDate | date(''dd/MM/yyyy HH:mm'', timeZone=''Europe/Paris'') }}'),
    ('{{ outputs.await_decision.resumed.on | dateAdd(7, ''DAYS'', ''yyyy-MM-dd'') }}')
) v(t);

-- strict: an undefined variable or attribute is an error naming it and quoting the expression
-- as written (the whole {{ }} block); ??, is defined, is null and default are the exceptions
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ outputs.await_decision.onResume.approved2 }}'),
    ('{{outputs.x.onResume.approved}}'),
    ('{{ inputs.invalid }}'),
    ('{{ invalid }}'),
    ('Hello {{ inputs.employee }}, from {{ flow.id }}'),
    ('{{ labels.system.username.first }}'),
    ('{{ outputs.not_existing ?? '''' }}[empty]'),
    ('{{ outputs.not_existing is defined }} {{ outputs.not_existing is null }} {{ outputs.not_existing | default(''d'') }}'),
    ('{{ outputs.not_existing is not defined and inputs.days is defined }}')
) v(t);
-- the exact message of SPEC section 3
SELECT flow_render('{{ outputs.x.onResume.approved }}', '{"outputs": {"x": {"onResume": {}}}}');
\echo :LAST_ERROR_SQLSTATE
-- a long expression is quoted up to 400 bytes
SELECT pg_temp.r('{{ ' || repeat('a ~ ', 150) || 'zz }}', '{"a": "x"}');

-- truthiness (If, runIf, {% if %}, ? :, and, or, not, is true, is false): a boolean is itself;
-- null is false; a number is true unless zero; a string is false when, trimmed and ignoring case,
-- it is false, 0, -0, no, null or empty; lists and maps are true unless empty
SELECT v AS value, pg_temp.r('{% if v %}true{% else %}false{% endif %}', jsonb_build_object('v', v)) AS "if",
       pg_temp.r('{{ v ? ''true'' : ''false'' }}', jsonb_build_object('v', v)) AS ternary,
       pg_temp.r('{{ not v }}', jsonb_build_object('v', v)) AS "not",
       pg_temp.r('{{ v is true }}/{{ v is false }}', jsonb_build_object('v', v)) AS "is true/is false",
       pg_temp.r('{{ v and true }}/{{ v or false }}', jsonb_build_object('v', v)) AS "and/or"
FROM (VALUES ('true'::jsonb), ('false'), ('null'), ('0'), ('0.0'), ('-0.0'), ('1'), ('-1'), ('0.5'),
             ('""'), ('"   "'), ('"false"'), ('"FALSE"'), ('" False "'), ('"0"'), ('"-0"'), ('"no"'),
             ('"No"'), ('"null"'), ('" NULL "'), ('"true"'), ('"yes"'), ('"off"'), ('"0.0"'),
             ('"x"'), ('[]'), ('[0]'), ('[false]'), ('{}'), ('{"a": null}')) t(v);
SELECT pg_temp.r('{% if missing %}x{% endif %}') AS undefined_is_an_error_in_conditions,
       pg_temp.r('{{ (missing ?? null) ? ''t'' : ''f'' }}') AS but_null_is_false;

-- The approval guide's expressions, rendered as the guide shows them.
-- Vacation approval: the Slack payload of notify_manager (a JSON document as text)
SELECT flow_render(E'{\n  "channel": "#vacation-approvals",\n  "text": "Review request from {{ inputs.employee ?? labels.system.username }}\\n*Dates*: {{ inputs.start_date }} → {{ inputs.end_date }}\\nApprove: {{ appLink(''appId'') }}"\n}\n', c)
FROM ctx;
-- ... which is valid JSON once rendered
SELECT flow_render(E'{\n  "channel": "#vacation-approvals",\n  "text": "Review request from {{ inputs.employee ?? labels.system.username }}\\n*Dates*: {{ inputs.start_date }} → {{ inputs.end_date }}\\nApprove: {{ appLink(''appId'') }}"\n}\n', c)::jsonb ->> 'text'
FROM ctx;
-- the employee input given: it wins over the label
SELECT flow_render('{{ inputs.employee ?? labels.system.username }}',
                   jsonb_set(c, '{inputs,employee}', '"carol"')) FROM ctx;
-- update_hr_system's form data, after the Pause was resumed with approved = true / false
SELECT k AS field, flow_render(t, c) AS approved, flow_render(t, jsonb_set(c,
           '{outputs,await_decision,onResume}', '{"approved": false, "reason": "Over budget"}')) AS rejected
FROM ctx, (VALUES
    ('employee', '{{ inputs.employee ?? labels.system.username }}'),
    ('approvalStatus', '{{ outputs.await_decision.onResume.approved ? ''APPROVED'' : ''REJECTED'' }}'),
    ('notes', '{{ outputs.await_decision.onResume.reason }}'),
    ('resumedBy', '{{ outputs.await_decision.resumed.by }}'),
    ('resumedOn', '{{ outputs.await_decision.resumed.on }}'),
    ('resumedStatus', '{{ outputs.await_decision.resumed.to }}')
) v(k, t);
-- the same fields when the Pause was resumed as the guide's curl does (status only: approved is
-- absent) or by expiry with no defaults (onResume empty): a strict error, unless guarded
SELECT pg_temp.r('{{ outputs.await_decision.onResume.approved ? ''APPROVED'' : ''REJECTED'' }}',
                 jsonb_set(c, '{outputs,await_decision,onResume}', '{}')) FROM ctx;
SELECT pg_temp.r('{{ (outputs.await_decision.onResume.approved ?? false) ? ''APPROVED'' : ''REJECTED'' }}',
                 jsonb_set(c, '{outputs,await_decision,onResume}', '{}')) FROM ctx;
-- log_result: a map renders as JSON inside text
SELECT flow_render(E'Decision: {{ outputs.await_decision.onResume }}\n', c) FROM ctx;
-- handle_rejection's If condition and its mail
SELECT flow_render('{{ outputs.await_decision.onResume.approved is false }}', c) AS approved,
       flow_render('{{ outputs.await_decision.onResume.approved is false }}',
                   jsonb_set(c, '{outputs,await_decision,onResume,approved}', 'false')) AS rejected,
       flow_render('Reason: {{ outputs.await_decision.onResume.reason }}', c) AS html
FROM ctx;
-- the HumanTask example (VM provisioning)
SELECT flow_render('Validating VM request from {{ labels.system.username }}: {{ inputs.vm_spec }}',
                   jsonb_set(c, '{inputs}', '{"vm_spec": "2 vCPU, 4GB RAM, Ubuntu 22.04"}')) FROM ctx;
SELECT flow_render('Approved by {{ outputs.it_admin_approval.resumed.by }}! Provisioning VM for {{ labels.system.username }}',
                   jsonb_set(c, '{outputs,it_admin_approval}', '{"resumed": {"by": "it-admin@company.com", "to": "SUCCESS"}}'))
FROM ctx;
-- Getting started: the Teams alert payload
SELECT flow_render(E'{\n  "text": "The process {{ flow.id }} is pending approval {{ appLink() }}"\n}\n', c) FROM ctx;
-- secret() and kv() of the guide, in the flow's namespace
SELECT flow_secret_set('hr', 'SLACK_HR_WEBHOOK', 'https://hooks.slack.example/T0/B0/s3cr3t');
SELECT flow_kv_set('hr.operations', 'HR_API_ENDPOINT', '"https://hr.example.com/api"');
SELECT flow_render('{{ secret(''SLACK_HR_WEBHOOK'') }}', c) AS url,
       flow_render('{{ kv(''HR_API_ENDPOINT'') }}/approvals', c) AS uri
FROM ctx;

-- Kestra's own test flows: pause_on_resume_optional (null or missing onResume input), if-condition,
-- if-with-only-disabled-tasks, task-runif, empty-variables, switch (the dashed task id)
SELECT t AS template, pg_temp.r(t, c) AS result FROM (VALUES
    ('{{outputs.pause.onResume.asked ?? ''MISSING''}}', '{"outputs": {"pause": {"onResume": {"asked": null}}}}'::jsonb),
    ('{{outputs.pause.onResume.asked ?? ''MISSING''}}', '{"outputs": {"pause": {"onResume": {}}}}'),
    ('{{ inputs.param }}', '{"inputs": {"param": "-0"}}'),
    ('{{ vars.numeric_variable > 0 }}', '{"vars": {"numeric_variable": 1}}'),
    ('{{ outputs.output[''values''][''taskrun_data''] == 1 }}', '{"outputs": {"output": {"values": {"taskrun_data": 1}}}}'),
    ('{{ outputs.notexists == 2 }}', '{"outputs": {}}'),
    ('{{ outputs.not_existing ?? '''' }}', '{}'),
    ('{{ inputs[''emptyKey''][''foo''] }}', '{"inputs": {"emptyKey": {"foo": ""}}}'),
    ('{{ inputs.emptySubObject.json.someEmptyObject }}', '{"inputs": {"emptySubObject": {"json": {"someEmptyObject": {}}}}}'),
    ('{{ outputs.default.value ?? outputs[''error-t1''].value }}', '{"outputs": {"error-t1": {"value": "Error Trigger ! error-t1"}}}'),
    ('{{ outputs.default.value ?? outputs[''error-t1''].value }}', '{"outputs": {}}')
) v(t, c);

-- the context must be a JSON object
SELECT pg_temp.r('{{ 1 }}', '[1]');
SELECT pg_temp.r('x', '"text"');
SELECT flow_render('{{ 1 }}', NULL) IS NULL AS strict;
