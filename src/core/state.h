/*-------------------------------------------------------------------------
 *
 * state.h
 *	  The states of executions and task runs (SPEC section 4), and the one
 *	  function that changes a state: it checks the transition against the
 *	  table of legal transitions and appends {state, date} to the history.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_STATE_H
#define FLOWPG_STATE_H

#include "datatype/timestamp.h"
#include "value.h"

typedef enum FlowState
{
	ST_CREATED,
	ST_RUNNING,
	ST_PAUSED,
	ST_RESTARTED,
	ST_KILLING,
	ST_SUCCESS,
	ST_WARNING,
	ST_FAILED,
	ST_KILLED,
	ST_CANCELLED,
	ST_QUEUED,
	ST_RETRYING,
	ST_RETRIED,
	ST_SKIPPED,
	ST_COUNT
} FlowState;

/* Which table of transitions applies. */
typedef enum StateKind
{
	STATE_EXECUTION,
	STATE_TASK_RUN
} StateKind;

extern const char *state_name(FlowState s);

/* The state called name; -1 when it is none. */
extern int	state_from_name(const char *name);

/* SUCCESS, WARNING, FAILED, KILLED, CANCELLED, RETRIED, SKIPPED */
extern bool state_is_terminal(FlowState s);

/* The worse of two end states: FAILED > WARNING > SUCCESS (others count as SUCCESS). */
extern FlowState state_worst(FlowState a, FlowState b);

/* Start a history: *state = initial, history gets its first entry. */
extern void state_begin(FlowState *state, FpValue *history, FlowState initial, TimestampTz at);

/*
 * Move *state to `to` at time `at`, appending {state, date} to history (a
 * FP_ARRAY).  An illegal transition is an internal error (XX000), never
 * silently applied.
 */
extern void state_change(StateKind kind, const char *what, FlowState *state,
						 FpValue *history, FlowState to, TimestampTz at);

/* A timestamp as ISO-8601 UTC text with microseconds (2024-01-02T03:04:05.123456Z). */
extern char *state_format_time(TimestampTz t);

#endif							/* FLOWPG_STATE_H */
