-- Expressions (SPEC section 3), part 3: tests (is / is not) and functions: now, secret, kv,
-- fromJson, range, appLink; secret() and kv() permissions and the masking of secret values.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- tests: null, defined (neither undefined nor null, as Pebble), empty, true, false, even, odd;
-- "is not" negates
SELECT t AS template, pg_temp.r(t, '{"z": null, "s": "x", "e": "", "b": "  ", "l": [], "m": {},
                                      "n": 3, "f": 4.0, "no": "no", "F": " False "}') AS result
FROM (VALUES
    ('{{ z is null }} {{ missing is null }} {{ s is null }} {{ 0 is null }} {{ z is not null }}'),
    ('{{ s is defined }} {{ z is defined }} {{ missing is defined }} {{ missing.a.b is defined }} {{ missing is not defined }}'),
    ('{{ e is empty }} {{ b is empty }} {{ l is empty }} {{ m is empty }} {{ z is empty }} {{ s is empty }} {{ 0 is empty }} {{ [0] is empty }} {{ s is not empty }}'),
    ('{{ missing is empty }}'),
    ('{{ true is true }} {{ s is true }} {{ no is true }} {{ F is false }} {{ 0 is false }} {{ l is false }} {{ z is false }} {{ n is not false }}'),
    ('{{ missing is false }}'),
    ('{{ n is odd }} {{ n is even }} {{ f is even }} {{ -2 is even }} {{ 0 is even }} {{ n is not odd }}'),
    ('{{ 2.5 is even }}'),
    ('{{ s is odd }}'),
    ('{{ z is even }}'),
    ('{{ s is defined(1) }}')
) v(t);

-- now(timeZone): the current time as ISO-8601 text with microseconds
SELECT flow_render('{{ now() }}') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$' AS iso_utc,
       abs(extract(epoch FROM flow_render('{{ now() }}')::timestamptz - clock_timestamp())) < 60
           AS is_now,
       flow_render('{{ now(timeZone=''+02:00'') }}') ~ '\+02:00$' AS with_zone,
       flow_render('{{ now(''Europe/Paris'') | date(''XXX'', timeZone=''Europe/Paris'') }}')
           IN ('+01:00', '+02:00') AS named_zone,
       flow_render('{{ now() | date(''yyyy'') }}') = to_char(now() AT TIME ZONE 'UTC', 'YYYY')
           AS piped_to_date;
SELECT pg_temp.r('{{ now(''Nowhere/Special'') }}');
SELECT pg_temp.r('{{ now(1, 2, 3) }}');

-- fromJson(text) (alias json()): the value of JSON text
SELECT t AS template, pg_temp.r(t, '{"payload": "{\"a\": [1, 2.5, {\"b\": null}]}"}') AS result FROM (VALUES
    ('{{ fromJson(payload).a[1] }}'),
    ('{{ fromJson(payload) }}'),
    ('{{ fromJson(''"text"'') }} {{ fromJson(''42'') + 1 }} [{{ fromJson(''null'') }}]'),
    ('{{ json(''[1, 2]'') | length }}'),
    ('{{ fromJson(json=''{}'') }}'),
    ('{{ fromJson(''{"a": 1, "b": 2, "a": 3}'') }}'),
    ('{{ fromJson(''{"a": }'') }}'),
    ('{{ fromJson(42) }}'),
    ('[{{ fromJson(null) }}]')
) v(t);

-- range(start, end, increment): inclusive; also the .. operator; at most 100000 items
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ range(1, 5) }}'),
    ('{{ range(0, 10, 3) }} {{ range(5, 1, -2) }} {{ range(3, 1) }} {{ range(2, 2) }}'),
    ('{{ range(start=1, end=3) }} {{ range(1.0, 3) }}'),
    ('{{ range(1, 100000) | length }}'),
    ('{{ range(1, 100001) }}'),
    ('{{ range(-9223372036854775807, 9223372036854775807) }}'),
    ('{{ range(1, 5, 0) }}'),
    ('{{ range(1, ''5'') }}'),
    ('{{ range(1.5, 3) }}'),
    ('{{ range(1) }}')
) v(t);

-- appLink(appId = 'approve'): <flowpg.app_url>/<appId>/<execution id>
SELECT t AS template, pg_temp.r(t, '{"execution": {"id": "23F2KgSYm3uCfHJ00DvNxY"}}') AS result FROM (VALUES
    ('{{ appLink() }}'),
    ('{{ appLink(''appId'') }}'),
    ('{{ appLink(appId=''vacation review'') }}')
) v(t);
SET flowpg.app_url = 'https://approvals.example.com/base/';
SELECT flow_render('Approve: {{ appLink() }}', '{"execution": {"id": "23F2KgSYm3uCfHJ00DvNxY"}}');
RESET flowpg.app_url;
-- only a superuser sets it (or the DBA, in postgresql.conf or ALTER DATABASE ... SET): an
-- application's session cannot point the links of approval messages elsewhere
CREATE ROLE flowpg_t22_app;
SET ROLE flowpg_t22_app;
DO $$
BEGIN
    PERFORM set_config('flowpg.app_url', 'https://evil.example.com', false);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
END $$;
SHOW flowpg.app_url;
RESET ROLE;
DROP ROLE flowpg_t22_app;
SELECT pg_temp.r('{{ appLink() }}');
SELECT pg_temp.r('{{ appLink([1]) }}', '{"execution": {"id": "x"}}');

-- secret('NAME') and kv('KEY'): looked up in context.flow.namespace, then each parent, then the
-- global namespace ''; the nearest wins
SELECT flow_secret_set('', 'TOKEN', 'global-token');
SELECT flow_secret_set('hr', 'TOKEN', 'hr-token');
SELECT flow_secret_set('hr', 'SLACK_HR_WEBHOOK', 'https://hooks.slack.example/T0/B0/s3cr3t');
SELECT flow_kv_set('hr', 'HR_API_ENDPOINT', '"https://hr.example.com/api"');
SELECT flow_kv_set('', 'CONF', '{"retries": 3, "tags": ["a", "b"]}');
SELECT count(*) AS audit_rows_before FROM flowpg.audit_log \gset

-- secret values never come back: secrets are readable by no role through SQL, so in flow_render
-- secret() yields ****** once it has found the secret (its length is 6 and it equals no guess:
-- no filter or comparison can reveal a value); which secret was found shows in executions only
SELECT t AS template, pg_temp.r(t, '{"flow": {"namespace": "hr.operations"}}') AS result FROM (VALUES
    ('{{ secret(''SLACK_HR_WEBHOOK'') }}'),
    ('url: {{ secret(''SLACK_HR_WEBHOOK'') ~ ''?x=1'' }}'),
    ('{{ secret(''TOKEN'') }} {{ secret(''TOKEN'') | length }} {{ secret(''TOKEN'') == ''hr-token'' }}'),
    ('{{ kv(''HR_API_ENDPOINT'') }}/approvals'),
    ('{{ kv(''CONF'').retries + 1 }} {{ kv(''CONF'').tags | join(''+'') }} {{ kv(''CONF'') }}'),
    ('{{ secret(''NOPE'') }}'),
    ('{{ kv(''NOPE'') }}'),
    ('{{ secret(''NOPE'') ?? ''a missing secret is an error, not undefined'' }}'),
    ('{{ secret(null) }}')
) v(t);
SELECT t AS template, pg_temp.r(t, '{"flow": {"namespace": "finance"}}') AS result FROM (VALUES
    ('{{ secret(''TOKEN'') == ''global-token'' }}'),
    ('{{ secret(''SLACK_HR_WEBHOOK'') }}')
) v(t);
SELECT t AS template, pg_temp.r(t) AS result FROM (VALUES
    ('{{ secret(''TOKEN'') }}'),
    ('{{ kv(''CONF'') }}')
) v(t);
-- a secret used in an error message is masked there too
SELECT pg_temp.r('{{ secret(''TOKEN'') | number }}', '{"flow": {"namespace": "hr"}}');

-- flow_render writes nothing
SELECT count(*) = :audit_rows_before AS nothing_written FROM flowpg.audit_log;

-- only roles with ADMIN on the namespace may use secret() and kv() in flow_render: 42501
CREATE ROLE flowpg_t22_user;
GRANT USAGE ON SCHEMA flowpg TO flowpg_t22_user;
SET ROLE flowpg_t22_user;
SELECT pg_temp.r('{{ 1 + 1 }} without secrets is fine', '{"flow": {"namespace": "hr"}}');
SELECT pg_temp.r('{{ secret(''TOKEN'') }}', '{"flow": {"namespace": "hr"}}');
SELECT pg_temp.r('{{ kv(''HR_API_ENDPOINT'') }}', '{"flow": {"namespace": "hr"}}');
SELECT pg_temp.r('{% if false %}{{ secret(''TOKEN'') }}{% endif %}not called, no check',
                 '{"flow": {"namespace": "hr"}}');
RESET ROLE;
DROP OWNED BY flowpg_t22_user;
DROP ROLE flowpg_t22_user;
