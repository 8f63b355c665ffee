/*-------------------------------------------------------------------------
 *
 * api_security.c
 *	  SQL functions for permissions: flowpg.has_permission, used by the
 *	  row-level security policies.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "security.h"

PG_FUNCTION_INFO_V1(flowpg_has_permission);

/* The permission called name; 22023 for an unknown one. */
static FlowPermission
permission_from_name(const char *name)
{
	static const FlowPermission all[] = {PERM_VIEW, PERM_EXECUTE, PERM_RESUME, PERM_DEPLOY, PERM_ADMIN};
	int			i;

	for (i = 0; i < (int) lengthof(all); i++)
		if (pg_strcasecmp(name, sec_permission_name(all[i])) == 0)
			return all[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown permission \"%s\"", name),
			 errhint("Use VIEW, EXECUTE, RESUME, DEPLOY or ADMIN.")));
	return PERM_VIEW;			/* keep compiler quiet */
}

/* flowpg.has_permission(namespace, permission): for the current user. */
Datum
flowpg_has_permission(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *perm = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL(sec_has_permission(ns, permission_from_name(perm)));
}
