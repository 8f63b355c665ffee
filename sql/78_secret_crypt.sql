-- Secrets at rest (issue 13): with flowpg.secret_key_file set (test/run gives the regress
-- cluster a key file), secrets and SECRET input values are stored sealed with AES-256-GCM, each
-- with the id of its key, and bound to their row; a value that does not open is an error at use,
-- never a wrong value.  flow_secret_key_rotate() encrypts what is in clear or under another key.
-- (Key files, their permissions, the WARNING without a key, the previous key and pg_dump are in
-- test/t/25_secret_crypt.pl.)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql
-- pg_temp.try with the (random) key ids of this cluster masked as <key>
CREATE FUNCTION pg_temp.tryk(call text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(pg_temp.try(call), '[0-9a-f]{16}', '<key>', 'g')
$$;

CREATE ROLE flowpg_t78_admin;      -- ADMIN on crypt: sets secrets, deploys and runs
CREATE ROLE flowpg_t78_global;     -- ADMIN on '': may rotate
CREATE ROLE flowpg_t78_user;       -- EXECUTE on crypt only
SELECT flow_grant('crypt', 'flowpg_t78_admin', 'ADMIN');
SELECT flow_grant('crypt', 'flowpg_t78_admin', 'DEPLOY');
SELECT flow_grant('crypt', 'flowpg_t78_admin', 'EXECUTE');
SELECT flow_grant('crypt', 'flowpg_t78_admin', 'RESUME');
SELECT flow_grant('', 'flowpg_t78_global', 'ADMIN');
SELECT flow_grant('crypt', 'flowpg_t78_user', 'EXECUTE');

-- the setting names a file only superusers see
SHOW flowpg.secret_key_file;
SET ROLE flowpg_t78_user;
SHOW flowpg.secret_key_file;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- flow_secret_set stores the value sealed (no WARNING): not in clear, not even in part; a format
-- byte, a 12-byte nonce, the 14 bytes of ciphertext and a 16-byte tag; and the key's id
SET ROLE flowpg_t78_admin;
SELECT flow_secret_set('crypt', 'TOKEN', 'tok-plain-5150');
RESET ROLE;
SELECT namespace, name, strpos(value, 'tok-plain') = 0 AS not_in_clear,
       position('tok-plain'::bytea IN decode(value, 'base64')) = 0 AS not_in_bytes,
       length(decode(value, 'base64')) AS sealed_bytes, key_id ~ '^[0-9a-f]{16}$' AS has_key_id
FROM flowpg.secrets;
-- every value gets its own nonce: the same value set again is stored differently
CREATE TEMP TABLE sealed_before AS SELECT value FROM flowpg.secrets WHERE name = 'TOKEN';
SELECT flow_secret_set('crypt', 'TOKEN', 'tok-plain-5150');
SELECT s.value <> b.value AS another_ciphertext FROM flowpg.secrets s, sealed_before b WHERE s.name = 'TOKEN';

-- flows use the value decrypted (and still masked where stored)
SET ROLE flowpg_t78_admin;
SELECT revision FROM flow_deploy($$
id: uses
namespace: crypt
inputs:
  - id: pw
    type: SECRET
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('TOKEN') == 'tok-plain-5150' }} {{ secret('TOKEN') }} {{ inputs.pw == 'in-put-77' }}"
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after the pause: {{ inputs.pw == 'in-put-77' }} {{ inputs.pw == 'was-clear-3' }} {{ inputs.pw }}"
$$);
SELECT flow_start('crypt', 'uses', '{"pw": "in-put-77"}') AS x \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'x' ORDER BY at;
RESET ROLE;
-- the SECRET input is stored sealed too: a JSON string, without the value
SELECT jsonb_typeof(inputs) AS stored_as, strpos(inputs::text, 'in-put') = 0 AS not_in_clear,
       key_id = (SELECT key_id FROM flowpg.secrets WHERE name = 'TOKEN') AS same_key
FROM flowpg.execution_secrets WHERE execution_id = :'x';
-- after the pause the next step reads it back decrypted
SET ROLE flowpg_t78_admin;
SELECT flow_resume(:'x');
SELECT message FROM flowpg.logs WHERE execution_id = :'x' AND task_id = 'after';
RESET ROLE;

-- a ciphertext copied to another row does not open there (the row is in the associated data),
-- nor does an altered one: an error at use, and the start that used it changes nothing
INSERT INTO flowpg.secrets (namespace, name, value, key_id)
    SELECT 'crypt', 'MOVED', value, key_id FROM flowpg.secrets WHERE name = 'TOKEN';
INSERT INTO flowpg.secrets (namespace, name, value, key_id)
    SELECT 'crypt', 'ALTERED', value, key_id FROM flowpg.secrets WHERE name = 'TOKEN';
UPDATE flowpg.secrets SET value = overlay(value PLACING CASE WHEN substr(value, 20, 1) = 'A' THEN 'B' ELSE 'A' END FROM 20 FOR 1)
WHERE name = 'ALTERED';
SET ROLE flowpg_t78_admin;
SELECT revision FROM flow_deploy($$
id: moved
namespace: crypt
tasks:
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('MOVED') }}"
$$);
SELECT count(*) AS executions_before FROM flowpg.executions \gset
SELECT pg_temp.tryk($$SELECT flow_start('crypt', 'moved')$$);
SELECT count(*) = :executions_before AS nothing_started FROM flowpg.executions;
SELECT pg_temp.tryk($$SELECT flow_render('{{ secret(''ALTERED'') }}', '{"flow": {"namespace": "crypt"}}')$$);
RESET ROLE;
-- SECRET inputs moved to another execution's row do not open either
SET ROLE flowpg_t78_admin;
SELECT flow_start('crypt', 'uses', '{"pw": "other-99"}') AS y \gset
RESET ROLE;
UPDATE flowpg.execution_secrets SET inputs = (SELECT inputs FROM flowpg.execution_secrets WHERE execution_id = :'x')
WHERE execution_id = :'y';
SET ROLE flowpg_t78_admin;
SELECT pg_temp.tryk(format('SELECT flow_resume(%L)', :'y'));
SELECT state FROM flowpg.executions WHERE id = :'y';
RESET ROLE;

-- a value sealed under another key (its key id says so) is reported as such
UPDATE flowpg.secrets SET key_id = '0123456789abcdef' WHERE name = 'MOVED';
SET ROLE flowpg_t78_admin;
SELECT pg_temp.tryk($$SELECT flow_render('{{ secret(''MOVED'') }}', '{"flow": {"namespace": "crypt"}}')$$);
RESET ROLE;
DELETE FROM flowpg.secrets WHERE name IN ('MOVED', 'ALTERED');

-- rotation: ADMIN on '' only
SET ROLE flowpg_t78_admin;
SELECT flow_secret_key_rotate();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE flowpg_t78_user;
SELECT flow_secret_key_rotate();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- values in clear (as 0.1 stored them: key_id NULL) stay readable
INSERT INTO flowpg.secrets (namespace, name, value) VALUES ('crypt', 'OLD', 'old-clear-1');
SET ROLE flowpg_t78_admin;
SELECT revision FROM flow_deploy($$
id: old
namespace: crypt
tasks:
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "{{ secret('OLD') == 'old-clear-1' }}"
$$);
SELECT flow_start('crypt', 'old') AS old1 \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'old1';
RESET ROLE;
-- a value under an unknown key stops the rotation, which then changes nothing
INSERT INTO flowpg.secrets (namespace, name, value, key_id) VALUES ('crypt', 'LOST', 'AAAA', 'fedcba9876543210');
SET ROLE flowpg_t78_global;
SELECT pg_temp.tryk('SELECT flow_secret_key_rotate()');
RESET ROLE;
SELECT name, key_id IS NULL AS in_clear FROM flowpg.secrets ORDER BY name;
DELETE FROM flowpg.secrets WHERE name = 'LOST';
-- it encrypts the values in clear (a secret and an execution's SECRET inputs) and says how many
UPDATE flowpg.execution_secrets SET inputs = '{"inputs": {"pw": "was-clear-3"}}', key_id = NULL
WHERE execution_id = :'y';
SET ROLE flowpg_t78_global;
SELECT flow_secret_key_rotate() AS reencrypted;
RESET ROLE;
SELECT name, key_id IS NULL AS in_clear, strpos(value, 'old-clear') = 0 AS not_in_clear FROM flowpg.secrets ORDER BY name;
SELECT count(*) FILTER (WHERE key_id IS NULL) AS in_clear, count(*) FILTER (WHERE strpos(inputs::text, 'was-clear') > 0) AS with_value
FROM flowpg.execution_secrets;
SELECT action, namespace, detail - 'key_id' AS detail, detail ->> 'key_id' ~ '^[0-9a-f]{16}$' AS names_key
FROM flowpg.audit_log WHERE action = 'secret_key_rotate';
-- and everything still works: the old secret, the SECRET input encrypted by the rotation
SET ROLE flowpg_t78_admin;
SELECT flow_start('crypt', 'old') AS old2 \gset
SELECT message FROM flowpg.logs WHERE execution_id = :'old2';
SELECT flow_resume(:'y');
SELECT message FROM flowpg.logs WHERE execution_id = :'y' AND task_id = 'after';
RESET ROLE;
-- a second rotation finds nothing to do
SELECT flow_secret_key_rotate() AS reencrypted;

-- the approval link key is sealed too, bound to the database's tag and the key's generation
SET ROLE flowpg_t78_admin;
SELECT revision FROM flow_deploy($$
id: approve
namespace: crypt
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT flow_start('crypt', 'approve') AS l1 \gset
SELECT substring(message FROM 'token=([A-Za-z0-9_.-]+)') AS t1 FROM flowpg.logs
WHERE execution_id = :'l1' AND task_id = 'notify' \gset
RESET ROLE;
SELECT generation, key !~ '^[0-9a-f]{64}$' AS not_hex, length(decode(key, 'base64')) AS sealed_bytes,
       key_id = (SELECT key_id FROM flowpg.secrets WHERE name = 'TOKEN') AS same_key
FROM flowpg.link_keys;
SELECT flow_link(:'t1') ->> 'status' AS status;
-- moved to another generation it does not open; under an unknown key it says so: errors, never
-- a wrong signature (the link is not reported forged)
UPDATE flowpg.link_keys SET generation = generation + 1;
SELECT pg_temp.tryk(format('SELECT flow_link(%L)', :'t1'));
UPDATE flowpg.link_keys SET generation = generation - 1;
CREATE TEMP TABLE link_key_before AS SELECT key, key_id FROM flowpg.link_keys;
UPDATE flowpg.link_keys SET key_id = '0123456789abcdef';
SELECT pg_temp.tryk(format('SELECT flow_resume_link(%L)', :'t1'));
SELECT state FROM flowpg.executions WHERE id = :'l1';
UPDATE flowpg.link_keys SET key_id = (SELECT key_id FROM link_key_before);
-- the CHECKs: a clear key is 64 hex digits, a sealed one 124 base64 characters
\set VERBOSITY terse
UPDATE flowpg.link_keys SET key_id = NULL;
\echo :LAST_ERROR_SQLSTATE
UPDATE flowpg.link_keys SET key = 'AAAA';
\echo :LAST_ERROR_SQLSTATE
UPDATE flowpg.link_keys SET key = repeat('7A', 32), key_id = NULL;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- a key in clear (made before a key file was set) works, and rotation seals it (counted as one)
-- without changing it: the link signed with it still works
UPDATE flowpg.link_keys SET key = repeat('7a', 32), key_id = NULL;
SET ROLE flowpg_t78_admin;
SELECT flow_start('crypt', 'approve') AS l2 \gset
SELECT substring(message FROM 'token=([A-Za-z0-9_.-]+)') AS t2 FROM flowpg.logs
WHERE execution_id = :'l2' AND task_id = 'notify' \gset
RESET ROLE;
SELECT flow_link(:'t2') ->> 'status' AS clear_key_status;
SELECT flow_secret_key_rotate() AS reencrypted;
SELECT key_id IS NOT NULL AS sealed, strpos(key, '7a7a') = 0 AS not_in_clear,
       length(decode(key, 'base64')) AS sealed_bytes FROM flowpg.link_keys;
SELECT detail - 'key_id' AS detail FROM flowpg.audit_log WHERE action = 'secret_key_rotate' ORDER BY id DESC LIMIT 1;
SELECT flow_resume_link(:'t2') AS resumed_by_link;
SELECT pg_temp.runs(:'l2');
-- flow_link_key_rotate() seals the new key, without opening the old one
UPDATE flowpg.link_keys SET key_id = '0123456789abcdef';
SELECT flow_link_key_rotate() AS generation;
SELECT generation, key_id = (SELECT key_id FROM flowpg.secrets WHERE name = 'TOKEN') AS same_key,
       length(decode(key, 'base64')) AS sealed_bytes FROM flowpg.link_keys;
SELECT pg_temp.tryk(format('SELECT flow_resume_link(%L)', :'t1'));

-- clean up
DELETE FROM flowpg.namespace_grants;
DROP OWNED BY flowpg_t78_admin, flowpg_t78_global, flowpg_t78_user;
DROP ROLE flowpg_t78_admin, flowpg_t78_global, flowpg_t78_user;
