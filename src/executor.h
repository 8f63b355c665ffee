/*-------------------------------------------------------------------------
 *
 * executor.h
 *	  Advancing executions: starting them, running internal tasks inside the
 *	  transaction that reaches them, pausing, resuming, killing, restarting,
 *	  and taking in what the worker and timers report.  Every function here
 *	  works on an Execution loaded (and locked) by exec_store.c; the caller
 *	  saves it with exec_save().
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_EXECUTOR_H
#define FLOWPG_EXECUTOR_H

#include "exec.h"

/* How deep subflows may nest (a flow starting itself would otherwise never end). */
#define MAX_SUBFLOW_DEPTH 10

/*
 * Create an execution of flow with validated inputs (typed values from
 * inputs_validate) and extra labels, then run it up to its first pause or
 * external task.  actor is who starts it (NULL: a trigger); parent is the
 * execution whose Subflow task starts it, or NULL.
 */
extern Execution *executor_start(CompiledFlow *flow, FpValue *inputs, FpValue *labels,
								 const char *actor, Execution *parent, FpValue *trigger);

/* Make every progress possible without waiting (after any change). */
extern void executor_advance(Execution *e);

/* The PAUSED task runs of e (TaskRun *), oldest first. */
extern List *executor_paused_runs(Execution *e);

/*
 * Resume a PAUSED task run with validated onResume values (SPEC section 6),
 * then carry on.
 */
extern void executor_resume(Execution *e, TaskRun *run, FpValue *values);

/* Kill: paused and unfinished task runs become KILLED, the execution KILLED. */
extern void executor_kill(Execution *e);

/* Restart a FAILED execution from its failed task runs (new attempts). */
extern void executor_restart(Execution *e);

/* Apply the behavior of an expired pause (or a pause timeout) to a PAUSED task run. */
extern void executor_expire(Execution *e, TaskRun *run, const char *behavior, bool timeout);

/* A retry that fell due: the next attempt of a RETRYING task run. */
extern void executor_retry(Execution *e, TaskRun *run);

/*
 * Whether an external task run waits for the worker: queued (CREATED), due
 * to be retried (RETRYING), or queued again by a restart (RUNNING).  False
 * once it ended, a kill included.
 */
extern bool executor_awaits_worker(const TaskRun *run);

/*
 * What the worker got for an external task run: detail is the work row's
 * detail ({request, secrets}), result is {code, headers, body, truncated,
 * error}.
 */
extern void executor_external_result(Execution *e, TaskRun *run, FpValue *detail,
									 const FpValue *result);

/* After saving e: wake the parent of a subflow that just ended (loads, advances and saves it). */
extern void executor_after_save(Execution *e);

/*
 * Advance a scope: a block of tasks run in order (or all at once when
 * parallel), then its errors block if it failed, then its finally block.
 * Returns ST_RUNNING while something waits, else the scope's end state.
 * Used by the flow itself and by flowable tasks.
 */
extern FlowState executor_advance_scope(Execution *e, TaskRun *parent, FlowBlock *tasks,
										bool parallel, FlowBlock *errors, FlowBlock *finally);

/* Change the state of a task run (through state_change) and mark it for saving. */
extern void executor_run_state(TaskRun *run, FlowState to);

/*
 * now + delay microseconds into *due; false when that is past the last
 * timestamp PostgreSQL can store (a pause of 290,000 years).
 */
extern bool executor_due_time(TimestampTz now, int64 delay, TimestampTz *due);

/*
 * End the current attempt of a task run with st: failures are logged (error)
 * and retried per the task's retry policy (retry_detail goes to the retry's
 * work row), allowFailure and allowWarning apply.
 */
extern void executor_finish_attempt(Execution *e, TaskRun *run, FlowState st,
									const char *error, FpValue *retry_detail);

#endif							/* FLOWPG_EXECUTOR_H */
