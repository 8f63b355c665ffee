/*-------------------------------------------------------------------------
 *
 * concurrency.c
 *	  Kestra's flow-level `concurrency: {limit, behavior}` at run time.
 *
 * Each flow whose revisions declare a limit has one row in flowpg.flow_slots:
 * the latest revision's limit and how many of its executions hold a slot.
 * An execution holds a slot from the moment it starts running (or is
 * restarted) until it ends, PAUSED included (as Kestra counts it).  Every
 * change of the count locks that row, so two sessions can never both take
 * the last slot, and a session that frees one sees every execution that
 * queued before it (the queuing session held the row until it committed).
 *
 * No slot free: QUEUE makes the execution QUEUED and adds it to
 * flowpg.flow_queue; CANCEL makes it CANCELLED, FAIL makes it FAILED, each
 * with a log line.  When a slot frees (the end of a step, step.c), the
 * oldest QUEUED executions of the flow start in that very transaction, as
 * long as slots are free.  Locks are taken in one order: the execution
 * that ends, the flow's slot row, then the QUEUED execution to start.
 *
 * Only executions of revisions that declare concurrency take and free
 * slots; the limit that applies is the latest revision's (a redeploy
 * changes it for everyone, and starts QUEUED executions when it rises).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "concurrency.h"
#include "db.h"
#include "executor.h"
#include "step.h"

/* the most QUEUED executions one step starts (each may end at once and free its slot again) */
#define MAX_DEQUEUES_PER_STEP 100000

/* Take a slot if one is free; the row is locked either way (ON CONFLICT DO UPDATE). */
static DbQuery q_take = DB_QUERY(
	"INSERT INTO flowpg.flow_slots AS s (namespace, flow_id, slot_limit, used)"
	" VALUES ($1, $2, $3, 1)"
	" ON CONFLICT (namespace, flow_id) DO UPDATE SET used = s.used + 1"
	" WHERE s.slot_limit IS NULL OR s.used < s.slot_limit"
	" RETURNING s.used",
	3, TEXTOID, TEXTOID, INT4OID);

/* The slot row, locked: (used, slot_limit). */
static DbQuery q_lock = DB_QUERY(
	"SELECT used, slot_limit FROM flowpg.flow_slots"
	" WHERE namespace = $1 AND flow_id = $2 FOR UPDATE",
	2, TEXTOID, TEXTOID);

/* The slot row, locked at once or 55P03 (the worker: see exec_load_without_waiting). */
static DbQuery q_lock_nowait = DB_QUERY(
	"SELECT 1 FROM flowpg.flow_slots WHERE namespace = $1 AND flow_id = $2 FOR UPDATE NOWAIT",
	2, TEXTOID, TEXTOID);

static DbQuery q_release = DB_QUERY(
	"UPDATE flowpg.flow_slots SET used = used - 1"
	" WHERE namespace = $1 AND flow_id = $2 AND used > 0",
	2, TEXTOID, TEXTOID);

static DbQuery q_add_used = DB_QUERY(
	"UPDATE flowpg.flow_slots SET used = used + 1 WHERE namespace = $1 AND flow_id = $2",
	2, TEXTOID, TEXTOID);

static DbQuery q_enqueue = DB_QUERY(
	"INSERT INTO flowpg.flow_queue (execution_id, namespace, flow_id) VALUES ($1, $2, $3)",
	3, TEXTOID, TEXTOID, TEXTOID);

static DbQuery q_oldest = DB_QUERY(
	"SELECT execution_id FROM flowpg.flow_queue"
	" WHERE namespace = $1 AND flow_id = $2 ORDER BY seq LIMIT 1",
	2, TEXTOID, TEXTOID);

static DbQuery q_unqueue = DB_QUERY(
	"DELETE FROM flowpg.flow_queue WHERE execution_id = $1", 1, TEXTOID);

static DbQuery q_set_limit = DB_QUERY(
	"INSERT INTO flowpg.flow_slots AS s (namespace, flow_id, slot_limit) VALUES ($1, $2, $3)"
	" ON CONFLICT (namespace, flow_id) DO UPDATE SET slot_limit = EXCLUDED.slot_limit",
	3, TEXTOID, TEXTOID, INT4OID);

static DbQuery q_drop_limit = DB_QUERY(
	"UPDATE flowpg.flow_slots SET slot_limit = NULL WHERE namespace = $1 AND flow_id = $2",
	2, TEXTOID, TEXTOID);

/*
 * The flows whose queues fill_slots is serving now ("namespace/id", innermost
 * first): a QUEUED execution it starts may end and free its slot at once,
 * and the loop already running for that flow starts the next one.
 */
static List *filling = NIL;

/* Whether fill_slots is serving the flow's queue already (see filling). */
static bool
is_filling(const char *key)
{
	ListCell   *lc;

	foreach(lc, filling)
		if (strcmp(lfirst(lc), key) == 0)
			return true;
	return false;
}

/* Run q with ($1, $2) = the flow's namespace and id. */
static uint64
exec_flow_query(DbQuery *q, const char *ns, const char *id, long count)
{
	Datum		values[2];

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	return db_exec(q, values, NULL, false, count);
}

/*
 * In the worker, which must not stall behind a person's open transaction
 * (one that started an execution of this flow holds its slot row until it
 * commits), lock the slot row without waiting: 55P03 puts the worker's step
 * off, as exec_load does for a locked execution.
 */
static void
lock_slots_if_worker(const char *ns, const char *id)
{
	if (exec_loads_without_waiting())
		exec_flow_query(&q_lock_nowait, ns, id, 1);
}

/* The flow's limit, with its slot row locked; 0 when it has none, -1 when it has no row. */
static int32
current_limit(const char *ns, const char *id, int32 *used)
{
	bool		isnull;
	Datum		d;

	*used = 0;
	if (exec_flow_query(&q_lock, ns, id, 1) != 1)
		return -1;
	*used = db_int4(0, 1);
	d = db_datum(0, 2, &isnull);
	return isnull ? 0 : DatumGetInt32(d);
}

/* Take a slot for e (see concurrency.h). */
FlowState
concurrency_admit(Execution *e, bool restart)
{
	const FlowConcurrency *c = &e->flow->concurrency;
	Datum		values[3];
	int32		used;
	int32		limit;
	char	   *why;

	lock_slots_if_worker(e->namespace, e->flow_id);
	values[0] = CStringGetTextDatum(e->namespace);
	values[1] = CStringGetTextDatum(e->flow_id);
	values[2] = Int32GetDatum(c->limit);
	if (db_exec(&q_take, values, NULL, false, 1) == 1)
		return ST_RUNNING;

	limit = current_limit(e->namespace, e->flow_id, &used);
	why = psprintf("flow \"%s\" in namespace \"%s\" has all %d of its concurrency slots taken",
				   e->flow_id, e->namespace, limit);
	if (restart && c->behavior != CONCURRENCY_QUEUE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("execution \"%s\" cannot be restarted now: %s", e->id, why),
				 errhint("Its concurrency behavior is %s: restart it when one of the flow's executions has ended.",
						 flow_concurrency_behavior_name(c->behavior))));
	switch (c->behavior)
	{
		case CONCURRENCY_QUEUE:
			values[2] = CStringGetTextDatum(e->flow_id);
			values[1] = CStringGetTextDatum(e->namespace);
			values[0] = CStringGetTextDatum(e->id);
			db_exec(&q_enqueue, values, NULL, false, 0);
			exec_log(e, NULL, "INFO",
					 psprintf("execution queued: %s; it starts when one frees (concurrency behavior QUEUE)", why));
			return ST_QUEUED;
		case CONCURRENCY_CANCEL:
			exec_log(e, NULL, "WARN",
					 psprintf("execution cancelled: %s (concurrency behavior CANCEL)", why));
			return ST_CANCELLED;
		case CONCURRENCY_FAIL:
			exec_log(e, NULL, "ERROR",
					 psprintf("execution failed: %s (concurrency behavior FAIL)", why));
			return ST_FAILED;
	}
	pg_unreachable();
}

/*
 * Start the oldest QUEUED executions of a flow while it has free slots, in
 * this transaction, unless an outer call serves that flow already; returns
 * whether it started any.  A queued execution someone else is acting on (a kill)
 * is waited for; one that is no longer QUEUED once locked is dropped from
 * the queue and the next one taken.
 */
static bool
fill_slots(const char *ns, const char *id)
{
	char	   *key = psprintf("%s/%s", ns, id);
	bool		started = false;
	int			i;

	if (is_filling(key))
		return false;
	filling = lcons(key, filling);
	PG_TRY();
	{
		for (i = 0; i < MAX_DEQUEUES_PER_STEP; i++)
		{
			int32		used;
			int32		limit = current_limit(ns, id, &used);
			Datum		qid;
			char	   *queued_id;
			Execution  *q;

			if (limit < 0 || (limit > 0 && used >= limit))
				break;
			if (exec_flow_query(&q_oldest, ns, id, 1) != 1)
				break;
			queued_id = db_text(0, 1);
			q = exec_load(queued_id);	/* the execution's row lock, then its queue row */
			qid = CStringGetTextDatum(queued_id);
			db_exec(&q_unqueue, &qid, NULL, false, 0);
			if (q == NULL || q->state != ST_QUEUED)
				continue;
			exec_flow_query(&q_add_used, ns, id, 0);
			exec_log(q, NULL, "INFO",
					 psprintf("execution started from the queue: a concurrency slot of flow \"%s\" in namespace \"%s\" freed",
							  id, ns));
			executor_unqueue(q, ST_RUNNING);
			exec_end_step(q);
			started = true;
		}
	}
	PG_FINALLY();
	{
		filling = list_delete_first(filling);
	}
	PG_END_TRY();
	return started;
}

/*
 * The state e had before this step's changes (states: those it entered in
 * the step), or -1 for an execution new in this step.
 */
static int
state_before_step(const Execution *e, List *states)
{
	int			before = e->history->u.arr.count - list_length(states) - 1;

	if (before < 0)
		return -1;
	return state_from_name(fp_get_str(e->history->u.arr.items[before], "state"));
}

/* The end of a step on e (see concurrency.h). */
bool
concurrency_end_step(Execution *e, List *states)
{
	int			before = state_before_step(e, states);
	bool		ran = list_member_int(states, (int) ST_RUNNING);
	bool		held = ran || before == ST_RUNNING || before == ST_PAUSED || before == ST_KILLING;

	if (before == ST_QUEUED && e->state != ST_QUEUED && !ran)
	{
		Datum		qid = CStringGetTextDatum(e->id);

		/* killed (or cancelled) while it waited: it held no slot */
		db_exec(&q_unqueue, &qid, NULL, false, 0);
		return false;
	}
	if (!held || !state_is_terminal(e->state))
		return false;
	lock_slots_if_worker(e->namespace, e->flow_id);
	exec_flow_query(&q_release, e->namespace, e->flow_id, 0);
	return fill_slots(e->namespace, e->flow_id);
}

/* Cancel every QUEUED execution of a deleted flow. */
static void
cancel_queued(const char *ns, const char *id)
{
	int			i;

	for (i = 0; i < MAX_DEQUEUES_PER_STEP; i++)
	{
		char	   *queued_id;
		Execution  *q;
		Datum		qid;

		if (exec_flow_query(&q_oldest, ns, id, 1) != 1)
			break;
		queued_id = db_text(0, 1);
		q = exec_load(queued_id);
		qid = CStringGetTextDatum(queued_id);
		db_exec(&q_unqueue, &qid, NULL, false, 0);
		if (q == NULL || q->state != ST_QUEUED)
			continue;
		exec_log(q, NULL, "WARN",
				 psprintf("execution cancelled: flow \"%s\" in namespace \"%s\" was deleted while it was queued",
						  id, ns));
		executor_unqueue(q, ST_CANCELLED);
		exec_end_step(q);
	}
}

/* A revision stored or the flow deleted (see concurrency.h). */
void
concurrency_flow_stored(const char *ns, const char *id, const FpValue *root)
{
	FlowConcurrency c;
	Datum		values[3];

	if (root)
		flow_concurrency_read(root, &c);
	if (db_schema_is_0_1())
	{
		if (root && c.limit > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("flow-level concurrency needs the extension's version 0.2"),
					 errhint("Run ALTER EXTENSION flowpg UPDATE.")));
		return;
	}
	if (root == NULL)
	{
		cancel_queued(ns, id);
		return;
	}
	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	values[2] = Int32GetDatum(c.limit);
	if (c.limit > 0)
		db_exec(&q_set_limit, values, NULL, false, 0);
	else if (db_exec(&q_drop_limit, values, NULL, false, 0) == 0)
		return;					/* the flow never had a limit: nothing queues */
	(void) fill_slots(ns, id);
}
