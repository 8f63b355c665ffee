/*-------------------------------------------------------------------------
 *
 * worker_steps.c
 *	  The transactions of the background worker: surveying the queues
 *	  (claiming due sends, listing due timers and schedules), recording a
 *	  result, firing a timer, and recording a failure when one of those
 *	  raised.  worker.c decides when each runs; this file is what each does.
 *
 * Locks are always taken in one order, the order the SQL functions use:
 * an execution's row first, then its work rows.  The survey locks only
 * work rows, with SKIP LOCKED, and commits at once; every later step
 * first takes the execution's lock without waiting (SKIP LOCKED: a person
 * holding it in an open transaction must not stall the worker) and is
 * put off when someone else holds it, then re-reads the work row under
 * that lock.  A resume or a kill that committed first has deleted the row
 * by then: the step finds nothing and does nothing, so the person wins.
 *
 * Every step runs as the extension's owner through db_enter, like the SQL
 * functions, in a transaction of its own; nothing is held open across the
 * network.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "step.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "db.h"
#include "executor.h"
#include "notify_relay.h"
#include "value_jsonb.h"
#include "worker_internal.h"
#include "worker_status.h"

/* the predicate of sends, spelled as the partial indexes of flowpg.work spell it */
#define SEND_ROW "(kind = 'send' OR (kind = 'retry' AND detail ? 'request'))"

static DbQuery q_reset_claims = DB_QUERY(
	"UPDATE flowpg.work SET claimed_at = NULL WHERE claimed_at IS NOT NULL",
	0, InvalidOid);

static DbQuery q_due_timers = DB_QUERY(
	"SELECT id, execution_id, task_run_id FROM flowpg.work"
	" WHERE claimed_at IS NULL AND NOT " SEND_ROW " AND due_at <= $1"
	" ORDER BY due_at LIMIT $2",
	2, TIMESTAMPTZOID, INT4OID);

static DbQuery q_due_schedules = DB_QUERY(
	"SELECT namespace, flow_id, trigger_id FROM flowpg.trigger_state"
	" WHERE schedule IS NOT NULL AND next_at <= $1 ORDER BY next_at LIMIT $2",
	2, TIMESTAMPTZOID, INT4OID);

/*
 * the namespaces with sends due (skipping through work_send_namespace_idx), each with how
 * many (at most $2); at most $3 namespaces (a namespace whose sends all wait for a later time,
 * a retry's say, takes no place among them)
 */
static DbQuery q_due_namespaces = DB_QUERY(
	"WITH RECURSIVE ns(namespace) AS ("
	"  (SELECT namespace FROM flowpg.work WHERE claimed_at IS NULL AND " SEND_ROW
	"   AND due_at <= $1 ORDER BY namespace LIMIT 1)"
	"  UNION ALL"
	"  SELECT (SELECT w.namespace FROM flowpg.work w WHERE w.claimed_at IS NULL AND " SEND_ROW
	"          AND w.due_at <= $1 AND w.namespace > ns.namespace ORDER BY w.namespace LIMIT 1)"
	"  FROM ns WHERE ns.namespace IS NOT NULL)"
	" SELECT ns.namespace, (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM flowpg.work w"
	"   WHERE w.namespace = ns.namespace AND w.claimed_at IS NULL AND " SEND_ROW
	"   AND w.due_at <= $1 LIMIT $2) d)::int4"
	" FROM ns WHERE ns.namespace IS NOT NULL LIMIT $3",
	3, TIMESTAMPTZOID, INT4OID, INT4OID);

/* claim, in each namespace $2[i], its $3[i] sends due first */
static DbQuery q_claim = DB_QUERY(
	"WITH c AS (SELECT x.id FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]),"
	"                                       pg_catalog.unnest($3::pg_catalog.int4[]))"
	"  AS q(namespace, n),"
	"  LATERAL (SELECT w.id FROM flowpg.work w WHERE w.namespace = q.namespace"
	"   AND w.claimed_at IS NULL AND " SEND_ROW " AND w.due_at <= $1"
	"   ORDER BY w.due_at LIMIT q.n FOR UPDATE OF w SKIP LOCKED) x)"
	" UPDATE flowpg.work w SET claimed_at = $1 FROM c WHERE w.id = c.id"
	" RETURNING w.id, w.execution_id, w.task_run_id, w.detail,"
	"  (SELECT pg_catalog.jsonb_array_length(r.attempts) FROM flowpg.task_runs r"
	"   WHERE r.id = w.task_run_id), w.namespace",
	3, TIMESTAMPTZOID, TEXTARRAYOID, INT4ARRAYOID);

/* of the sends in flight ($1 with their claims $2), those whose row is gone or claimed anew */
static DbQuery q_gone = DB_QUERY(
	"SELECT c.id FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]),"
	"                            pg_catalog.unnest($2::pg_catalog.timestamptz[]))"
	"  AS c(id, claimed_at)"
	" WHERE NOT EXISTS (SELECT 1 FROM flowpg.work w WHERE w.id = c.id"
	"  AND w.claimed_at = c.claimed_at)",
	2, INT8ARRAYOID, TIMESTAMPTZARRAYOID);

/* give sends in flight back to the queue (worker_share.c): due again, at their old time */
static DbQuery q_give_back = DB_QUERY(
	"UPDATE flowpg.work w SET claimed_at = NULL"
	" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]),"
	"                 pg_catalog.unnest($2::pg_catalog.timestamptz[]))"
	"  AS c(id, claimed_at)"
	" WHERE w.id = c.id AND w.claimed_at = c.claimed_at",
	2, INT8ARRAYOID, TIMESTAMPTZARRAYOID);

/* at most this many namespaces share the slots of one survey */
#define SHARE_MAX_NAMESPACES 10000

static DbQuery q_next_due = DB_QUERY(
	"SELECT (SELECT due_at FROM flowpg.work WHERE claimed_at IS NULL AND " SEND_ROW
	"        ORDER BY due_at LIMIT 1),"
	"       (SELECT due_at FROM flowpg.work WHERE claimed_at IS NULL AND NOT " SEND_ROW
	"        ORDER BY due_at LIMIT 1),"
	"       (SELECT next_at FROM flowpg.trigger_state WHERE schedule IS NOT NULL"
	"        AND next_at IS NOT NULL ORDER BY next_at LIMIT 1)",
	0, InvalidOid);

static DbQuery q_try_lock = DB_QUERY(
	"SELECT 1 FROM flowpg.executions WHERE id = $1 FOR UPDATE SKIP LOCKED",
	1, TEXTOID);

static DbQuery q_exists = DB_QUERY(
	"SELECT 1 FROM flowpg.executions WHERE id = $1",
	1, TEXTOID);

static DbQuery q_claimed_row = DB_QUERY(
	"SELECT kind, task_run_id, detail FROM flowpg.work"
	" WHERE id = $1 AND claimed_at IS NOT DISTINCT FROM $2 FOR UPDATE",
	2, INT8OID, TIMESTAMPTZOID);

static DbQuery q_due_row = DB_QUERY(
	"SELECT kind, task_run_id, detail FROM flowpg.work"
	" WHERE id = $1 AND claimed_at IS NULL AND due_at <= $2 FOR UPDATE",
	2, INT8OID, TIMESTAMPTZOID);

static DbQuery q_delete = DB_QUERY(
	"DELETE FROM flowpg.work WHERE id = $1",
	1, INT8OID);

/* put a row off after an error: 2, 4, 8, ... seconds, at most an hour */
static DbQuery q_back_off = DB_QUERY(
	"UPDATE flowpg.work SET claimed_at = NULL,"
	" due_at = pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs =>"
	"   LEAST(pg_catalog.power(2, COALESCE((detail ->> 'workerFailures')::int, 0) + 1), 3600)),"
	" detail = detail || pg_catalog.jsonb_build_object("
	"   'workerFailures', COALESCE((detail ->> 'workerFailures')::int, 0) + 1, 'workerError', $3::text)"
	" WHERE id = $1 AND claimed_at IS NOT DISTINCT FROM $2"
	" RETURNING (detail ->> 'workerFailures')::int",
	3, INT8OID, TIMESTAMPTZOID, TEXTOID);

/* the extension seen at the previous survey (InvalidOid: none) */
static Oid	surveyed_extension = InvalidOid;

/* Whether the outcome of locking an execution row. */
typedef enum ExecLock
{
	EXEC_LOCKED,				/* ours now */
	EXEC_BUSY,					/* someone else holds it */
	EXEC_MISSING				/* no such execution */
} ExecLock;

/* the memory context current when the running step began, current again when it ends */
static MemoryContext step_caller = NULL;

/*
 * Start a transaction of the worker's, with a snapshot, as a statement of
 * a session would.
 *
 * Durability: only the survey, which claims sends, commits as the server's
 * synchronous_commit says (durable, and replicated where synchronous
 * replication is set up); every other step commits with synchronous_commit
 * off.  A claim's commit makes all earlier WAL durable too, so nothing goes
 * out on the network before the state that produced it (the task run and
 * its id, the execution that reached it) is durable.  A crash can lose the
 * last recorded results and fired timers, of a fraction of a second: their
 * rows are then still there, claimed or due, and the work is done again,
 * which at-least-once delivery allows.
 */
void
worker_step_begin(bool durable)
{
	step_caller = CurrentMemoryContext;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (!durable)
		(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	PushActiveSnapshot(GetTransactionSnapshot());
}

/* Commit the transaction worker_step_begin started and report statistics. */
void
worker_step_end(void)
{
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	if (step_caller)
		MemoryContextSwitchTo(step_caller);
}

/*
 * Whether the worker may work on flowpg's tables in this transaction: the
 * extension exists, its version is this library's, and the worker holds a
 * share lock on it.  *present says whether it exists at all.
 *
 * The lock is taken first and without waiting: DROP EXTENSION (and ALTER
 * EXTENSION) lock the extension before they lock its tables, so once the
 * worker holds it they wait for the worker's step, and when they hold it the
 * worker leaves them alone instead of locking tables in another order than
 * theirs (a deadlock).  A library newer than the extension's objects would
 * run against tables it does not know: the worker waits for ALTER EXTENSION
 * flowpg UPDATE.
 */
bool
worker_extension_ready(bool *present)
{
	Oid			ext;
	char	   *version;
	static bool told_outdated = false;

	*present = db_extension_lookup(&ext, NULL, NULL);
	if (!*present)
		return false;
	if (!ConditionalLockDatabaseObject(ExtensionRelationId, ext, 0, AccessShareLock))
		return false;
	/* under the lock, look again: it may have been dropped or updated meanwhile */
	*present = db_extension_lookup(&ext, NULL, &version);
	if (!*present)
		return false;
	if (strcmp(version, FLOWPG_VERSION) != 0)
	{
		if (!told_outdated)
			ereport(LOG,
					(errmsg("flowpg worker: the extension in this database is version %s and the library %s: waiting for ALTER EXTENSION flowpg UPDATE",
							version, FLOWPG_VERSION)));
		told_outdated = true;
		return false;
	}
	told_outdated = false;
	return true;
}

/* Lock an execution's row without waiting for anyone. */
static ExecLock
lock_execution(const char *execution_id)
{
	Datum		arg;

	if (execution_id == NULL || execution_id[0] == '\0')
		return EXEC_MISSING;
	arg = CStringGetTextDatum(execution_id);
	if (db_exec(&q_try_lock, &arg, NULL, false, 1) == 1)
		return EXEC_LOCKED;
	return db_exec(&q_exists, &arg, NULL, false, 1) == 1 ? EXEC_BUSY : EXEC_MISSING;
}

/*
 * Open a step on an execution: a transaction, flowpg's scope and the
 * execution's row lock, taken without waiting.  false when the step cannot
 * go on now, with everything ended and *step saying what to report: DONE
 * (no extension any more) or BUSY (someone holds the execution: try later).
 */
static bool
step_on_execution(DbScope *scope, const char *execution_id, ExecLock *lock, WorkerStep *step)
{
	bool		present;

	worker_step_begin(false);
	if (!worker_extension_ready(&present))
	{
		/* dropped: nothing left to do; busy or waiting for an update: later */
		worker_step_end();
		*step = present ? WORKER_STEP_BUSY : WORKER_STEP_DONE;
		return false;
	}
	db_enter(scope);
	*lock = lock_execution(execution_id);
	if (*lock == EXEC_BUSY)
	{
		db_leave(scope);
		worker_step_end();
		*step = WORKER_STEP_BUSY;
		return false;
	}
	return true;
}


/* Delete a work row (by id: a retry queued in the same step has another). */
static void
delete_work(int64 work_id)
{
	Datum		arg = Int64GetDatum(work_id);

	db_exec(&q_delete, &arg, NULL, false, 0);
}

/* lappend with the list's cells in cxt (not in the transaction's memory). */
static List *
list_append_in(MemoryContext cxt, List *list, void *item)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	list = lappend(list, item);
	MemoryContextSwitchTo(old);
	return list;
}

/* An array datum of n int8 (or timestamptz: the same representation) values. */
static Datum
int8_array(const int64 *v, int n, Oid type)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, type, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* qsort order of sends in flight: by namespace, the youngest claim first, then the newest row. */
static int
in_flight_cmp(const void *a, const void *b)
{
	const WorkerInFlight *x = a;
	const WorkerInFlight *y = b;
	int			c = strcmp(x->namespace, y->namespace);

	if (c != 0)
		return c;
	if (x->claimed_at != y->claimed_at)
		return x->claimed_at > y->claimed_at ? -1 : 1;
	return x->work_id > y->work_id ? -1 : (x->work_id < y->work_id ? 1 : 0);
}

/* qsort order of shares: by namespace. */
static int
share_cmp(const void *a, const void *b)
{
	return strcmp(((const WorkerShare *) a)->namespace, ((const WorkerShare *) b)->namespace);
}

/*
 * Of the n sends in flight, find those whose row is gone (killed, purged,
 * deleted) or no longer carries their claim; mark them (gone[i]) and list
 * their ids in s, in the caller's context cxt.
 */
static void
find_gone(WorkerSurvey *s, const WorkerInFlight *in_flight, int n, bool *gone,
		  MemoryContext cxt)
{
	int64	   *ids = palloc(sizeof(int64) * Max(n, 1));
	int64	   *claims = palloc(sizeof(int64) * Max(n, 1));
	Datum		args[2];
	uint64		found;
	uint64		i;
	int			j;

	for (j = 0; j < n; j++)
	{
		ids[j] = in_flight[j].work_id;
		claims[j] = in_flight[j].claimed_at;
	}
	args[0] = int8_array(ids, n, INT8OID);
	args[1] = int8_array(claims, n, TIMESTAMPTZOID);
	found = db_exec(&q_gone, args, NULL, true, 0);
	s->gone = MemoryContextAlloc(cxt, sizeof(int64) * Max(found, 1));
	for (i = 0; i < found; i++)
	{
		bool		isnull;
		int64		id = DatumGetInt64(db_datum(i, 1, &isnull));

		s->gone[s->ngone++] = id;
		for (j = 0; j < n; j++)
			if (in_flight[j].work_id == id)
				gone[j] = true;
	}
}

/* Whether a send in flight (not gone) is old enough to be given back (worker_share.c). */
static bool
any_can_give(const WorkerInFlight *in_flight, int n, const bool *gone, TimestampTz now)
{
	TimestampTz old_enough = TimestampTzPlusMilliseconds(now, -WORKER_GIVE_BACK_AFTER_MS);
	int			j;

	for (j = 0; j < n; j++)
		if (!gone[j] && in_flight[j].claimed_at <= old_enough)
			return true;
	return false;
}

/*
 * Share the slots among namespaces (worker_share.c): read how many sends
 * each namespace has due, count those in flight (n, not gone), decide, and
 * give back the youngest sends in flight for WORKER_GIVE_BACK_AFTER_MS or
 * more of the namespaces above their share (their rows are queued again
 * here; s lists them, in cxt, for the worker to abort).  Returns the
 * shares, *nshares of them.
 */
static WorkerShare *
share_slots(WorkerSurvey *s, TimestampTz now, int slots, int free_slots,
			WorkerInFlight *in_flight, int n, const bool *gone, int *nshares,
			MemoryContext cxt)
{
	Datum		args[3];
	uint64		ndue;
	uint64		i;
	WorkerShare *due;
	WorkerShare *ns;
	int			count = 0;
	int			j;
	int			k;
	int64	   *back_ids;
	int64	   *back_claims;
	int			nback = 0;
	TimestampTz old_enough = TimestampTzPlusMilliseconds(now, -WORKER_GIVE_BACK_AFTER_MS);

	args[0] = TimestampTzGetDatum(now);
	args[1] = Int32GetDatum(Max(slots, 1));
	args[2] = Int32GetDatum(SHARE_MAX_NAMESPACES);
	/* not read-only: it must see the claims this survey cleared (q_reset_claims) */
	ndue = db_exec(&q_due_namespaces, args, NULL, false, 0);
	due = palloc0(sizeof(WorkerShare) * Max(ndue, 1));
	for (i = 0; i < ndue; i++)
	{
		due[i].namespace = db_text(i, 1) ? db_text(i, 1) : "";
		due[i].due = db_int4(i, 2);
	}
	qsort(due, ndue, sizeof(WorkerShare), share_cmp);
	/* in_flight is sorted already (worker_survey), so that gone[j] is in_flight[j]'s */

	/* merge: one share per namespace with sends due or in flight (gone ones do not count) */
	ns = palloc0(sizeof(WorkerShare) * (ndue + n + 1));
	j = 0;
	i = 0;
	while (i < ndue || j < n)
	{
		const char *name;

		if (j < n && gone[j])
		{
			j++;
			continue;
		}
		if (j < n && (i >= ndue || strcmp(in_flight[j].namespace, due[i].namespace) <= 0))
			name = in_flight[j].namespace;
		else
			name = due[i].namespace;
		ns[count].namespace = name;
		if (i < ndue && strcmp(due[i].namespace, name) == 0)
			ns[count].due = due[i++].due;
		while (j < n && (gone[j] || strcmp(in_flight[j].namespace, name) == 0))
		{
			if (!gone[j])
			{
				ns[count].in_flight++;
				if (in_flight[j].claimed_at <= old_enough)
					ns[count].can_give++;
			}
			j++;
		}
		count++;
	}
	(void) worker_share(ns, count, slots, free_slots);

	/* the youngest sends in flight of each namespace that gives slots back */
	back_ids = palloc(sizeof(int64) * Max(n, 1));
	back_claims = palloc(sizeof(int64) * Max(n, 1));
	for (k = 0; k < count; k++)
	{
		int			left = ns[k].give_back;

		for (j = 0; j < n && left > 0; j++)
		{
			if (gone[j] || strcmp(in_flight[j].namespace, ns[k].namespace) != 0 ||
				in_flight[j].claimed_at > old_enough)
				continue;
			back_ids[nback] = in_flight[j].work_id;
			back_claims[nback] = in_flight[j].claimed_at;
			nback++;
			left--;
		}
	}
	if (nback > 0)
	{
		args[0] = int8_array(back_ids, nback, INT8OID);
		args[1] = int8_array(back_claims, nback, TIMESTAMPTZOID);
		db_exec(&q_give_back, args, NULL, false, 0);
		s->given_back = MemoryContextAlloc(cxt, sizeof(int64) * nback);
		memcpy(s->given_back, back_ids, sizeof(int64) * nback);
		s->ngiven_back = nback;
	}
	*nshares = count;
	return ns;
}

/*
 * Claim the due sends the shares say, each namespace's first due, and add
 * them to s in cxt.  Returns how many were claimed.
 */
static int
claim_sends(WorkerSurvey *s, const WorkerShare *ns, int count, MemoryContext cxt)
{
	Datum	   *names = palloc(sizeof(Datum) * Max(count, 1));
	Datum	   *wants = palloc(sizeof(Datum) * Max(count, 1));
	Datum		args[3];
	int			m = 0;
	int			k;
	uint64		n;
	uint64		i;

	for (k = 0; k < count; k++)
	{
		if (ns[k].claim <= 0)
			continue;
		names[m] = CStringGetTextDatum(ns[k].namespace);
		wants[m] = Int32GetDatum(ns[k].claim);
		m++;
	}
	if (m == 0)
		return 0;
	args[0] = TimestampTzGetDatum(s->claimed_at);
	args[1] = PointerGetDatum(construct_array(names, m, TEXTOID, -1, false, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(wants, m, INT4OID, 4, true, TYPALIGN_INT));
	n = db_exec(&q_claim, args, NULL, false, 0);
	for (i = 0; i < n; i++)
	{
		WorkerItem *t = MemoryContextAllocZero(cxt, sizeof(WorkerItem));
		bool		isnull;
		Datum		attempts;
		MemoryContext old;

		t->work_id = DatumGetInt64(db_datum(i, 1, &isnull));
		t->execution_id = MemoryContextStrdup(cxt, db_text(i, 2) ? db_text(i, 2) : "");
		t->task_run_id = MemoryContextStrdup(cxt, db_text(i, 3) ? db_text(i, 3) : "");
		old = MemoryContextSwitchTo(cxt);
		t->detail = fp_from_jsonb_datum(db_datum(i, 4, &isnull));
		MemoryContextSwitchTo(old);
		attempts = db_datum(i, 5, &isnull);
		/* the attempt this send is: one more than those the task run has made */
		t->attempt = (isnull ? 0 : DatumGetInt32(attempts)) + 1;
		t->namespace = MemoryContextStrdup(cxt, db_text(i, 6) ? db_text(i, 6) : "");
		s->claims = list_append_in(cxt, s->claims, t);
	}
	return (int) n;
}

/*
 * One survey of the queues, in one transaction (see worker_internal.h):
 * relay the notifications that committed transactions queued (notify_relay.c);
 * when the extension (re)appears, clear stale claims first; then, when
 * enabled, list due timers and schedules; with check_gone, find which of
 * the n_in_flight sends in flight lost their row (s->gone); share the
 * slots among namespaces (worker_share.c), giving back sends in flight of
 * namespaces above their share (s->given_back: queued again); claim due
 * sends in the free slots as shared, each namespace's first due (their
 * claim is committed before anything is sent); and read when the next
 * work falls due.  The worker aborts the sends of s->gone and
 * s->given_back.  Everything handed out is allocated in the caller's
 * memory context.
 */
void
worker_survey(WorkerSurvey *s, bool enabled, int slots, int free_slots,
			  WorkerInFlight *in_flight, int n_in_flight, bool check_gone)
{
	MemoryContext caller = CurrentMemoryContext;
	DbScope		scope;
	Oid			ext;
	Datum		args[2];
	uint64		n;
	uint64		i;
	bool		present;
	bool	   *gone;
	WorkerShare *shares;
	int			nshares;

	memset(s, 0, sizeof(WorkerSurvey));
	worker_step_begin(true);
	/* NOTIFY what committed transactions left in the relay (sent when this commits) */
	(void) notify_relay_flush();
	if (!worker_extension_ready(&present))
	{
		/* dropped: forget it; being changed, or waiting for an update: leave all as it is */
		if (!present)
			surveyed_extension = InvalidOid;
		worker_step_end();
		return;
	}
	ext = get_extension_oid("flowpg", true);
	s->extension = OidIsValid(ext);
	s->appeared = s->extension && ext != surveyed_extension;
	surveyed_extension = ext;
	if (!s->extension || (!enabled && !s->appeared))
	{
		worker_step_end();
		return;
	}

	db_enter(&scope);
	if (s->appeared)
	{
		/* sends claimed by a worker that is gone were maybe not sent: send them again */
		n = db_exec(&q_reset_claims, NULL, NULL, false, 0);
		if (n > 0)
			ereport(LOG,
					(errmsg("flowpg worker: sending again %llu requests that were in flight when the previous worker stopped",
							(unsigned long long) n)));
	}
	if (!enabled)
	{
		db_leave(&scope);
		worker_step_end();
		return;
	}

	s->claimed_at = GetCurrentTimestamp();
	args[0] = TimestampTzGetDatum(s->claimed_at);
	args[1] = Int32GetDatum(WORKER_BATCH);

	n = db_exec(&q_due_timers, args, NULL, true, WORKER_BATCH);
	for (i = 0; i < n; i++)
	{
		WorkerItem *t = MemoryContextAllocZero(caller, sizeof(WorkerItem));
		bool		isnull;

		t->work_id = DatumGetInt64(db_datum(i, 1, &isnull));
		t->execution_id = MemoryContextStrdup(caller, db_text(i, 2) ? db_text(i, 2) : "");
		t->task_run_id = MemoryContextStrdup(caller, db_text(i, 3) ? db_text(i, 3) : "");
		s->timers = list_append_in(caller, s->timers, t);
	}

	n = db_exec(&q_due_schedules, args, NULL, true, WORKER_BATCH);
	for (i = 0; i < n; i++)
	{
		WorkerItem *t = MemoryContextAllocZero(caller, sizeof(WorkerItem));

		t->namespace = MemoryContextStrdup(caller, db_text(i, 1));
		t->flow_id = MemoryContextStrdup(caller, db_text(i, 2));
		t->trigger_id = MemoryContextStrdup(caller, db_text(i, 3));
		s->schedules = list_append_in(caller, s->schedules, t);
	}

	/*
	 * sends in flight whose work is gone are aborted (worker.c): they no
	 * longer count.  Sorted first (by namespace, youngest first), since
	 * gone[] and the sharing below index the same array.
	 */
	qsort(in_flight, n_in_flight, sizeof(WorkerInFlight), in_flight_cmp);
	gone = palloc0(sizeof(bool) * Max(n_in_flight, 1));
	if (check_gone && n_in_flight > 0)
		find_gone(s, in_flight, n_in_flight, gone, caller);
	free_slots += s->ngone;
	/* no slot free and none that could be given back: nothing to share */
	if (free_slots > 0 || any_can_give(in_flight, n_in_flight, gone, s->claimed_at))
	{
		shares = share_slots(s, s->claimed_at, slots, free_slots, in_flight, n_in_flight, gone,
							 &nshares, caller);
		free_slots += s->ngiven_back;
		free_slots -= claim_sends(s, shares, nshares, caller);
	}

	db_exec(&q_next_due, NULL, NULL, false, 1);	/* sees the claims cleared and made */
	s->next_send = free_slots > 0 ? db_time(0, 1) : 0;
	s->next_timer = db_time(0, 2);
	s->next_schedule = db_time(0, 3);

	db_leave(&scope);
	worker_step_end();
}

/*
 * A turn with nothing to look at in the queues: only NOTIFY what committed
 * transactions left in the relay, in a transaction of its own when there is
 * anything (not durable: a notification is not, and the changes it announces
 * were committed by their own transactions).
 */
void
worker_relay_notifications(void)
{
	if (!notify_relay_waiting())
		return;
	worker_step_begin(false);
	(void) notify_relay_flush();
	worker_step_end();
}

/*
 * Record what came back for a claimed send and advance its execution, in a
 * transaction of its own.  The row must still carry the claim: a kill or
 * a restart that deleted it meanwhile wins, and the result is dropped.
 */
WorkerStep
worker_record_result(WorkerClaim *c, FpValue *result)
{
	DbScope		scope;
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	ExecLock	lock;
	WorkerStep	step;
	Execution  *e;
	TaskRun    *run;
	FpValue    *detail;
	char	   *task_run_id;
	bool		isnull;

	if (!step_on_execution(&scope, c->execution_id, &lock, &step))
		return step;
	args[0] = Int64GetDatum(c->work_id);
	args[1] = db_time_arg(c->claimed_at, &nulls[1]);
	if (db_exec(&q_claimed_row, args, nulls, false, 1) == 1)
	{
		task_run_id = db_text(0, 2);
		detail = exec_work_detail_open(task_run_id, fp_from_jsonb_datum(db_datum(0, 3, &isnull)));
		e = lock == EXEC_LOCKED ? exec_load(c->execution_id) : NULL;
		run = e && task_run_id ? exec_find_run_id(e, task_run_id) : NULL;
		if (run)
		{
			executor_external_result(e, run, detail, result);
			exec_end_step(e);
		}
		delete_work(c->work_id);
	}
	db_leave(&scope);
	worker_step_end();
	return WORKER_STEP_DONE;
}

/* The audit row of an expiry that acted, with the behavior that applied. */
static void
audit_expiry(Execution *e, TaskRun *run, const char *behavior, bool timeout)
{
	FpValue    *detail = fp_object(4);

	fp_set(detail, "task_id", fp_cstring(run->task_id));
	fp_set(detail, "behavior", fp_cstring(behavior));
	fp_set(detail, "timeout", fp_bool(timeout));
	fp_set(detail, "state", fp_cstring(state_name(run->state)));
	audit_write_as(NULL, "expire", e->namespace, e->flow_id, e->id, run->id, detail);
}

/*
 * Fire a due timer in a transaction of its own: a pause's expiry or
 * timeout (one audit row when it acts), or the next attempt of an internal
 * task.  A timer whose task run was resumed, killed or restarted meanwhile
 * is gone or is ignored by the executor; its row is deleted either way.
 */
WorkerStep
worker_fire_timer(WorkerItem *t)
{
	DbScope		scope;
	Datum		args[2];
	ExecLock	lock;
	WorkerStep	step;
	Execution  *e;
	TaskRun    *run;
	char	   *kind;
	char	   *task_run_id;
	FpValue    *detail;
	bool		isnull;

	if (!step_on_execution(&scope, t->execution_id, &lock, &step))
		return step;
	args[0] = Int64GetDatum(t->work_id);
	args[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	if (db_exec(&q_due_row, args, NULL, false, 1) == 1)
	{
		kind = db_text(0, 1);
		task_run_id = db_text(0, 2);
		detail = fp_from_jsonb_datum(db_datum(0, 3, &isnull));
		e = lock == EXEC_LOCKED ? exec_load(t->execution_id) : NULL;
		run = e && task_run_id ? exec_find_run_id(e, task_run_id) : NULL;
		if (run)
		{
			bool		paused = run->state == ST_PAUSED;

			if (strcmp(kind, "expire") == 0 || strcmp(kind, "timeout") == 0)
			{
				bool		timeout = strcmp(kind, "timeout") == 0;
				const char *applied = executor_expire(e, run, fp_get_str(detail, "behavior"),
													  timeout);

				if (paused)
					audit_expiry(e, run, applied, timeout);
			}
			else if (strcmp(kind, "retry") == 0)
				executor_retry(e, run);
			else
				ereport(WARNING,
						(errmsg("flowpg worker: dropping work %lld of unknown kind \"%s\"",
								(long long) t->work_id, kind)));
			exec_end_step(e);
		}
		delete_work(t->work_id);
	}
	db_leave(&scope);
	worker_step_end();
	return WORKER_STEP_DONE;
}

/*
 * After a step raised: fail the task run of the work row (FAILED, the
 * error in a log line, retried if its policy says so) and advance its
 * execution, then delete the row.  Raises when even that fails.
 */
static void
fail_task_run(int64 work_id, TimestampTz claimed_at, const char *execution_id,
			  const char *message)
{
	DbScope		scope;
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	ExecLock	lock;
	Execution  *e;
	TaskRun    *run;
	bool		isnull;
	bool		present;

	worker_step_begin(false);
	if (!worker_extension_ready(&present))
	{
		worker_step_end();
		return;
	}
	db_enter(&scope);
	lock = lock_execution(execution_id);
	if (lock == EXEC_BUSY)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("execution %s is locked", execution_id)));
	args[0] = Int64GetDatum(work_id);
	args[1] = db_time_arg(claimed_at, &nulls[1]);
	if (db_exec(&q_claimed_row, args, nulls, false, 1) == 1)
	{
		char	   *task_run_id = db_text(0, 2);
		FpValue    *detail = exec_work_detail_open(task_run_id, fp_from_jsonb_datum(db_datum(0, 3, &isnull)));
		char	   *error = psprintf("the flowpg worker could not complete this task: %s", message);

		e = lock == EXEC_LOCKED ? exec_load(execution_id) : NULL;
		run = e && task_run_id ? exec_find_run_id(e, task_run_id) : NULL;
		if (run)
		{
			executor_external_failed(e, run, detail, error);
			exec_end_step(e);
		}
		delete_work(work_id);
	}
	db_leave(&scope);
	worker_step_end();
}

/* Put a work row off after an error, with a growing delay. */
static void
back_off(int64 work_id, TimestampTz claimed_at, const char *message)
{
	DbScope		scope;
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		present;

	worker_step_begin(false);
	if (!worker_extension_ready(&present))
	{
		worker_step_end();
		return;
	}
	db_enter(&scope);
	args[0] = Int64GetDatum(work_id);
	args[1] = db_time_arg(claimed_at, &nulls[1]);
	args[2] = CStringGetTextDatum(message);
	if (db_exec(&q_back_off, args, nulls, false, 0) == 1)
		ereport(WARNING,
				(errmsg("flowpg worker: work %lld put off after %d failures",
						(long long) work_id, db_int4(0, 1)),
				 errdetail("The task run could not be failed either; the row will be tried again later.")));
	db_leave(&scope);
	worker_step_end();
}

/*
 * Leave a step that raised (called in PG_CATCH): report the error, clear
 * the error state and abort the transaction.  Returns the message, copied
 * into cxt, which also becomes the current memory context.  With busy
 * given, an error that only says another transaction holds a row the step
 * needed (a parent or child of its execution, found locked by exec_load)
 * is not reported but sets *busy: the step is to be tried again later.
 */
char *
worker_abandon_step(MemoryContext cxt, bool *busy)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (busy && (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
				 edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED))
		*busy = true;
	else
	{
		EmitErrorReport();
		worker_status_note_error(edata->message);
	}
	FlushErrorState();
	AbortCurrentTransaction();
	MemoryContextSwitchTo(cxt);
	return edata->message ? edata->message : pstrdup("unknown error");
}

/*
 * A step on a work row raised (the caller has aborted it): fail the task
 * run in a fresh transaction, or, when that raises too, put the row off so
 * that it cannot hot-loop the worker nor hold the rest of the queue up.
 */
void
worker_unit_failed(int64 work_id, TimestampTz claimed_at, const char *execution_id,
				   const char *message)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *volatile second = NULL;

	PG_TRY();
	{
		fail_task_run(work_id, claimed_at, execution_id, message);
	}
	PG_CATCH();
	{
		second = worker_abandon_step(cxt, NULL);
	}
	PG_END_TRY();
	if (second == NULL)
		return;

	PG_TRY();
	{
		back_off(work_id, claimed_at, second);
	}
	PG_CATCH();
	{
		(void) worker_abandon_step(cxt, NULL);
		ereport(WARNING,
				(errmsg("flowpg worker: work %lld could be neither completed nor put off",
						(long long) work_id)));
	}
	PG_END_TRY();
}
