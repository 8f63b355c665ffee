/*-------------------------------------------------------------------------
 *
 * api_security.c
 *	  SQL functions for permissions (SPEC sections 7 and 8): flow_grant and
 *	  flow_revoke, and the predicates the row-level security policies and
 *	  the inbox view are built from (flowpg.has_permission,
 *	  flowpg.may_resume, flowpg.is_assigned, flowpg.current_groups,
 *	  flowpg.resume_namespaces, flowpg.namespace_path).
 *
 * The predicates answer for the current role, through the same C
 * functions (security.c) that flow_resume and the other functions check,
 * so what a role sees and what it may do cannot drift apart.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "api.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "audit.h"
#include "db.h"
#include "ids.h"
#include "security.h"
#include "store.h"
#include "value_jsonb.h"

PG_FUNCTION_INFO_V1(flow_grant);
PG_FUNCTION_INFO_V1(flow_revoke);
PG_FUNCTION_INFO_V1(flowpg_has_permission);
PG_FUNCTION_INFO_V1(flowpg_may_resume);
PG_FUNCTION_INFO_V1(flowpg_is_assigned);
PG_FUNCTION_INFO_V1(flowpg_current_groups);
PG_FUNCTION_INFO_V1(flowpg_resume_namespaces);
PG_FUNCTION_INFO_V1(flowpg_namespace_path);

static DbQuery q_insert_grant = DB_QUERY(
	"INSERT INTO flowpg.namespace_grants (namespace, grantee, permission, granted_by)"
	" VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
	4, TEXTOID, REGROLEOID, TEXTOID, NAMEOID);

static DbQuery q_delete_grant = DB_QUERY(
	"DELETE FROM flowpg.namespace_grants WHERE namespace = $1 AND grantee = $2 AND permission = $3",
	3, TEXTOID, REGROLEOID, TEXTOID);

static DbQuery q_delete_stale = DB_QUERY(
	"DELETE FROM flowpg.namespace_grants WHERE grantee = $1",
	1, REGROLEOID);

static DbQuery q_grantee_rows = DB_QUERY(
	"SELECT 1 FROM flowpg.namespace_grants WHERE grantee = $1 LIMIT 1",
	1, REGROLEOID);

/* A text[] argument as an FpValue list of strings, or NULL when the argument is NULL. */
static FpValue *
names_arg(FunctionCallInfo fcinfo, int n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	int			i;
	FpValue    *list;

	if (PG_ARGISNULL(n))
		return NULL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(n), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &count);
	list = fp_array(Max(count, 1));
	for (i = 0; i < count; i++)
		if (!nulls[i])
			fp_append(list, fp_cstring(TextDatumGetCString(elems[i])));
	return list;
}

/* The arguments of flow_grant and flow_revoke, checked. */
typedef struct GrantArgs
{
	char	   *namespace;
	Oid			grantee;
	char	   *grantee_name;
	FlowPermission permission;
} GrantArgs;

/*
 * Check the arguments of flow_grant/flow_revoke, then that the caller holds
 * ADMIN on the namespace (what names the action for the error).
 */
static GrantArgs
grant_args(FunctionCallInfo fcinfo, const char *what)
{
	GrantArgs	a;

	a.namespace = api_text_arg(fcinfo, 0, "namespace");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("grantee must not be null")));
	a.grantee = PG_GETARG_OID(1);
	a.permission = sec_permission_from_name(api_text_arg(fcinfo, 2, "permission"));
	id_check_namespace_arg(a.namespace, true);
	a.grantee_name = OidIsValid(a.grantee) ? GetUserNameFromId(a.grantee, true) : NULL;
	if (a.grantee_name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u does not exist", a.grantee)));
	sec_require(a.namespace, PERM_ADMIN, what);
	return a;
}

/*
 * GRANT or REVOKE the marker privilege for a role (in a DbScope), as the
 * extension's owner, who owns the table.  An error's abort restores the
 * caller's identity.
 */
static void
set_marker(const char *role_name, bool grant)
{
	char	   *sql;

	sql = psprintf(grant ?
				   "GRANT SELECT (grantee) ON flowpg.namespace_grants TO %s" :
				   "REVOKE SELECT (grantee) ON flowpg.namespace_grants FROM %s",
				   quote_identifier(role_name));
	db_exec_utility(sql);
}

/* An audit detail for a grant or revoke. */
static FpValue *
grant_detail(const GrantArgs *a)
{
	FpValue    *d = fp_object(2);

	fp_set(d, "grantee", fp_cstring(a->grantee_name));
	fp_set(d, "permission", fp_cstring(sec_permission_name(a->permission)));
	return d;
}

/*
 * flow_grant(namespace, grantee, permission): grantee (and every role with
 * its privileges) holds permission on namespace and its descendants.
 * Needs ADMIN there.  Granting what is already granted changes nothing and
 * writes no audit row.
 */
Datum
flow_grant(PG_FUNCTION_ARGS)
{
	GrantArgs	a = grant_args(fcinfo, "grant permissions");
	DbScope		scope;
	Datum		values[4];
	bool		marked;

	values[0] = CStringGetTextDatum(a.namespace);
	values[1] = ObjectIdGetDatum(a.grantee);
	values[2] = CStringGetTextDatum(sec_permission_name(a.permission));
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(sec_actor()));

	db_enter(&scope);
	sec_lock_grants();
	marked = sec_grantee_marked(a.grantee);
	if (!marked)
	{
		/* rows of an earlier role with this oid, dropped since, must not come back to life */
		db_exec(&q_delete_stale, &values[1], NULL, false, 0);
		set_marker(a.grantee_name, true);
	}
	if (db_exec(&q_insert_grant, values, NULL, false, 0) > 0)
		audit_write("grant", a.namespace, NULL, NULL, NULL, grant_detail(&a));
	sec_grants_changed();
	db_leave(&scope);
	PG_RETURN_VOID();
}

/*
 * flow_revoke(namespace, grantee, permission): remove a grant made with
 * flow_grant.  42704 when there is no such grant (permissions held through
 * a parent namespace or another role are revoked where they were granted).
 * Needs ADMIN on the namespace.
 */
Datum
flow_revoke(PG_FUNCTION_ARGS)
{
	GrantArgs	a = grant_args(fcinfo, "revoke permissions");
	DbScope		scope;
	Datum		values[3];

	values[0] = CStringGetTextDatum(a.namespace);
	values[1] = ObjectIdGetDatum(a.grantee);
	values[2] = CStringGetTextDatum(sec_permission_name(a.permission));

	db_enter(&scope);
	sec_lock_grants();
	if (db_exec(&q_delete_grant, values, NULL, false, 0) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" has no %s grant on namespace \"%s\"",
						a.grantee_name, sec_permission_name(a.permission), a.namespace),
				 errhint("A permission held through a parent namespace or through another role is revoked where it was granted; see flowpg.namespace_grants.")));
	/* the last grant of a role gone: it no longer needs the marker, and may be dropped */
	if (db_exec(&q_grantee_rows, &values[1], NULL, false, 1) == 0)
		set_marker(a.grantee_name, false);
	audit_write("revoke", a.namespace, NULL, NULL, NULL, grant_detail(&a));
	sec_grants_changed();
	db_leave(&scope);
	PG_RETURN_VOID();
}

/* flowpg.has_permission(namespace, permission): for the current role. */
Datum
flowpg_has_permission(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *perm = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL(sec_has_permission(ns, sec_permission_from_name(perm)));
}

/*
 * flowpg.may_resume(namespace, assigned_users, assigned_groups): whether
 * the current role may resume a paused task run with these columns.  A
 * task run with an assignment (either array not NULL) is a HumanTask.
 * flow_resume decides with the same C function.
 */
Datum
flowpg_may_resume(PG_FUNCTION_ARGS)
{
	char	   *ns;
	FpValue    *users = names_arg(fcinfo, 1);
	FpValue    *groups = names_arg(fcinfo, 2);

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PG_RETURN_BOOL(sec_role_may_resume(GetUserId(), ns, users != NULL || groups != NULL,
									   users, groups));
}

/*
 * flowpg.is_assigned remembers, for the statement running (the same top
 * transaction, statement start and command, and role): its last answer,
 * and once it has been asked often, every execution the role is assigned
 * to.  Policies ask it for every row a role without VIEW reads: a lookup
 * by id asks a few times, a scan of a large table many.
 */
#define ASSIGNED_SET_AFTER 100	/* calls in one statement before loading the whole set */
#define ASSIGNED_KEY_LEN 64

typedef struct AssignedEntry
{
	char		execution_id[ASSIGNED_KEY_LEN];
} AssignedEntry;

static struct
{
	LocalTransactionId lxid;
	TimestampTz statement_start;
	CommandId	cid;
	Oid			role;
	int			calls;
	HTAB	   *set;			/* in TopTransactionContext; NULL until loaded */
	char		last_id[ASSIGNED_KEY_LEN];
	bool		last_result;
}			assigned_memo;

/* Load every execution role is assigned to into assigned_memo.set. */
static void
load_assigned_set(Oid role)
{
	HASHCTL		ctl;
	ListCell   *lc;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = ASSIGNED_KEY_LEN;
	ctl.entrysize = sizeof(AssignedEntry);
	ctl.hcxt = TopTransactionContext;
	assigned_memo.set = hash_create("flowpg assigned executions", 256, &ctl,
									HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	foreach(lc, sec_role_assigned_executions(role))
	{
		const char *id = lfirst(lc);

		if (strlen(id) < ASSIGNED_KEY_LEN)
			(void) hash_search(assigned_memo.set, id, HASH_ENTER, NULL);
	}
}

/*
 * flowpg.is_assigned(execution_id): whether the current role is an assignee
 * of a HumanTask task run (in any state) of that execution.  Such a role
 * sees the execution, its task runs, logs and audit rows without VIEW on
 * the namespace.
 */
Datum
flowpg_is_assigned(PG_FUNCTION_ARGS)
{
	char	   *id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			role = GetUserId();
	LocalTransactionId lxid = MyProc->lxid;
	TimestampTz statement_start = GetCurrentStatementStartTimestamp();
	CommandId	cid = GetCurrentCommandId(false);
	bool		keyable = strlen(id) < ASSIGNED_KEY_LEN;
	bool		result;

	if (assigned_memo.lxid != lxid || assigned_memo.statement_start != statement_start ||
		assigned_memo.cid != cid || assigned_memo.role != role)
	{
		/* a new statement: forget the last one's answers */
		if (assigned_memo.set != NULL && assigned_memo.lxid == lxid)
			hash_destroy(assigned_memo.set);	/* else it went with its transaction */
		assigned_memo.lxid = lxid;
		assigned_memo.statement_start = statement_start;
		assigned_memo.cid = cid;
		assigned_memo.role = role;
		assigned_memo.calls = 0;
		assigned_memo.set = NULL;
		assigned_memo.last_id[0] = '\0';
	}
	assigned_memo.calls++;
	if (keyable && assigned_memo.set == NULL && assigned_memo.calls > ASSIGNED_SET_AFTER)
		load_assigned_set(role);
	if (keyable && assigned_memo.set != NULL)
		PG_RETURN_BOOL(hash_search(assigned_memo.set, id, HASH_FIND, NULL) != NULL);
	if (keyable && strcmp(assigned_memo.last_id, id) == 0)
		PG_RETURN_BOOL(assigned_memo.last_result);

	result = sec_role_assigned_to(role, id);
	if (keyable)
	{
		strcpy(assigned_memo.last_id, id);
		assigned_memo.last_result = result;
	}
	PG_RETURN_BOOL(result);
}

/*
 * flowpg.current_groups(): the current role's name and the names of every
 * role it is a member of, directly or not: the names through which a
 * HumanTask's assignment.groups can reach it.
 */
Datum
flowpg_current_groups(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_DATUM(db_text_array(sec_role_group_names(GetUserId())));
}

/*
 * flowpg.resume_namespaces(): the namespaces of the grants through which the
 * current role holds RESUME ({''} for an admin).  A namespace is covered
 * when its flowpg.namespace_path() overlaps this list.
 */
Datum
flowpg_resume_namespaces(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_DATUM(db_text_array(sec_role_namespaces(GetUserId(), PERM_RESUME)));
}

/*
 * flowpg.namespace_path(namespace): the namespace, each parent, and '':
 * every namespace whose grants cover it.  Immutable, for indexes.
 */
Datum
flowpg_namespace_path(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_DATUM(db_text_array(store_namespace_chain(ns)));
}
