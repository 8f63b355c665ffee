/*-------------------------------------------------------------------------
 *
 * worker_status.h
 *	  The background worker's health, kept in shared memory: what the
 *	  worker reports about itself (worker.c calls the worker_status_note_*
 *	  functions), what flowpg.worker_status shows, and the warning a
 *	  transaction gets when it queues sends that no worker will send.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_WORKER_STATUS_H
#define FLOWPG_WORKER_STATUS_H

#include "storage/spin.h"
#include "utils/timestamp.h"

#include "http.h"

/* What the connected worker is doing. */
typedef enum WorkerRunState
{
	WORKER_RUN_WAITING_DATABASE,	/* looking for flowpg.database_name */
	WORKER_RUN_WAITING_EXTENSION,	/* connected; no extension (or an older one) */
	WORKER_RUN_RUNNING,			/* sending and firing */
	WORKER_RUN_PAUSED			/* flowpg.enabled is off */
} WorkerRunState;

#define WORKER_STATUS_ERROR_SIZE 512

/* What the worker wrote about itself (the shared struct, or a copy of it). */
typedef struct WorkerStatusSnapshot
{
	slock_t		mutex;
	TimestampTz initialized_at; /* when the server made this memory */
	pid_t		pid;			/* the worker process, 0 when there is none */
	Oid			database;		/* the database it is connected to, or InvalidOid */
	WorkerRunState state;
	TimestampTz started_at;
	TimestampTz stopped_at;		/* when the last worker process ended, 0: never */
	int			in_flight;
	uint64		sends_completed;
	uint64		sends_failed;
	TimestampTz last_error_at;	/* 0: none since the server started */
	char		last_error[WORKER_STATUS_ERROR_SIZE];
} WorkerStatusSnapshot;

/* Ask for the shared memory (from _PG_init, under shared_preload_libraries only). */
extern void worker_status_init(void);

/* The worker, about itself. */
extern void worker_status_note_start(void);
extern void worker_status_note_exit(void);
extern void worker_status_note_state(WorkerRunState state);
extern void worker_status_note_in_flight(int n);
extern void worker_status_note_error(const char *message);
/* a send's result was recorded: result (NULL when it could not be sent at all) */
extern void worker_status_note_send(const char *task_run_id, const HttpResult *result);

/*
 * A transaction queued a send (an HTTP, webhook or mail task): warn, once
 * per statement, when no worker will send it from this database.
 */
extern void worker_status_check_served(void);

/* Readers: a copy of the shared struct (false: not preloaded), a state's word. */
extern bool worker_status_snapshot(WorkerStatusSnapshot *out);
extern const char *worker_status_state_name(WorkerRunState state);

/* Why nothing queued in this database will be sent (and a hint), or NULL when a worker serves it. */
extern const char *worker_status_unserved_reason(const char **hint);

#endif							/* FLOWPG_WORKER_STATUS_H */
