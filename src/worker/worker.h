/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The background worker's entry from _PG_init (worker.c).  Waking it is
 *	  wake.h's job, below everything that queues work.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_WORKER_H
#define FLOWPG_WORKER_H

/* Register the worker when loaded from shared_preload_libraries. */
extern void worker_init(void);

#endif							/* FLOWPG_WORKER_H */
