/*-------------------------------------------------------------------------
 *
 * tasks_pause.h
 *	  What the executor asks of Pause and HumanTask (SPEC section 6).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_TASKS_PAUSE_H
#define FLOWPG_TASKS_PAUSE_H

#include "exec.h"

/*
 * Begin a pause (the task run is RUNNING): render the assignment, the
 * duration, timeout and behavior, queue the expiry, go PAUSED, and start
 * onPause.  A render error fails the task run instead.
 */
extern void pause_begin(Execution *e, TaskRun *run);

/* While PAUSED: carry on with onPause (its external tasks finish later). */
extern void pause_continue(Execution *e, TaskRun *run);

/* Keep the real values of SECRET onResume inputs aside, and mask them where stored. */
extern void pause_note_secrets(Execution *e, TaskRun *run, FpValue *values);

/* Whether a task run is a HumanTask (only its assignees may resume it). */
extern bool pause_is_human(const TaskRun *run);

#endif							/* FLOWPG_TASKS_PAUSE_H */
