/*-------------------------------------------------------------------------
 *
 * retry.h
 *	  The retry policy of task runs (retry.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_RETRY_H
#define FLOWPG_RETRY_H

#include "task_api.h"

/*
 * If the retry policy that applies to run allows another attempt, make run
 * RETRYING, queue the retry and return true; detail goes to the work row
 * (an external task's request).  With behavior CREATE_NEW_EXECUTION the
 * execution ends RETRIED instead, and the retry's work row starts a new one.
 */
extern bool retry_schedule(Execution *e, TaskRun *run, FpValue *detail);

/*
 * The retry policy that applies to run, rendered (Kestra's choice: the
 * task's own, else the nearest flowable holding it that has one, else the
 * flow's); NULL when none.
 */
extern FpValue *retry_policy(Execution *e, TaskRun *run);

/* Whether a run that succeeded after more than one attempt ends WARNING (warningOnRetry). */
extern bool retry_warns(Execution *e, TaskRun *run);

/*
 * A CREATE_NEW_EXECUTION retry fell due on e (RETRIED): start the new
 * execution, in this transaction, and end its first step.
 */
extern void retry_start_new(Execution *e);

#endif							/* FLOWPG_RETRY_H */
