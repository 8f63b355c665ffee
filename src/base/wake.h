/*-------------------------------------------------------------------------
 *
 * wake.h
 *	  Waking the background worker: who it is (its identity in shared
 *	  memory, one copy for all of flowpg), and setting its latch now or when
 *	  the current transaction commits.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_WAKE_H
#define FLOWPG_WAKE_H

/* Shared memory hooks (from _PG_init; only when preloaded). */
extern void wake_init(void);

/*
 * Wake the worker when the current transaction commits: it queued work
 * (the end of a step) or changed schedules (a deploy).  Nothing happens on
 * abort, nor when flowpg is not in shared_preload_libraries (no worker).
 */
extern void wake_worker_at_commit(void);

/*
 * Work rows were deleted in this transaction (a kill, a purge, a voided
 * timer): at commit, count it where the worker looks and wake the worker,
 * so that it aborts the sends in flight whose rows are gone.
 */
extern void wake_worker_work_gone_at_commit(void);

/* The worker: how many committed transactions said so, ever (0 when not preloaded). */
extern uint64 wake_work_gone_count(void);

/*
 * The worker, before it looks at its queues: whether a commit queued work
 * (wake_worker_at_commit) since the last call, lowering the flag.  A commit
 * after the call raises it again.  true when there is no shared memory.
 */
extern bool wake_take_queued(void);

/*
 * Set the worker's latch now, if a worker is published (must not fail: used
 * at COMMIT).  This alone does not make the worker look at its queues.
 */
extern void wake_worker_now(void);

/* The worker: publish this process as the one to wake, and stop being it (on exit). */
extern void wake_publish_worker(void);
extern void wake_unpublish_worker(void);

#endif							/* FLOWPG_WAKE_H */
