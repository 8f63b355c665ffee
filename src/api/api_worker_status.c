/*-------------------------------------------------------------------------
 *
 * api_worker_status.c
 *	  flowpg.worker_status(), the one row of the view flowpg.worker_status:
 *	  what the worker wrote into shared memory (worker_status.c) joined
 *	  with this database's queue (flowpg.work), read as the extension's
 *	  owner.
 *
 * Who may read it: members of pg_monitor (PostgreSQL's role for
 * monitoring tools) and holders of ADMIN on '' (superusers, flowpg_admin,
 * a global ADMIN grant).  The queue and the last error are about every
 * namespace of the database, so ADMIN of one namespace is not enough.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"

#include "db.h"
#include "flowpg.h"
#include "security.h"
#include "worker_status.h"

PG_FUNCTION_INFO_V1(flowpg_worker_status);

/* the queue of this database, as the worker's own queries tell sends from timers */
#define SEND_ROW "(kind = 'send' OR (kind = 'retry' AND detail ? 'request'))"
static DbQuery q_queue = DB_QUERY(
	"SELECT count(*) FILTER (WHERE claimed_at IS NULL AND " SEND_ROW "),"
	" count(*) FILTER (WHERE NOT " SEND_ROW "),"
	" pg_catalog.now() - min(due_at) FILTER (WHERE claimed_at IS NULL AND due_at <= pg_catalog.now())"
	" FROM flowpg.work",
	0, InvalidOid);

/* A timestamptz column value, NULL for 0. */
static void
set_time(Datum *v, bool *n, TimestampTz t)
{
	*v = TimestampTzGetDatum(t);
	*n = (t == 0);
}

/* flowpg.worker_status(): the one row of the view flowpg.worker_status. */
Datum
flowpg_worker_status(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		v[15];
	bool		n[15];
	WorkerStatusSnapshot snap;
	bool		preloaded;
	const char *reason;
	const char *hint;
	DbScope		scope;
	bool		isnull;
	bool		running;
	char	   *dbname = get_database_name(MyDatabaseId);

	if (!has_privs_of_role(GetUserId(), ROLE_PG_MONITOR) && !sec_has_permission("", PERM_ADMIN))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read the status of the flowpg worker"),
				 errdetail("This needs the ADMIN permission on the namespace \"\", or membership of pg_monitor."),
				 errhint("A superuser can GRANT pg_monitor, or an administrator can grant ADMIN on '' with flow_grant().")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flowpg.worker_status() must return a row");

	preloaded = worker_status_snapshot(&snap);
	running = snap.pid != 0;
	memset(n, 0, sizeof(n));

	v[0] = BoolGetDatum(running);
	v[1] = Int32GetDatum(snap.pid);
	n[1] = !running;
	/* a standby runs no worker until it is promoted (BgWorkerStart_RecoveryFinished) */
	v[2] = CStringGetTextDatum(!preloaded ? "not preloaded" :
							   running ? worker_status_state_name(snap.state) :
							   RecoveryInProgress() ? "standby" : "not running");
	v[3] = CStringGetTextDatum(flowpg_database_name);
	v[4] = BoolGetDatum(preloaded && dbname != NULL && strcmp(dbname, flowpg_database_name) == 0);
	set_time(&v[5], &n[5], running ? snap.started_at : 0);
	v[6] = Int32GetDatum(snap.in_flight);

	db_enter(&scope);
	db_exec(&q_queue, NULL, NULL, true, 1);
	v[7] = db_datum(0, 1, &isnull);
	v[8] = db_datum(0, 2, &isnull);
	v[9] = db_datum(0, 3, &n[9]);
	if (!n[9])
		v[9] = datumCopy(v[9], false, sizeof(Interval));
	db_leave(&scope);

	v[10] = CStringGetTextDatum(snap.last_error);
	n[10] = snap.last_error_at == 0;
	set_time(&v[11], &n[11], snap.last_error_at);
	v[12] = Int64GetDatum((int64) snap.sends_completed);
	v[13] = Int64GetDatum((int64) snap.sends_failed);
	reason = worker_status_unserved_reason(&hint);
	v[14] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
	n[14] = reason == NULL;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), v, n)));
}
