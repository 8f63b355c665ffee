/*-------------------------------------------------------------------------
 *
 * api_purge.c
 *	  flow_purge(older_than, namespace, batch_size): retention.  Deletes
 *	  finished executions that ended more than older_than ago, with their
 *	  task runs, logs, work rows and secret input values, one bounded batch
 *	  per call.  Audit rows stay: the audit log is append-only.
 *
 * One batch per call, not a procedure that commits between batches: a
 * call is an ordinary statement (in any transaction, from pg_cron, from
 * an application's loop), each batch's row locks last only as long as
 * the caller's transaction, and the count it returns says when to stop.
 *
 * Executions go by subflow trees, never one without its relatives: a
 * child is purged only together with its parent (or once its parent is
 * gone), and a parent only when every execution below it is purged with
 * it.  So a live parent never loses its child and a live child never
 * loses its parent (its end would advance a missing parent).  A tree is
 * purged only when every one of its executions is finished (a terminal
 * state: a restarted execution keeps its old ended_at while it runs),
 * ended before the cut-off, in the namespace asked for, and could be
 * locked at once; the others wait for a later call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "db.h"
#include "ids.h"
#include "security.h"
#include "state.h"
#include "value.h"
#include "wake.h"

PG_FUNCTION_INFO_V1(flow_purge);

/* the largest batch a call takes (executions at the top of their trees) */
#define PURGE_MAX_BATCH 100000

/* an execution ended long enough ago, in the namespace asked for ($1 cut-off, $2 namespace) */
#define PURGEABLE(x) \
	"(" x ".ended_at < $1 AND " x ".state IN ('SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED')" \
	" AND ($2 = '' OR " x ".namespace = $2 OR pg_catalog.starts_with(" x ".namespace, $2 || '.')))"

/*
 * The trees to purge: up to $3 roots (purgeable executions with no parent
 * left), oldest first, none with a direct child that is not purgeable;
 * then every execution below them, and only the trees that are purgeable
 * all through.  Rows: (root, id).
 */
static DbQuery q_trees = DB_QUERY(
	"WITH RECURSIVE roots AS ("
	"  SELECT e.id FROM flowpg.executions AS e"
	"   WHERE " PURGEABLE("e")
	"     AND (e.parent_id IS NULL"
	"          OR NOT EXISTS (SELECT 1 FROM flowpg.executions AS p WHERE p.id = e.parent_id))"
	"     AND NOT EXISTS (SELECT 1 FROM flowpg.executions AS c"
	"                      WHERE c.parent_id = e.id AND NOT " PURGEABLE("c") ")"
	"   ORDER BY e.ended_at LIMIT $3),"
	" tree AS ("
	"  SELECT r.id AS root, r.id FROM roots AS r"
	"  UNION ALL"
	"  SELECT t.root, c.id FROM tree AS t JOIN flowpg.executions AS c ON c.parent_id = t.id)"
	" SELECT t.root, t.id FROM tree AS t"
	"  WHERE NOT EXISTS (SELECT 1 FROM tree AS u JOIN flowpg.executions AS x ON x.id = u.id"
	"                     WHERE u.root = t.root AND NOT " PURGEABLE("x") ")",
	3, TIMESTAMPTZOID, TEXTOID, INT4OID);

/* Lock what is still purgeable of those, without waiting for anyone. */
static DbQuery q_lock = DB_QUERY(
	"SELECT x.id FROM flowpg.executions AS x WHERE x.id = ANY ($3) AND " PURGEABLE("x")
	" FOR UPDATE SKIP LOCKED",
	3, TIMESTAMPTZOID, TEXTOID, TEXTARRAYOID);

/* Everything keyed to the executions, then the executions themselves. */
static DbQuery q_delete_runs = DB_QUERY(
	"DELETE FROM flowpg.task_runs WHERE execution_id = ANY ($1)", 1, TEXTARRAYOID);
static DbQuery q_delete_logs = DB_QUERY(
	"DELETE FROM flowpg.logs WHERE execution_id = ANY ($1)", 1, TEXTARRAYOID);
static DbQuery q_delete_work = DB_QUERY(
	"DELETE FROM flowpg.work WHERE execution_id = ANY ($1)", 1, TEXTARRAYOID);
static DbQuery q_delete_secrets = DB_QUERY(
	"DELETE FROM flowpg.execution_secrets WHERE execution_id = ANY ($1)", 1, TEXTARRAYOID);
static DbQuery q_delete_executions = DB_QUERY(
	"DELETE FROM flowpg.executions WHERE id = ANY ($1)", 1, TEXTARRAYOID);

/* Check the arguments (nothing is read before): 22004 for a NULL, 22023 for a bad value. */
static void
check_purge_args(FunctionCallInfo fcinfo, Interval **older_than, char **ns, int32 *batch)
{
	Interval	zero = {0};

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("older_than must not be null")));
	*older_than = PG_GETARG_INTERVAL_P(0);
	if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(*older_than),
										 IntervalPGetDatum(&zero))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must not be negative"),
				 errdetail("flow_purge deletes executions that ended at least that long ago.")));
	*ns = PG_ARGISNULL(1) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	id_check_namespace_arg(*ns, true);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("batch_size must not be null")));
	*batch = PG_GETARG_INT32(2);
	if (*batch < 1 || *batch > PURGE_MAX_BATCH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be between 1 and %d", PURGE_MAX_BATCH)));
}

/* A set of C strings (hash keys only), in the current memory context. */
static HTAB *
id_set(const char *name, long size)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = NAMEDATALEN;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, Max(size, 16), &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/*
 * Lock the executions of the nrows (root, id) rows of q_trees and keep the
 * trees locked all through: the ids to delete, as a List of char *.
 */
static List *
lock_trees(Datum cutoff, Datum ns, uint64 nrows)
{
	HTAB	   *locked = id_set("flowpg purge locked", nrows);
	HTAB	   *waiting = id_set("flowpg purge waiting", 16);
	List	   *roots = NIL;
	List	   *ids = NIL;
	List	   *keep = NIL;
	ListCell   *r;
	ListCell   *m;
	Datum		args[3];
	uint64		i;
	uint64		n;

	for (i = 0; i < nrows; i++)
	{
		roots = lappend(roots, pstrdup(db_text(i, 1)));
		ids = lappend(ids, pstrdup(db_text(i, 2)));
	}
	args[0] = cutoff;
	args[1] = ns;
	args[2] = db_text_array(ids);
	n = db_exec(&q_lock, args, NULL, false, 0);
	for (i = 0; i < n; i++)
		(void) hash_search(locked, db_text(i, 1), HASH_ENTER, NULL);

	/* a tree with a member left unlocked (someone holds it, or it changed) waits */
	forboth(r, roots, m, ids)
		if (hash_search(locked, lfirst(m), HASH_FIND, NULL) == NULL)
		(void) hash_search(waiting, lfirst(r), HASH_ENTER, NULL);
	forboth(r, roots, m, ids)
		if (hash_search(waiting, lfirst(r), HASH_FIND, NULL) == NULL)
		keep = lappend(keep, lfirst(m));
	return keep;
}

/* flow_purge(older_than, namespace = NULL, batch_size = 1000): executions purged by this call. */
Datum
flow_purge(PG_FUNCTION_ARGS)
{
	Interval   *older_than;
	char	   *ns;
	int32		batch;
	Datum		cutoff;
	Datum		args[3];
	DbScope		scope;
	uint64		n;
	List	   *ids;
	int			purged;

	check_purge_args(fcinfo, &older_than, &ns, &batch);
	sec_require(ns, PERM_ADMIN, "purge executions");

	cutoff = DirectFunctionCall2(timestamptz_mi_interval,
								 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
								 IntervalPGetDatum(older_than));
	args[0] = cutoff;
	args[1] = CStringGetTextDatum(ns);
	args[2] = Int32GetDatum(batch);

	db_enter(&scope);
	n = db_exec(&q_trees, args, NULL, true, 0);
	ids = n > 0 ? lock_trees(cutoff, args[1], n) : NIL;
	purged = list_length(ids);
	if (purged > 0)
	{
		Datum		arr = db_text_array(ids);
		FpValue    *detail = fp_object(3);

		db_exec(&q_delete_runs, &arr, NULL, false, 0);
		db_exec(&q_delete_logs, &arr, NULL, false, 0);
		/* a send in flight for a purged execution is aborted when this commits */
		if (db_exec(&q_delete_work, &arr, NULL, false, 0) > 0)
			wake_worker_work_gone_at_commit();
		db_exec(&q_delete_secrets, &arr, NULL, false, 0);
		db_exec(&q_delete_executions, &arr, NULL, false, 0);

		/* the interval as ISO 8601, whatever the session's IntervalStyle (db_leave restores it) */
		(void) set_config_option("intervalstyle", "iso_8601", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		fp_set(detail, "olderThan",
			   fp_cstring(DatumGetCString(DirectFunctionCall1(interval_out,
															  IntervalPGetDatum(older_than)))));
		fp_set(detail, "endedBefore",
			   fp_cstring(state_format_time(DatumGetTimestampTz(cutoff))));
		fp_set(detail, "executions", fp_int(purged));
		audit_write("purge", ns, NULL, NULL, NULL, detail);
	}
	db_leave(&scope);
	PG_RETURN_INT32(purged);
}
