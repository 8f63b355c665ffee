/*-------------------------------------------------------------------------
 *
 * api_flows.c
 *	  SQL functions for flow definitions: flow_deploy, flow_validate,
 *	  flow_delete and flow_rollback (SPEC section 7).
 *
 * A deploy checks the whole document first and writes nothing unless it is
 * valid.  An identical source keeps its revision; a changed one makes
 * revision n+1; rollback deploys an old revision's source again.  Deploys
 * of one flow are serialised by a transaction-level advisory lock on the
 * flow's name, so two sessions cannot both create revision n+1.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "audit.h"
#include "concurrency.h"
#include "db.h"
#include "flow_check.h"
#include "flowpg.h"
#include "ids.h"
#include "problems.h"
#include "security.h"
#include "trigger_flow.h"
#include "trigger_schedule.h"
#include "value_jsonb.h"

PG_FUNCTION_INFO_V1(flow_deploy);
PG_FUNCTION_INFO_V1(flow_validate);
PG_FUNCTION_INFO_V1(flow_delete);
PG_FUNCTION_INFO_V1(flow_rollback);

/* first key of the advisory locks flowpg takes on flow names ("flow") */
#define FLOW_LOCK_CLASS 0x666c6f77

static DbQuery q_lock_flow = DB_QUERY(
	"SELECT pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2 || '/' || $3))",
	3, INT4OID, TEXTOID, TEXTOID);

static DbQuery q_latest = DB_QUERY(
	"SELECT revision, source, deleted FROM flowpg.flow_revisions"
	" WHERE namespace = $1 AND id = $2 ORDER BY revision DESC LIMIT 1",
	2, TEXTOID, TEXTOID);

static DbQuery q_revision_source = DB_QUERY(
	"SELECT source, created_by::text FROM flowpg.flow_revisions"
	" WHERE namespace = $1 AND id = $2 AND revision = $3",
	3, TEXTOID, TEXTOID, INT4OID);

static DbQuery q_insert = DB_QUERY(
	"INSERT INTO flowpg.flow_revisions (namespace, id, revision, source, definition, disabled, created_by)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7)",
	7, TEXTOID, TEXTOID, INT4OID, TEXTOID, JSONBOID, BOOLOID, NAMEOID);

static DbQuery q_mark_deleted = DB_QUERY(
	"UPDATE flowpg.flow_revisions SET deleted = true"
	" WHERE namespace = $1 AND id = $2 AND revision = $3",
	3, TEXTOID, TEXTOID, INT4OID);

/* The latest revision of a flow, as read by latest_revision(). */
typedef struct LatestRevision
{
	bool		exists;
	int32		revision;
	char	   *source;
	bool		deleted;
} LatestRevision;

/* Lock a flow's name for the rest of the transaction (serialises deploys). */
static void
lock_flow(const char *ns, const char *id)
{
	Datum		values[3];

	values[0] = Int32GetDatum(FLOW_LOCK_CLASS);
	values[1] = CStringGetTextDatum(ns);
	values[2] = CStringGetTextDatum(id);
	db_exec(&q_lock_flow, values, NULL, false, 0);
}

/* Read the latest revision of a flow (needs a DbScope). */
static LatestRevision
latest_revision(const char *ns, const char *id)
{
	LatestRevision r = {0};
	Datum		values[2];
	bool		isnull;

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	if (db_exec(&q_latest, values, NULL, false, 1) == 1)
	{
		r.exists = true;
		r.revision = db_int4(0, 1);
		r.source = db_text(0, 2);
		r.deleted = DatumGetBool(db_datum(0, 3, &isnull));
	}
	return r;
}

/* Raise 42704 for a flow that does not exist (or is deleted). */
static void
flow_not_found(const char *ns, const char *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("flow \"%s\" does not exist in namespace \"%s\"", id, ns)));
}

/*
 * Why a source is too large to be taken (flowpg.max_flow_size), or NULL:
 * checked before anything parses it, so that a DEPLOY holder cannot make
 * the server parse megabytes of YAML.
 */
static char *
source_too_large(const char *source)
{
	size_t		len = strlen(source);

	if (len <= (size_t) flowpg_max_flow_size_kb * 1024)
		return NULL;
	return psprintf("the flow source is %zu kB, more than flowpg.max_flow_size (%d kB) allows",
					(len + 1023) / 1024, flowpg_max_flow_size_kb);
}

/*
 * Check a source and return its document; raise the first problem (42601
 * for YAML syntax, 22023 for an invalid flow, 54000 for one too large) when
 * there is any.
 */
static FpValue *
checked_document(const char *source)
{
	List	   *problems = NIL;
	char	   *too_large = source_too_large(source);
	FpValue    *root;

	if (too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s", too_large),
				 errhint("Split the flow into subflows, or ask a superuser to raise flowpg.max_flow_size.")));
	root = flow_check_source(source, strlen(source), &problems);

	if (problems != NIL)
		problems_raise(problems, ((FlowProblem *) linitial(problems))->syntax ?
					   "invalid YAML" : "invalid flow");
	return root;
}

/*
 * Store source as the next revision of its flow unless it is identical to
 * the latest one (which must not be deleted), with author as the role it
 * acts for (its Query, Subflow and trigger steps).  Returns the revision
 * number and says in *created whether a new row was written.  Needs a
 * DbScope and the flow lock.
 */
static int32
store_revision(const char *ns, const char *id, const char *source, FpValue *root,
			   const char *author, bool *created)
{
	LatestRevision latest = latest_revision(ns, id);
	FpValue    *disabled = fp_get(root, "disabled");
	Datum		values[7];
	int32		revision;

	if (latest.exists && !latest.deleted && strcmp(latest.source, source) == 0)
	{
		*created = false;
		return latest.revision;
	}
	revision = latest.exists ? latest.revision + 1 : 1;
	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	values[2] = Int32GetDatum(revision);
	values[3] = CStringGetTextDatum(source);
	values[4] = fp_to_jsonb_datum(root);
	values[5] = BoolGetDatum(disabled && disabled->type == FP_BOOL && disabled->u.b);
	values[6] = DirectFunctionCall1(namein, CStringGetDatum(author));
	db_exec(&q_insert, values, NULL, false, 0);
	trigger_flow_store(ns, id, root);
	trigger_schedule_store(ns, id, root);
	concurrency_flow_stored(ns, id, root);
	*created = true;
	return revision;
}

/* An audit detail {"revision": n} (plus "from" for rollbacks when from > 0). */
static FpValue *
revision_detail(int32 revision, int32 from)
{
	FpValue    *d = fp_object(2);

	fp_set(d, "revision", fp_int(revision));
	if (from > 0)
		fp_set(d, "from", fp_int(from));
	return d;
}

/* flow_deploy(source): validate and store; returns (namespace, id, revision). */
Datum
flow_deploy(PG_FUNCTION_ARGS)
{
	char	   *source = text_to_cstring(PG_GETARG_TEXT_PP(0));
	FpValue    *root = checked_document(source);
	const char *ns = fp_get_str(root, "namespace");
	const char *id = fp_get_str(root, "id");
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	DbScope		scope;
	int32		revision;
	bool		created;

	sec_require(ns, PERM_DEPLOY, "deploy flows");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flow_deploy must return a composite type");

	db_enter(&scope);
	lock_flow(ns, id);
	revision = store_revision(ns, id, source, root, sec_actor(), &created);
	if (created)
		audit_write("deploy", ns, id, NULL, NULL, revision_detail(revision, 0));
	db_leave(&scope);

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	values[2] = Int32GetDatum(revision);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* Order problems by position, keeping discovery order for equal positions. */
static int
problem_cmp(const ListCell *a, const ListCell *b)
{
	FlowProblem *pa = lfirst(a);
	FlowProblem *pb = lfirst(b);

	if (pa->line != pb->line)
		return pa->line < pb->line ? -1 : 1;
	if (pa->col != pb->col)
		return pa->col < pb->col ? -1 : 1;
	return 0;
}

/* flow_validate(source): every problem as (line, col, path, message); no rows when valid. */
Datum
flow_validate(PG_FUNCTION_ARGS)
{
	char	   *source = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *problems = NIL;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	if (source_too_large(source))
		problem_add_at(&problems, 0, 0, "", "%s", source_too_large(source));
	else
		(void) flow_check_source(source, strlen(source), &problems);
	list_sort(problems, problem_cmp);
	foreach(lc, problems)
	{
		FlowProblem *p = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int32GetDatum(p->line);
		values[1] = Int32GetDatum(p->col);
		values[2] = CStringGetTextDatum(p->path);
		values[3] = CStringGetTextDatum(p->message);
		nulls[0] = nulls[1] = (p->line == 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* flow_delete(namespace, id): the flow can no longer start; its executions are kept. */
Datum
flow_delete(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	LatestRevision latest;
	DbScope		scope;
	Datum		values[3];

	id_check_namespace_arg(ns, false);
	sec_require(ns, PERM_DEPLOY, "delete flows");

	db_enter(&scope);
	lock_flow(ns, id);
	latest = latest_revision(ns, id);
	if (!latest.exists || latest.deleted)
		flow_not_found(ns, id);
	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	values[2] = Int32GetDatum(latest.revision);
	db_exec(&q_mark_deleted, values, NULL, false, 0);
	trigger_flow_store(ns, id, NULL);
	trigger_schedule_store(ns, id, NULL);
	concurrency_flow_stored(ns, id, NULL);
	audit_write("delete", ns, id, NULL, NULL, revision_detail(latest.revision, 0));
	db_leave(&scope);
	PG_RETURN_VOID();
}

/*
 * flow_rollback(namespace, id, revision): a new revision with that
 * revision's source, acting for the role that wrote it.  The caller only
 * chooses which source runs again: re-signing it with the caller's identity
 * would let a DEPLOY holder's old Query run as a superuser who rolled back
 * to it.
 */
Datum
flow_rollback(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int32		target = PG_GETARG_INT32(2);
	LatestRevision latest;
	DbScope		scope;
	Datum		values[3];
	char	   *source;
	char	   *author;
	FpValue    *root;
	int32		revision;
	bool		created;

	id_check_namespace_arg(ns, false);
	sec_require(ns, PERM_DEPLOY, "roll back flows");

	db_enter(&scope);
	lock_flow(ns, id);
	latest = latest_revision(ns, id);
	if (!latest.exists)
		flow_not_found(ns, id);
	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(id);
	values[2] = Int32GetDatum(target);
	if (db_exec(&q_revision_source, values, NULL, false, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision %d of flow \"%s\" does not exist in namespace \"%s\"",
						target, id, ns),
				 errdetail("The latest revision is %d.", latest.revision)));
	source = db_text(0, 1);
	author = db_text(0, 2);

	/* the old source is checked again: the rules may have changed since */
	root = checked_document(source);
	revision = store_revision(ns, id, source, root, author, &created);
	if (!created)
		ereport(NOTICE,
				(errmsg("revision %d of flow \"%s\" has the source of the latest revision: nothing changed",
						target, id),
				 errdetail("The latest revision, %d, stays the flow's.", revision)));
	if (created)
	{
		FpValue    *detail = revision_detail(revision, target);

		fp_set(detail, "author", fp_cstring(author));
		audit_write("rollback", ns, id, NULL, NULL, detail);
	}
	db_leave(&scope);
	PG_RETURN_INT32(revision);
}
