/*-------------------------------------------------------------------------
 *
 * tasks_query.c
 *	  jdbc.postgresql.Query: runs SQL in this database as the role that
 *	  deployed the flow revision (like a view's owner), inside a
 *	  subtransaction, so an approval and the business rows it approves
 *	  commit together, and an SQL error fails only the task run.
 *
 * parameters are bound to :name placeholders; their types are inferred by
 * the parser from where they are used, as with the extended protocol.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "parser/parse_param.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/resowner.h"

#include "problems.h"
#include "task_api.h"
#include "tasks.h"
#include "value_jsonb.h"

#define QUERY_MAX_ROWS 10000	/* rows FETCH may return */

static const char *const fetch_types[] = {"NONE", "FETCH_ONE", "FETCH", NULL};

static const PropSpec query_props[] = {
	P_REQ("sql", PROP_LITERAL),
	P("parameters", PROP_MAP),
	P_ENUM("fetchType", fetch_types),
	P_END
};

/* Parameter types the parser infers (see parse_param.c). */
typedef struct QueryParams
{
	Oid		   *types;
	int			count;
} QueryParams;

/* ParserSetupHook: let the parser infer parameter types. */
static void
query_parser_setup(struct ParseState *pstate, void *arg)
{
	QueryParams *qp = arg;

	setup_parse_variable_parameters(pstate, &qp->types, &qp->count);
}

/*
 * The length of the quoted string, quoted identifier, comment or
 * dollar-quoted string that starts at p (0: none starts there), as
 * PostgreSQL's lexer reads them: '' and "" double a quote, E'' strings also
 * escape with a backslash, block comments nest, $tag$ ... $tag$ ends only at
 * the same tag.  An unterminated one runs to the end.
 */
static size_t
skip_literal(const char *sql, const char *p)
{
	const char *q = p;

	if (*p == '\'' || *p == '"')
	{
		bool		escapes = (*p == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
							   (p - 1 == sql || !(isalnum((unsigned char) p[-2]) || p[-2] == '_')));
		char		quote = *q++;

		while (*q && *q != quote)
			q += (escapes && *q == '\\' && q[1]) ? 2 : 1;
		return (size_t) (q - p) + (*q ? 1 : 0);
	}
	if (p[0] == '-' && p[1] == '-')
		return strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*')
	{
		int			depth = 0;

		while (*q)
		{
			if (q[0] == '/' && q[1] == '*')
			{
				depth++;
				q += 2;
			}
			else if (q[0] == '*' && q[1] == '/')
			{
				q += 2;
				if (--depth == 0)
					break;
			}
			else
				q++;
		}
		return (size_t) (q - p);
	}
	if (*p == '$' && !(p > sql && (isalnum((unsigned char) p[-1]) || p[-1] == '_' || p[-1] == '$')))
	{
		const char *tag_end = p + 1;
		const char *close;
		size_t		tag_len;

		if (isdigit((unsigned char) *tag_end))
			return 0;			/* $1: a positional parameter */
		while (isalnum((unsigned char) *tag_end) || *tag_end == '_')
			tag_end++;
		if (*tag_end != '$')
			return 0;
		tag_len = (size_t) (tag_end - p) + 1;
		for (close = tag_end + 1; *close; close++)
			if (strncmp(close, p, tag_len) == 0)
				return (size_t) (close - p) + tag_len;
		return strlen(p);
	}
	return 0;
}

/*
 * Replace :name placeholders (outside quotes, comments, dollar quotes and
 * :: casts) with $n, appending each distinct name to *names.
 */
static char *
bind_placeholders(const char *sql, const FpValue *parameters, List **names)
{
	StringInfoData out;
	const char *p = sql;

	initStringInfo(&out);
	while (*p)
	{
		size_t		literal = skip_literal(sql, p);

		if (literal > 0)
		{
			appendBinaryStringInfo(&out, p, (int) literal);
			p += literal;
		}
		else if (p[0] == ':' && p[1] == ':')
		{
			appendStringInfoString(&out, "::");
			p += 2;
		}
		else if (p[0] == ':' && (isalpha((unsigned char) p[1]) || p[1] == '_'))
		{
			const char *start = ++p;
			char	   *name;
			int			index = 0;
			ListCell   *lc;

			while (isalnum((unsigned char) *p) || *p == '_')
				p++;
			name = pnstrdup(start, p - start);
			if (fp_get(parameters, name) == NULL)
			{
				/* not a parameter: leave the text alone */
				appendStringInfo(&out, ":%s", name);
				continue;
			}
			foreach(lc, *names)
			{
				index++;
				if (strcmp(lfirst(lc), name) == 0)
					break;
			}
			if (lc == NULL)
			{
				*names = lappend(*names, name);
				index = list_length(*names);
			}
			appendStringInfo(&out, "$%d", index);
		}
		else
			appendStringInfoChar(&out, *p++);
	}
	return out.data;
}

/*
 * Why a statement may not run in a Query, or NULL when it may: the ones
 * that act on objects of the calling session rather than of the database.
 */
static const char *
refused_statement(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_TransactionStmt:
			return "transaction control belongs to the caller";
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
			return "prepared statements belong to the calling session";
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
			return "cursors belong to the calling session";
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_DiscardStmt:
		case T_LoadStmt:
			return "it changes the calling session";
		default:
			return NULL;
	}
}

/*
 * Check the statements of sql (placeholders bound); NULL when it is one
 * statement a Query may run, else what is wrong.
 */
static char *
statements_problem(List *raw_stmts)
{
	Node	   *stmt;
	const char *why;

	if (list_length(raw_stmts) == 0)
		return pstrdup("sql has no SQL statement");
	if (list_length(raw_stmts) > 1)
		return psprintf("sql must be exactly one SQL statement, not %d: a Query runs one statement, and values go through parameters",
						list_length(raw_stmts));
	stmt = ((RawStmt *) linitial(raw_stmts))->stmt;
	why = refused_statement(stmt);
	if (why)
		return psprintf("a Query may not run %s: %s",
						GetCommandTagName(CreateCommandTag(stmt)), why);
	return NULL;
}

/*
 * Deploy-time check of sql: not a template, valid SQL, one statement that a
 * Query may run.  The SQL is parsed (not analysed: the tables it names may
 * not exist yet) with its :name placeholders bound, as it will run.
 */
static void
query_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *sql = fp_get(task, "sql");
	FpValue    *parameters = fp_get(task, "parameters");
	char	   *sql_path = path_key(path, "sql");
	List	   *names = NIL;
	char	   *bound;
	List	   *volatile stmts = NIL;
	char	   *volatile syntax = NULL;
	char	   *problem;
	MemoryContext cxt = CurrentMemoryContext;

	if (sql == NULL || sql->type != FP_STRING)
		return;					/* the property check said so */
	if (expr_is_template(sql->u.str.ptr, sql->u.str.len))
	{
		problem_add(problems, sql, sql_path,
					"sql may not contain expressions: values go in parameters, bound to :name placeholders (an expression pasted into SQL text is an injection)");
		return;
	}
	bound = bind_placeholders(sql->u.str.ptr,
							  parameters && parameters->type == FP_OBJECT ? parameters : fp_object(0),
							  &names);
	/* the raw parser touches nothing but memory: its error can be caught without a subtransaction */
	PG_TRY();
	{
		stmts = raw_parser(bound, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		syntax = edata->cursorpos > 0 ?
			psprintf("sql is not valid SQL: %s (at character %d)", edata->message, edata->cursorpos) :
			psprintf("sql is not valid SQL: %s", edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	if (syntax)
	{
		problem_add(problems, sql, sql_path, "%s", syntax);
		return;
	}
	problem = statements_problem(stmts);
	if (problem)
		problem_add(problems, sql, sql_path, "%s", problem);
}

/*
 * Whether this session holds temporary relations or types: every object
 * made in a schema depends on the schema in pg_depend, so one index probe
 * tells.  Temporary functions and operators do not count (see the header).
 */
static bool
session_has_temp_objects(void)
{
	Oid			temp_ns;
	Oid			temp_toast_ns;
	Relation	rel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	GetTempNamespaceState(&temp_ns, &temp_toast_ns);
	if (!OidIsValid(temp_ns))
		return false;			/* this session never made a temporary object */
	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(NamespaceRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(temp_ns));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Oid			classid = ((Form_pg_depend) GETSTRUCT(tup))->classid;

		found = (classid == RelationRelationId || classid == TypeRelationId);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* One result column as JSON: booleans, numbers and json keep their type; the rest is text. */
static FpValue *
column_value(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);
	Oid			type = SPI_gettypeid(desc, col);
	char	   *text;

	if (isnull)
		return fp_null();
	switch (type)
	{
		case BOOLOID:
			return fp_bool(DatumGetBool(d));
		case INT2OID:
			return fp_int(DatumGetInt16(d));
		case INT4OID:
			return fp_int(DatumGetInt32(d));
		case INT8OID:
			return fp_int(DatumGetInt64(d));
		case JSONBOID:
			return fp_from_jsonb_datum(d);
		default:
			break;
	}
	text = SPI_getvalue(tuple, desc, col);
	if (type == FLOAT4OID || type == FLOAT8OID || type == NUMERICOID || type == JSONOID)
	{
		char	   *error;
		FpValue    *v = fp_parse_json(text, strlen(text), &error);

		if (v)
			return v;
	}
	return fp_cstring(text);
}

/* The rows of SPI_tuptable as JSON objects (up to max). */
static FpValue *
result_rows(uint64 max)
{
	FpValue    *rows = fp_array(4);
	uint64		i;
	int			c;

	for (i = 0; SPI_tuptable && i < SPI_processed && i < max; i++)
	{
		FpValue    *row = fp_object(SPI_tuptable->tupdesc->natts);

		for (c = 1; c <= SPI_tuptable->tupdesc->natts; c++)
		{
			if (TupleDescAttr(SPI_tuptable->tupdesc, c - 1)->attisdropped)
				continue;
			fp_set(row, SPI_fname(SPI_tuptable->tupdesc, c),
				   column_value(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c));
		}
		fp_append(rows, row);
	}
	return rows;
}

/* The raw statements of a prepared plan (one per statement of its SQL). */
static List *
plan_statements(SPIPlanPtr plan)
{
	List	   *stmts = NIL;
	ListCell   *lc;

	foreach(lc, SPI_plan_get_plan_sources(plan))
		stmts = lappend(stmts, ((CachedPlanSource *) lfirst(lc))->raw_parse_tree);
	return stmts;
}

/*
 * Run sql with parameters in the current (sub)transaction; fill outputs.
 * Raises on SQL errors, and for SQL that is not one statement a Query may
 * run (a revision deployed before those checks): the caller catches it.
 */
static void
run_sql(const char *sql, FpValue *parameters, const char *fetch, FpValue *outputs)
{
	List	   *names = NIL;
	char	   *bound = bind_placeholders(sql, parameters ? parameters : fp_object(0), &names);
	uint64		processed;
	int			rc;
	MemoryContext caller = CurrentMemoryContext;
	QueryParams qp = {palloc0(sizeof(Oid) * Max(list_length(names), 1)), list_length(names)};
	SPIPlanPtr	plan;
	ParamListInfo params;
	SPIExecuteOptions options;
	ListCell   *lc;
	char	   *problem;
	int			i = 0;

	/* SPI switches to its own contexts; results are built in the caller's */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(caller);
	plan = SPI_prepare_params(bound, query_parser_setup, &qp, 0);
	MemoryContextSwitchTo(caller);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare_params failed: %s", SPI_result_code_string(SPI_result));
	problem = statements_problem(plan_statements(plan));
	if (problem)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("%s", problem)));

	params = makeParamList(list_length(names));
	foreach(lc, names)
	{
		FpValue    *v = fp_get(parameters, lfirst(lc));
		Oid			type = (i < qp.count && OidIsValid(qp.types[i]) &&
							qp.types[i] != UNKNOWNOID) ? qp.types[i] : TEXTOID;
		ParamExternData *prm = &params->params[i++];

		prm->ptype = type;
		prm->pflags = PARAM_FLAG_CONST;
		prm->isnull = (v->type == FP_NULL);
		if (!prm->isnull)
		{
			Oid			input;
			Oid			ioparam;

			getTypeInputInfo(type, &input, &ioparam);
			prm->value = OidInputFunctionCall(input, fp_to_text(v), ioparam, -1);
		}
	}
	memset(&options, 0, sizeof(options));
	options.params = params;
	rc = SPI_execute_plan_extended(plan, &options);
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		elog(ERROR, "query failed: %s", SPI_result_code_string(rc));

	processed = SPI_processed;
	if (strcmp(fetch, "FETCH_ONE") == 0)
	{
		FpValue    *rows = result_rows(1);

		fp_set(outputs, "row", rows->u.arr.count > 0 ? rows->u.arr.items[0] : fp_null());
	}
	else if (strcmp(fetch, "FETCH") == 0)
	{
		if (processed > QUERY_MAX_ROWS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the query returned %llu rows; FETCH keeps at most %d",
							(unsigned long long) processed, QUERY_MAX_ROWS)));
		fp_set(outputs, "rows", result_rows(QUERY_MAX_ROWS));
	}
	fp_set(outputs, "size", fp_int((int64) processed));
	SPI_finish();
	MemoryContextSwitchTo(caller);
}

/*
 * Query: run the SQL as the revision's deployer in a subtransaction, with
 * nothing of the calling session reaching it (see the file's header).  A
 * session holding temporary relations or types raises: the call changes
 * nothing, and the person can call again from a clean session, rather than
 * having their decision fail the flow.
 */
static FlowState
query_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *sql = fp_get(run->node->def, "sql");
	FpValue    *parameters;
	FpValue    *fetch;
	Oid			deployer = get_role_oid(e->flow->deployer, true);
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Oid			saved_user;
	int			saved_sec;
	FpValue    *outputs = fp_object(3);
	volatile bool ok = true;

	if (sql == NULL || sql->type != FP_STRING ||
		expr_is_template(sql->u.str.ptr, sql->u.str.len))
	{
		/* a revision deployed before sql stopped being a template */
		*error = pstrdup("sql may not contain expressions: values go in parameters, bound to :name placeholders; deploy the flow again with its values as parameters");
		return ST_FAILED;
	}
	if (!exec_render_prop(e, run, "parameters", &parameters, error) ||
		!exec_render_prop(e, run, "fetchType", &fetch, error))
		return ST_FAILED;
	if (!OidIsValid(deployer))
	{
		*error = psprintf("role \"%s\", which deployed this flow revision, no longer exists",
						  e->flow->deployer);
		return ST_FAILED;
	}
	if (session_has_temp_objects())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("task \"%s\" (a Query) cannot run in a session that holds temporary tables, views or types",
						run->task_id),
				 errdetail("A Query runs as the role that deployed the flow; a temporary relation or type of the calling session, found before that role's own, would run the caller's code with that role's rights."),
				 errhint("Drop them (DISCARD TEMP) or call from another connection.")));

	GetUserIdAndSecContext(&saved_user, &saved_sec);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		int			nest = NewGUCNestLevel();

		/*
		 * The settings are the session's starting ones (whatever it changed
		 * with SET, a custom setting that a policy reads included, goes back
		 * for the SQL's time), then restricted like a materialized view's
		 * refresh: the SQL can neither change role nor leave anything behind
		 * in the session (temp tables, LISTEN, prepared statements), and
		 * every setting it changes is put back when it ends, even a plain
		 * SET.  pg_temp is named last: nothing is looked up there before
		 * the deployer's own schemas.
		 */
		ResetAllOptions();
		(void) set_config_option("search_path", "\"$user\", public, pg_temp", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		SetUserIdAndSecContext(deployer, saved_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		run_sql(sql->u.str.ptr, parameters, fetch ? fp_to_text(fetch) : "NONE", outputs);
		AtEOXact_GUC(false, nest);
		SetUserIdAndSecContext(saved_user, saved_sec);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		SetUserIdAndSecContext(saved_user, saved_sec);
		*error = psprintf("query failed: %s", edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();

	if (!ok)
		return ST_FAILED;
	run->outputs = outputs;
	return ST_SUCCESS;
}

/* jdbc.postgresql.Query */
const TaskType task_query = {
	.name = "io.kestra.plugin.jdbc.postgresql.Query",
	.kind = TASK_INTERNAL,
	.props = query_props,
	.check = query_check,
	.run = query_run,
};
