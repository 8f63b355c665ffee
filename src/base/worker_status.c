/*-------------------------------------------------------------------------
 *
 * worker_status.c
 *	  The background worker's health (flowpg.worker_status): a small
 *	  struct in shared memory that the worker writes as it goes (its pid and
 *	  database, what it is doing, the requests in the engine, sends recorded
 *	  and failed, the last error) and any backend reads (api_worker_status.c
 *	  joins it with this database's queue for flowpg.worker_status).
 *
 * The same knowledge gives the warning of a transaction that queues a
 * send no worker will send (issue 13, "nothing silent"): flowpg not in
 * shared_preload_libraries (no worker at all), a worker serving another
 * database (flowpg.database_name), or no worker process for longer than
 * a restart takes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "flowpg.h"
#include "worker_status.h"

/* longest gap without a worker process that a restart explains (a hand-over, a crash) */
#define NOT_RUNNING_GRACE_MS 10000


static WorkerStatusSnapshot *status = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static const char *const state_names[] = {
	[WORKER_RUN_WAITING_DATABASE] = "waiting for database",
	[WORKER_RUN_WAITING_EXTENSION] = "waiting for extension",
	[WORKER_RUN_RUNNING] = "running",
	[WORKER_RUN_PAUSED] = "paused",
};


/* ---------------------------------------------------------------------
 * Shared memory
 * ---------------------------------------------------------------------
 */

static void
worker_status_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerStatusSnapshot)));
}

static void
worker_status_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	status = ShmemInitStruct("flowpg worker status", sizeof(WorkerStatusSnapshot), &found);
	if (!found)
	{
		memset(status, 0, sizeof(WorkerStatusSnapshot));
		SpinLockInit(&status->mutex);
		status->initialized_at = GetCurrentTimestamp();
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Ask for the shared memory; only under shared_preload_libraries (else: no worker, no status). */
void
worker_status_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_status_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_status_shmem_startup;
}

/* ---------------------------------------------------------------------
 * The worker, about itself
 * ---------------------------------------------------------------------
 */

/* On exit: there is no worker any more. */
static void
note_exit(int code, Datum arg)
{
	(void) code;
	(void) arg;
	worker_status_note_exit();
}

/* A worker process starts: its counters start from zero; the last error stays. */
void
worker_status_note_start(void)
{
	if (status == NULL)
		return;
	SpinLockAcquire(&status->mutex);
	status->pid = MyProcPid;
	status->database = InvalidOid;
	status->state = WORKER_RUN_WAITING_DATABASE;
	status->started_at = GetCurrentTimestamp();
	status->in_flight = 0;
	status->sends_completed = 0;
	status->sends_failed = 0;
	SpinLockRelease(&status->mutex);
	before_shmem_exit(note_exit, (Datum) 0);
}

/* The worker process ends (also called by its exit callback). */
void
worker_status_note_exit(void)
{
	if (status == NULL)
		return;
	SpinLockAcquire(&status->mutex);
	if (status->pid == MyProcPid)
	{
		status->pid = 0;
		status->database = InvalidOid;
		status->in_flight = 0;
		status->stopped_at = GetCurrentTimestamp();
	}
	SpinLockRelease(&status->mutex);
}

/* What the worker does now (and, once connected, its database). */
void
worker_status_note_state(WorkerRunState state)
{
	if (status == NULL)
		return;
	SpinLockAcquire(&status->mutex);
	status->state = state;
	status->database = MyDatabaseId;
	SpinLockRelease(&status->mutex);
}

/* How many requests the engine holds (running or waiting for a slot). */
void
worker_status_note_in_flight(int n)
{
	if (status == NULL)
		return;
	SpinLockAcquire(&status->mutex);
	status->in_flight = n;
	SpinLockRelease(&status->mutex);
}

/* An error the worker reported in the server log (a step that raised). */
void
worker_status_note_error(const char *message)
{
	if (status == NULL)
		return;
	SpinLockAcquire(&status->mutex);
	strlcpy(status->last_error, message ? message : "unknown error", WORKER_STATUS_ERROR_SIZE);
	status->last_error_at = GetCurrentTimestamp();
	SpinLockRelease(&status->mutex);
}

/* A word for why a send failed, safe to show: never a URL, a body or a server's text. */
static const char *
outcome_word(const HttpResult *r)
{
	if (r == NULL)
		return "could not be sent";
	switch (r->outcome)
	{
		case HTTP_OUTCOME_DONE:
			return "answered with an error code";
		case HTTP_OUTCOME_TIMEOUT:
			return "timed out";
		case HTTP_OUTCOME_CONNECT:
			return "could not connect";
		case HTTP_OUTCOME_FAILED:
			return "failed (TLS, protocol, authentication or a refused recipient)";
		case HTTP_OUTCOME_INVALID:
			return "was refused before sending";
		case HTTP_OUTCOME_CANCELLED:
			return "was cancelled";
	}
	return "failed";
}

/*
 * A send's result was recorded.  Failed: no answer, or an HTTP code of 400
 * or more (whether or not the task allows it); the last error then names
 * the task run and the kind of failure (a response or a libcurl message may
 * carry a secret, and this memory is not masked).
 */
void
worker_status_note_send(const char *task_run_id, const HttpResult *result)
{
	bool		failed;
	char		message[WORKER_STATUS_ERROR_SIZE];

	if (status == NULL)
		return;
	failed = result == NULL || result->outcome != HTTP_OUTCOME_DONE ||
		(result->kind == HTTP_KIND_HTTP && result->code >= 400);
	if (failed)
	{
		if (result && result->outcome == HTTP_OUTCOME_DONE)
			snprintf(message, sizeof(message), "the request of task run %s %s (%ld)",
					 task_run_id, outcome_word(result), result->code);
		else
			snprintf(message, sizeof(message), "the request of task run %s %s",
					 task_run_id, outcome_word(result));
	}
	SpinLockAcquire(&status->mutex);
	if (failed)
	{
		status->sends_failed++;
		strlcpy(status->last_error, message, WORKER_STATUS_ERROR_SIZE);
		status->last_error_at = GetCurrentTimestamp();
	}
	else
		status->sends_completed++;
	SpinLockRelease(&status->mutex);
}

/* ---------------------------------------------------------------------
 * Readers
 * ---------------------------------------------------------------------
 */

/*
 * Why nothing queued in this database will be sent, as a sentence (and a
 * hint), or NULL when a worker serves it.
 */
const char *
worker_status_unserved_reason(const char **hint)
{
	char	   *dbname = get_database_name(MyDatabaseId);
	pid_t		pid;
	TimestampTz since;

	if (status == NULL)
	{
		*hint = "Add flowpg to shared_preload_libraries and restart the server; the work stays queued until a worker serves this database.";
		return "flowpg is not in shared_preload_libraries, so no background worker runs.";
	}
	if (RecoveryInProgress())
	{
		*hint = "Write on the primary, whose worker sends and fires; this server's worker starts when it is promoted.";
		return "This server is a standby: no worker runs here until it is promoted.";
	}
	if (dbname == NULL || strcmp(dbname, flowpg_database_name) != 0)
	{
		*hint = "Set flowpg.database_name to this database and restart the server; the work stays queued until a worker serves this database.";
		return psprintf("The flowpg worker serves database \"%s\" (flowpg.database_name), not this one.",
						flowpg_database_name);
	}
	SpinLockAcquire(&status->mutex);
	pid = status->pid;
	since = Max(status->initialized_at, status->stopped_at);
	SpinLockRelease(&status->mutex);
	if (pid == 0 &&
		TimestampDifferenceExceeds(since, GetCurrentTimestamp(), NOT_RUNNING_GRACE_MS))
	{
		*hint = "The server log says why it stopped; check max_worker_processes. The work stays queued until a worker runs.";
		return "The flowpg background worker is not running.";
	}
	return NULL;
}

/* Warn, once per statement, when a send queued here will not be sent (see worker_status.h). */
void
worker_status_check_served(void)
{
	static LocalTransactionId warned_lxid = InvalidLocalTransactionId;
	static TimestampTz warned_statement = 0;
	const char *reason;
	const char *hint = NULL;

	if (status != NULL && status->pid == MyProcPid)
		return;					/* the worker itself */
	if (MyProc->lxid == warned_lxid && GetCurrentStatementStartTimestamp() == warned_statement)
		return;
	reason = worker_status_unserved_reason(&hint);
	if (reason == NULL)
		return;
	warned_lxid = MyProc->lxid;
	warned_statement = GetCurrentStatementStartTimestamp();
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("nothing will send the HTTP, webhook and mail tasks queued in database \"%s\"",
					get_database_name(MyDatabaseId)),
			 errdetail_internal("%s", reason),
			 errhint("%s", hint)));
}

/* A copy of what the worker wrote; false when flowpg is not preloaded (then *out is zero). */
bool
worker_status_snapshot(WorkerStatusSnapshot *out)
{
	memset(out, 0, sizeof(*out));
	if (status == NULL)
		return false;
	SpinLockAcquire(&status->mutex);
	memcpy(out, status, sizeof(*out));
	SpinLockRelease(&status->mutex);
	return true;
}

/* The word flowpg.worker_status shows for a state. */
const char *
worker_status_state_name(WorkerRunState state)
{
	return state_names[state];
}
