-- Input values (SPEC section 2.1) given to flow_start and flow_resume: each type as its JSON type
-- or as a string, validation keys, defaults, required inputs, unknown keys, nesting, secrets.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- Start flow `flow` with inputs; show the stored inputs, or the error's SQLSTATE, message and
-- detail (the detail lists every problem when there are several).
CREATE FUNCTION try_start(flow text, inputs jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	exec_id text;
	msg text;
	det text;
	code text;
BEGIN
	exec_id := flow_start('demo.inputs', flow, inputs);
	RETURN (SELECT e.inputs::text FROM flowpg.executions e WHERE e.id = exec_id);
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, code = RETURNED_SQLSTATE;
	RETURN code || ' ' || msg || CASE WHEN det <> '' THEN E'\n' || det ELSE '' END;
END $$;

SELECT revision FROM flow_deploy($$
id: typed
namespace: demo.inputs
inputs:
  - {id: s, type: STRING, required: false}
  - {id: v, type: STRING, required: false, validator: "A\\d+", minLength: 2, maxLength: 4}
  - {id: n, type: INT, required: false}
  - {id: bounded, type: INT, required: false, min: 10, max: 20}
  - {id: f, type: FLOAT, required: false, min: 0.1, max: 0.5}
  - {id: b, type: BOOLEAN, required: false}
  - {id: d, type: DATE, required: false, after: 2023-01-01, before: 2023-12-31}
  - {id: dt, type: DATETIME, required: false, after: "2023-01-01T00:00:00Z", before: "2023-12-31T23:59:59Z"}
  - {id: t, type: TIME, required: false, after: "01:00", before: "11:59:59"}
  - {id: w, type: DURATION, required: false, min: PT10S, max: PT20M}
  - {id: sel, type: SELECT, required: false, values: [HR, Finance, IT]}
  - {id: custom, type: SELECT, required: false, values: [HR], allowCustomValue: true}
  - {id: multi, type: MULTISELECT, required: false, values: [HR, Finance, IT]}
  - {id: j, type: JSON, required: false}
  - {id: u, type: URI, required: false}
  - {id: e, type: EMAIL, required: false}
  - {id: ints, type: ARRAY, itemType: INT, required: false}
  - {id: pw, type: SECRET, required: false, validator: "[a-z]+\\d"}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: started
$$);

SELECT given, try_start('typed', given) AS result FROM (VALUES
	-- STRING: strings only; validator is a whole-string match; lengths in characters
	('{"s": "hello"}'::jsonb),
	('{"s": ""}'),
	('{"s": 42}'),
	('{"v": "A12"}'),
	('{"v": "xA12"}'),
	('{"v": "A1234"}'),
	('{"v": "A"}'),
	-- INT: integers, or their decimal text
	('{"n": 42}'),
	('{"n": "-42"}'),
	('{"n": "4.5"}'),
	('{"n": 42.5}'),
	('{"n": "9223372036854775808"}'),
	('{"n": true}'),
	('{"bounded": 9}'),
	('{"bounded": "21"}'),
	('{"bounded": 10}'),
	-- FLOAT: any number, or its decimal text; always a float
	('{"f": 0.25}'),
	('{"f": "0.5"}'),
	('{"f": "1e-1"}'),
	('{"f": 0.01}'),
	('{"f": "1.01"}'),
	('{"f": "NaN"}'),
	-- BOOLEAN: JSON booleans, or true/false in any case
	('{"b": false}'),
	('{"b": "TRUE"}'),
	('{"b": "yes"}'),
	('{"b": 1}'),
	-- DATE, DATETIME (stored in UTC), TIME (stored HH:MM:SS): bounds inclusive
	('{"d": "2023-06-01"}'),
	('{"d": "2023-12-31"}'),
	('{"d": "2022-12-31"}'),
	('{"d": "2023-02-30"}'),
	('{"dt": "2023-06-01T12:00:00+02:00"}'),
	('{"dt": "2023-06-01T12:00:00"}'),
	('{"dt": "2024-01-01T00:00:00Z"}'),
	('{"t": "09:30"}'),
	('{"t": "00:30"}'),
	('{"t": "24:00"}'),
	-- DURATION: stored as java.time prints it
	('{"w": "PT90S"}'),
	('{"w": "PT1S"}'),
	('{"w": "P1D"}'),
	('{"w": "P1M"}'),
	-- SELECT, MULTISELECT
	('{"sel": "IT"}'),
	('{"sel": "it"}'),
	('{"custom": "Legal"}'),
	('{"multi": ["HR", "IT"]}'),
	('{"multi": "[\"HR\"]"}'),
	('{"multi": ["HR", "Sales"]}'),
	('{"multi": "HR"}'),
	-- JSON: any JSON value; a string is JSON text
	('{"j": {"a": [1, null]}}'),
	('{"j": "{\"a\": 1}"}'),
	('{"j": "\"text\""}'),
	('{"j": "text"}'),
	-- URI, EMAIL
	('{"u": "https://example.com/a?b=c"}'),
	('{"u": "http:/bla"}'),
	('{"u": "urn:isbn:0451450523"}'),
	('{"e": "ada@example.com"}'),
	('{"e": "ada@example"}'),
	-- ARRAY: a list or its JSON text, items as itemType
	('{"ints": [1, "2"]}'),
	('{"ints": "[1, 2, 3]"}'),
	('{"ints": "[\"s1\", \"s2\"]"}'),
	-- SECRET: stored masked; never shown in errors
	('{"pw": "abc1"}'),
	('{"pw": "hunter"}'),
	-- null counts as missing; an empty object is fine
	('{"s": null}'),
	('{}')
) AS cases(given);

-- Required inputs, defaults (themselves normalized), unknown keys, every problem listed in
-- declaration order, then unknown keys.
SELECT revision FROM flow_deploy($$
id: required
namespace: demo.inputs
inputs:
  - id: approved
    type: BOOLEAN
  - id: reason
    type: STRING
    required: false
  - id: count
    type: INT
    defaults: "3"
  - id: ratio
    type: FLOAT
    defaults: 1
  - id: when
    type: DATETIME
    defaults: "2024-01-01T01:00:00+01:00"
  - id: empty
    type: STRING
    defaults: ''
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: started
$$);

SELECT given, try_start('required', given) AS result FROM (VALUES
	('{"approved": true}'::jsonb),
	('{"approved": "false", "reason": "over budget", "count": 7}'),
	('{}'),
	('{"approved": null}'),
	('{"aproved": true}'),
	('{"approved": "yes", "count": "many", "ratio": "x", "zzz": 1, "aaa": 2}'),
	('[1, 2]')
) AS cases(given);

-- Dotted ids nest; they may be given dotted or nested, not both.
SELECT revision FROM flow_deploy($$
id: nested
namespace: demo.inputs
inputs:
  - {id: nested.string, type: STRING, required: false}
  - {id: nested.more.int, type: INT, required: false}
  - {id: nested.bool, type: BOOL, required: false}
  - {id: nested.key, type: SECRET, required: false}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: started
$$);

SELECT given, try_start('nested', given) AS result FROM (VALUES
	('{"nested.string": "a string", "nested.more.int": "123", "nested.bool": "true"}'::jsonb),
	('{"nested": {"string": "a string", "more": {"int": 123}, "bool": true}}'),
	('{"nested": {"more.int": 1}, "nested.key": "pass"}'),
	('{"nested.more.int": 1, "nested": {"more": {"int": 2}}}'),
	('{"nested": {"other": 1}}'),
	('{"nested": 5}')
) AS cases(given);

-- onResume: validated on resume; a failed resume leaves the pause as it was.
SELECT revision FROM flow_deploy($$
id: approval
namespace: demo.inputs
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        required: false
      - id: team
        type: SELECT
        values: [HR, Finance, IT]
        defaults: HR
      - id: pin
        type: SECRET
        required: false
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: resumed
$$);

SELECT flow_start('demo.inputs', 'approval') AS exec_id \gset
\set VERBOSITY default
SELECT flow_resume(:'exec_id', '{"approved": "yes", "team": "Sales", "extra": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT flow_resume(:'exec_id', '{}');
SELECT state FROM flowpg.executions WHERE id = :'exec_id';
SELECT flow_resume(:'exec_id', '{"approved": "True", "pin": "1234"}');
SELECT task_id, state, outputs -> 'onResume' AS on_resume
FROM flowpg.task_runs WHERE execution_id = :'exec_id' ORDER BY created_at;
SELECT action, detail -> 'inputs' AS inputs FROM flowpg.audit_log
WHERE execution_id = :'exec_id' AND action = 'resume';
