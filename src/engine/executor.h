/*-------------------------------------------------------------------------
 *
 * executor.h
 *	  Advancing executions: starting them, running internal tasks inside the
 *	  transaction that reaches them, pausing, resuming, killing, restarting,
 *	  and taking in what the worker and timers report.  Every function here
 *	  works on an Execution loaded (and locked) by exec_store.c; the caller
 *	  then ends the step with exec_end_step() (step.h).  What tasks may call
 *	  (executor_start, executor_kill, executor_advance_scope, ...) is in
 *	  task_api.h, which this header includes for the callers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_EXECUTOR_H
#define FLOWPG_EXECUTOR_H

#include "task_api.h"

/* Make every progress possible without waiting (after any change). */
extern void executor_advance(Execution *e);

/* The PAUSED task runs of e (TaskRun *), oldest first. */
extern List *executor_paused_runs(Execution *e);

/*
 * Resume a PAUSED task run with validated onResume values (SPEC section 6),
 * then carry on.
 */
extern void executor_resume(Execution *e, TaskRun *run, FpValue *values);

/* Restart a FAILED execution from its failed task runs (new attempts). */
extern void executor_restart(Execution *e);

/*
 * Apply the behavior of an expired pause (or a pause timeout) to a PAUSED
 * task run; returns the behavior that applies (FAIL for a timeout, RESUME
 * when behavior is NULL), whether or not the run was still paused.
 */
extern const char *executor_expire(Execution *e, TaskRun *run, const char *behavior, bool timeout);

/*
 * Take a QUEUED execution out of its flow's queue (concurrency.c): RUNNING
 * carries it on from where it is, CANCELLED ends it.
 */
extern void executor_unqueue(Execution *e, FlowState to);

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

/*
 * The worker could not complete the work row (detail) of run: a run it was
 * waiting for fails with error (retried per its policy; a send's detail goes
 * to the retry), a paused one takes behavior FAIL.  Nothing happens to a
 * run that ended meanwhile.  The detail's secrets are masked either way.
 */
extern void executor_external_failed(Execution *e, TaskRun *run, FpValue *detail,
									 const char *error);

#endif							/* FLOWPG_EXECUTOR_H */
