/*-------------------------------------------------------------------------
 *
 * security.h
 *	  Who may do what (SPEC section 8): namespace permissions, the admin
 *	  role, HumanTask assignees, the one rule of who may resume a pause, and
 *	  the actor's identity.
 *
 * Permissions form a small hierarchy: ADMIN holds all others; EXECUTE,
 * RESUME and DEPLOY each hold VIEW.  A grant on a namespace covers it and
 * its descendants ("hr" covers "hr.operations", not "hrx"); a grant on ""
 * covers every namespace.  A grant to a role covers every role that has
 * its privileges (has_privs_of_role: members that inherit, and members
 * that SET ROLE to it).  Superusers and members of flowpg_admin hold ADMIN
 * everywhere.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_SECURITY_H
#define FLOWPG_SECURITY_H

#include "nodes/pg_list.h"

#include "value.h"

typedef enum FlowPermission
{
	PERM_VIEW,
	PERM_EXECUTE,
	PERM_RESUME,
	PERM_DEPLOY,
	PERM_ADMIN
} FlowPermission;

#define PERM_COUNT 5

/* "VIEW", "EXECUTE", ... */
extern const char *sec_permission_name(FlowPermission perm);

/* The permission called name, in any case; 22023 for an unknown name. */
extern FlowPermission sec_permission_from_name(const char *name);

/* Whether a grant on grant_ns covers ns (itself, a descendant, or "" for all). */
extern bool sec_namespace_covers(const char *grant_ns, const char *ns);

/* Superuser, or a member of the role flowpg_admin when that role exists. */
extern bool sec_is_admin(Oid role);

/* Whether role holds perm on namespace (as admin, by a grant to it or to a role it has the privileges of). */
extern bool sec_role_has_permission(Oid role, const char *namespace, FlowPermission perm);

/* The same for the current user (the caller: flowpg switches to its owner only inside db_exec). */
extern bool sec_has_permission(const char *namespace, FlowPermission perm);

/* Raise 42501 unless the caller holds perm on namespace; what names the action. */
extern void sec_require(const char *namespace, FlowPermission perm, const char *what);

/*
 * The namespaces of role's grants that hold perm, as a List of char *;
 * {""} for an admin.  A namespace is covered by perm exactly when one of
 * them covers it.
 */
extern List *sec_role_namespaces(Oid role, FlowPermission perm);

/*
 * Whether role is an assignee: named in users (role names), or a member,
 * directly or through other roles, of a role named in groups.  Both are
 * FpValue lists of strings, or NULL.  Admins are not assignees by being
 * admins.
 */
extern bool sec_role_is_assignee(Oid role, const FpValue *users, const FpValue *groups);

/* The same for the caller. */
extern bool sec_is_assignee(const FpValue *users, const FpValue *groups);

/*
 * Whether role is an assignee of a HumanTask task run, in any state, of an
 * execution: such a role sees the execution, its task runs and logs.
 * Opens its own DbScope.
 */
extern bool sec_role_assigned_to(Oid role, const char *execution_id);

/*
 * The ids of every execution role is an assignee of (char *), for a scan
 * that asks sec_role_assigned_to about many executions.  Opens its own
 * DbScope.
 */
extern List *sec_role_assigned_executions(Oid role);

/*
 * THE rule of who may resume a paused task run, used by flow_resume, bulk
 * resume and the inbox view alike: a HumanTask (human) only by its
 * assignees; a Pause by roles holding RESUME on the namespace.
 */
extern bool sec_role_may_resume(Oid role, const char *namespace, bool human,
								const FpValue *users, const FpValue *groups);

/*
 * The names of role and of every role it is a member of, directly or
 * through others (the groups it can be assigned through), as a List of
 * char *.
 */
extern List *sec_role_group_names(Oid role);

/* The acting role's name (the current user), for audit rows and resumed.by. */
extern char *sec_actor(void);

/*
 * Whether role holds the marker privilege that makes its grant rows count
 * (SELECT on the column grantee of flowpg.namespace_grants; see security.c).
 */
extern bool sec_grantee_marked(Oid role);

/* Serialise grants and revokes (a lock on flowpg.namespace_grants until the end of the transaction). */
extern void sec_lock_grants(void);

/* Drop the cached grants and memberships (this backend, now). */
extern void sec_invalidate(void);

/* Tell every backend, at commit, that namespace grants changed. */
extern void sec_grants_changed(void);

/* Register the cache invalidation callbacks (from _PG_init). */
extern void sec_init(void);

#endif							/* FLOWPG_SECURITY_H */
