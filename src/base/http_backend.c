/*-------------------------------------------------------------------------
 *
 * http_backend.c
 *	  The server side of the HTTP engine (http.c): its memory in a named
 *	  memory context, errors raised the PostgreSQL way, and a wait on the
 *	  process latch and the engine's sockets at once.
 *
 * http.c and mail.c are plain C so that they never raise and can be tested
 * outside the server.  This file is the thin layer the background worker
 * uses instead of calling them with malloc:
 *
 *	engine = http_engine_start(max_in_flight, timeout_ms);
 *	for (;;)
 *	{
 *		rc = http_engine_wait(engine, naptime_ms, PG_WAIT_EXTENSION);
 *		ResetLatch(MyLatch);
 *		CHECK_FOR_INTERRUPTS();
 *		http_engine_poll(engine, 0);		(never blocks)
 *		while ((r = http_engine_next_result(engine)) != NULL)
 *			record r in a transaction of its own, then http_result_free
 *		claim and http_engine_submit more work while slots are free
 *	}
 *
 * The engine's memory (its state, the copies of queued requests, response
 * bodies and headers) lives in the "flowpg http engine" context under
 * TopMemoryContext and is allocated with MCXT_ALLOC_NO_OOM, so that the
 * libcurl callbacks that allocate never raise.  libcurl's own memory (easy
 * and multi handles, its connection cache, TLS state) is libcurl's malloc;
 * it is freed at each transfer's end and by http_engine_stop.
 *
 * File descriptors: every transfer in flight holds a socket (kept in
 * libcurl's connection cache afterwards for reuse), and the engine holds an
 * epoll descriptor.  They are reported to fd.c with AcquireExternalFD, one
 * per slot, so that the backend's own file handling keeps its margin; when
 * fewer are available than flowpg.max_in_flight asks, the bound is lowered
 * with a warning rather than letting connections fail with EMFILE later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "utils/memutils.h"

#include "http.h"

/* descriptors reported with AcquireExternalFD for the process's engine */
static int	external_fds = 0;

/* FpAllocator over a memory context: returns NULL instead of raising. */
static void *
context_alloc(void *arg, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) arg, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

/* FpAllocator's free over a memory context. */
static void
context_free(void *arg, void *ptr)
{
	(void) arg;
	pfree(ptr);
}

/*
 * An allocator drawing from cxt, for mail_build and mail_list_* called in
 * a transaction (pass CurrentMemoryContext: what is not freed goes with the
 * context, also on error).
 */
FpAllocator
http_context_allocator(MemoryContext cxt)
{
	FpAllocator a;

	a.alloc = context_alloc;
	a.free = context_free;
	a.arg = cxt;
	return a;
}

/*
 * Hold one external file descriptor per slot (plus one for the epoll
 * descriptor) and return how many slots that covers, at most wanted:
 * fd.c allows a process a third of its safe descriptors for such use.
 */
static int
reserve_slots(int wanted)
{
	if (wanted < 1)
		wanted = 1;
	while (external_fds < wanted + 1 && AcquireExternalFD())
		external_fds++;
	while (external_fds > wanted + 1)
	{
		ReleaseExternalFD();
		external_fds--;
	}
	if (external_fds < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("no file descriptors left for flowpg's HTTP engine")));
	if (external_fds - 1 < wanted)
		ereport(WARNING,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("flowpg sends at most %d requests at once, not %d",
						external_fds - 1, wanted),
				 errdetail("Only that many file descriptors are available to the process."),
				 errhint("Raise the open files limit or max_files_per_process, or lower flowpg.max_in_flight.")));
	return external_fds - 1;
}

/* Give back every descriptor reserve_slots holds. */
static void
release_slots(void)
{
	while (external_fds > 0)
	{
		ReleaseExternalFD();
		external_fds--;
	}
}

/*
 * Change the engine's bound on requests in flight (a reload of
 * flowpg.max_in_flight), keeping the file descriptors reported to fd.c in
 * step.  Returns the bound in force, which may be lower than asked.
 */
int
http_engine_resize(HttpEngine *e, int max_in_flight)
{
	int			slots = reserve_slots(max_in_flight);

	http_engine_set_max_in_flight(e, slots);
	return slots;
}

/*
 * Create the worker's engine in a memory context of its own.  Raises when
 * libcurl or epoll cannot be set up, or no file descriptor is left.
 */
HttpEngine *
http_engine_start(int max_in_flight, int default_timeout_ms)
{
	MemoryContext cxt;
	FpAllocator *a;
	HttpEngineOptions opts;
	HttpEngine *e;
	char		err[HTTP_ERROR_SIZE];

	cxt = AllocSetContextCreate(TopMemoryContext, "flowpg http engine",
								ALLOCSET_DEFAULT_SIZES);
	/* the engine keeps a pointer to its allocator: it lives in cxt too */
	a = MemoryContextAlloc(cxt, sizeof(FpAllocator));
	*a = http_context_allocator(cxt);

	memset(&opts, 0, sizeof(opts));
	opts.max_in_flight = reserve_slots(max_in_flight);
	opts.default_timeout_ms = default_timeout_ms;
	opts.allocator = a;
	err[0] = '\0';
	e = http_engine_create(&opts, err, sizeof(err));
	if (e == NULL)
	{
		MemoryContextDelete(cxt);
		release_slots();
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not start the flowpg HTTP engine: %s", err)));
	}
	return e;
}

/*
 * Stop the engine: abandon whatever is queued or running, free libcurl's
 * objects and delete the engine's memory context.
 */
void
http_engine_stop(HttpEngine *e)
{
	MemoryContext cxt;

	if (e == NULL)
		return;
	cxt = (MemoryContext) http_engine_allocator(e)->arg;
	http_engine_destroy(e);
	MemoryContextDelete(cxt);
	release_slots();
}

/*
 * Sleep until the latch is set, a socket of a running transfer is ready,
 * libcurl's next timeout falls due, or max_ms passes (-1: no limit),
 * whichever comes first.  Returns WaitLatchOrSocket's event mask; exits
 * the process if the postmaster dies.  The caller resets the latch, checks
 * for interrupts and then calls http_engine_poll(e, 0).
 */
int
http_engine_wait(HttpEngine *e, long max_ms, uint32 wait_event_info)
{
	int			events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH;
	int			engine_ms = http_engine_timeout(e);
	long		timeout = max_ms;

	if (engine_ms >= 0 && (timeout < 0 || engine_ms < timeout))
		timeout = engine_ms;
	if (timeout >= 0)
		events |= WL_TIMEOUT;
	if (http_engine_running(e) > 0)
		events |= WL_SOCKET_READABLE;
	return WaitLatchOrSocket(MyLatch, events, http_engine_fd(e), timeout,
							 wait_event_info);
}
