/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The flowpg background worker (SPEC section 9): one process per
 *	  cluster, started from shared_preload_libraries, that sends the
 *	  external tasks (HTTP requests, webhooks, mail) through the HTTP engine
 *	  and fires the timers (pause expiries and timeouts, retries, schedules)
 *	  of the database named by flowpg.database_name.
 *
 * Life of the process.  The postmaster starts it as "flowpg worker".  A
 * background worker cannot connect to a database that does not exist
 * (that is a FATAL error, and the postmaster would restart it in a loop),
 * so every start first looks in pg_database, connected to no database,
 * and waits there until flowpg.database_name exists; it then notes in
 * shared memory that the next start may connect, and exits to be started
 * again at once.  Connected, it waits for the extension to exist, clears
 * the claims of any worker before it (their requests are sent again), and
 * loops:
 *
 *	wait on the latch, the engine's sockets, or the next due time
 *	record each finished request, one transaction each
 *	survey the queues in one transaction: due timers and schedules,
 *		which sends in flight lost their work row (after a commit that
 *		deleted work rows, and at least every GONE_CHECK_MS), claims for
 *		the free slots as shared among namespaces (worker_share.c; a
 *		namespace above its share may give sends back), committed before
 *		anything is sent, and when the next work falls due
 *	abort the sends in flight whose row is gone or was given back
 *	hand the claimed sends to the engine
 *	fire each due timer and schedule, one transaction each
 *
 * Notifications.  Transactions that change execution states hand their
 * NOTIFY flowpg payloads to the worker through a ring in shared memory
 * (notify_relay.c), which sets the worker's latch; every survey sends what
 * is there.
 *
 * Waking.  A transaction that queues work (the end of a step) or changes
 * schedules (a deploy) sets the worker's latch when it commits, through
 * wake.c, where the worker publishes its pgprocno and pid, and raises the
 * flag that makes the next turn survey the queues.  Nothing is set when it
 * rolls back, and nothing happens at all when flowpg is not preloaded (no
 * worker).  A turn woken only by the notify relay (any state change), with
 * nothing due, relays the notifications and surveys nothing: the queues are
 * looked at when work was queued, when what the last survey saw falls due,
 * when freed slots may take sends still queued, and at least every
 * flowpg.naptime (work no commit announced, a prepared transaction's).
 *
 * Errors.  Each step runs in PG_TRY: an error is reported, the step's
 * transaction aborted, and the failure recorded on the task run in a fresh
 * transaction (or, when even that fails, the work row is put off with a
 * growing delay), so that no task can stop the worker or hold up the rest.
 * An error outside the steps aborts the iteration, which is tried again
 * after a pause that grows up to flowpg.naptime.
 *
 * Signals: SIGHUP rereads the settings (a new flowpg.max_in_flight resizes
 * the engine); SIGTERM ends the process at the next interrupt check (the
 * waits are on the latch, so at once), abandoning requests in flight: they
 * are sent again by the next worker.  flowpg.enabled = off keeps the
 * process but leaves the queues alone (requests already in flight are
 * still recorded).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

#include "db.h"
#include "exec.h"
#include "flowpg.h"
#include "http.h"
#include "notify_relay.h"
#include "trigger_schedule.h"
#include "wake.h"
#include "worker.h"
#include "worker_internal.h"
#include "worker_status.h"

#define WORKER_NAME "flowpg worker"

/* starts closer together than this without a planned hand-over wait for the rest */
#define RESTART_GAP_MS 5000
/* how often a worker without its database looks again */
#define PROBE_MS 1000
/* how long a result waits when its execution is locked by someone */
#define BUSY_RETRY_MS 50
/* while requests fill most slots, the queues are surveyed at most this often */
#define SURVEY_GAP_MS 20
/* while sends are in flight, the survey checks at least this often that their rows exist */
#define GONE_CHECK_MS 1000

PGDLLEXPORT void flowpg_worker_main(Datum arg);

/* The worker's start-up state, shared by its successive starts (who to wake is in wake.c). */
typedef struct WorkerShared
{
	slock_t		mutex;
	bool		handoff;		/* the database exists: the next start connects */
	TimestampTz last_start;
} WorkerShared;

static WorkerShared *worker_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* the worker process's own state */
static HttpEngine *engine = NULL;
static HTAB *claims = NULL;		/* WorkerClaim by work id: sends in flight or unrecorded */
static List *finished = NIL;	/* WorkerClaim *, results waiting to be recorded */
static MemoryContext worker_cxt = NULL;
static MemoryContext loop_cxt = NULL;
static MemoryContext unit_cxt = NULL;
static int	slots = 1;			/* requests the engine runs at once */
static int	slots_asked = 0;	/* flowpg.max_in_flight when slots was set */
static bool was_enabled = false;
static TimestampTz processing_since = 0;	/* occurrences before this were missed */
static TimestampTz last_survey = 0;
static TimestampTz next_fire = 0;	/* the earliest timer or schedule the last survey saw */
static TimestampTz next_send = 0;	/* the earliest unclaimed send the last survey saw */
static bool sends_unknown = false;	/* the last survey filled every free slot */
static bool look_again = true;	/* the next turn surveys, whatever woke it */
static bool skip_latch = false; /* the next wait is for sockets and time only */
static uint64 gone_seen = 0;	/* wake_work_gone_count() at the last check of sends in flight */
static TimestampTz last_gone_check = 0;

/* ---------------------------------------------------------------------
 * Registration, shared memory and waking
 * ---------------------------------------------------------------------
 */

/* Ask for the shared memory of the worker's start-up state. */
static void
worker_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerShared)));
}

/* Create (or attach to) the worker's shared state. */
static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("flowpg worker", sizeof(WorkerShared), &found);
	if (!found)
	{
		SpinLockInit(&worker_shared->mutex);
		worker_shared->handoff = false;
		worker_shared->last_start = 0;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Register the background worker when loaded from shared_preload_libraries. */
void
worker_init(void)
{
	BackgroundWorker w;

	if (!process_shared_preload_libraries_in_progress)
		return;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	w.bgw_start_time = BgWorkerStart_RecoveryFinished;
	/* restarted at once: the worker spaces unplanned restarts itself (worker_start_gate) */
	w.bgw_restart_time = 0;
	snprintf(w.bgw_library_name, BGW_MAXLEN, "flowpg");
	snprintf(w.bgw_function_name, BGW_MAXLEN, "flowpg_worker_main");
	snprintf(w.bgw_name, BGW_MAXLEN, WORKER_NAME);
	snprintf(w.bgw_type, BGW_MAXLEN, WORKER_NAME);
	RegisterBackgroundWorker(&w);
}

/* ---------------------------------------------------------------------
 * Start-up: the database, and restarts
 * ---------------------------------------------------------------------
 */

/*
 * Decide how this start goes: true to connect now (a previous start saw
 * the database), false to look for the database first.  An unplanned start
 * soon after the previous one (the worker died at once) waits out the rest
 * of RESTART_GAP_MS, so that a worker that cannot start does not loop.
 */
static bool
worker_start_gate(void)
{
	bool		handoff;
	TimestampTz last;
	TimestampTz now = GetCurrentTimestamp();

	SpinLockAcquire(&worker_shared->mutex);
	handoff = worker_shared->handoff;
	worker_shared->handoff = false;
	last = worker_shared->last_start;
	worker_shared->last_start = now;
	SpinLockRelease(&worker_shared->mutex);

	if (!handoff && last != 0)
	{
		TimestampTz until = TimestampTzPlusMilliseconds(last, RESTART_GAP_MS);

		while ((now = GetCurrentTimestamp()) < until)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 (until - now) / 1000 + 1, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	return handoff;
}

/* Whether database dbname exists and accepts connections (inside a transaction). */
static bool
database_ready(const char *dbname)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		ready = false;

	rel = table_open(DatabaseRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_database_datname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(dbname));
	/* as InitPostgres reads it: the index is usable only once its relcache entry is built */
	scan = systable_beginscan(rel, DatabaseNameIndexId, criticalSharedRelcachesBuilt, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		ready = db->datallowconn && !database_is_invalid_form(db);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return ready;
}

/*
 * Connected to no database: wait until flowpg.database_name exists, then
 * leave (exit code 1: the postmaster starts the worker again at once) with
 * a note that the next start may connect.
 */
static void
wait_for_database(void)
{
	bool		told = false;

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	SetConfigOption("application_name", WORKER_NAME, PGC_USERSET, PGC_S_SESSION);
	for (;;)
	{
		bool		ready;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		ready = database_ready(flowpg_database_name);
		CommitTransactionCommand();
		if (ready)
		{
			SpinLockAcquire(&worker_shared->mutex);
			worker_shared->handoff = true;
			SpinLockRelease(&worker_shared->mutex);
			if (told)
				ereport(LOG,
						(errmsg("flowpg worker: database \"%s\" exists now; connecting",
								flowpg_database_name)));
			proc_exit(1);
		}
		if (!told)
		{
			ereport(LOG,
					(errmsg("flowpg worker: waiting for database \"%s\" to exist",
							flowpg_database_name),
					 errhint("Create it, or set flowpg.database_name to the database whose flows the worker runs.")));
			told = true;
		}
		pgstat_report_activity(STATE_IDLE, NULL);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(PROBE_MS, flowpg_naptime_ms), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* On exit: stop the engine (closing its connections) and stop being woken. */
static void
worker_on_exit(int code, Datum arg)
{
	(void) code;
	(void) arg;
	/* as ShutdownPostgres would, before taking the relay's lock */
	LWLockReleaseAll();
	/* transactions notify by themselves again */
	notify_relay_attach(InvalidOid);
	if (engine)
	{
		http_engine_stop(engine);
		engine = NULL;
	}
	wake_unpublish_worker();
}

/* ---------------------------------------------------------------------
 * Sending and recording
 * ---------------------------------------------------------------------
 */

/* Settings changed (SIGHUP): reread them; resize the engine if max_in_flight changed. */
static void
reload_settings(void)
{
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	if (flowpg_max_in_flight != slots_asked)
	{
		slots = http_engine_resize(engine, flowpg_max_in_flight);
		slots_asked = flowpg_max_in_flight;
		ereport(LOG,
				(errmsg("flowpg worker: sending at most %d requests at once", slots)));
	}
}

/* Put a claim on the list of results to record (a list that outlives the iteration). */
static void
add_finished(WorkerClaim *c)
{
	MemoryContext old = MemoryContextSwitchTo(worker_cxt);

	finished = lappend(finished, c);
	MemoryContextSwitchTo(old);
}

/* Forget a claim (its result, if any, is freed). */
static void
drop_claim(WorkerClaim *c)
{
	int64		id = c->work_id;

	if (c->result)
		http_result_free(engine, c->result);
	if (c->error)
		pfree(c->error);
	if (c->namespace)
		pfree(c->namespace);
	hash_search(claims, &id, HASH_REMOVE, NULL);
}

/*
 * Hand a claimed send to the engine.  A send whose description cannot be
 * turned into a request finishes at once with that error, and is recorded
 * like any other result (its task run fails).
 */
static void
submit_claim(WorkerItem *item, TimestampTz claimed_at)
{
	WorkerClaim *c;
	bool		found;
	HttpRequest req;
	char	   *error = NULL;
	MemoryContext old;

	c = hash_search(claims, &item->work_id, HASH_ENTER, &found);
	if (found)
		return;					/* already ours: cannot happen, the row was claimed once */
	c->claimed_at = claimed_at;
	strlcpy(c->execution_id, item->execution_id, WORKER_ID_LEN);
	strlcpy(c->task_run_id, item->task_run_id, WORKER_ID_LEN);
	c->result = NULL;
	c->error = NULL;
	c->retry_at = 0;
	c->namespace = MemoryContextStrdup(worker_cxt, item->namespace ? item->namespace : "");
	c->gone = false;

	old = MemoryContextSwitchTo(unit_cxt);
	PG_TRY();
	{
		FpValue    *detail = exec_work_detail_open(item->task_run_id, item->detail);

		if (!worker_build_request(fp_get(detail, "request"), item->task_run_id,
								  item->attempt, &req, &error))
			c->error = MemoryContextStrdup(worker_cxt, error);
		else if (!http_engine_submit(engine, &req, (uint64) item->work_id))
			c->error = MemoryContextStrdup(worker_cxt, "out of memory while queueing the request");
	}
	PG_CATCH();
	{
		/* the row is claimed: it must end as a result, or it would wait for the next worker */
		MemoryContext cxt = CurrentMemoryContext;
		ErrorData  *edata;

		MemoryContextSwitchTo(worker_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		MemoryContextSwitchTo(cxt);
		c->error = edata->message ? edata->message : pstrdup("error while preparing the request");
	}
	PG_END_TRY();
	if (c->error)
		add_finished(c);
	MemoryContextSwitchTo(old);
	MemoryContextReset(unit_cxt);
}

/* Move what the engine finished onto the list of results to record. */
static void
collect_results(void)
{
	HttpResult *r;

	/* the engine's own failure (epoll) is the process's: a new worker sends again */
	if (http_engine_poll(engine, 0) < 0)
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("flowpg worker: the HTTP engine failed: %s", http_engine_error(engine))));
	while ((r = http_engine_next_result(engine)) != NULL)
	{
		int64		id = (int64) r->tag;
		WorkerClaim *c = hash_search(claims, &id, HASH_FIND, NULL);

		if (c == NULL)
		{
			http_result_free(engine, r);
			continue;
		}
		if (c->gone)
		{
			/* aborted: its row is gone or queued again; nothing is recorded */
			http_result_free(engine, r);
			drop_claim(c);
			continue;
		}
		c->result = r;
		add_finished(c);
	}
}

/*
 * Record the finished results, each in a transaction of its own.  One
 * whose execution someone holds locked waits for a later iteration; one
 * whose recording raises fails its task run instead.  Returns how long
 * until a put-off result should be tried again (-1: none waits).
 */
static long
record_results(void)
{
	List	   *later = NIL;
	ListCell   *lc;
	TimestampTz now = GetCurrentTimestamp();
	long		wait_ms = -1;

	foreach(lc, finished)
	{
		WorkerClaim *c = lfirst(lc);
		volatile WorkerStep step = WORKER_STEP_DONE;
		char	   *volatile error = NULL;

		if (c->retry_at > now)
		{
			later = lappend(later, c);
			continue;
		}
		pgstat_report_activity(STATE_RUNNING, "flowpg worker: recording a result");
		MemoryContextSwitchTo(unit_cxt);
		PG_TRY();
		{
			FpValue    *result = c->result ? worker_result_value(c->result) :
				worker_error_value(c->error);

			step = worker_record_result(c, result);
		}
		PG_CATCH();
		{
			bool		busy = false;

			error = worker_abandon_step(unit_cxt, &busy);
			if (busy)
			{
				step = WORKER_STEP_BUSY;
				error = NULL;
			}
		}
		PG_END_TRY();
		if (error)
			worker_unit_failed(c->work_id, c->claimed_at, c->execution_id, error);
		MemoryContextSwitchTo(loop_cxt);
		MemoryContextReset(unit_cxt);

		if (step == WORKER_STEP_BUSY)
		{
			c->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), BUSY_RETRY_MS);
			later = lappend(later, c);
		}
		else
		{
			worker_status_note_send(c->task_run_id, c->result);
			drop_claim(c);
		}
	}
	list_free(finished);
	/* the list lives in the worker's context, across iterations */
	MemoryContextSwitchTo(worker_cxt);
	finished = list_copy(later);
	MemoryContextSwitchTo(loop_cxt);
	if (later != NIL)
		wait_ms = BUSY_RETRY_MS;
	list_free(later);
	return wait_ms;
}

/*
 * Fire the due timers of a survey, each in a transaction of its own.
 * Returns how many were fired; *busy says whether one was put off.
 */
static int
fire_timers(List *timers, bool *busy)
{
	ListCell   *lc;
	volatile int fired = 0;

	foreach(lc, timers)
	{
		WorkerItem *t = lfirst(lc);
		volatile WorkerStep step = WORKER_STEP_DONE;
		char	   *volatile error = NULL;

		pgstat_report_activity(STATE_RUNNING, "flowpg worker: firing a timer");
		MemoryContextSwitchTo(unit_cxt);
		PG_TRY();
		{
			step = worker_fire_timer(t);
		}
		PG_CATCH();
		{
			bool		busy = false;

			error = worker_abandon_step(unit_cxt, &busy);
			if (busy)
			{
				step = WORKER_STEP_BUSY;
				error = NULL;
			}
		}
		PG_END_TRY();
		if (error)
			worker_unit_failed(t->work_id, 0, t->execution_id, error);
		MemoryContextSwitchTo(loop_cxt);
		MemoryContextReset(unit_cxt);
		if (step == WORKER_STEP_BUSY)
			*busy = true;
		else
			fired++;
	}
	return fired;
}

/* Fire one due schedule in a transaction of its own. */
static void
fire_schedule_step(WorkerItem *t)
{
	DbScope		scope;
	bool		present;

	worker_step_begin(false);
	if (worker_extension_ready(&present))
	{
		db_enter(&scope);
		trigger_schedule_fire(t->namespace, t->flow_id, t->trigger_id, processing_since);
		db_leave(&scope);
	}
	worker_step_end();
}

/* Move a schedule that failed past the current time, in a transaction of its own. */
static void
skip_schedule_step(WorkerItem *t)
{
	DbScope		scope;
	bool		present;

	worker_step_begin(false);
	if (worker_extension_ready(&present))
	{
		db_enter(&scope);
		trigger_schedule_skip(t->namespace, t->flow_id, t->trigger_id);
		db_leave(&scope);
	}
	worker_step_end();
}

/* Fire the due schedules of a survey: one occurrence each, a transaction each. */
static void
fire_schedules(List *schedules)
{
	ListCell   *lc;

	foreach(lc, schedules)
	{
		WorkerItem *t = lfirst(lc);
		volatile bool failed = false;

		pgstat_report_activity(STATE_RUNNING, "flowpg worker: firing a schedule");
		MemoryContextSwitchTo(unit_cxt);
		PG_TRY();
		{
			fire_schedule_step(t);
		}
		PG_CATCH();
		{
			(void) worker_abandon_step(unit_cxt, NULL);
			failed = true;
		}
		PG_END_TRY();
		if (failed)
		{
			ereport(WARNING,
					(errmsg("flowpg worker: schedule \"%s\" of flow \"%s\" in namespace \"%s\" could not start its flow; skipping to its next time",
							t->trigger_id, t->flow_id, t->namespace)));
			PG_TRY();
			{
				skip_schedule_step(t);
			}
			PG_CATCH();
			{
				(void) worker_abandon_step(unit_cxt, NULL);
			}
			PG_END_TRY();
		}
		MemoryContextSwitchTo(loop_cxt);
		MemoryContextReset(unit_cxt);
	}
}

/*
 * The sends the engine has (running or queued) as the survey sees them, in
 * memory of the current context; *n of them.
 */
static WorkerInFlight *
list_in_flight(int *n)
{
	HASH_SEQ_STATUS seq;
	WorkerClaim *c;
	WorkerInFlight *list = palloc(sizeof(WorkerInFlight) * (hash_get_num_entries(claims) + 1));
	int			count = 0;

	hash_seq_init(&seq, claims);
	while ((c = hash_seq_search(&seq)) != NULL)
	{
		if (c->result || c->error || c->gone)
			continue;
		list[count].work_id = c->work_id;
		list[count].claimed_at = c->claimed_at;
		list[count].namespace = c->namespace;
		count++;
	}
	*n = count;
	return list;
}

/*
 * Abort the sends in flight of these work rows (their rows are gone, or
 * were given back to the queue): the engine drops their transfers at once,
 * closing their connections and freeing their slots, and their results,
 * collected here, are dropped without being recorded.
 */
static void
abort_sends(const int64 *ids, int n)
{
	int			i;
	int			marked = 0;

	for (i = 0; i < n; i++)
	{
		int64		id = ids[i];
		WorkerClaim *c = hash_search(claims, &id, HASH_FIND, NULL);

		if (c == NULL || c->gone || c->result || c->error)
			continue;
		c->gone = true;
		marked++;
		/* false: it has just finished, and its result waits in the engine */
		(void) http_engine_cancel(engine, (uint64) id);
	}
	/* every one's result is in the engine now: drop them, so that the ids may be claimed anew */
	if (marked > 0)
		collect_results();
}

/* Milliseconds from now until t, at least 0 (t = 0: never, -1). */
static long
ms_until(TimestampTz t, TimestampTz now)
{
	if (t == 0)
		return -1;
	if (t <= now)
		return 0;
	return (long) Min((t - now) / 1000 + 1, (int64) LONG_MAX);
}

/* The smaller of two waits, where -1 is none. */
static long
min_wait(long a, long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return Min(a, b);
}

/* The time by which the queues must be surveyed again: what falls due, or flowpg.naptime. */
static TimestampTz
survey_deadline(void)
{
	TimestampTz t = TimestampTzPlusMilliseconds(last_survey, flowpg_naptime_ms);

	if (next_fire != 0 && next_fire < t)
		t = next_fire;
	if (next_send != 0 && next_send < t)
		t = next_send;
	return t;
}

/* Whether the queues must be surveyed now, however the worker was woken. */
static bool
survey_due(TimestampTz now)
{
	return last_survey == 0 || survey_deadline() <= now;
}

/*
 * A turn woken by the notify relay (or by results) with nothing queued,
 * gone or due: relay the notifications, and sleep until the survey falls
 * due (or, with n_in_flight sends in flight, until the next look at
 * whether their rows still exist).
 */
static long
relay_only_turn(long results_wait, int n_in_flight)
{
	long		wait_ms;
	TimestampTz now;

	pgstat_report_activity(STATE_RUNNING, "flowpg worker: relaying notifications");
	worker_relay_notifications();
	now = GetCurrentTimestamp();
	wait_ms = min_wait(ms_until(survey_deadline(), now), results_wait);
	/* sends in flight: wake for the next look at whether their rows still exist */
	if (n_in_flight > 0)
		wait_ms = min_wait(wait_ms,
						   ms_until(TimestampTzPlusMilliseconds(last_gone_check, GONE_CHECK_MS), now));
	if (wait_ms < 0 || wait_ms > flowpg_naptime_ms)
		wait_ms = flowpg_naptime_ms;
	return wait_ms;
}

/*
 * One turn of the loop: record what finished, survey the queues, fire what
 * is due, send what was claimed.  Returns how long the worker may sleep
 * (the engine's sockets and the latch wake it earlier).
 */
static long
worker_iteration(void)
{
	static bool first = true;
	WorkerSurvey s;
	bool		enabled = flowpg_enabled;
	bool		busy = false;
	int			fired = 0;
	long		wait_ms;
	long		results_wait;
	int			free_slots;
	ListCell   *lc;
	TimestampTz now;

	collect_results();
	results_wait = record_results();

	if (enabled != was_enabled)
	{
		if (enabled)
			processing_since = GetCurrentTimestamp();
		if (!first)
			ereport(LOG,
					(errmsg(enabled ? "flowpg worker: processing again (flowpg.enabled is on)" :
							"flowpg worker: paused (flowpg.enabled is off); work stays queued")));
		was_enabled = enabled;
	}
	first = false;

	/*
	 * While requests fill most slots, a survey would claim one or two sends
	 * and pay a durable commit for them: wait for results to free a batch of
	 * slots (or SURVEY_GAP_MS to pass, or a timer to fall due), and meanwhile
	 * let commits that only announce more work not wake the worker.
	 */
	free_slots = slots - http_engine_running(engine) - http_engine_queued(engine);
	now = GetCurrentTimestamp();
	if (enabled && was_enabled && last_survey != 0 && free_slots < Max(1, slots / 8) &&
		(next_fire == 0 || next_fire > now) &&
		now < TimestampTzPlusMilliseconds(last_survey, SURVEY_GAP_MS))
	{
		skip_latch = true;
		return min_wait(ms_until(TimestampTzPlusMilliseconds(last_survey, SURVEY_GAP_MS), now),
						results_wait);
	}

	{
		int			n_in_flight;
		WorkerInFlight *in_flight = list_in_flight(&n_in_flight);
		uint64		gone_now = wake_work_gone_count();
		bool		check_gone = n_in_flight > 0 &&
			(gone_now != gone_seen ||
			 now >= TimestampTzPlusMilliseconds(last_gone_check, GONE_CHECK_MS));
		bool		queued = wake_take_queued();

		/* woken by the relay or by results, with nothing queued, gone or due: relay only */
		if (!queued && !check_gone && !look_again && enabled && was_enabled &&
			!(sends_unknown && free_slots > 0) && !survey_due(now))
			return relay_only_turn(results_wait, n_in_flight);

		pgstat_report_activity(STATE_RUNNING, "flowpg worker: surveying the queues");
		look_again = true;		/* until this survey is through */
		worker_survey(&s, enabled, slots, Max(free_slots, 0), in_flight, n_in_flight,
					  check_gone);
		if (check_gone && s.extension && enabled)
		{
			gone_seen = gone_now;
			last_gone_check = now;
		}
	}
	last_survey = GetCurrentTimestamp();
	next_fire = s.next_timer;
	if (s.next_schedule != 0 && (next_fire == 0 || s.next_schedule < next_fire))
		next_fire = s.next_schedule;
	next_send = s.next_send;
	sends_unknown = list_length(s.claims) >= Max(free_slots, 0);
	worker_status_note_state(!s.extension ? WORKER_RUN_WAITING_EXTENSION :
							 enabled ? WORKER_RUN_RUNNING : WORKER_RUN_PAUSED);
	if (!s.extension)
		return flowpg_naptime_ms;
	if (s.appeared)
	{
		ereport(LOG, (errmsg("flowpg worker: running the flows of database \"%s\"",
							 flowpg_database_name)));
		processing_since = GetCurrentTimestamp();
	}
	if (!enabled)
		return results_wait >= 0 ? results_wait : flowpg_naptime_ms;
	look_again = false;

	/* slots of sends whose work is gone, or given back to another namespace, free first */
	abort_sends(s.gone, s.ngone);
	abort_sends(s.given_back, s.ngiven_back);
	/* sends first: their claims are committed, and the network overlaps the rest */
	foreach(lc, s.claims)
		submit_claim(lfirst(lc), s.claimed_at);
	fired = fire_timers(s.timers, &busy);
	fire_schedules(s.schedules);

	/* something was fired, or could not even be sent: look again at once */
	look_again = true;
	if (fired > 0 || s.schedules != NIL)
		return 0;
	foreach(lc, finished)
		if (((WorkerClaim *) lfirst(lc))->retry_at == 0)
			return 0;
	look_again = busy;

	now = GetCurrentTimestamp();
	wait_ms = min_wait(ms_until(s.next_send, now), ms_until(s.next_timer, now));
	wait_ms = min_wait(wait_ms, ms_until(s.next_schedule, now));
	if (busy && wait_ms >= 0 && wait_ms < BUSY_RETRY_MS)
		wait_ms = BUSY_RETRY_MS;	/* a timer's execution is locked: do not spin on it */
	wait_ms = min_wait(wait_ms, results_wait);
	if (wait_ms < 0 || wait_ms > flowpg_naptime_ms)
		wait_ms = flowpg_naptime_ms;
	/* sends in flight: look again soon whether their rows still exist */
	if (http_engine_running(engine) + http_engine_queued(engine) > 0 && wait_ms > GONE_CHECK_MS)
		wait_ms = GONE_CHECK_MS;
	return wait_ms;
}

/*
 * Wait up to max_ms for the engine's sockets or timers only, not the latch
 * (see worker_iteration); a shutdown is seen at the next interrupt check,
 * at most max_ms later.
 */
static void
wait_for_engine(long max_ms)
{
	int			engine_ms = http_engine_timeout(engine);
	int			events = WL_TIMEOUT | WL_EXIT_ON_PM_DEATH;

	if (engine_ms >= 0 && engine_ms < max_ms)
		max_ms = engine_ms;
	if (http_engine_running(engine) > 0)
		events |= WL_SOCKET_READABLE;
	(void) WaitLatchOrSocket(NULL, events, http_engine_fd(engine), max_ms, PG_WAIT_EXTENSION);
}

/* The connected worker's loop; never returns. */
static void
worker_loop(void)
{
	HASHCTL		ctl;
	volatile long error_wait = 0;

	worker_cxt = AllocSetContextCreate(TopMemoryContext, "flowpg worker",
									   ALLOCSET_DEFAULT_SIZES);
	loop_cxt = AllocSetContextCreate(worker_cxt, "flowpg worker loop",
									 ALLOCSET_DEFAULT_SIZES);
	unit_cxt = AllocSetContextCreate(worker_cxt, "flowpg worker step",
									 ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(WorkerClaim);
	ctl.hcxt = worker_cxt;
	claims = hash_create("flowpg worker claims", 256, &ctl,
						 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	engine = http_engine_start(flowpg_max_in_flight, flowpg_http_timeout_ms);
	slots = http_engine_resize(engine, flowpg_max_in_flight);
	slots_asked = flowpg_max_in_flight;
	before_shmem_exit(worker_on_exit, (Datum) 0);
	wake_publish_worker();
	/* committed transactions hand their NOTIFYs to this worker (notify_relay.c) */
	notify_relay_attach(MyDatabaseId);

	for (;;)
	{
		long		wait_ms = 0;
		bool		failed = false;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			reload_settings();

		MemoryContextSwitchTo(loop_cxt);
		PG_TRY();
		{
			wait_ms = worker_iteration();
		}
		PG_CATCH();
		{
			(void) worker_abandon_step(loop_cxt, NULL);
			failed = true;
		}
		PG_END_TRY();
		MemoryContextSwitchTo(TopMemoryContext);
		MemoryContextReset(loop_cxt);
		MemoryContextReset(unit_cxt);
		worker_status_note_in_flight(http_engine_running(engine) + http_engine_queued(engine));

		if (failed)
		{
			/* an error outside any step: try again, later each time */
			error_wait = Min(Max(error_wait * 2, 1000), flowpg_naptime_ms);
			wait_ms = error_wait;
		}
		else
			error_wait = 0;

		pgstat_report_activity(STATE_IDLE, NULL);
		if (skip_latch)
		{
			/* a set latch stays set for the next full wait */
			skip_latch = false;
			if (wait_ms != 0)
				wait_for_engine(wait_ms);
			continue;
		}
		if (wait_ms != 0)
			(void) http_engine_wait(engine, wait_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* Entry point of the background worker. */
void
flowpg_worker_main(Datum arg)
{
	(void) arg;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	worker_status_note_start();

	if (!worker_start_gate())
		wait_for_database();	/* exits when the database is there */

	BackgroundWorkerInitializeConnection(flowpg_database_name, NULL, 0);
	SetConfigOption("application_name", WORKER_NAME, PGC_USERSET, PGC_S_SESSION);
	/* a parent or child row a person holds puts a step off, never stalls the worker */
	exec_load_without_waiting();
	worker_loop();
}
