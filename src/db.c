/*-------------------------------------------------------------------------
 *
 * db.c
 *	  Running flowpg's own statements: cached SPI plans, executed as the
 *	  extension's owner with a safe search_path.
 *
 * The SQL functions of flowpg are not SECURITY DEFINER: each checks the
 * caller's permissions in C (security.c) and then enters a DbScope, which
 * switches to the extension's owner only for flowpg's own statements.  The
 * fixed search_path keeps a caller's objects (an operator in public, say)
 * out of those statements, and lets the plan cache keep their plans.
 *
 * Inside a scope the current user is the owner, yet permission checks,
 * audit rows and resumed.by must name the caller.  Each open scope
 * therefore keeps a frame saying who entered it; db_caller() answers with
 * it.  Frames opened inside a subtransaction that aborts are dropped with
 * it, and none survives the end of the transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "db.h"

/* One open DbScope: who entered it, as whom it acts, and in which subtransaction. */
typedef struct CallerFrame
{
	Oid			caller;
	Oid			owner;
	SubTransactionId subid;
} CallerFrame;

static CallerFrame *frames = NULL;
static int	nframes = 0;
static int	maxframes = 0;

/* Transaction end: no scope outlives its transaction. */
static void
frames_xact_callback(XactEvent event, void *arg)
{
	(void) event;
	(void) arg;
	nframes = 0;
}

/*
 * Subtransaction end: frames opened in an aborted subtransaction go with it
 * (its error skipped their db_leave); a committed one hands them to its
 * parent.
 */
static void
frames_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	int			i;

	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		while (nframes > 0 && frames[nframes - 1].subid == mySubid)
			nframes--;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (i = 0; i < nframes; i++)
			if (frames[i].subid == mySubid)
				frames[i].subid = parentSubid;
	}
}

/* Register the transaction callbacks that keep the caller frames honest (from _PG_init). */
void
db_init(void)
{
	RegisterXactCallback(frames_xact_callback, NULL);
	RegisterSubXactCallback(frames_subxact_callback, NULL);
}

/*
 * The role on whose behalf flowpg acts: the current user, unless the current
 * user is the owner that the innermost open scope switched to, in which case
 * the role that entered that scope.  SQL run under another role from inside
 * a scope (a Query task runs as the flow's deployer) is that role's own.
 * When the deployer is the extension's owner itself, its statements are
 * taken for flowpg's own, and the scope's caller is answered: the stricter
 * reading.
 */
Oid
db_caller(void)
{
	Oid			user = GetUserId();

	if (nframes > 0 && frames[nframes - 1].owner == user)
		return frames[nframes - 1].caller;
	return user;
}

/* Look up the owner of the flowpg extension in pg_extension. */
Oid
db_extension_owner(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("flowpg"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"flowpg\" is not installed in this database")));
	return owner;
}

/* Connect SPI and act as the extension's owner under a fixed search_path. */
void
db_enter(DbScope *scope)
{
	Oid			owner = db_extension_owner();
	MemoryContext caller = CurrentMemoryContext;
	CallerFrame *frame;

	if (nframes == maxframes)
	{
		maxframes = Max(16, maxframes * 2);
		frames = frames == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(CallerFrame) * maxframes) :
			repalloc(frames, sizeof(CallerFrame) * maxframes);
	}
	frame = &frames[nframes];
	frame->caller = db_caller();
	frame->owner = owner;
	frame->subid = GetCurrentSubTransactionId();
	nframes++;
	scope->frame = nframes;

	GetUserIdAndSecContext(&scope->saved_user, &scope->saved_sec_context);
	scope->guc_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	SetUserIdAndSecContext(owner,
						   scope->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* results that flowpg's code builds outlive SPI_finish: allocate them in the caller's context */
	MemoryContextSwitchTo(caller);
	scope->connected = true;
}

/* Undo db_enter: disconnect SPI, restore the caller's role and search_path. */
void
db_leave(DbScope *scope)
{
	if (scope->connected)
		SPI_finish();
	scope->connected = false;
	SetUserIdAndSecContext(scope->saved_user, scope->saved_sec_context);
	AtEOXact_GUC(true, scope->guc_nestlevel);
	/* this scope's frame, and any an error left above it, are done */
	if (nframes >= scope->frame)
		nframes = scope->frame - 1;
}

/* Execute q with its cached plan, preparing it on first use. */
uint64
db_exec(DbQuery *q, Datum *values, const char *nulls, bool read_only, long count)
{
	MemoryContext caller = CurrentMemoryContext;
	int			rc;

	if (q->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(q->sql, q->nargs, q->argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 q->sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		q->plan = plan;
	}
	rc = SPI_execute_plan(q->plan, values, nulls, read_only, count);
	/* SPI leaves its own procedure context current; go back to the caller's */
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s",
			 q->sql, SPI_result_code_string(rc));
	return SPI_processed;
}

/* Column col of row as text, or NULL. */
char *
db_text(uint64 row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	if (isnull)
		return NULL;
	return TextDatumGetCString(d);
}

/* Column col of row as a Datum (valid until SPI_finish or the next query). */
Datum
db_datum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/* Column col of row as int4 (0 when NULL). */
int32
db_int4(uint64 row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}
