/*-------------------------------------------------------------------------
 *
 * state.c
 *	  States, the tables of legal transitions, and state_change(), the only
 *	  code that changes the state of an execution or a task run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "state.h"

static const char *const names[ST_COUNT] = {
	"CREATED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING",
	"FAILED", "KILLED", "CANCELLED", "QUEUED", "RETRYING", "RETRIED", "SKIPPED"
};

#define T(from, to) [from][to] = true

/*
 * Executions (SPEC section 4):
 *	CREATED -> RUNNING -> {SUCCESS, WARNING, FAILED, PAUSED, KILLING}
 *	PAUSED -> RESTARTED -> RUNNING (resume); PAUSED -> CANCELLED (expiry with CANCEL)
 *	PAUSED -> KILLING -> KILLED; FAILED -> RESTARTED -> RUNNING (restart)
 * plus CREATED -> FAILED, for a flow whose very start fails (its outputs),
 * and RUNNING -> RETRIED, an execution that a new one retries (retry
 * behavior CREATE_NEW_EXECUTION).
 */
static const bool execution_transitions[ST_COUNT][ST_COUNT] = {
	T(ST_CREATED, ST_RUNNING),
	T(ST_RUNNING, ST_SUCCESS),
	T(ST_RUNNING, ST_WARNING),
	T(ST_RUNNING, ST_FAILED),
	T(ST_RUNNING, ST_PAUSED),
	T(ST_RUNNING, ST_KILLING),
	T(ST_RUNNING, ST_CANCELLED),
	T(ST_RUNNING, ST_RETRIED),	/* retry behavior CREATE_NEW_EXECUTION */
	T(ST_PAUSED, ST_RESTARTED),
	T(ST_PAUSED, ST_CANCELLED),
	T(ST_PAUSED, ST_KILLING),
	T(ST_RESTARTED, ST_RUNNING),
	T(ST_KILLING, ST_KILLED),
	T(ST_FAILED, ST_RESTARTED),
};

/*
 * Task runs (SPEC section 4):
 *	CREATED -> RUNNING -> {SUCCESS, WARNING, FAILED, PAUSED}
 *	PAUSED -> {SUCCESS, WARNING, FAILED, CANCELLED, KILLED}
 *	CREATED -> SKIPPED; RUNNING -> KILLED
 * plus what the spec's other rules need: a queued external task killed
 * before it was sent (CREATED -> KILLED); retries (RUNNING -> RETRYING ->
 * RUNNING, RETRYING -> KILLED); a restart of a failed task run or of the
 * flowable parents of one (FAILED -> RESTARTED -> RUNNING); an Exit task
 * ending with CANCELED, and the runs it leaves that could never end
 * (RUNNING, RETRYING -> CANCELLED); the task run whose failure a new
 * execution retries, and the flowables holding it (RUNNING -> RETRIED).
 */
static const bool task_run_transitions[ST_COUNT][ST_COUNT] = {
	T(ST_CREATED, ST_RUNNING),
	T(ST_CREATED, ST_SKIPPED),
	T(ST_CREATED, ST_KILLED),
	T(ST_RUNNING, ST_SUCCESS),
	T(ST_RUNNING, ST_WARNING),
	T(ST_RUNNING, ST_FAILED),
	T(ST_RUNNING, ST_PAUSED),
	T(ST_RUNNING, ST_KILLED),
	T(ST_RUNNING, ST_RETRYING),
	T(ST_RUNNING, ST_CANCELLED),	/* an Exit task with state CANCELED, and what it leaves */
	T(ST_RUNNING, ST_RETRIED),	/* CREATE_NEW_EXECUTION: the failed run and its flowables */
	T(ST_PAUSED, ST_SUCCESS),
	T(ST_PAUSED, ST_WARNING),
	T(ST_PAUSED, ST_FAILED),
	T(ST_PAUSED, ST_CANCELLED),
	T(ST_PAUSED, ST_KILLED),
	T(ST_RETRYING, ST_RUNNING),
	T(ST_RETRYING, ST_KILLED),
	T(ST_RETRYING, ST_CANCELLED),	/* a retry left behind by an Exit task */
	T(ST_FAILED, ST_RESTARTED),
	T(ST_RESTARTED, ST_RUNNING),
};

/* The upper-case name of a state. */
const char *
state_name(FlowState s)
{
	Assert(s >= 0 && s < ST_COUNT);
	return names[s];
}

/* The state called name, or -1. */
int
state_from_name(const char *name)
{
	int			i;

	for (i = 0; i < ST_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* Whether s is an end state. */
bool
state_is_terminal(FlowState s)
{
	switch (s)
	{
		case ST_SUCCESS:
		case ST_WARNING:
		case ST_FAILED:
		case ST_KILLED:
		case ST_CANCELLED:
		case ST_RETRIED:
		case ST_SKIPPED:
			return true;
		default:
			return false;
	}
}

/* Rank for state_worst: FAILED > WARNING > everything else. */
static int
badness(FlowState s)
{
	return s == ST_FAILED ? 2 : s == ST_WARNING ? 1 : 0;
}

/* The worse of two end states. */
FlowState
state_worst(FlowState a, FlowState b)
{
	return badness(b) > badness(a) ? b : a;
}

/* ISO-8601 UTC text of a timestamp, with microseconds. */
char *
state_format_time(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "timestamp out of range");
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/* Append one {state, date} entry. */
static void
append_entry(FpValue *history, FlowState s, TimestampTz at)
{
	FpValue    *entry = fp_object(2);

	fp_set(entry, "state", fp_cstring(state_name(s)));
	fp_set(entry, "date", fp_cstring(state_format_time(at)));
	fp_append(history, entry);
}

/* Give a new execution or task run its first state. */
void
state_begin(FlowState *state, FpValue *history, FlowState initial, TimestampTz at)
{
	*state = initial;
	append_entry(history, initial, at);
}

/* Change a state after checking the transition; append it to the history. */
void
state_change(StateKind kind, const char *what, FlowState *state, FpValue *history,
			 FlowState to, TimestampTz at)
{
	const bool (*table)[ST_COUNT] = (kind == STATE_EXECUTION) ?
		execution_transitions : task_run_transitions;

	if (!table[*state][to])
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("illegal state change of %s %s from %s to %s",
						kind == STATE_EXECUTION ? "execution" : "task run",
						what, state_name(*state), state_name(to))));
	*state = to;
	append_entry(history, to, at);
}
