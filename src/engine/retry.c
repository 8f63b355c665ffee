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

#include "utils/timestamp.h"

#include "datetime.h"
#include "retry.h"

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
	FlowNode   *node;

	if (fp_get(run->node->def, "retry") != NULL)
	{
		if (!exec_render_prop(e, run, "retry", &retry, &error))
			return NULL;
		return retry && retry->type == FP_OBJECT ? retry : NULL;
	}
	for (node = run->node->parent; node; node = node->parent)
	{
		TaskRun    *holder;

		if (node->type->kind != TASK_FLOWABLE || fp_get(node->def, "retry") == NULL)
			continue;
		holder = exec_find_run(e, node->id);
		if (holder == NULL || !exec_render_prop(e, holder, "retry", &retry, &error))
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
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz due;

	if (holds_tasks(run))
		return false;			/* the task that failed below it was retried, or not */
	retry = retry_policy(e, run);
	if (retry == NULL)
		return false;
	type = fp_get_str(retry, "type");
	max_attempts = max_attempts_of(retry);
	interval = duration_of(fp_get(retry, "interval"));
	max_interval = duration_of(fp_get(retry, "maxInterval"));
	max_duration = duration_of(fp_get(retry, "maxDuration"));

	if (max_attempts == NULL && max_duration < 0)
		return false;			/* no limit given: refused at deploy, never retried */
	if (max_attempts && max_attempts->type == FP_INT && done >= max_attempts->u.i)
		return false;
	if (max_duration >= 0 && now - run->created_at >= max_duration)
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
