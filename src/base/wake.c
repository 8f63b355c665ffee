/*-------------------------------------------------------------------------
 *
 * wake.c
 *	  The worker's identity in shared memory and the wake-at-commit service
 *	  every backend uses (the pg_net pattern, DESIGN.md section 4).
 *
 * The connected worker publishes its pgprocno and pid here (never a
 * pointer: shared memory outlives processes).  A transaction that queues
 * work registers, once per backend, a transaction callback; at COMMIT it
 * sets the worker's latch, at abort it forgets.  With work queued it also
 * raises the "work queued" flag first; the notify relay sets the same latch,
 * without the flag, when it hands over a committed transaction's
 * notifications: the worker looks at its queues only when the flag is up
 * (or something falls due), not each time a state changes.  A transaction
 * that deletes work rows (a kill, a resume that voids a timer, a purge)
 * also bumps a counter at COMMIT, before it sets the latch: the worker,
 * seeing the counter move, checks that the sends it has in flight still
 * have their rows, and aborts those that do not.
 * Nothing here knows anything of executions or of the worker's loop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "wake.h"

/* Who to wake. */
typedef struct WakeShared
{
	slock_t		mutex;
	int			pgprocno;		/* the connected worker's PGPROC, or -1 */
	pid_t		pid;			/* its pid, or 0 */
	pg_atomic_uint64 work_gone; /* commits that deleted work rows, ever */
	pg_atomic_uint32 queued;	/* 1: a commit queued work since the worker last looked */
} WakeShared;

static WakeShared *wake_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* per backend: whether this transaction asked for a wake-up, and the callback is in place */
static bool wake_pending = false;
static bool gone_pending = false;
static bool wake_callback_registered = false;

/* Ask for the shared memory of the worker's identity. */
static void
wake_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(WakeShared)));
}

/* Create (or attach to) the worker's identity. */
static void
wake_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	wake_shared = ShmemInitStruct("flowpg worker identity", sizeof(WakeShared), &found);
	if (!found)
	{
		SpinLockInit(&wake_shared->mutex);
		wake_shared->pgprocno = -1;
		wake_shared->pid = 0;
		pg_atomic_init_u64(&wake_shared->work_gone, 0);
		pg_atomic_init_u32(&wake_shared->queued, 1);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Set up the shared memory hooks (from _PG_init, when preloaded). */
void
wake_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = wake_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = wake_shmem_startup;
}

/* Set the published worker's latch, if there is one (see wake.h). */
void
wake_worker_now(void)
{
	int			procno;
	pid_t		pid;

	if (wake_shared == NULL)
		return;
	SpinLockAcquire(&wake_shared->mutex);
	procno = wake_shared->pgprocno;
	pid = wake_shared->pid;
	SpinLockRelease(&wake_shared->mutex);
	if (pid != 0 && procno >= 0 && procno < (int) ProcGlobal->allProcCount)
		SetLatch(&GetPGProcByNumber(procno)->procLatch);
}

/* Transaction callback: wake the worker at the commit of a transaction that asked. */
static void
wake_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			/* the counter and the flag first: the woken worker must see them */
			if (gone_pending)
				pg_atomic_fetch_add_u64(&wake_shared->work_gone, 1);
			if (wake_pending)
			{
				pg_atomic_write_u32(&wake_shared->queued, 1);
				pg_write_barrier();
			}
			if (wake_pending || gone_pending)
				wake_worker_now();
			wake_pending = false;
			gone_pending = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* a prepared transaction's work is found at the worker's next look */
			wake_pending = false;
			gone_pending = false;
			break;
		default:
			break;
	}
}

/* Register the transaction callback, once per backend. */
static void
wake_register_callback(void)
{
	if (!wake_callback_registered)
	{
		RegisterXactCallback(wake_xact_callback, NULL);
		wake_callback_registered = true;
	}
}

/* Wake the worker when this transaction commits (see wake.h). */
void
wake_worker_at_commit(void)
{
	if (wake_shared == NULL)
		return;					/* not preloaded: there is no worker to wake */
	wake_register_callback();
	wake_pending = true;
}

/* Tell the worker, when this transaction commits, that work rows are gone (see wake.h). */
void
wake_worker_work_gone_at_commit(void)
{
	if (wake_shared == NULL)
		return;
	wake_register_callback();
	gone_pending = true;
}

/* How many committed transactions deleted work rows so far (see wake.h). */
uint64
wake_work_gone_count(void)
{
	if (wake_shared == NULL)
		return 0;
	return pg_atomic_read_u64(&wake_shared->work_gone);
}

/* The worker: whether work was queued since it last asked, lowering the flag (see wake.h). */
bool
wake_take_queued(void)
{
	if (wake_shared == NULL)
		return true;
	return pg_atomic_exchange_u32(&wake_shared->queued, 0) != 0;
}

/* The worker publishes itself as the process to wake. */
void
wake_publish_worker(void)
{
	SpinLockAcquire(&wake_shared->mutex);
	wake_shared->pgprocno = MyProc->pgprocno;
	wake_shared->pid = MyProcPid;
	SpinLockRelease(&wake_shared->mutex);
}

/* The worker, on exit: stop being the process to wake (unless another took over). */
void
wake_unpublish_worker(void)
{
	if (wake_shared == NULL)
		return;
	SpinLockAcquire(&wake_shared->mutex);
	if (wake_shared->pid == MyProcPid)
	{
		wake_shared->pid = 0;
		wake_shared->pgprocno = -1;
	}
	SpinLockRelease(&wake_shared->mutex);
}
