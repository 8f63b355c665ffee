-- The indexes of flowpg's tables (issue 15): each one is there for a query of flowpg's that needs
-- it (the "for" comments in sql/install), since every index costs every insert and every update
-- that is not HOT.  No index on executions by flow or by state, none on audit rows by namespace.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;

SELECT c.relname AS "table", i.relname AS index, pg_get_indexdef(i.oid) LIKE '%WHERE%' AS partial
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class c ON c.oid = x.indrelid
 WHERE c.relnamespace = 'flowpg'::regnamespace AND c.relkind = 'r'
 ORDER BY 1, 2;

-- the step's lock of an execution and exec_load's task runs are index scans
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT state FROM flowpg.executions WHERE id = 'x' FOR UPDATE;
EXPLAIN (COSTS OFF) SELECT id FROM flowpg.task_runs WHERE execution_id = 'x' ORDER BY created_at, id;
RESET enable_seqscan;
