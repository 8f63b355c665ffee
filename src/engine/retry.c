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

/* Queue the next attempt of a failed run if its retry policy allows one (see retry.h). */
bool
retry_schedule(Execution *e, TaskRun *run, FpValue *detail)
{
	FpValue    *retry;
	char	   *error;
	const char *type;
	FpValue    *max_attempts;
	int64		interval,
				max_interval,
				max_duration,
				delay;
	int			done = run->attempts->u.arr.count;
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz due;

	if (!exec_render_prop(e, run, "retry", &retry, &error) || retry == NULL ||
		retry->type != FP_OBJECT)
		return false;
	type = fp_get_str(retry, "type");
	max_attempts = fp_get(retry, "maxAttempts");
	interval = duration_of(fp_get(retry, "interval"));
	max_interval = duration_of(fp_get(retry, "maxInterval"));
	max_duration = duration_of(fp_get(retry, "maxDuration"));

	if (max_attempts == NULL && max_duration < 0)
		return false;			/* no limit given: Kestra refuses such a policy */
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
