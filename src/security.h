/*-------------------------------------------------------------------------
 *
 * security.h
 *	  Who may do what (SPEC section 8): namespace permissions, the admin
 *	  role, and the actor's identity.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_SECURITY_H
#define FLOWPG_SECURITY_H

#include "value.h"

typedef enum FlowPermission
{
	PERM_VIEW,
	PERM_EXECUTE,
	PERM_RESUME,
	PERM_DEPLOY,
	PERM_ADMIN
} FlowPermission;

/* "VIEW", "EXECUTE", ... */
extern const char *sec_permission_name(FlowPermission perm);

/* Superuser, or a member of the role flowpg_admin when that role exists. */
extern bool sec_is_admin(Oid role);

/* Whether the current user holds perm on namespace (directly, by a parent namespace or a role). */
extern bool sec_has_permission(const char *namespace, FlowPermission perm);

/* Raise 42501 unless the current user holds perm on namespace; what names the action. */
extern void sec_require(const char *namespace, FlowPermission perm, const char *what);

/*
 * Whether the current user is an assignee: named in users (role names), or
 * a member, directly or through other roles, of a role named in groups.
 * Both are FpValue lists of strings, or NULL.
 */
extern bool sec_is_assignee(const FpValue *users, const FpValue *groups);

/* The acting role's name (current_user), for audit rows and resumed.by. */
extern char *sec_actor(void);

#endif							/* FLOWPG_SECURITY_H */
