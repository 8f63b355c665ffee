/*-------------------------------------------------------------------------
 *
 * notify_relay.c
 *	  NOTIFY flowpg for every committed state change, without a NOTIFY in
 *	  every transaction.
 *
 * A NOTIFY makes its transaction take a database-wide lock at commit and
 * hold it across the commit record's flush, so that every transaction that
 * notifies commits one after the other (DESIGN.md section 4 measured -66%
 * durable commits at 8 clients).  Instead, a transaction that changes
 * execution states keeps its notifications aside; at PRE_COMMIT it reserves
 * room for them in a ring in shared memory, at COMMIT (once the change is
 * durable and visible) it fills the room in and wakes the background worker,
 * and the worker sends them all with NOTIFY in one transaction of its own.
 * An aborted transaction voids its room; notifications queued in a rolled
 * back subtransaction are dropped.  Listeners get the same payloads, a few
 * milliseconds later, from the worker's process id.
 *
 * When no worker relays for this database (the library is not preloaded,
 * the worker is not running, it serves another database, or the ring is
 * full), the transaction falls back to plain NOTIFY at PRE_COMMIT, which is
 * still before PostgreSQL queues notifications: nothing is ever dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/memutils.h"

#include "notify_relay.h"
#include "wake.h"

#define RELAY_CHANNEL		"flowpg"
#define RELAY_RING_SIZE		(1024 * 1024)	/* bytes of notifications in flight */
#define RELAY_MAX_RECORD	(RELAY_RING_SIZE / 8)	/* a bigger transaction notifies itself */
#define RELAY_ALIGN			32		/* record sizes are multiples of this, > the header */

typedef enum RecordState
{
	RECORD_RESERVED = 1,		/* room taken at PRE_COMMIT, not yet filled */
	RECORD_READY,				/* committed: to be sent */
	RECORD_VOID,				/* aborted: to be skipped */
	RECORD_PAD					/* the unused end of the ring before a wrap */
} RecordState;

/* One transaction's notifications: this header, then count NUL-terminated payloads. */
typedef struct RelayRecord
{
	uint32		size;			/* bytes, header included, MAXALIGNed */
	uint32		state;			/* RecordState */
	uint32		count;
} RelayRecord;

typedef struct RelayShared
{
	LWLock	   *lock;
	Oid			database;		/* where the worker relays; InvalidOid: nowhere */
	uint64		head;			/* next free byte (grows forever; modulo the size) */
	uint64		tail;			/* oldest byte still in use */
	char		ring[RELAY_RING_SIZE];
} RelayShared;

/* A notification queued by this backend, waiting for its transaction to end. */
typedef struct Pending
{
	int			nest_level;
	char	   *payload;
} Pending;

static RelayShared *relay = NULL;
static shmem_request_hook_type prev_shmem_request = NULL;
static shmem_startup_hook_type prev_shmem_startup = NULL;
static List *pending = NIL;		/* Pending *, in TopTransactionContext */
static bool callbacks_registered = false;
static uint64 reserved_at = 0;	/* ring position of this transaction's record */
static bool reserved = false;

/* Ask for the ring's shared memory and lock (shared_preload_libraries only). */
static void
relay_shmem_request(void)
{
	if (prev_shmem_request)
		prev_shmem_request();
	RequestAddinShmemSpace(MAXALIGN(sizeof(RelayShared)));
	RequestNamedLWLockTranche("flowpg notify relay", 1);
}

/* Attach to (or create) the ring. */
static void
relay_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup)
		prev_shmem_startup();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	relay = ShmemInitStruct("flowpg notify relay", sizeof(RelayShared), &found);
	if (!found)
	{
		relay->lock = &(GetNamedLWLockTranche("flowpg notify relay"))->lock;
		relay->database = InvalidOid;
		relay->head = relay->tail = 0;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Set up the shared memory hooks (from _PG_init, when preloaded). */
void
notify_relay_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request = shmem_request_hook;
	shmem_request_hook = relay_shmem_request;
	prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = relay_shmem_startup;
}

/* The record at ring position pos. */
static RelayRecord *
record_at(uint64 pos)
{
	return (RelayRecord *) (relay->ring + (pos % RELAY_RING_SIZE));
}

/* NOTIFY every pending payload directly (the fallback). */
static void
notify_directly(void)
{
	ListCell   *lc;

	foreach(lc, pending)
		Async_Notify(RELAY_CHANNEL, ((Pending *) lfirst(lc))->payload);
}

/*
 * Reserve room for the pending payloads: true when the worker will send
 * them.  Called at PRE_COMMIT, when the transaction can still NOTIFY itself.
 */
static bool
reserve(void)
{
	Size		size = MAXALIGN(sizeof(RelayRecord));
	ListCell   *lc;
	uint64		pos;
	Size		to_end;
	bool		ok = false;

	StaticAssertStmt(sizeof(RelayRecord) <= RELAY_ALIGN, "relay records must fit the alignment unit");
	StaticAssertStmt(RELAY_RING_SIZE % RELAY_ALIGN == 0, "the ring must hold whole alignment units");

	if (relay == NULL)
		return false;
	foreach(lc, pending)
		size += strlen(((Pending *) lfirst(lc))->payload) + 1;
	size = TYPEALIGN(RELAY_ALIGN, size);
	if (size > RELAY_MAX_RECORD)
		return false;

	LWLockAcquire(relay->lock, LW_EXCLUSIVE);
	pos = relay->head;
	to_end = RELAY_RING_SIZE - (pos % RELAY_RING_SIZE);
	/* a record never wraps: when it would, the end of the ring becomes padding */
	if (relay->database == MyDatabaseId &&
		pos + (to_end < size ? to_end : 0) + size - relay->tail <= RELAY_RING_SIZE)
	{
		RelayRecord *r;

		if (to_end < size)
		{
			r = record_at(pos);
			r->size = (uint32) to_end;
			r->state = RECORD_PAD;
			r->count = 0;
			pos += to_end;
		}
		r = record_at(pos);
		r->size = (uint32) size;
		r->state = RECORD_RESERVED;
		r->count = 0;
		relay->head = pos + size;
		reserved_at = pos;
		ok = true;
	}
	LWLockRelease(relay->lock);
	return ok;
}

/* Fill the reserved record in and hand it to the worker (at COMMIT; must not fail). */
static void
fill_and_wake(void)
{
	RelayRecord *r = record_at(reserved_at);
	char	   *p = (char *) r + MAXALIGN(sizeof(RelayRecord));
	ListCell   *lc;

	foreach(lc, pending)
	{
		const char *payload = ((Pending *) lfirst(lc))->payload;
		Size		len = strlen(payload) + 1;

		memcpy(p, payload, len);
		p += len;
	}
	LWLockAcquire(relay->lock, LW_EXCLUSIVE);
	r->count = list_length(pending);
	r->state = RECORD_READY;
	LWLockRelease(relay->lock);
	wake_worker_now();
}

/* Void a reservation whose transaction aborted. */
static void
void_reservation(void)
{
	LWLockAcquire(relay->lock, LW_EXCLUSIVE);
	record_at(reserved_at)->state = RECORD_VOID;
	LWLockRelease(relay->lock);
}

/* Transaction end: relay, fall back, or forget. */
static void
relay_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (pending != NIL)
			{
				reserved = reserve();
				if (!reserved)
					notify_directly();
			}
			break;
		case XACT_EVENT_COMMIT:
			if (reserved)
				fill_and_wake();
			reserved = false;
			pending = NIL;
			break;
		case XACT_EVENT_ABORT:
			if (reserved)
				void_reservation();
			reserved = false;
			pending = NIL;
			break;
		case XACT_EVENT_PRE_PREPARE:
			/* PREPARE TRANSACTION: NOTIFY refuses it, as it would for plain NOTIFY */
			if (pending != NIL)
				notify_directly();
			pending = NIL;
			break;
		default:
			break;
	}
}

/* Subtransaction end: drop what a rolled-back one queued, keep what a committed one did. */
static void
relay_subxact_callback(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	(void) sub;
	(void) parent;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, pending)
			if (((Pending *) lfirst(lc))->nest_level >= level)
				pending = foreach_delete_current(pending, lc);
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, pending)
		{
			Pending    *p = lfirst(lc);

			if (p->nest_level >= level)
				p->nest_level = level - 1;
		}
	}
}

/* Queue a notification for when this transaction commits (see notify_relay.h). */
void
notify_relay_send(const char *payload)
{
	MemoryContext old;
	Pending    *p;

	if (!callbacks_registered)
	{
		RegisterXactCallback(relay_xact_callback, NULL);
		RegisterSubXactCallback(relay_subxact_callback, NULL);
		callbacks_registered = true;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	p = palloc(sizeof(Pending));
	p->nest_level = GetCurrentTransactionNestLevel();
	p->payload = pstrdup(payload);
	pending = lappend(pending, p);
	MemoryContextSwitchTo(old);
}

/* The worker offers to relay for its database (or stops, with InvalidOid). */
void
notify_relay_attach(Oid database)
{
	if (relay == NULL)
		return;
	LWLockAcquire(relay->lock, LW_EXCLUSIVE);
	relay->database = database;
	LWLockRelease(relay->lock);
}

/* The worker: whether the ring holds anything, committed or not yet (see notify_relay.h). */
bool
notify_relay_waiting(void)
{
	bool		waiting;

	if (relay == NULL)
		return false;
	LWLockAcquire(relay->lock, LW_SHARED);
	waiting = relay->tail < relay->head;
	LWLockRelease(relay->lock);
	return waiting;
}

/*
 * Take the committed notifications off the ring (in commit order) and NOTIFY
 * them; the caller commits.  Returns how many were queued.
 */
int
notify_relay_flush(void)
{
	List	   *payloads = NIL;
	ListCell   *lc;

	if (relay == NULL)
		return 0;
	LWLockAcquire(relay->lock, LW_EXCLUSIVE);
	while (relay->tail < relay->head)
	{
		RelayRecord *r = record_at(relay->tail);

		/*
		 * Its transaction is still committing (a synchronous standby may
		 * keep it waiting for any time): wait for it, never skip it.  Every
		 * reservation is filled in or voided at its transaction's end, and
		 * a backend that dies in between takes shared memory with it.
		 */
		if (r->state == RECORD_RESERVED)
			break;
		if (r->state == RECORD_READY)
		{
			char	   *p = (char *) r + MAXALIGN(sizeof(RelayRecord));
			uint32		i;

			for (i = 0; i < r->count; i++)
			{
				payloads = lappend(payloads, pstrdup(p));
				p += strlen(p) + 1;
			}
		}
		relay->tail += r->size;
	}
	LWLockRelease(relay->lock);

	foreach(lc, payloads)
		Async_Notify(RELAY_CHANNEL, lfirst(lc));
	return list_length(payloads);
}
