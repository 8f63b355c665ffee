-- flowpg install script, part 7.5: flow-level concurrency (Kestra's `concurrency: {limit,
-- behavior}`, src/engine/concurrency.c).  Only flows that declare it touch these tables.

-- One row per flow that declares (or declared) a concurrency limit: the latest revision's limit
-- (NULL once a revision without one is deployed) and how many of its executions hold a slot
-- now.  A start, an end and a dequeue lock this row, so the count is exact under concurrency.
-- for every start and end of an execution of such a flow: the primary key
CREATE TABLE flowpg.flow_slots (
    namespace  text NOT NULL,
    flow_id    text NOT NULL,
    slot_limit int  CHECK (slot_limit > 0),
    used       int  NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (namespace, flow_id)
);
-- The executions waiting in state QUEUED for a slot of their flow, in the order they queued.
-- for "DELETE FROM flowpg.flow_queue WHERE execution_id = $1" (a start from the queue, a kill):
-- the primary key
CREATE TABLE flowpg.flow_queue (
    execution_id text   PRIMARY KEY,
    seq          bigint NOT NULL GENERATED ALWAYS AS IDENTITY,
    namespace    text   NOT NULL,
    flow_id      text   NOT NULL
);
-- for the oldest queued execution of a flow, taken when a slot frees:
CREATE INDEX flow_queue_flow_idx ON flowpg.flow_queue (namespace, flow_id, seq);
-- readable by no role: flowpg.executions shows the QUEUED executions
REVOKE ALL ON flowpg.flow_slots, flowpg.flow_queue FROM PUBLIC;
ALTER TABLE flowpg.flow_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE flowpg.flow_queue ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_slots', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_queue', '');
SELECT pg_catalog.pg_extension_config_dump('flowpg.flow_queue_seq_seq', '');
