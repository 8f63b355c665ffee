-- Flow-level concurrency (issue 12): `concurrency: {limit, behavior}` as Kestra has it.  An
-- execution holds a slot from its start to its end, PAUSED included; with every slot taken,
-- QUEUE makes a new execution QUEUED (it starts, oldest first, in the transaction that frees a
-- slot), CANCEL makes it CANCELLED, FAIL makes it FAILED, each with a log line.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS flowpg CASCADE;
CREATE EXTENSION flowpg;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i sql/include/helpers.sql

-- The states an execution went through, as "A B C".
CREATE FUNCTION pg_temp.hist(exec text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(h ->> 'state', ' ' ORDER BY n)
    FROM flowpg.executions x, jsonb_array_elements(x.history) WITH ORDINALITY AS a(h, n)
    WHERE x.id = exec
$$;
-- The flow's slots and queue, as "used/limit [queued ids by their name in t]".
CREATE TABLE pg_temp.t (name text PRIMARY KEY, id text);
CREATE FUNCTION pg_temp.slots(ns text, flow text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT used || '/' || coalesce(slot_limit::text, 'none') FROM flowpg.flow_slots
                      WHERE namespace = ns AND flow_id = flow), 'no row')
        || ' [' || coalesce((SELECT string_agg(coalesce(t.name, '?'), ' ' ORDER BY q.seq)
                             FROM flowpg.flow_queue q LEFT JOIN pg_temp.t t ON t.id = q.execution_id
                             WHERE q.namespace = ns AND q.flow_id = flow), '') || ']'
$$;
CREATE FUNCTION pg_temp.start(name text, ns text, flow text, inputs jsonb DEFAULT '{}') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE exec_id text := flow_start(ns, flow, inputs);
BEGIN
    INSERT INTO pg_temp.t VALUES (name, exec_id);
    RETURN (SELECT state FROM flowpg.executions WHERE id = exec_id);
END $$;
CREATE FUNCTION pg_temp.id(n text) RETURNS text LANGUAGE sql AS $$ SELECT id FROM pg_temp.t WHERE name = n $$;
-- Each execution named in t of a flow, with its state and its history.
CREATE FUNCTION pg_temp.states(flow text) RETURNS TABLE (name text, state text, history text)
LANGUAGE sql AS $$
    SELECT t.name, x.state, pg_temp.hist(x.id)
    FROM pg_temp.t t JOIN flowpg.executions x ON x.id = t.id
    WHERE x.flow_id = flow ORDER BY t.name
$$;

-- Deploy errors: every problem with its position and path; nothing is stored
SELECT * FROM flow_validate($$
id: bad
namespace: t.conc
concurrency:
  limit: 0
  behavior: WAIT
  max: 3
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
$$);
SELECT * FROM flow_validate($$
id: bad
namespace: t.conc
concurrency:
  behavior: QUEUE
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
$$);
SELECT * FROM flow_validate($$
id: bad
namespace: t.conc
concurrency: 2
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
$$);
-- a template is no limit: it is read before any execution exists
SELECT * FROM flow_validate($$
id: bad
namespace: t.conc
concurrency:
  limit: "{{ 2 }}"
  behavior: queue
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: a
$$);
SELECT pg_temp.try($q$SELECT flow_deploy('id: bad
namespace: t.conc
concurrency: {limit: -1}
tasks: [{id: a, type: io.kestra.plugin.core.log.Log, message: a}]')$q$);
SELECT count(*) AS stored FROM flowpg.flow_revisions WHERE id = 'bad';

-- QUEUE (the default behavior), limit 1, as Kestra's flow-concurrency-queue-pause: a PAUSED
-- execution holds its slot, so the second and third queue
SELECT revision FROM flow_deploy($$
id: queue
namespace: t.conc
concurrency:
  limit: 1
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ execution.id | length }}"
$$);
SELECT pg_temp.slots('t.conc', 'queue');
SELECT pg_temp.start('a', 't.conc', 'queue');
SELECT pg_temp.start('b', 't.conc', 'queue');
SELECT pg_temp.start('c', 't.conc', 'queue');
SELECT * FROM pg_temp.states('queue');
SELECT pg_temp.slots('t.conc', 'queue');
SELECT level, message FROM flowpg.logs WHERE execution_id = pg_temp.id('b');
-- a QUEUED execution has no pause to resume
SELECT pg_temp.try(format('SELECT flow_resume(%L)', pg_temp.id('b')));
-- resuming a ends it; b (the oldest queued) starts in this very statement and pauses; c waits
SELECT flow_resume(pg_temp.id('a'));
SELECT * FROM pg_temp.states('queue');
SELECT pg_temp.slots('t.conc', 'queue');
SELECT level, message FROM flowpg.logs WHERE execution_id = pg_temp.id('b') ORDER BY at;
-- a kill of a QUEUED execution: QUEUED -> KILLING -> KILLED, out of the queue, no slot freed
SELECT flow_kill(pg_temp.id('c'));
SELECT * FROM pg_temp.states('queue') WHERE name = 'c';
SELECT pg_temp.slots('t.conc', 'queue');
-- killing b (PAUSED) frees its slot: the next start runs at once
SELECT flow_kill(pg_temp.id('b'));
SELECT pg_temp.slots('t.conc', 'queue');
SELECT pg_temp.start('d', 't.conc', 'queue');
SELECT pg_temp.slots('t.conc', 'queue');
SELECT flow_kill(pg_temp.id('d'));

-- An execution that runs to its end within its start frees its slot in that step: a flow of
-- internal tasks never queues, whatever the limit
SELECT revision FROM flow_deploy($$
id: quick
namespace: t.conc
concurrency: {limit: 1, behavior: FAIL}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: quick
$$);
SELECT pg_temp.start('q1', 't.conc', 'quick'), pg_temp.start('q2', 't.conc', 'quick');
SELECT pg_temp.slots('t.conc', 'quick');

-- CANCEL and FAIL (Kestra's flow-concurrency-cancel and -fail): CREATED -> CANCELLED and
-- CREATED -> FAILED, no task run, a log line saying why; the running one goes on
SELECT revision FROM flow_deploy($$
id: cancel
namespace: t.conc
concurrency: {limit: 1, behavior: CANCEL}
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT revision FROM flow_deploy($$
id: fail
namespace: t.conc
concurrency: {limit: 1, behavior: FAIL}
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT pg_temp.start('ca', 't.conc', 'cancel'), pg_temp.start('cb', 't.conc', 'cancel');
SELECT pg_temp.start('fa', 't.conc', 'fail'), pg_temp.start('fb', 't.conc', 'fail');
SELECT * FROM pg_temp.states('cancel') UNION ALL SELECT * FROM pg_temp.states('fail');
SELECT t.name, l.level, l.message FROM flowpg.logs l JOIN pg_temp.t t ON t.id = l.execution_id
WHERE t.name IN ('cb', 'fb') ORDER BY t.name;
SELECT count(*) AS task_runs FROM flowpg.task_runs WHERE execution_id IN (pg_temp.id('cb'), pg_temp.id('fb'));
SELECT pg_temp.slots('t.conc', 'cancel'), pg_temp.slots('t.conc', 'fail');
SELECT flow_resume(pg_temp.id('ca')), flow_resume(pg_temp.id('fa'));
SELECT pg_temp.slots('t.conc', 'cancel'), pg_temp.slots('t.conc', 'fail');

-- A redeploy changes the limit for every execution of the flow: raised, the queued start in
-- the deploy's transaction (oldest first, up to the new limit); lowered, the running go on and
-- new ones queue until the count is under it; removed, every queued one starts
SELECT pg_temp.start('r1', 't.conc', 'queue'), pg_temp.start('r2', 't.conc', 'queue'),
       pg_temp.start('r3', 't.conc', 'queue'), pg_temp.start('r4', 't.conc', 'queue');
SELECT pg_temp.slots('t.conc', 'queue');
SELECT revision FROM flow_deploy($$
id: queue
namespace: t.conc
concurrency:
  limit: 2
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ execution.id | length }}"
$$);
SELECT * FROM pg_temp.states('queue') WHERE name LIKE 'r%';
SELECT pg_temp.slots('t.conc', 'queue');
SELECT revision FROM flow_deploy($$
id: queue
namespace: t.conc
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ execution.id | length }}"
$$);
SELECT * FROM pg_temp.states('queue') WHERE name LIKE 'r%';
-- each execution runs its own revision: r1 to r4 were created under revision 1, which has a
-- limit, so they hold slots (counted against the latest limit, none now)
SELECT pg_temp.slots('t.conc', 'queue');
SELECT x.flow_revision FROM flowpg.executions x WHERE x.id = pg_temp.id('r4');
SELECT flow_resume(pg_temp.id('r1')), flow_resume(pg_temp.id('r4'));
SELECT pg_temp.slots('t.conc', 'queue');
-- lowered to 1 while two hold slots: a new one queues until both have ended
SELECT revision FROM flow_deploy($$
id: queue
namespace: t.conc
concurrency:
  limit: 1
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ execution.id | length }}"
$$);
SELECT pg_temp.slots('t.conc', 'queue');
SELECT pg_temp.start('r5', 't.conc', 'queue');
SELECT flow_resume(pg_temp.id('r2'));
SELECT pg_temp.slots('t.conc', 'queue');
SELECT flow_resume(pg_temp.id('r3'));
SELECT * FROM pg_temp.states('queue') WHERE name = 'r5';
SELECT pg_temp.slots('t.conc', 'queue');

-- a revision with disabled: true stops new starts; executions queued before still start as
-- slots free (each runs its own revision)
SELECT pg_temp.start('s1', 't.conc', 'queue');
SELECT revision FROM flow_deploy($$
id: queue
namespace: t.conc
disabled: true
concurrency:
  limit: 1
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ execution.id | length }}"
$$);
SELECT pg_temp.try($$SELECT flow_start('t.conc', 'queue')$$);
SELECT flow_resume(pg_temp.id('r5'));
SELECT * FROM pg_temp.states('queue') WHERE name = 's1';
SELECT revision FROM flow_deploy($$
id: queue
namespace: t.conc
concurrency:
  limit: 1
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ execution.id | length }}"
$$);
SELECT flow_kill(pg_temp.id('s1'));

-- flow_purge deletes finished executions only: a QUEUED one, its queue row and the count stay
SELECT flow_start('t.conc', 'queue') AS holder \gset
SELECT pg_temp.start('p1', 't.conc', 'queue');
SELECT pg_temp.slots('t.conc', 'queue');
SELECT flow_purge('0 seconds', 't.conc') > 0 AS purged;
SELECT state, count(*) FROM flowpg.executions WHERE flow_id = 'queue' GROUP BY state ORDER BY state;
SELECT pg_temp.slots('t.conc', 'queue');
SELECT flow_resume(:'holder');
SELECT state FROM flowpg.executions WHERE id = pg_temp.id('p1');
SELECT flow_kill(pg_temp.id('p1'));

-- flow_delete: the flow's QUEUED executions are CANCELLED (they could never start), with a log
-- line; the one running goes on and frees its slot when it ends
SELECT pg_temp.start('d1', 't.conc', 'queue'), pg_temp.start('d2', 't.conc', 'queue');
SELECT flow_delete('t.conc', 'queue');
SELECT * FROM pg_temp.states('queue') WHERE name IN ('d1', 'd2');
SELECT level, message FROM flowpg.logs WHERE execution_id = pg_temp.id('d2');
SELECT pg_temp.slots('t.conc', 'queue');
SELECT flow_resume(pg_temp.id('d1'));
SELECT pg_temp.slots('t.conc', 'queue');

-- Restart (Kestra's flowConcurrencyQueueRestarted): a restarted execution takes a slot again;
-- with none free it is QUEUED (FAILED -> RESTARTED -> QUEUED) and runs when one frees
SELECT revision FROM flow_deploy($$
id: restart
namespace: t.conc
concurrency: {limit: 1}
inputs:
  - id: wait
    type: BOOLEAN
tasks:
  - id: maybe
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.wait }}"
    then:
      - id: gate
        type: io.kestra.plugin.core.flow.Pause
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ not inputs.wait }}"
    errorMessage: boom
$$);
SELECT pg_temp.start('x', 't.conc', 'restart', '{"wait": false}'),
       pg_temp.start('y', 't.conc', 'restart', '{"wait": true}');
SELECT flow_restart(pg_temp.id('x'));
SELECT * FROM pg_temp.states('restart');
SELECT pg_temp.slots('t.conc', 'restart');
SELECT flow_resume(pg_temp.id('y'));
SELECT * FROM pg_temp.states('restart');
SELECT pg_temp.runs(pg_temp.id('x'));
SELECT pg_temp.slots('t.conc', 'restart');
-- a kill of a restarted execution while it is QUEUED: its restarted task run is killed too
SELECT pg_temp.start('y2', 't.conc', 'restart', '{"wait": true}');
SELECT flow_restart(pg_temp.id('x'));
SELECT flow_kill(pg_temp.id('x'));
SELECT * FROM pg_temp.states('restart') WHERE name = 'x';
SELECT pg_temp.runs(pg_temp.id('x'));
SELECT pg_temp.slots('t.conc', 'restart');
SELECT flow_kill(pg_temp.id('y2'));
SELECT pg_temp.slots('t.conc', 'restart');
-- under CANCEL or FAIL a restart with no slot free is refused and changes nothing
SELECT revision FROM flow_deploy($$
id: restart-cancel
namespace: t.conc
concurrency: {limit: 1, behavior: CANCEL}
inputs:
  - id: wait
    type: BOOLEAN
tasks:
  - id: maybe
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.wait }}"
    then:
      - id: gate
        type: io.kestra.plugin.core.flow.Pause
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ not inputs.wait }}"
    errorMessage: boom
$$);
SELECT pg_temp.start('xc', 't.conc', 'restart-cancel', '{"wait": false}'),
       pg_temp.start('yc', 't.conc', 'restart-cancel', '{"wait": true}');
SELECT pg_temp.try(format('SELECT flow_restart(%L)', pg_temp.id('xc')));
SELECT * FROM pg_temp.states('restart-cancel');
SELECT pg_temp.slots('t.conc', 'restart-cancel');
SELECT flow_resume(pg_temp.id('yc'));
SELECT flow_restart(pg_temp.id('xc'));
SELECT pg_temp.slots('t.conc', 'restart-cancel');

-- A subflow with concurrency queues like any start; its parent's Subflow task waits for it
SELECT revision FROM flow_deploy($$
id: parent
namespace: t.conc
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.conc
    flowId: cancel
$$);
-- (a CANCELLED child fails the parent's Subflow task, as SPEC section 11 has it)
SELECT pg_temp.start('ca2', 't.conc', 'cancel'), pg_temp.start('par', 't.conc', 'parent');
SELECT pg_temp.runs(pg_temp.id('par'));
SELECT flow_kill(pg_temp.id('ca2'));
-- a QUEUED child: the parent waits in RUNNING; the child starts when the slot frees, and its
-- end advances the parent
SELECT revision FROM flow_deploy($$
id: child-q
namespace: t.conc
concurrency: {limit: 1}
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
$$);
SELECT revision FROM flow_deploy($$
id: parent-q
namespace: t.conc
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: t.conc
    flowId: child-q
$$);
SELECT pg_temp.start('holder', 't.conc', 'child-q'), pg_temp.start('pq', 't.conc', 'parent-q');
SELECT id AS child FROM flowpg.executions WHERE parent_id = pg_temp.id('pq') \gset
SELECT state, pg_temp.runs(id) FROM flowpg.executions WHERE id IN (pg_temp.id('pq'), :'child') ORDER BY created_at;
SELECT flow_resume(pg_temp.id('holder'));
SELECT state, pg_temp.hist(:'child') FROM flowpg.executions WHERE id = :'child';
SELECT flow_resume(:'child');
SELECT state, pg_temp.runs(id) FROM flowpg.executions WHERE id = pg_temp.id('pq');
SELECT pg_temp.slots('t.conc', 'child-q');

-- executions started by a Flow trigger count like any other (here: CANCEL)
SELECT revision FROM flow_deploy($$
id: watched
namespace: t.conc
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: done
$$);
SELECT revision FROM flow_deploy($$
id: on-watched
namespace: t.conc
concurrency: {limit: 1, behavior: CANCEL}
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
triggers:
  - id: listen
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: t.conc
        flowId: watched
$$);
SELECT pg_temp.start('w1', 't.conc', 'watched'), pg_temp.start('w2', 't.conc', 'watched');
SELECT x.state, pg_temp.hist(x.id) FROM flowpg.executions x WHERE x.flow_id = 'on-watched' ORDER BY x.created_at;
SELECT flow_kill(id) FROM flowpg.executions WHERE flow_id = 'on-watched' AND state = 'PAUSED';
SELECT pg_temp.slots('t.conc', 'on-watched');

-- a flow that starts itself without waiting (wait: false): the child queues behind its parent,
-- and starts in the step where the parent ends, after the child's own row is written
SELECT revision FROM flow_deploy($$
id: spawner
namespace: t.conc
concurrency: {limit: 1}
inputs:
  - id: spawn
    type: BOOLEAN
tasks:
  - id: again
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.spawn }}"
    then:
      - id: child
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t.conc
        flowId: spawner
        wait: false
        inputs:
          spawn: false
$$);
SELECT pg_temp.start('sp', 't.conc', 'spawner', '{"spawn": true}');
SELECT x.state, pg_temp.hist(x.id) FROM flowpg.executions x WHERE x.parent_id = pg_temp.id('sp');
SELECT pg_temp.slots('t.conc', 'spawner');

-- two subflows of one flow with limit 1 from one Parallel: the second queues behind its
-- sibling, and starts in the same step once the first ends and every row of the step is written
SELECT revision FROM flow_deploy($$
id: one-log
namespace: t.conc
concurrency: {limit: 1}
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: one
$$);
SELECT revision FROM flow_deploy($$
id: two-children
namespace: t.conc
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: first
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t.conc
        flowId: one-log
      - id: second
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t.conc
        flowId: one-log
$$);
SELECT pg_temp.start('two', 't.conc', 'two-children');
SELECT x.state, pg_temp.hist(x.id) FROM flowpg.executions x WHERE x.parent_id = pg_temp.id('two') ORDER BY x.created_at;
SELECT state, pg_temp.runs(id) FROM flowpg.executions WHERE id = pg_temp.id('two');
SELECT pg_temp.slots('t.conc', 'one-log');

-- the same inside an execution that itself starts from its flow's queue: the queue of the
-- children's flow is served too, within the serving of the parent's
SELECT revision FROM flow_deploy($$
id: gated-two
namespace: t.conc
concurrency: {limit: 1}
inputs:
  - id: hold
    type: BOOLEAN
tasks:
  - id: which
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.hold }}"
    then:
      - id: gate
        type: io.kestra.plugin.core.flow.Pause
    else:
      - id: both
        type: io.kestra.plugin.core.flow.Parallel
        tasks:
          - id: first
            type: io.kestra.plugin.core.flow.Subflow
            namespace: t.conc
            flowId: one-log
          - id: second
            type: io.kestra.plugin.core.flow.Subflow
            namespace: t.conc
            flowId: one-log
$$);
SELECT pg_temp.start('gh', 't.conc', 'gated-two', '{"hold": true}'),
       pg_temp.start('gq', 't.conc', 'gated-two', '{"hold": false}');
SELECT flow_resume(pg_temp.id('gh'));
SELECT state, pg_temp.hist(id) FROM flowpg.executions WHERE id = pg_temp.id('gq');
SELECT x.state, pg_temp.hist(x.id) FROM flowpg.executions x WHERE x.parent_id = pg_temp.id('gq') ORDER BY x.created_at;
SELECT pg_temp.slots('t.conc', 'one-log'), pg_temp.slots('t.conc', 'gated-two');

-- ... and when that happens in a flow_resume, the state it returns is the execution's own
SELECT revision FROM flow_deploy($$
id: resume-two
namespace: t.conc
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: first
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t.conc
        flowId: one-log
      - id: second
        type: io.kestra.plugin.core.flow.Subflow
        namespace: t.conc
        flowId: one-log
$$);
SELECT pg_temp.start('rt', 't.conc', 'resume-two');
SELECT flow_resume(pg_temp.id('rt'));
SELECT state, pg_temp.runs(id) FROM flowpg.executions WHERE id = pg_temp.id('rt');

-- A flow without concurrency costs nothing: no slot row, no queue row
SELECT revision FROM flow_deploy($$
id: free
namespace: t.conc
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
$$);
CREATE FUNCTION pg_temp.touched() RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd + n_tup_del)::bigint
    FROM pg_stat_user_tables WHERE schemaname = 'flowpg' AND relname IN ('flow_slots', 'flow_queue')
$$;
SELECT pg_stat_force_next_flush();
SELECT pg_temp.touched() AS before \gset
SELECT pg_temp.start('f1', 't.conc', 'free'), pg_temp.start('f2', 't.conc', 'free');
SELECT flow_resume(pg_temp.id('f1')), flow_kill(pg_temp.id('f2'));
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT pg_temp.touched() - :before AS statements_on_slots_without_concurrency;
SELECT pg_temp.slots('t.conc', 'free');
-- (the same count does see a flow with concurrency: one start, one end)
SELECT pg_temp.start('q3', 't.conc', 'quick');
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT pg_temp.touched() - :before > 0 AS touched_with_concurrency;

-- Permissions: a role with EXECUTE starts (and queues) executions, sees them QUEUED in
-- flowpg.executions, and reads neither the slots nor the queue
CREATE ROLE flowpg_t89_user;
SELECT flow_grant('t.conc', 'flowpg_t89_user', 'EXECUTE');
SELECT flow_grant('t.conc', 'flowpg_t89_user', 'VIEW');
SELECT revision FROM flow_deploy($$
id: shared
namespace: t.conc
concurrency: {limit: 1}
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Pause
$$);
SET ROLE flowpg_t89_user;
SELECT flow_start('t.conc', 'shared') AS s1 \gset
SELECT flow_start('t.conc', 'shared') AS s2 \gset
SELECT state FROM flowpg.executions WHERE id IN (:'s1', :'s2') ORDER BY created_at;
SELECT pg_temp.try('SELECT count(*) FROM flowpg.flow_slots');
SELECT pg_temp.try('SELECT count(*) FROM flowpg.flow_queue');
SELECT pg_temp.try($$UPDATE flowpg.flow_slots SET used = 0$$);
-- EXECUTE is not RESUME: no kill of the queued one
SELECT pg_temp.try(format('SELECT flow_kill(%L)', :'s2'));
-- temporary tables named like flowpg's stand in for nothing: flowpg names its tables in full
CREATE FUNCTION pg_temp.hijacked() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN RAISE EXCEPTION 'a temporary % stood in for flowpg''s', TG_TABLE_NAME; END $f$;
CREATE TEMP TABLE flow_slots (namespace text, flow_id text, slot_limit int, used int);
CREATE TEMP TABLE flow_queue (seq bigint, execution_id text, namespace text, flow_id text);
CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.flow_slots
    FOR EACH ROW EXECUTE FUNCTION pg_temp.hijacked();
CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.flow_queue
    FOR EACH ROW EXECUTE FUNCTION pg_temp.hijacked();
SELECT flow_start('t.conc', 'shared') AS s3 \gset
SELECT state FROM flowpg.executions WHERE id = :'s3';
DROP TABLE pg_temp.flow_slots, pg_temp.flow_queue;
RESET ROLE;
-- an ADMIN of the namespace reads neither table either
CREATE ROLE flowpg_t89_admin;
SELECT flow_grant('t.conc', 'flowpg_t89_admin', 'ADMIN');
SET ROLE flowpg_t89_admin;
SELECT pg_temp.try('SELECT count(*) FROM flowpg.flow_slots');
SELECT pg_temp.try('SELECT count(*) FROM flowpg.flow_queue');
SELECT pg_temp.try($$DELETE FROM flowpg.flow_queue$$);
RESET ROLE;
SELECT flow_kill(:'s3'), flow_kill(:'s2'), flow_kill(:'s1');
SELECT pg_temp.slots('t.conc', 'shared');
DROP OWNED BY flowpg_t89_user;
DROP ROLE flowpg_t89_user;
DROP OWNED BY flowpg_t89_admin;
DROP ROLE flowpg_t89_admin;
