-- Attack: masking missed encoded and truncated secrets (issue 11, finding 5).  A response that
-- echoed a secret JSON-escaped was stored unmasked, and a cut of a long text left a start of a
-- secret in clear.  A secret is now masked in every form it takes in text: as it is,
-- JSON-escaped (with or without \/ and \u escapes), URL-encoded (RFC 3986 with either case of
-- hex digits, and as forms encode it), and base64 (whole, URL-safe, and inside a longer encoded
-- value at any alignment, such as an Authorization header), and hex; and where text was cut, before the
-- "..." that marks the cut.  (Cuts of HTTP bodies are in test/t/19_secret_masking.pl.)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

CREATE ROLE flowpg_t74_admin;      -- ADMIN on vault: sets the secret, deploys and runs
SELECT flow_grant('vault', 'flowpg_t74_admin', 'ADMIN');
SET ROLE flowpg_t74_admin;
-- JSON specials, a slash, a space, a plus, and a letter beyond ASCII
SELECT flow_secret_set('vault', 'PW', 'p"w\d/x y+zé-42');

-- the forms, made by the flow's own filters and by SQL, land in outputs and logs
SELECT revision FROM flow_deploy($f$
id: forms
namespace: vault
tasks:
  - id: filters
    type: io.kestra.plugin.core.log.Log
    message:
      - "json: {{ {'token': secret('PW')} | json }}"
      - "url: {{ secret('PW') | urlencode }}"
  - id: sql
    type: io.kestra.plugin.jdbc.postgresql.Query
    fetchType: FETCH_ONE
    parameters:
      pw: "{{ secret('PW') }}"
    sql: >-
      SELECT to_json(:pw::text)::text AS json,
             replace(to_json(:pw::text)::text, '/', '\/') AS json_slash,
             encode(convert_to(:pw, 'UTF8'), 'base64') AS base64,
             rtrim(translate(encode(convert_to(:pw, 'UTF8'), 'base64'), '+/', '-_'), '=') AS base64url,
             'Basic ' || encode(convert_to('alice:' || :pw, 'UTF8'), 'base64') AS basic_auth,
             encode(convert_to('ab' || :pw || 'cd', 'UTF8'), 'base64') AS base64_offset_2,
             upper(encode(convert_to(:pw, 'UTF8'), 'hex')) AS hex,
             encode(convert_to(:pw, 'UTF8'), 'hex') AS hex_lower
$f$);
SELECT * FROM pg_temp.run('vault', 'forms');
SELECT message FROM flowpg.logs WHERE task_id = 'filters' ORDER BY at;
SELECT o.key, o.value FROM flowpg.task_runs, jsonb_each_text(outputs -> 'row') AS o
WHERE task_id = 'sql' ORDER BY key;

-- a value cut in an error message ("received ..." keeps 200 bytes) keeps no start of the secret
SELECT revision FROM flow_deploy($f$
id: strict_child
namespace: vault
inputs:
  - id: v
    type: STRING
    maxLength: 10
tasks:
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
$f$);
SELECT revision FROM flow_deploy(format($f$
id: cutting_parent
namespace: vault
tasks:
  - id: sub
    type: io.kestra.plugin.core.flow.Subflow
    namespace: vault
    flowId: strict_child
    inputs:
      v: "%s{{ secret('PW') }}"
$f$, repeat('x', 190)));
SELECT * FROM pg_temp.run('vault', 'cutting_parent');
SELECT right(message, 40) AS end_of_the_message FROM flowpg.logs WHERE task_id = 'sub';
RESET ROLE;

-- not one stored row holds the secret, or its start, in any of those forms
SELECT count(*) AS rows_with_a_form
FROM (SELECT outputs::text AS t FROM flowpg.task_runs
      UNION ALL SELECT message FROM flowpg.logs) AS stored
WHERE t LIKE '%p"w\\d/x%' OR t LIKE '%p\\"w\\\\d%' OR t LIKE '%p%22w%5Cd%'
   OR t LIKE '%cCJ3XGQveC%' OR t LIKE '%p\\"w\\\\d\\/x%';

DROP EXTENSION flowpg CASCADE;
DROP ROLE flowpg_t74_admin;
