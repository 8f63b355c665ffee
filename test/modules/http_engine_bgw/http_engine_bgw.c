/*-------------------------------------------------------------------------
 *
 * http_engine_bgw.c
 *	  Test-only background worker: drives the HTTP engine the way flowpg's
 *	  worker will (http_engine_start, http_engine_wait on the latch and the
 *	  engine's descriptor, CHECK_FOR_INTERRUPTS between steps) and logs each
 *	  result, so that test/t/02_http_backend.pl can check the server side
 *	  of the engine: memory in its named context, no blocking that delays
 *	  a shutdown, results converted outside libcurl's callbacks.
 *
 *	  Settings (postgresql.conf): http_engine_bgw.url (requested count
 *	  times), http_engine_bgw.count, http_engine_bgw.max_in_flight, and
 *	  http_engine_bgw.hang_url (one more request that is still running
 *	  when the test stops the server).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "http.h"

PG_MODULE_MAGIC;

void		_PG_init(void);
PGDLLEXPORT void http_engine_bgw_main(Datum arg);

static char *test_url = NULL;
static char *hang_url = NULL;
static int	test_count = 10;
static int	test_max_in_flight = 8;

/* Settings and the worker's registration (only when preloaded). */
void
_PG_init(void)
{
	BackgroundWorker w;

	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomStringVariable("http_engine_bgw.url", "URL to request.", NULL,
							   &test_url, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("http_engine_bgw.hang_url", "URL still running at shutdown.",
							   NULL, &hang_url, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("http_engine_bgw.count", "Requests to send.", NULL,
							&test_count, 10, 0, 100000, PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("http_engine_bgw.max_in_flight", "Requests at once.", NULL,
							&test_max_in_flight, 8, 1, 10000, PGC_POSTMASTER, 0,
							NULL, NULL, NULL);

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS;
	w.bgw_start_time = BgWorkerStart_RecoveryFinished;
	w.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(w.bgw_library_name, BGW_MAXLEN, "http_engine_bgw");
	snprintf(w.bgw_function_name, BGW_MAXLEN, "http_engine_bgw_main");
	snprintf(w.bgw_name, BGW_MAXLEN, "http engine test worker");
	snprintf(w.bgw_type, BGW_MAXLEN, "http engine test worker");
	RegisterBackgroundWorker(&w);
}

/* Submit one GET of url with tag, as the flowpg worker would. */
static void
submit(HttpEngine *e, const char *url, uint64 tag)
{
	HttpRequest req;
	HttpHeader	h;
	char		value[64];

	snprintf(value, sizeof(value), "test-run/%llu", (unsigned long long) tag);
	h.name = "Flowpg-Task-Run";
	h.value = value;
	memset(&req, 0, sizeof(req));
	req.kind = HTTP_KIND_HTTP;
	req.url = url;
	req.headers = &h;
	req.nheaders = 1;
	req.timeout_ms = 120000;
	req.allow_local = true;		/* its sink is on loopback */
	if (!http_engine_submit(e, &req, tag))
		elog(ERROR, "out of memory submitting a request");
}

/* The worker: send, wait on latch and sockets, log results, until SIGTERM. */
void
http_engine_bgw_main(Datum arg)
{
	HttpEngine *e;
	MemoryContext cxt;
	TimestampTz start;
	int			got = 0;
	int			i;
	bool		reported = false;

	(void) arg;
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	e = http_engine_start(test_max_in_flight, 30000);
	cxt = (MemoryContext) http_engine_allocator(e)->arg;
	elog(LOG, "http_engine_bgw: engine context \"%s\"", cxt->name);
	for (i = 0; i < test_count; i++)
		submit(e, test_url, (uint64) i);
	if (hang_url[0] != '\0')
		submit(e, hang_url, (uint64) test_count);
	start = GetCurrentTimestamp();

	for (;;)
	{
		HttpResult *r;

		(void) http_engine_wait(e, 10000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		if (ShutdownRequestPending)
		{
			elog(LOG, "http_engine_bgw: shutting down with %d running",
				 http_engine_running(e));
			http_engine_stop(e);
			proc_exit(0);
		}
		CHECK_FOR_INTERRUPTS();
		if (http_engine_poll(e, 0) < 0)
			elog(ERROR, "engine failed: %s", http_engine_error(e));
		while ((r = http_engine_next_result(e)) != NULL)
		{
			got++;
			elog(LOG, "http_engine_bgw: result tag=%llu outcome=%s code=%ld body_len=%zu truncated=%d",
				 (unsigned long long) r->tag, http_outcome_name(r->outcome),
				 r->code, r->body_len, (int) r->body_truncated);
			http_result_free(e, r);
		}
		if (got == test_count && !reported)
		{
			long		secs;
			int			usecs;

			TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
			elog(LOG, "http_engine_bgw: all %d results in %ld ms, %d running, engine context holds %zu bytes",
				 got, secs * 1000 + usecs / 1000, http_engine_running(e),
				 MemoryContextMemAllocated(cxt, true));
			reported = true;
		}
	}
}
