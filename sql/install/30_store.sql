-- flowpg install script, part 3: secrets and the key-value store (ADMIN on the namespace).

CREATE FUNCTION flow_secret_set(namespace text, name text, value text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_secret_set' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_secret_set(text, text, text) IS
    'create or replace a secret in a namespace ('''' is global); its value is never readable through SQL';

CREATE FUNCTION flow_secret_delete(namespace text, name text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_secret_delete' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_secret_delete(text, text) IS 'remove a secret';

CREATE FUNCTION flow_secret_key_rotate() RETURNS bigint
    AS 'MODULE_PATHNAME', 'flow_secret_key_rotate' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_secret_key_rotate() IS
    'encrypt every secret, SECRET input value, queued request rendered with secrets and the approval link key with the key of flowpg.secret_key_file (values in clear, and those under flowpg.secret_key_file_previous), in one transaction; needs ADMIN on ''''; returns how many values it re-encrypted (the link key and each queued request count as one)';

CREATE FUNCTION flow_kv_set(namespace text, key text, value jsonb) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_kv_set' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_kv_set(text, text, jsonb) IS 'create or replace a key-value entry';

CREATE FUNCTION flow_kv_get(namespace text, key text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'flow_kv_get' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION flow_kv_get(text, text) IS 'the value of a key-value entry, or NULL';

CREATE FUNCTION flow_kv_delete(namespace text, key text) RETURNS void
    AS 'MODULE_PATHNAME', 'flow_kv_delete' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION flow_kv_delete(text, text) IS 'remove a key-value entry';
