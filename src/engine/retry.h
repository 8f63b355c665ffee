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

#endif							/* FLOWPG_RETRY_H */
