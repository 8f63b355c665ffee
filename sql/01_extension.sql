-- The extension installs cleanly, owns everything it creates, and leaves nothing behind.
\set VERBOSITY terse
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
RESET client_min_messages;
CREATE EXTENSION flowpg;

-- every table of the product, in the schema flowpg
SELECT c.relname, c.relkind, c.relrowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'flowpg' AND c.relkind IN ('r', 'v')
ORDER BY 1;

-- the settings of SPEC section 9, with their defaults
SELECT name, setting, unit, context FROM pg_settings WHERE name LIKE 'flowpg.%' ORDER BY 1;
-- the test clusters turn allow_local_targets on (their sinks are on loopback): its default is off
SELECT boot_val FROM pg_settings WHERE name = 'flowpg.allow_local_targets';

-- the prefix is reserved: a typo is refused
SET flowpg.app_ur = 'x';

-- users write nothing directly
CREATE ROLE flowpg_t01_user;
SET ROLE flowpg_t01_user;
INSERT INTO flowpg.secrets (namespace, name, value) VALUES ('a', 'b', 'c');
SELECT count(*) FROM flowpg.secrets;
RESET ROLE;
DROP ROLE flowpg_t01_user;

-- \d+ explains the read model: every table, view and column of schema flowpg has a comment
SELECT c.relname, a.attname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'flowpg' AND c.relkind IN ('r', 'v')
  AND (obj_description(c.oid, 'pg_class') IS NULL
       OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
ORDER BY 1, 2;

-- DROP EXTENSION leaves nothing behind
DROP EXTENSION flowpg;
SELECT count(*) AS flowpg_schemas FROM pg_namespace WHERE nspname = 'flowpg';
SELECT count(*) AS flowpg_functions FROM pg_proc WHERE proname LIKE 'flow\_%';
CREATE EXTENSION flowpg;
