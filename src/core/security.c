/*-------------------------------------------------------------------------
 *
 * security.c
 *	  Namespace permissions, HumanTask assignees, the rule of who may resume
 *	  a pause, and the actor's identity (SPEC sections 6 and 8).
 *
 * Row-level security policies ask "may the current role see this
 * namespace" once per row, so each backend keeps, per role it has been
 * asked about, whether the role is an admin, the grants that reach it and
 * the names of the roles it belongs to.  The cache is dropped when
 * flowpg.namespace_grants changes (flow_grant and flow_revoke invalidate
 * the table's relcache entry in every backend at commit) and when any
 * role or role membership changes (syscache callbacks on pg_authid and
 * pg_auth_members).  Each look at the cache first takes in pending
 * invalidations, so a revoke committed elsewhere counts at once, even in a
 * transaction that already looked.
 *
 * Grants are stored by role oid, so renaming a role keeps them.  To make
 * dropping a role that holds grants impossible by accident, flow_grant
 * also grants the role SELECT on the column grantee of
 * flowpg.namespace_grants: a privilege that gives nothing (the table is
 * readable by everyone under row-level security) but that PostgreSQL
 * tracks, so DROP ROLE refuses while it is there.  A grant row counts only
 * while its grantee holds that marker: after DROP OWNED BY and DROP ROLE,
 * the rows left behind are ignored, and a new role that happens to get the
 * old oid cannot inherit them (flow_grant deletes them before marking a
 * role).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "db.h"
#include "security.h"
#include "value_jsonb.h"

#define BIT(p) (1 << (p))
#define ALL_BITS (BIT(PERM_COUNT) - 1)

/* One grant that reaches a role: a namespace and the permissions held there (implied ones included). */
typedef struct GrantEntry
{
	char	   *namespace;
	int			bits;
} GrantEntry;

/* What the cache knows of one role. */
typedef struct RoleEntry
{
	Oid			role;			/* hash key */
	bool		loaded;			/* false while (or if an error stopped) loading */
	bool		admin;
	int			ngrants;
	GrantEntry *grants;
	List	   *group_names;	/* char *, loaded on first use */
	bool		groups_loaded;
} RoleEntry;

static HTAB *role_cache = NULL;
static MemoryContext sec_cxt = NULL;
static bool cache_stale = false;

/* flowpg.namespace_grants: its oid and column numbers, looked up on first use */
static Oid	grants_relid = InvalidOid;
static AttrNumber att_namespace;
static AttrNumber att_grantee;
static AttrNumber att_permission;

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

/* The permission called name, in any case; 22023 for an unknown one. */
FlowPermission
sec_permission_from_name(const char *name)
{
	int			p;

	for (p = 0; p < PERM_COUNT; p++)
		if (pg_strcasecmp(name, sec_permission_name((FlowPermission) p)) == 0)
			return (FlowPermission) p;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown permission \"%s\"", name),
			 errhint("Use VIEW, EXECUTE, RESUME, DEPLOY or ADMIN.")));
	return PERM_VIEW;			/* keep compiler quiet */
}

/* The permissions a grant of perm holds: ADMIN all, EXECUTE/RESUME/DEPLOY also VIEW. */
static int
implied_bits(FlowPermission perm)
{
	if (perm == PERM_ADMIN)
		return ALL_BITS;
	if (perm == PERM_VIEW)
		return BIT(PERM_VIEW);
	return BIT(perm) | BIT(PERM_VIEW);
}

/* Whether a grant on grant_ns covers ns: "" covers all, "hr" covers "hr" and "hr.*". */
bool
sec_namespace_covers(const char *grant_ns, const char *ns)
{
	size_t		len = strlen(grant_ns);

	if (len == 0)
		return true;
	return strncmp(grant_ns, ns, len) == 0 && (ns[len] == '\0' || ns[len] == '.');
}

/* Relcache callback: namespace_grants (or every relation, or its column privileges) changed. */
static void
grants_relcache_callback(Datum arg, Oid relid)
{
	(void) arg;
	if (relid == InvalidOid || relid == grants_relid)
	{
		cache_stale = true;
		grants_relid = InvalidOid;	/* the extension may have been dropped */
	}
}

/* Syscache callback: a role, or a role membership, changed. */
static void
roles_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	cache_stale = true;
}

/* Register the invalidation callbacks (from _PG_init). */
void
sec_init(void)
{
	CacheRegisterRelcacheCallback(grants_relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, roles_syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMMEMROLE, roles_syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, roles_syscache_callback, (Datum) 0);
}

/* Drop the whole cache now. */
void
sec_invalidate(void)
{
	cache_stale = true;
}

/* Tell every backend (at commit) that flowpg.namespace_grants changed, and forget our own copy. */
void
sec_grants_changed(void)
{
	Oid			nsp = get_namespace_oid("flowpg", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("namespace_grants", nsp) : InvalidOid;

	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	cache_stale = true;
}

/*
 * The cache, emptied first if something changed since it was filled.  An
 * invalidation that arrives while an entry is being loaded only marks the
 * cache stale, so the memory in use is never freed under our feet.
 */
static HTAB *
get_cache(void)
{
	if (role_cache != NULL && !cache_stale)
		return role_cache;
	if (sec_cxt == NULL)
		sec_cxt = AllocSetContextCreate(CacheMemoryContext, "flowpg permissions",
										ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(sec_cxt);
	cache_stale = false;
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(RoleEntry);
		ctl.hcxt = sec_cxt;
		role_cache = hash_create("flowpg role permissions", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return role_cache;
}

/* Look up flowpg.namespace_grants and its columns; false when the extension is not there. */
static bool
find_grants_table(void)
{
	Oid			nsp;

	if (OidIsValid(grants_relid))
		return true;
	nsp = get_namespace_oid("flowpg", true);
	if (!OidIsValid(nsp))
		return false;
	grants_relid = get_relname_relid("namespace_grants", nsp);
	if (!OidIsValid(grants_relid))
		return false;
	att_namespace = get_attnum(grants_relid, "namespace");
	att_grantee = get_attnum(grants_relid, "grantee");
	att_permission = get_attnum(grants_relid, "permission");
	if (att_namespace == InvalidAttrNumber || att_grantee == InvalidAttrNumber ||
		att_permission == InvalidAttrNumber)
		elog(ERROR, "flowpg.namespace_grants lacks one of its columns");
	return true;
}

/*
 * The roles holding the marker privilege (SELECT on the column grantee of
 * flowpg.namespace_grants), as a List of Oid.
 */
static List *
marked_roles(void)
{
	HeapTuple	tup;
	Datum		d;
	bool		isnull;
	List	   *roles = NIL;

	tup = SearchSysCacheAttName(grants_relid, "grantee");
	if (!HeapTupleIsValid(tup))
		return NIL;
	d = SysCacheGetAttr(ATTNAME, tup, Anum_pg_attribute_attacl, &isnull);
	if (!isnull)
	{
		Acl		   *acl = DatumGetAclPCopy(d);
		AclItem    *items = ACL_DAT(acl);
		int			i;

		for (i = 0; i < ACL_NUM(acl); i++)
			if (items[i].ai_privs & ACL_SELECT)
				roles = lappend_oid(roles, items[i].ai_grantee);
	}
	ReleaseSysCache(tup);
	return roles;
}

/*
 * Lock flowpg.namespace_grants against other grants and revokes until the
 * end of the transaction (reads go on): they change the same catalog row
 * (the column's privileges), which two transactions cannot update at once.
 */
void
sec_lock_grants(void)
{
	if (find_grants_table())
		LockRelationOid(grants_relid, ShareRowExclusiveLock);
}

/* Whether role holds the marker that makes its grant rows count (see the file header). */
bool
sec_grantee_marked(Oid role)
{
	return find_grants_table() && list_member_oid(marked_roles(), role);
}

/*
 * Read the grants that reach role into entry (in sec_cxt): every row of
 * flowpg.namespace_grants whose grantee is marked and whose privileges role
 * has.  The table is read directly, with a fresh catalog-style snapshot, so
 * that this works inside any query (row-level security policies, parallel
 * plans) and sees every committed grant whose invalidation has arrived.
 */
static void
load_grants(RoleEntry *entry, Oid role)
{
	Relation	rel;
	Snapshot	snap;
	TableScanDesc scan;
	TupleTableSlot *slot;
	List	   *markers;
	int			cap = 8;
	MemoryContext old;

	entry->ngrants = 0;
	entry->grants = MemoryContextAlloc(sec_cxt, sizeof(GrantEntry) * cap);
	if (!find_grants_table())
		return;
	rel = table_open(grants_relid, AccessShareLock);
	markers = marked_roles();
	snap = RegisterSnapshot(GetCatalogSnapshot(grants_relid));
	scan = table_beginscan(rel, snap, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Oid			grantee = DatumGetObjectId(slot_getattr(slot, att_grantee, &isnull));
		char	   *ns;
		int			bits;
		int			i;

		if (isnull || !list_member_oid(markers, grantee) || !has_privs_of_role(role, grantee))
			continue;
		ns = TextDatumGetCString(slot_getattr(slot, att_namespace, &isnull));
		bits = implied_bits(sec_permission_from_name(TextDatumGetCString(slot_getattr(slot, att_permission,
																					   &isnull))));
		for (i = 0; i < entry->ngrants; i++)
			if (strcmp(entry->grants[i].namespace, ns) == 0)
				break;
		if (i == entry->ngrants)
		{
			if (entry->ngrants == cap)
			{
				cap *= 2;
				entry->grants = repalloc(entry->grants, sizeof(GrantEntry) * cap);
			}
			old = MemoryContextSwitchTo(sec_cxt);
			entry->grants[i].namespace = pstrdup(ns);
			MemoryContextSwitchTo(old);
			entry->grants[i].bits = 0;
			entry->ngrants++;
		}
		entry->grants[i].bits |= bits;
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
}

/*
 * The cache entry of role, loaded if needed.  Grants revoked and
 * memberships changed by transactions that committed since this backend
 * last looked count at once, even inside a transaction that already
 * looked: their invalidations are taken in first (a cheap test when there
 * are none).
 */
static RoleEntry *
role_entry(Oid role)
{
	HTAB	   *cache;
	RoleEntry  *entry;
	bool		found;

	AcceptInvalidationMessages();
	cache = get_cache();
	entry = hash_search(cache, &role, HASH_ENTER, &found);
	if (found && entry->loaded)
		return entry;
	entry->loaded = false;
	entry->groups_loaded = false;
	entry->group_names = NIL;
	entry->ngrants = 0;
	entry->grants = NULL;
	entry->admin = sec_is_admin(role);
	if (!entry->admin)
		load_grants(entry, role);
	entry->loaded = true;
	return entry;
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

/* Whether role holds perm on namespace. */
bool
sec_role_has_permission(Oid role, const char *namespace, FlowPermission perm)
{
	RoleEntry  *entry = role_entry(role);
	int			i;

	if (entry->admin)
		return true;
	for (i = 0; i < entry->ngrants; i++)
		if ((entry->grants[i].bits & BIT(perm)) &&
			sec_namespace_covers(entry->grants[i].namespace, namespace))
			return true;
	return false;
}

/* Whether the caller holds perm on namespace. */
bool
sec_has_permission(const char *namespace, FlowPermission perm)
{
	return sec_role_has_permission(GetUserId(), namespace, perm);
}

/* Raise 42501 unless the caller holds perm on namespace. */
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

/* The namespaces of role's grants that hold perm ({""} for an admin), in the caller's context. */
List *
sec_role_namespaces(Oid role, FlowPermission perm)
{
	RoleEntry  *entry = role_entry(role);
	List	   *result = NIL;
	int			i;

	if (entry->admin)
		return list_make1(pstrdup(""));
	for (i = 0; i < entry->ngrants; i++)
		if (entry->grants[i].bits & BIT(perm))
			result = lappend(result, pstrdup(entry->grants[i].namespace));
	return result;
}

/*
 * The names of role and of every role it is a member of, directly or
 * through others, whatever their INHERIT settings: the same roles for which
 * is_member_of_role_nosuper(role, r) holds.  Walks pg_auth_members upwards.
 */
static List *
load_group_names(Oid role)
{
	List	   *todo = list_make1_oid(role);
	List	   *seen = NIL;
	List	   *names = NIL;

	while (todo != NIL)
	{
		Oid			r = linitial_oid(todo);
		CatCList   *memberships;
		char	   *name;
		int			i;

		todo = list_delete_first(todo);
		if (list_member_oid(seen, r))
			continue;
		seen = lappend_oid(seen, r);
		name = GetUserNameFromId(r, true);
		if (name)
			names = lappend(names, name);
		memberships = SearchSysCacheList1(AUTHMEMMEMROLE, ObjectIdGetDatum(r));
		for (i = 0; i < memberships->n_members; i++)
		{
			Form_pg_auth_members m = (Form_pg_auth_members) GETSTRUCT(&memberships->members[i]->tuple);

			todo = lappend_oid(todo, m->roleid);
		}
		ReleaseSysCacheList(memberships);
	}
	return names;
}

/* The names of role and of the roles it belongs to (see security.h), in the caller's context. */
List *
sec_role_group_names(Oid role)
{
	RoleEntry  *entry = role_entry(role);
	List	   *result = NIL;
	ListCell   *lc;

	if (!entry->groups_loaded)
	{
		List	   *names = load_group_names(role);

		/* the walk may have taken an invalidation that emptied the cache: look again */
		entry = role_entry(role);
		if (!entry->groups_loaded)
		{
			MemoryContext old = MemoryContextSwitchTo(sec_cxt);

			foreach(lc, names)
				entry->group_names = lappend(entry->group_names, pstrdup(lfirst(lc)));
			MemoryContextSwitchTo(old);
			entry->groups_loaded = true;
		}
	}
	foreach(lc, entry->group_names)
		result = lappend(result, pstrdup(lfirst(lc)));
	return result;
}

/* Whether role is an assignee of users/groups. */
bool
sec_role_is_assignee(Oid role, const FpValue *users, const FpValue *groups)
{
	char	   *name;
	int			i;

	/* memberships changed by transactions committed meanwhile count (see role_entry) */
	AcceptInvalidationMessages();
	name = GetUserNameFromId(role, true);
	if (name == NULL)
		return false;
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
		if (OidIsValid(group) && is_member_of_role_nosuper(role, group))
			return true;
	}
	return false;
}

/* Whether the caller is an assignee. */
bool
sec_is_assignee(const FpValue *users, const FpValue *groups)
{
	return sec_role_is_assignee(GetUserId(), users, groups);
}

/* Who may resume a paused task run (see security.h). */
bool
sec_role_may_resume(Oid role, const char *namespace, bool human,
					const FpValue *users, const FpValue *groups)
{
	if (human)
		return sec_role_is_assignee(role, users, groups);
	return sec_role_has_permission(role, namespace, PERM_RESUME);
}

static DbQuery q_assignments = DB_QUERY(
	"SELECT pg_catalog.to_jsonb(assigned_users), pg_catalog.to_jsonb(assigned_groups)"
	" FROM flowpg.task_runs WHERE execution_id = $1"
	" AND (assigned_users IS NOT NULL OR assigned_groups IS NOT NULL)",
	1, TEXTOID);

static DbQuery q_assigned_executions = DB_QUERY(
	"SELECT execution_id, pg_catalog.to_jsonb(assigned_users), pg_catalog.to_jsonb(assigned_groups)"
	" FROM flowpg.task_runs"
	" WHERE assigned_users OPERATOR(pg_catalog.&&) $1 OR assigned_groups OPERATOR(pg_catalog.&&) $2",
	2, TEXTARRAYOID, TEXTARRAYOID);

/*
 * The ids of every execution role is an assignee of (a HumanTask task run
 * in any state names it, or a role it belongs to), as a List of char *.
 * The query finds the candidates by name; each is checked again with
 * sec_role_is_assignee, the rule itself.  Opens its own DbScope.
 */
List *
sec_role_assigned_executions(Oid role)
{
	DbScope		scope;
	Datum		values[2];
	char	   *name = GetUserNameFromId(role, true);
	List	   *result = NIL;
	uint64		n;
	uint64		i;

	if (name == NULL)
		return NIL;
	values[0] = db_text_array(list_make1(name));
	values[1] = db_text_array(sec_role_group_names(role));
	db_enter(&scope);
	n = db_exec(&q_assigned_executions, values, NULL, true, 0);
	for (i = 0; i < n; i++)
	{
		FpValue    *users = db_json(i, 2);
		FpValue    *groups = db_json(i, 3);

		if (sec_role_is_assignee(role, users, groups))
			result = lappend(result, db_text(i, 1));
	}
	db_leave(&scope);
	return result;
}

/* Whether role is an assignee of a HumanTask task run (in any state) of an execution. */
bool
sec_role_assigned_to(Oid role, const char *execution_id)
{
	DbScope		scope;
	Datum		arg = CStringGetTextDatum(execution_id);
	uint64		n;
	uint64		i;
	bool		result = false;

	db_enter(&scope);
	n = db_exec(&q_assignments, &arg, NULL, true, 0);
	for (i = 0; i < n && !result; i++)
	{
		FpValue    *users = db_json(i, 1);
		FpValue    *groups = db_json(i, 2);

		result = sec_role_is_assignee(role, users, groups);
	}
	db_leave(&scope);
	return result;
}

/* The caller's name. */
char *
sec_actor(void)
{
	return GetUserNameFromId(GetUserId(), false);
}
