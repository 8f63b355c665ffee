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
 * If the retry policy of run's task allows another attempt, make run
 * RETRYING, queue the retry and return true; detail goes to the work row
 * (an external task's request).
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

#endif							/* FLOWPG_RETRY_H */
