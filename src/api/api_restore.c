/*-------------------------------------------------------------------------
 *
 * api_restore.c
 *	  Grants survive a pg_dump restore into a cluster that lacks some of
 *	  their roles: the others are restored, and a WARNING names each
 *	  missing role instead of a failed restore step.
 *
 * Roles belong to the cluster, not to the database, so a dump restored
 * elsewhere may name roles that are not there.  Two statements of a dump
 * name flowpg's grantees:
 *
 * - the COPY of flowpg.namespace_grants (a configuration table).  Its
 *   grantee column is of type flowpg.grantee_role, stored as the role's
 *   oid (renaming a role keeps its grants) and written out as its name,
 *   as regrole is.  Unlike regrole's, its input does not fail on a name
 *   that is no role: it warns, once per role in a row, and yields oid 0,
 *   and the table's trigger namespace_grants_skip_missing drops such
 *   rows.  A COPY of regrole would fail as a whole, losing every grant.
 * - the marker privilege each grantee holds on the column grantee
 *   (see security.c), which pg_dump writes as GRANT SELECT (grantee) ON
 *   TABLE flowpg.namespace_grants TO role.  The utility hook takes the
 *   roles that do not exist out of a GRANT on that table (warning about
 *   them, and doing nothing if none is left), so that it does not fail.
 *
 * The hook exists in every backend that has loaded the library: with
 * shared_preload_libraries, every one; otherwise the restore's session
 * loads it with the COPY's first row (the type's input function).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "api_restore.h"

PG_FUNCTION_INFO_V1(flowpg_grantee_role_in);
PG_FUNCTION_INFO_V1(flowpg_grantee_role_out);

static ProcessUtility_hook_type prev_utility_hook = NULL;

/* The last missing role warned about, so that a role with many grant rows is named once. */
static char last_missing[NAMEDATALEN];

/* Warn, once in a row for the same name, that role's grants are not restored. */
static void
warn_missing_role(const char *role)
{
	if (strncmp(last_missing, role, NAMEDATALEN - 1) == 0)
		return;
	strlcpy(last_missing, role, NAMEDATALEN);
	ereport(WARNING,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("role \"%s\" does not exist: its flowpg grants are not restored", role),
			 errhint("Create the role and grant its permissions again with flow_grant.")));
}

/*
 * Input of flowpg.grantee_role: a role name as regrole writes it (quoted
 * when it needs to be).  A name that is no role gives oid 0 with a WARNING;
 * a number (what the output gives for a role that no longer exists) gives
 * oid 0 silently: such a row counted for nothing already.
 */
Datum
flowpg_grantee_role_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	List	   *names;
	char	   *role;
	Oid			oid;

	if (text[0] != '\0' && strspn(text, "0123456789") == strlen(text))
		PG_RETURN_OID(InvalidOid);
	if (strcmp(text, "-") == 0)
		PG_RETURN_OID(InvalidOid);
	names = stringToQualifiedNameList(text);
	if (list_length(names) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("invalid name syntax")));
	role = strVal(linitial(names));
	oid = get_role_oid(role, true);
	if (!OidIsValid(oid))
		warn_missing_role(role);
	PG_RETURN_OID(oid);
}

/* Output of flowpg.grantee_role: as regrole's (the quoted name, the oid of a dropped role, "-"). */
Datum
flowpg_grantee_role_out(PG_FUNCTION_ARGS)
{
	Oid			oid = PG_GETARG_OID(0);
	char	   *name;

	if (!OidIsValid(oid))
		PG_RETURN_CSTRING(pstrdup("-"));
	name = GetUserNameFromId(oid, true);
	if (name == NULL)
		PG_RETURN_CSTRING(psprintf("%u", oid));
	PG_RETURN_CSTRING(pstrdup(quote_identifier(name)));
}

/* Whether a GRANT names flowpg.namespace_grants, and only it. */
static bool
grants_on_namespace_grants(GrantStmt *stmt)
{
	RangeVar   *rv;
	Oid			nsp;
	Oid			relid;

	if (!stmt->is_grant || stmt->targtype != ACL_TARGET_OBJECT ||
		stmt->objtype != OBJECT_TABLE || list_length(stmt->objects) != 1)
		return false;
	rv = linitial_node(RangeVar, stmt->objects);
	if (rv->relname == NULL || strcmp(rv->relname, "namespace_grants") != 0)
		return false;
	nsp = get_namespace_oid("flowpg", true);
	relid = OidIsValid(nsp) ? get_relname_relid("namespace_grants", nsp) : InvalidOid;
	return OidIsValid(relid) && RangeVarGetRelid(rv, NoLock, true) == relid;
}

/*
 * Utility hook: a GRANT on flowpg.namespace_grants to roles that do not
 * exist (a restore's marker privileges) leaves them out with a WARNING
 * instead of failing.  Every other statement goes on unchanged.
 */
static void
restore_utility_hook(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (IsA(parsetree, GrantStmt) && grants_on_namespace_grants((GrantStmt *) parsetree))
	{
		GrantStmt  *stmt;
		List	   *kept = NIL;
		ListCell   *lc;
		bool		dropped = false;

		pstmt = copyObject(pstmt);
		stmt = (GrantStmt *) pstmt->utilityStmt;
		foreach(lc, stmt->grantees)
		{
			RoleSpec   *spec = lfirst_node(RoleSpec, lc);

			if (spec->roletype == ROLESPEC_CSTRING && !OidIsValid(get_role_oid(spec->rolename, true)))
			{
				warn_missing_role(spec->rolename);
				dropped = true;
			}
			else
				kept = lappend(kept, spec);
		}
		if (dropped && kept == NIL)
			return;
		stmt->grantees = kept;
		readOnlyTree = false;
	}
	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

/* Install the utility hook, after whatever hook was there. */
void
restore_init(void)
{
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = restore_utility_hook;
}
