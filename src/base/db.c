/*-------------------------------------------------------------------------
 *
 * db.c
 *	  Running flowpg's own statements: cached SPI plans, executed as the
 *	  extension's owner with a safe search_path.
 *
 * The SQL functions of flowpg are not SECURITY DEFINER: each checks the
 * caller's permissions in C (security.c) and then enters a DbScope.  Only
 * while one of flowpg's own statements executes (db_exec) is the current
 * user the extension's owner; everywhere else, permission checks, audit
 * rows and resumed.by see the caller.  If a statement fails, the
 * (sub)transaction abort restores the caller's identity.  The fixed
 * search_path keeps a caller's objects (an operator in public, say) out of
 * those statements, and lets the plan cache keep their plans.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "db.h"
#include "value_jsonb.h"

/*
 * What db_extension_lookup read last, and for which command: every call into
 * flowpg reads the extension's owner (db_enter), and a step reads its version
 * too, so one scan of pg_extension serves a whole SQL command.  A command
 * that changes pg_extension (CREATE, ALTER or DROP EXTENSION) is followed by
 * a new command id, so what it changed is read again.
 */
static struct
{
	LocalTransactionId lxid;
	CommandId	cid;
	bool		found;
	Oid			oid;
	Oid			owner;
	char		version[64];
}			ext_cache = {InvalidLocalTransactionId};

/*
 * The flowpg extension of this database, from pg_extension: its oid, owner
 * and (palloc'd) version; false when it is not installed.  Any out argument
 * may be NULL.
 */
bool
db_extension_lookup(Oid *oid, Oid *owner, char **version)
{
	CommandId	cid = GetCurrentCommandId(false);

	if (ext_cache.lxid != MyProc->lxid || ext_cache.cid != cid ||
		ext_cache.lxid == InvalidLocalTransactionId)
	{
		Relation	rel;
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		rel = table_open(ExtensionRelationId, AccessShareLock);
		ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
					CStringGetDatum("flowpg"));
		scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		ext_cache.found = HeapTupleIsValid(tup);
		ext_cache.version[0] = '\0';
		if (ext_cache.found)
		{
			Form_pg_extension form = (Form_pg_extension) GETSTRUCT(tup);
			bool		isnull;
			Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
										 RelationGetDescr(rel), &isnull);

			ext_cache.oid = form->oid;
			ext_cache.owner = form->extowner;
			if (!isnull)
				text_to_cstring_buffer((text *) DatumGetPointer(d), ext_cache.version,
									   sizeof(ext_cache.version));
		}
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		ext_cache.lxid = MyProc->lxid;
		ext_cache.cid = cid;
	}
	if (ext_cache.found)
	{
		if (oid)
			*oid = ext_cache.oid;
		if (owner)
			*owner = ext_cache.owner;
		if (version)
			*version = pstrdup(ext_cache.version);
	}
	return ext_cache.found;
}

/* Whether the installed objects are those of version 0.1 (see db.h). */
bool
db_schema_is_0_1(void)
{
	char	   *version = NULL;

	return db_extension_lookup(NULL, NULL, &version) && strcmp(version, "0.1") == 0;
}

/* The owner of the flowpg extension (42704 if it is not installed). */
Oid
db_extension_owner(void)
{
	Oid			owner;

	if (!db_extension_lookup(NULL, &owner, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"flowpg\" is not installed in this database")));
	return owner;
}

/* the owner db_exec runs statements as (set by every db_enter) */
static Oid	db_owner = InvalidOid;

/* Connect SPI and set a fixed search_path for flowpg's statements. */
void
db_enter(DbScope *scope)
{
	MemoryContext caller = CurrentMemoryContext;

	db_owner = db_extension_owner();
	scope->guc_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* results that flowpg's code builds outlive SPI_finish: allocate them in the caller's context */
	MemoryContextSwitchTo(caller);
	scope->connected = true;
}

/* Undo db_enter: disconnect SPI, restore the caller's search_path. */
void
db_leave(DbScope *scope)
{
	if (scope->connected)
		SPI_finish();
	scope->connected = false;
	AtEOXact_GUC(true, scope->guc_nestlevel);
}

/* The caller's identity while db_exec runs as the owner. */
typedef struct OwnerSwitch
{
	Oid			user;
	int			sec_context;
} OwnerSwitch;

/*
 * Become the extension's owner (db_enter looked it up) for one statement;
 * become_caller switches back.  An error's abort restores the caller too.
 */
static void
become_owner(OwnerSwitch *saved)
{
	Assert(OidIsValid(db_owner));
	GetUserIdAndSecContext(&saved->user, &saved->sec_context);
	SetUserIdAndSecContext(db_owner, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

static void
become_caller(const OwnerSwitch *saved)
{
	SetUserIdAndSecContext(saved->user, saved->sec_context);
}

/* Execute q with its cached plan (as the extension's owner), preparing it on first use. */
uint64
db_exec(DbQuery *q, Datum *values, const char *nulls, bool read_only, long count)
{
	MemoryContext caller = CurrentMemoryContext;
	OwnerSwitch saved;
	int			rc;

	become_owner(&saved);
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
	/*
	 * The previous statement's rows are no longer reachable (see db_datum):
	 * free them, or a call that runs many statements (flow_resume_bulk)
	 * keeps every result until SPI_finish.
	 */
	if (SPI_tuptable != NULL)
	{
		SPI_freetuptable(SPI_tuptable);
		SPI_tuptable = NULL;
	}
	rc = SPI_execute_plan(q->plan, values, nulls, read_only, count);
	become_caller(&saved);
	/* SPI leaves its own procedure context current; go back to the caller's */
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s",
			 q->sql, SPI_result_code_string(rc));
	return SPI_processed;
}

/* Execute a utility statement built at run time as the extension's owner (see db.h). */
void
db_exec_utility(const char *sql)
{
	OwnerSwitch saved;
	int			rc;

	become_owner(&saved);
	rc = SPI_execute(sql, false, 0);
	become_caller(&saved);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "could not run \"%s\"", sql);
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

/* Column col of row as timestamptz (0 when NULL). */
TimestampTz
db_time(uint64 row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetTimestampTz(d);
}

/* Column col of row, a jsonb, as an FpValue (NULL when NULL). */
FpValue *
db_json(uint64 row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : fp_from_jsonb_datum(d);
}

/* A timestamptz Datum, 0 standing for NULL (see db.h). */
Datum
db_time_arg(TimestampTz t, char *null)
{
	*null = t ? ' ' : 'n';
	return TimestampTzGetDatum(t);
}

/* A text[] Datum of the C strings of a List (see db.h). */
Datum
db_text_array(List *strings)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(strings), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, strings)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}
