/*-------------------------------------------------------------------------
 *
 * tasks_kv.c
 *	  The key-value store tasks: kv.Set, kv.Get and kv.Delete, over
 *	  flowpg.kv (the store flow_kv_set, flow_kv_get, flow_kv_delete and the
 *	  kv() function use).
 *
 * A flow acts on the store with the authority of the role that deployed
 * its revision, under the rules of the flow_kv_* functions: writing or
 * deleting needs ADMIN on the target namespace, and so does reading
 * anywhere kv() could not already read (the flow's namespace, its parents
 * and the global namespace '').  Every write leaves an audit row, as the
 * functions do.  Like Kestra's tasks, Get and Delete look at the one
 * namespace named (no search of the parents).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "audit.h"
#include "db.h"
#include "ids.h"
#include "security.h"
#include "store.h"
#include "task_api.h"
#include "tasks.h"
#include "value_jsonb.h"

/* What one KV task works on: the rendered namespace and key. */
typedef struct KvTarget
{
	char	   *ns;
	char	   *key;
} KvTarget;

/* Whether ns is the flow's namespace, one of its parents, or the global namespace. */
static bool
in_own_chain(const char *flow_ns, const char *ns)
{
	size_t		n = strlen(ns);

	return n == 0 || (strncmp(flow_ns, ns, n) == 0 && (flow_ns[n] == '\0' || flow_ns[n] == '.'));
}

/*
 * Render namespace (the flow's by default) and key, check their form, and
 * check that the revision's deployer may do what on the namespace (write:
 * ADMIN there; read: ADMIN unless kv() could read it).  false + *error.
 */
static bool
kv_target(Execution *e, TaskRun *run, bool write, KvTarget *t, char **error)
{
	FpValue    *ns;
	FpValue    *key;
	Oid			deployer;

	if (!exec_render_prop(e, run, "namespace", &ns, error) ||
		!exec_render_prop(e, run, "key", &key, error))
		return false;
	t->ns = ns ? fp_to_text(ns) : e->namespace;
	t->key = key ? fp_to_text(key) : "";
	if (t->ns[0] != '\0' && !id_is_namespace(t->ns))
	{
		*error = psprintf("invalid namespace \"%s\"", t->ns);
		return false;
	}
	if (!id_is_key(t->key))
	{
		*error = psprintf("invalid key \"%s\": a key is letters, digits, '.', '_' and '-', starting with a letter, a digit or '_', at most 255 characters",
						  t->key);
		return false;
	}
	if (!write && in_own_chain(e->namespace, t->ns))
		return true;
	deployer = get_role_oid(e->flow->deployer, true);
	if (!OidIsValid(deployer) || !sec_role_has_permission(deployer, t->ns, PERM_ADMIN))
	{
		*error = psprintf("role \"%s\", which deployed revision %d of flow \"%s\", may not %s kv entries of namespace \"%s\": it needs the ADMIN permission there",
						  e->flow->deployer, e->flow->revision, e->flow->id,
						  write ? "change" : "read", t->ns[0] ? t->ns : "''");
		return false;
	}
	return true;
}

/* The audit row of a write by a KV task: the deployer acts, the task run is named. */
static void
kv_audit(Execution *e, TaskRun *run, const char *action, const KvTarget *t)
{
	FpValue    *detail = fp_object(2);

	fp_set(detail, "key", fp_cstring(t->key));
	fp_set(detail, "flowNamespace", fp_cstring(e->namespace));
	audit_write_as(e->flow->deployer, action, t->ns, e->flow_id, e->id, run->id, detail);
}

/*
 * kvType: the value as Kestra types a string given with it (NUMBER and
 * JSON parsed, BOOLEAN true only for "true"); other types and non-strings
 * are kept as they are.  NULL + *error when a NUMBER or JSON does not parse.
 */
static FpValue *
typed_value(FpValue *value, const char *kv_type, char **error)
{
	char	   *perr = NULL;
	FpValue    *parsed;

	if (kv_type == NULL || value->type != FP_STRING)
		return value;
	if (strcmp(kv_type, "BOOLEAN") == 0)
		return fp_bool(pg_strcasecmp(value->u.str.ptr, "true") == 0);
	if (strcmp(kv_type, "NUMBER") != 0 && strcmp(kv_type, "JSON") != 0)
		return value;
	parsed = fp_parse_json(value->u.str.ptr, value->u.str.len, &perr);
	if (parsed == NULL || (strcmp(kv_type, "NUMBER") == 0 && !fp_is_number(parsed)))
	{
		*error = psprintf("value \"%s\" is not a %s", value->u.str.ptr,
						  strcmp(kv_type, "NUMBER") == 0 ? "number" : "JSON document");
		return NULL;
	}
	return parsed;
}

/* Set: store value (typed; secrets masked) under key; overwrite false refuses an existing key. */
static FlowState
kv_set_run(Execution *e, TaskRun *run, char **error)
{
	KvTarget	t;
	FpValue    *value;
	FpValue    *overwrite;
	FpValue    *kv_type;
	bool		replace;

	if (!kv_target(e, run, true, &t, error) ||
		!exec_render_prop(e, run, "value", &value, error) ||
		!exec_render_prop(e, run, "overwrite", &overwrite, error) ||
		!exec_render_prop(e, run, "kvType", &kv_type, error))
		return ST_FAILED;
	if (value == NULL)
		value = fp_null();
	value = typed_value(value, kv_type ? fp_to_text(kv_type) : NULL, error);
	if (value == NULL)
		return ST_FAILED;
	replace = overwrite == NULL || expr_truthy(overwrite);
	if (!store_kv_write(t.ns, t.key, fp_to_jsonb_datum(exec_mask_value(e, value)),
						e->flow->deployer, replace))
	{
		*error = psprintf("Cannot set value for key '%s'. Key already exists and `overwrite` is set to `false`.",
						  t.key);
		return ST_FAILED;
	}
	kv_audit(e, run, "kv_set", &t);
	return ST_SUCCESS;
}

/* Get: outputs.value is the key's value in the namespace, or null (errorOnMissing fails instead). */
static FlowState
kv_get_run(Execution *e, TaskRun *run, char **error)
{
	KvTarget	t;
	FpValue    *on_missing;
	FpValue    *value = NULL;
	Jsonb	   *stored;

	if (!kv_target(e, run, false, &t, error) ||
		!exec_render_prop(e, run, "errorOnMissing", &on_missing, error))
		return ST_FAILED;
	/* store_kv_read takes a fresh snapshot: it sees a Set earlier in this step */
	stored = store_kv_read(t.ns, t.key);
	if (stored)
		value = fp_from_jsonb(stored);
	if (value == NULL && on_missing && expr_truthy(on_missing))
	{
		*error = psprintf("No value found for key '%s' in namespace '%s' and `errorOnMissing` is set to true",
						  t.key, t.ns);
		return ST_FAILED;
	}
	run->outputs = fp_object(1);
	fp_set(run->outputs, "value", value ? value : fp_null());
	return ST_SUCCESS;
}

/* Delete: remove the key; outputs.deleted says whether there was one (errorOnMissing fails instead). */
static FlowState
kv_delete_run(Execution *e, TaskRun *run, char **error)
{
	KvTarget	t;
	FpValue    *on_missing;
	bool		deleted;

	if (!kv_target(e, run, true, &t, error) ||
		!exec_render_prop(e, run, "errorOnMissing", &on_missing, error))
		return ST_FAILED;
	deleted = store_kv_remove(t.ns, t.key);
	if (!deleted && on_missing && expr_truthy(on_missing))
	{
		*error = psprintf("No value found for key '%s' in namespace '%s' and `errorOnMissing` is set to true",
						  t.key, t.ns);
		return ST_FAILED;
	}
	if (deleted)
		kv_audit(e, run, "kv_delete", &t);
	run->outputs = fp_object(1);
	fp_set(run->outputs, "deleted", fp_bool(deleted));
	return ST_SUCCESS;
}

static const char *const kv_types[] = {
	"STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON", NULL
};

static const PropSpec kv_set_props[] = {
	P_REQ("key", PROP_STRING),
	P_REQ("value", PROP_ANY),
	P("namespace", PROP_STRING),
	P("overwrite", PROP_BOOL),
	P_ENUM("kvType", kv_types),
	P("kvDescription", PROP_STRING),
	P_END
};

static const PropSpec kv_get_props[] = {
	P_REQ("key", PROP_STRING),
	P("namespace", PROP_STRING),
	P("errorOnMissing", PROP_BOOL),
	P_END
};

/* core.kv.Set: creates or replaces a kv entry. */
const TaskType task_kv_set = {
	.name = "io.kestra.plugin.core.kv.Set",
	.kind = TASK_INTERNAL,
	.props = kv_set_props,
	.run = kv_set_run,
};

/* core.kv.Get: reads a kv entry into outputs.value. */
const TaskType task_kv_get = {
	.name = "io.kestra.plugin.core.kv.Get",
	.kind = TASK_INTERNAL,
	.props = kv_get_props,
	.run = kv_get_run,
};

/* core.kv.Delete: removes a kv entry; outputs.deleted. */
const TaskType task_kv_delete = {
	.name = "io.kestra.plugin.core.kv.Delete",
	.kind = TASK_INTERNAL,
	.props = kv_get_props,
	.run = kv_delete_run,
};
