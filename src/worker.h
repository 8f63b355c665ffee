/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  What the rest of flowpg asks of the background worker (worker.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_WORKER_H
#define FLOWPG_WORKER_H

/*
 * Wake the worker when the current transaction commits: it queued work
 * (exec_save) or changed schedules (a deploy).  Nothing happens on abort,
 * nor when flowpg is not in shared_preload_libraries (there is no worker).
 */
extern void worker_wake_at_commit(void);

#endif							/* FLOWPG_WORKER_H */
