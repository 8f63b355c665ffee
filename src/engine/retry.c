/*-------------------------------------------------------------------------
 *
 * retry.c
 *	  The retry policy of a task run (SPEC section 5): whether a failed
 *	  attempt is tried again, and when.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "datetime.h"
#include "db.h"
#include "security.h"
#include "executor.h"
#include "retry.h"
#include "step.h"
#include "value_jsonb.h"

/* The retry metadata of an execution (Kestra's execution metadata), NULL for a first one. */
static DbQuery q_metadata = DB_QUERY(
	"SELECT (metadata->>'attemptNumber')::int, metadata->>'originalId',"
	" (metadata->>'originalCreatedDate')::timestamptz"
	" FROM flowpg.executions WHERE id = $1 AND metadata IS NOT NULL",
	1, TEXTOID);

static DbQuery q_set_metadata = DB_QUERY(
	"UPDATE flowpg.executions SET metadata = $2 WHERE id = $1",
	2, TEXTOID, JSONBOID);

/* Which execution a retry counts from: its attempt number, first id and first start. */
typedef struct RetryOrigin
{
	int32		attempt;		/* 1 for an execution that no retry created */
	char	   *original_id;
	TimestampTz original_created_at;
} RetryOrigin;

/*
 * The origin of the execution retry_start_new is starting (its first step
 * runs inside executor_start, before its metadata is written), or NULL.
 */
static const RetryOrigin *starting = NULL;
static const CompiledFlow *starting_flow = NULL;

/* The origin of e (a 0.1 database not yet updated has no metadata: a first attempt). */
static RetryOrigin
origin_of(Execution *e)
{
	RetryOrigin o = {1, e->id, e->created_at};
	Datum		arg = CStringGetTextDatum(e->id);

	if (e->is_new && starting && e->flow == starting_flow && e->parent_id == NULL)
		return *starting;
	if (!e->is_new && !db_schema_is_0_1() &&
		db_exec(&q_metadata, &arg, NULL, true, 1) == 1)
	{
		o.attempt = db_int4(0, 1);
		o.original_id = db_text(0, 2);
		o.original_created_at = db_time(0, 3);
	}
	return o;
}

/* A duration in microseconds from an FpValue (a string such as PT1S); -1 if none. */
static int64
duration_of(const FpValue *v)
{
	int64		usec;

	if (v == NULL || v->type != FP_STRING || !dt_parse_duration(v->u.str.ptr, &usec))
		return -1;
	return usec;
}

/*
 * Whether run's task is a flowable with child tasks (Sequential, Parallel,
 * If, ...): Kestra never retries one itself; its retry is the policy of the
 * tasks it holds (a Subflow, which holds none, is retried like any task).
 */
static bool
holds_tasks(const TaskRun *run)
{
	return run->node->type->kind == TASK_FLOWABLE && run->node->nblocks > 0;
}

/*
 * The retry policy that applies to run, rendered, as Kestra chooses it: the
 * task's own retry, else that of the nearest flowable holding it that has
 * one, else the flow's retry; NULL when there is none (or it does not
 * render to a map).
 */
FpValue *
retry_policy(Execution *e, TaskRun *run)
{
	FpValue    *retry = NULL;
	char	   *error;
	TaskRun    *holder;

	/* run itself, then the task runs holding it (the one of the iteration, in a loop) */
	for (holder = run; holder;
		 holder = holder->parent_id ? exec_find_run_id(e, holder->parent_id) : NULL)
	{
		if (fp_get(holder->node->def, "retry") == NULL ||
			(holder != run && holder->node->type->kind != TASK_FLOWABLE))
			continue;
		if (!exec_render_prop(e, holder, "retry", &retry, &error))
			return NULL;
		return retry && retry->type == FP_OBJECT ? retry : NULL;
	}
	retry = fp_get(e->flow->definition, "retry");
	return retry && retry->type == FP_OBJECT ? retry : NULL;
}

/* maxAttempts (or Kestra's older spelling maxAttempt) of a policy, or NULL. */
static FpValue *
max_attempts_of(FpValue *retry)
{
	FpValue    *v = fp_get(retry, "maxAttempts");

	return v ? v : fp_get(retry, "maxAttempt");
}

/*
 * Whether a policy creates a new execution: CREATE_NEW_EXECUTION, for an
 * execution that is no subflow (the parent's Subflow task waits for its
 * child: a subflow retries the failed task instead), in a database whose
 * schema can count the executions' attempts.
 */
static bool
new_execution_policy(Execution *e, FpValue *retry)
{
	const char *behavior = fp_get_str(retry, "behavior");

	return behavior && strcmp(behavior, "CREATE_NEW_EXECUTION") == 0 &&
		e->parent_id == NULL && !db_schema_is_0_1();
}

/*
 * End e as RETRIED because run failed and a new execution is to retry it
 * (CREATE_NEW_EXECUTION): run is RETRIED, the flowables holding it and e
 * follow as after an Exit task (what could never end is CANCELLED), and the
 * retry's work row, due at due, starts the new execution (retry_start_new).
 */
static void
end_retried(Execution *e, TaskRun *run, TimestampTz due)
{
	FpValue    *detail = fp_object(1);

	fp_set(detail, "newExecution", fp_bool(true));
	executor_run_state(run, ST_RETRIED);
	run->due_at = due;
	exec_queue_work(e, run, "retry", due, detail);
	exec_outputs_changed(e, run);
	executor_exit(e, ST_RETRIED);
}

/* Queue the next attempt of a failed run if its retry policy allows one (see retry.h). */
bool
retry_schedule(Execution *e, TaskRun *run, FpValue *detail)
{
	FpValue    *retry;
	const char *type;
	FpValue    *max_attempts;
	int64		interval,
				max_interval,
				max_duration,
				delay;
	int			done = run->attempts->u.arr.count;
	TimestampTz since = run->created_at;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz due;
	bool		new_execution;

	if (holds_tasks(run))
		return false;			/* the task that failed below it was retried, or not */
	retry = retry_policy(e, run);
	if (retry == NULL)
		return false;
	new_execution = new_execution_policy(e, retry);
	if (new_execution)
	{
		/* Kestra counts the executions, from the first one's start */
		RetryOrigin o = origin_of(e);

		done = o.attempt;
		since = o.original_created_at;
	}
	type = fp_get_str(retry, "type");
	max_attempts = max_attempts_of(retry);
	interval = duration_of(fp_get(retry, "interval"));
	max_interval = duration_of(fp_get(retry, "maxInterval"));
	max_duration = duration_of(fp_get(retry, "maxDuration"));

	if (max_attempts == NULL && max_duration < 0)
		return false;			/* no limit given: refused at deploy, never retried */
	if (max_attempts && max_attempts->type == FP_INT && done >= max_attempts->u.i)
		return false;

	if (interval < 0)
		interval = USECS_PER_SEC;
	delay = interval;
	if (type && strcmp(type, "exponential") == 0)
	{
		FpValue    *factor = fp_get(retry, "delayFactor");
		double		f = (factor && fp_is_number(factor)) ? fp_as_double(factor) : 2.0;
		double		d = (double) interval * pow(f, done - 1);

		delay = (d > (double) PG_INT64_MAX / 2) ? PG_INT64_MAX / 2 : (int64) d;
		if (max_interval >= 0 && delay > max_interval)
			delay = max_interval;
	}
	else if (type && strcmp(type, "random") == 0)
	{
		int64		lo = Max(duration_of(fp_get(retry, "minInterval")), 0);
		int64		hi = max_interval >= 0 ? max_interval : interval;
		uint32		r;

		if (hi < lo)
			hi = lo;
		if (!pg_strong_random(&r, sizeof(r)))
			r = 0;
		delay = lo + (int64) ((double) (hi - lo) * ((double) r / (double) PG_UINT32_MAX));
	}

	if (!executor_due_time(now, delay, &due))
		return false;			/* a retry after the end of time is no retry */
	if (max_duration >= 0 && due - since > max_duration)
		return false;			/* as Kestra: no attempt that would start past maxDuration */
	if (new_execution)
	{
		end_retried(e, run, due);
		return true;
	}
	executor_run_state(run, ST_RETRYING);
	run->due_at = due;
	exec_queue_work(e, run, "retry", run->due_at, detail);
	return true;
}

/* Whether a run that succeeded after a retry ends WARNING (see retry.h). */
bool
retry_warns(Execution *e, TaskRun *run)
{
	FpValue    *retry;
	FpValue    *warn;

	if (run->attempts->u.arr.count <= 1 || holds_tasks(run))
		return false;
	retry = retry_policy(e, run);
	warn = retry ? fp_get(retry, "warningOnRetry") : NULL;
	return warn && warn->type == FP_BOOL && warn->u.b;
}

/*
 * Start the execution that retries e (see retry.h): the same flow
 * revision, inputs, labels (with system.replay) and trigger, as the role
 * that started e, its attempt number one more than e's.  That role must
 * still exist and hold EXECUTE on the namespace: else nothing starts, and
 * e gets an ERROR log line and a trigger_failed audit row saying why.
 */
void
retry_start_new(Execution *e)
{
	RetryOrigin o = origin_of(e);
	RetryOrigin next = o;
	FpValue    *labels = fp_copy(e->labels);
	FpValue    *metadata = fp_object(3);
	FpValue    *detail = fp_object(2);
	Execution  *n;
	Datum		args[2];
	Oid			role = get_role_oid(e->created_by, true);

	if (!OidIsValid(role) || !sec_role_has_permission(role, e->namespace, PERM_EXECUTE))
	{
		char	   *error = psprintf("the retry of execution %s starts no new execution: role \"%s\", which started it, may not start executions in namespace \"%s\" (it needs the EXECUTE permission there)",
									 e->id, e->created_by, e->namespace);

		exec_log(e, NULL, "ERROR", error);
		fp_set(detail, "retry_of", fp_cstring(e->id));
		fp_set(detail, "error", fp_cstring(error));
		audit_write_as(NULL, "trigger_failed", e->namespace, e->flow_id, e->id, NULL, detail);
		return;
	}

	fp_set(labels, "system.replay", fp_cstring("true"));	/* as Kestra labels a replay */
	next.attempt = o.attempt + 1;
	starting = &next;
	starting_flow = e->flow;
	PG_TRY();
	{
		n = executor_start(e->flow, e->inputs, labels, e->created_by, NULL, e->trigger);
	}
	PG_FINALLY();
	{
		starting = NULL;
		starting_flow = NULL;
	}
	PG_END_TRY();
	exec_end_step(n);

	fp_set(metadata, "attemptNumber", fp_int(o.attempt + 1));
	fp_set(metadata, "originalId", fp_cstring(o.original_id));
	fp_set(metadata, "originalCreatedDate", fp_cstring(state_format_time(o.original_created_at)));
	args[0] = CStringGetTextDatum(n->id);
	args[1] = fp_to_jsonb_datum(metadata);
	db_exec(&q_set_metadata, args, NULL, false, 0);

	fp_set(detail, "retry_of", fp_cstring(e->id));
	fp_set(detail, "attempt", fp_int(o.attempt + 1));
	audit_write_as(NULL, "start", n->namespace, n->flow_id, n->id, NULL, detail);
}
