-- flowpg install script, part 6: signed approval links (appLink() in a task with a pause in
-- context) and what an approval application calls with them.

-- The database's link key: one row, readable by no role (row-level security with no policy, and
-- no privilege).  tag tells this database's tokens from another's; it is made with the first
-- key, which is created when the first signed link is rendered, and kept across rotations.
-- flow_link_key_rotate() replaces key with a new one of the next generation, so that links
-- signed before fail as rotated.  With flowpg.secret_key_file set the key is sealed like a
-- secret (key_id names the key that sealed it, NULL: in clear), bound to its tag and
-- generation; flow_secret_key_rotate() seals a key in clear and re-seals it under a new key.
CREATE TABLE flowpg.link_keys (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    tag        bytea       NOT NULL CHECK (length(tag) = 8),
    generation int         NOT NULL CHECK (generation > 0),
    key        text        NOT NULL,
    key_id     text        CHECK (key_id ~ '^[0-9a-f]{16}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name        NOT NULL,
    -- in clear: the key's 64 hex digits; sealed: base64 of format, nonce, ciphertext and tag
    CHECK (CASE WHEN key_id IS NULL THEN key ~ '^[0-9a-f]{64}$'
                ELSE key ~ '^[A-Za-z0-9+/]{124}$' END)
);
REVOKE ALL ON flowpg.link_keys FROM PUBLIC;
ALTER TABLE flowpg.link_keys ENABLE ROW LEVEL SECURITY;
-- a dump keeps the key, so the links of a restored database still work
SELECT pg_catalog.pg_extension_config_dump('flowpg.link_keys', '');

CREATE FUNCTION flow_link(token text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'flow_link' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION flow_link(text) IS
    'what an approval link is for, deciding nothing: its status (open, pending, closed, decided, expired, killed, invalid) and, to a caller who may see the execution, the request and its form';

CREATE FUNCTION flow_resume_link(token text, inputs jsonb DEFAULT '{}') RETURNS text
    AS 'MODULE_PATHNAME', 'flow_resume_link' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_resume_link(text, jsonb) IS
    'decide through an approval link: flow_resume of the link''s paused task run, with the same checks; a link decides once';

CREATE FUNCTION flow_link_key_rotate() RETURNS int
    AS 'MODULE_PATHNAME', 'flow_link_key_rotate' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION flow_link_key_rotate() IS
    'replace the approval link key, so that every link signed before fails; needs ADMIN on ''''; returns the new key generation';
