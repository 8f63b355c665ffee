/*-------------------------------------------------------------------------
 *
 * security.c
 *	  Namespace permissions and the actor's identity.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"

#include "security.h"

/* The name of a permission, as flow_grant takes it. */
const char *
sec_permission_name(FlowPermission perm)
{
	switch (perm)
	{
		case PERM_VIEW:
			return "VIEW";
		case PERM_EXECUTE:
			return "EXECUTE";
		case PERM_RESUME:
			return "RESUME";
		case PERM_DEPLOY:
			return "DEPLOY";
		case PERM_ADMIN:
			return "ADMIN";
	}
	return "?";
}

/* Superusers and members of flowpg_admin (if the role exists) hold ADMIN everywhere. */
bool
sec_is_admin(Oid role)
{
	Oid			admin;

	if (superuser_arg(role))
		return true;
	admin = get_role_oid("flowpg_admin", true);
	return OidIsValid(admin) && has_privs_of_role(role, admin);
}

/* Whether the current user holds perm on namespace. */
bool
sec_has_permission(const char *namespace, FlowPermission perm)
{
	/* namespace grants come with the security issue; until then, admins only */
	(void) namespace;
	(void) perm;
	return sec_is_admin(GetUserId());
}

/* Raise 42501 unless the current user holds perm on namespace. */
void
sec_require(const char *namespace, FlowPermission perm, const char *what)
{
	if (!sec_has_permission(namespace, perm))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s in namespace \"%s\"", what, namespace),
				 errdetail("This needs the %s permission on the namespace.",
						   sec_permission_name(perm)),
				 errhint("An administrator can grant it with flow_grant().")));
}

/* Whether the current user is one of the assignees. */
bool
sec_is_assignee(const FpValue *users, const FpValue *groups)
{
	Oid			me = GetUserId();
	char	   *name = GetUserNameFromId(me, false);
	int			i;

	for (i = 0; users && users->type == FP_ARRAY && i < users->u.arr.count; i++)
	{
		const FpValue *u = users->u.arr.items[i];

		if (u->type == FP_STRING && strcmp(u->u.str.ptr, name) == 0)
			return true;
	}
	for (i = 0; groups && groups->type == FP_ARRAY && i < groups->u.arr.count; i++)
	{
		const FpValue *g = groups->u.arr.items[i];
		Oid			group;

		if (g->type != FP_STRING)
			continue;
		group = get_role_oid(g->u.str.ptr, true);
		if (OidIsValid(group) && is_member_of_role_nosuper(me, group))
			return true;
	}
	return false;
}

/* The current user's name. */
char *
sec_actor(void)
{
	return GetUserNameFromId(GetUserId(), false);
}
