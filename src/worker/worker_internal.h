/*-------------------------------------------------------------------------
 *
 * worker_internal.h
 *	  What the parts of the background worker share: the process and its
 *	  loop (worker.c), the transactions it runs on flowpg's tables
 *	  (worker_steps.c), and the translation between request descriptions
 *	  and the HTTP engine (worker_request.c).  Nothing outside the worker
 *	  includes this file; the rest of flowpg sees worker.h only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_WORKER_INTERNAL_H
#define FLOWPG_WORKER_INTERNAL_H

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

#include "http.h"
#include "value.h"

/* room for an execution or task run id (22 characters) with a wide margin */
#define WORKER_ID_LEN 64

/* a send in flight may be given back to its queue (worker_share.c) after this long */
#define WORKER_GIVE_BACK_AFTER_MS 1000

/* How many timers and schedules one survey hands out. */
#define WORKER_BATCH 100

/*
 * A send the worker claimed: its work row, and what the engine returned
 * for it once finished (kept until the result is recorded).
 */
typedef struct WorkerClaim
{
	int64		work_id;		/* hash key, and the engine's tag */
	TimestampTz claimed_at;		/* the claim's mark on the row */
	char		execution_id[WORKER_ID_LEN];
	char		task_run_id[WORKER_ID_LEN];
	HttpResult *result;			/* NULL while in flight */
	char	   *error;			/* or why it could not be sent at all */
	TimestampTz retry_at;		/* recording put off until then (execution locked) */
	char	   *namespace;		/* its execution's, for sharing slots (worker_share.c) */
	bool		gone;			/* aborted: its row is gone or was given back */
} WorkerClaim;

/* A send in flight, as the survey sees it: its row, its claim, its namespace. */
typedef struct WorkerInFlight
{
	int64		work_id;
	TimestampTz claimed_at;
	const char *namespace;
} WorkerInFlight;

/* One namespace in the sharing of slots (worker_share.c). */
typedef struct WorkerShare
{
	const char *namespace;
	int			in_flight;		/* its sends in flight */
	int			can_give;		/* of which in flight long enough to be given back */
	int			due;			/* its sends due and not claimed (at most all slots) */
	int			claim;			/* out: how many of them to claim now */
	int			give_back;		/* out: how many in flight to abort and queue again */
} WorkerShare;

/* A row handed out by a survey: a claimed send, a due timer or a due schedule. */
typedef struct WorkerItem
{
	int64		work_id;
	char	   *execution_id;
	char	   *task_run_id;
	FpValue    *detail;			/* claimed sends: the row's detail */
	int			attempt;		/* claimed sends: the attempt this send is */
	char	   *namespace;		/* schedules */
	char	   *flow_id;
	char	   *trigger_id;
} WorkerItem;

/* What one survey of the queues found. */
typedef struct WorkerSurvey
{
	bool		extension;		/* the extension exists in the worker's database */
	bool		appeared;		/* ... and did not at the previous survey */
	TimestampTz claimed_at;
	List	   *claims;			/* WorkerItem *, claimed sends (namespace set) */
	int64	   *gone;			/* sends in flight whose row is gone or claimed anew */
	int			ngone;
	int64	   *given_back;		/* sends in flight given back: queued again (worker_share.c) */
	int			ngiven_back;
	List	   *timers;			/* WorkerItem *, due timers */
	List	   *schedules;		/* WorkerItem *, due schedules */
	TimestampTz next_send;		/* earliest unclaimed send still queued, 0: none */
	TimestampTz next_timer;		/* earliest timer not yet due or not handed out, 0: none */
	TimestampTz next_schedule;	/* earliest schedule, 0: none */
} WorkerSurvey;

/* How a step that needs an execution's lock went. */
typedef enum WorkerStep
{
	WORKER_STEP_DONE,			/* done (or nothing left to do) */
	WORKER_STEP_BUSY			/* the execution is locked by someone: try later */
} WorkerStep;

/* worker_steps.c */
extern bool worker_extension_ready(bool *present);
extern void worker_survey(WorkerSurvey *s, bool enabled, int slots, int free_slots,
						  WorkerInFlight *in_flight, int n_in_flight, bool check_gone);
extern void worker_relay_notifications(void);
extern WorkerStep worker_record_result(WorkerClaim *c, FpValue *result);
extern WorkerStep worker_fire_timer(WorkerItem *t);
extern void worker_unit_failed(int64 work_id, TimestampTz claimed_at, const char *execution_id,
							   const char *message);
extern char *worker_abandon_step(MemoryContext cxt, bool *busy);
extern void worker_step_begin(bool durable);
extern void worker_step_end(void);

/* worker_share.c */
extern int	worker_share(WorkerShare *ns, int n, int slots, int free_slots);

/* worker_request.c */
extern bool worker_build_request(const FpValue *description, const char *task_run_id,
								 int attempt, HttpRequest *req, char **error);
extern FpValue *worker_result_value(const HttpResult *r);
extern FpValue *worker_error_value(const char *error);
extern char *worker_clean_text(const char *s, size_t len);

#endif							/* FLOWPG_WORKER_INTERNAL_H */
