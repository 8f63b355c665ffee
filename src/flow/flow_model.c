/*-------------------------------------------------------------------------
 *
 * flow_model.c
 *	  Compiling stored flow revisions into FlowNode trees, and the
 *	  per-backend cache of compiled revisions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "db.h"
#include "expr.h"
#include "flow_defaults.h"
#include "flow_model.h"
#include "value_jsonb.h"
#include "yaml_doc.h"

#define FLOW_CACHE_MAX 1000		/* compiled revisions kept before the cache is emptied */

typedef struct FlowCacheKey
{
	char		namespace[160];
	char		id[112];
	int32		revision;
} FlowCacheKey;

typedef struct FlowCacheEntry
{
	FlowCacheKey key;
	CompiledFlow *flow;
} FlowCacheEntry;

static HTAB *flow_cache = NULL;
static MemoryContext flow_cache_cxt = NULL;
static Oid	flow_cache_extension = InvalidOid;

static DbQuery q_revision = DB_QUERY(
	"SELECT source, disabled, created_by::text, definition FROM flowpg.flow_revisions"
	" WHERE namespace = $1 AND id = $2 AND revision = $3",
	3, TEXTOID, TEXTOID, INT4OID);

static DbQuery q_latest = DB_QUERY(
	"SELECT revision, deleted FROM flowpg.flow_revisions"
	" WHERE namespace = $1 AND id = $2 ORDER BY revision DESC LIMIT 1",
	2, TEXTOID, TEXTOID);

/* Labels as a flat map of strings (from a map, or a list of {key, value}). */
FpValue *
flow_labels_to_map(const FpValue *labels)
{
	FpValue    *map = fp_object(4);
	int			i;

	if (labels == NULL)
		return map;
	if (labels->type == FP_OBJECT)
	{
		for (i = 0; i < labels->u.obj.count; i++)
			fp_set(map, labels->u.obj.pairs[i].key,
				   fp_cstring(fp_to_text(labels->u.obj.pairs[i].value)));
	}
	else if (labels->type == FP_ARRAY)
	{
		for (i = 0; i < labels->u.arr.count; i++)
		{
			const FpValue *l = labels->u.arr.items[i];
			const char *key = fp_get_str(l, "key");
			FpValue    *value = fp_get(l, "value");

			if (key && value)
				fp_set(map, key, fp_cstring(fp_to_text(value)));
		}
	}
	return map;
}

/*
 * Empty the cache (the extension was dropped and created again, or it grew
 * too big).  The compiled flows of the old cache may still be in use by the
 * calls that are running (a parent's flow while its Subflow starts a child),
 * so the old context is handed to the transaction, which frees it at its end.
 */
static void
flow_cache_reset(void)
{
	HASHCTL		ctl;

	if (flow_cache_cxt)
	{
		if (IsTransactionState())
			MemoryContextSetParent(flow_cache_cxt, TopTransactionContext);
		else
			MemoryContextDelete(flow_cache_cxt);
	}
	flow_cache_cxt = AllocSetContextCreate(CacheMemoryContext, "flowpg flow cache",
										   ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(FlowCacheKey);
	ctl.entrysize = sizeof(FlowCacheEntry);
	ctl.hcxt = flow_cache_cxt;
	flow_cache = hash_create("flowpg flow cache", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static FlowNode *compile_node(CompiledFlow *flow, FpValue *def, FlowNode *parent,
							  const char *block, List **all);

/* Compile a list of task definitions into a block. */
static void
compile_block(CompiledFlow *flow, FpValue *list, FlowNode *parent, const char *block,
			  FlowBlock *out, List **all)
{
	int			i;

	out->count = 0;
	out->items = NULL;
	if (list == NULL)
		return;
	if (list->type == FP_OBJECT)
	{
		/* onPause may be a single task */
		out->items = palloc(sizeof(FlowNode *));
		out->items[out->count++] = compile_node(flow, list, parent, block, all);
		return;
	}
	if (list->type != FP_ARRAY)
		return;
	out->items = palloc(sizeof(FlowNode *) * Max(list->u.arr.count, 1));
	for (i = 0; i < list->u.arr.count; i++)
		out->items[out->count++] = compile_node(flow, list->u.arr.items[i], parent, block, all);
}

/*
 * Compile a Dag's list of {task, dependsOn} into a block of its tasks, in
 * the order listed (the checker made sure each item has its task).
 */
static void
compile_dag_block(CompiledFlow *flow, FpValue *list, FlowNode *parent, const char *block,
				  FlowBlock *out, List **all)
{
	FpValue    *tasks = fp_array(list && list->type == FP_ARRAY ? list->u.arr.count : 0);
	int			i;

	for (i = 0; list && list->type == FP_ARRAY && i < list->u.arr.count; i++)
	{
		FpValue    *task = fp_get_object(list->u.arr.items[i], "task");

		if (task == NULL)
			elog(ERROR, "stored flow %s.%s revision %d holds a Dag item without a task",
				 flow->namespace, flow->id, flow->revision);
		fp_append(tasks, task);
	}
	compile_block(flow, tasks, parent, block, out, all);
}

/* Whether key names one of the type's child blocks (or its map of blocks). */
static bool
is_child_block(const TaskType *type, const char *key)
{
	const char *const *b;

	if (type->task_map && strcmp(type->task_map, key) == 0)
		return true;
	for (b = type->child_blocks; b && *b; b++)
		if (strcmp(*b, key) == 0)
			return true;
	return false;
}

/*
 * Compile one task: its templates (errors are left for render time, where
 * they fail the task run) and its child blocks.
 */
static FlowNode *
compile_node(CompiledFlow *flow, FpValue *def, FlowNode *parent, const char *block, List **all)
{
	FlowNode   *node = palloc0(sizeof(FlowNode));
	FpValue    *disabled = fp_get(def, "disabled");
	const char *const *b;
	int			i;

	node->id = fp_get_str(def, "id");
	node->type = task_type_lookup(fp_get_str(def, "type"));
	if (node->id == NULL || node->type == NULL)
		elog(ERROR, "stored flow %s.%s revision %d holds an invalid task",
			 flow->namespace, flow->id, flow->revision);
	node->def = def;
	node->parent = parent;
	node->block = block;
	node->disabled = disabled && disabled->type == FP_BOOL && disabled->u.b;
	*all = lappend(*all, node);

	for (i = 0; i < def->u.obj.count; i++)
	{
		const char *key = def->u.obj.pairs[i].key;
		ExprSyntaxError err;
		FpValue    *bad;

		if (strcmp(key, "id") == 0 || strcmp(key, "type") == 0 ||
			strcmp(key, "onResume") == 0 || is_child_block(node->type, key))
			continue;
		(void) expr_compile_value(def->u.obj.pairs[i].value, &err, &bad);
	}

	{
		FpValue    *map = node->type->task_map ? fp_get_object(def, node->type->task_map) : NULL;
		int			fixed = 0;
		int			n;

		for (b = node->type->child_blocks; b && *b; b++)
			fixed++;
		n = fixed + (map ? map->u.obj.count : 0);
		node->block_names = palloc(sizeof(char *) * Max(n, 1));
		node->blocks = palloc0(sizeof(FlowBlock) * Max(n, 1));
		for (i = 0; i < fixed; i++)
		{
			node->block_names[i] = node->type->child_blocks[i];
			if (node->type->dag_tasks && strcmp(node->type->dag_tasks, node->block_names[i]) == 0)
				compile_dag_block(flow, fp_get(def, node->block_names[i]), node,
								  node->block_names[i], &node->blocks[i], all);
			else
				compile_block(flow, fp_get(def, node->block_names[i]), node,
							  node->block_names[i], &node->blocks[i], all);
		}
		/* a map of blocks (Switch cases): one block per key, named "<prop>.<key>" */
		for (i = 0; map && i < map->u.obj.count; i++)
		{
			node->block_names[fixed + i] = psprintf("%s.%s", node->type->task_map,
													map->u.obj.pairs[i].key);
			compile_block(flow, map->u.obj.pairs[i].value, node, node->type->task_map,
						  &node->blocks[fixed + i], all);
		}
		node->nblocks = n;
	}
	return node;
}

/* The first enabled Pause or HumanTask of node's subtree, in flow order (onPause skipped). */
static FlowNode *
first_pause_in(FlowNode *node)
{
	int			b;
	int			i;

	if (node->disabled)
		return NULL;
	if (node->type->kind == TASK_PAUSE)
		return node;
	for (b = 0; b < node->nblocks; b++)
		for (i = 0; i < node->blocks[b].count; i++)
		{
			FlowNode   *found = first_pause_in(node->blocks[b].items[i]);

			if (found)
				return found;
		}
	return NULL;
}

/*
 * The pause an appLink() rendered by node is for (FlowNode.link_pause).
 * Inside a pause's onPause it is that pause: the message asks for its
 * decision.  Otherwise it is the first pause that follows node in flow order:
 * its following siblings (and what they hold), then its parent's following
 * siblings, and so on up to the top-level block, which is as far as the
 * notification before a pause (the guide's Slack task, rendered and queued
 * before the pause begins) can look ahead.  A pause is its own.
 */
static FlowNode *
find_link_pause(FlowNode *node, FlowBlock *top)
{
	FlowNode   *at;

	if (node->type->kind == TASK_PAUSE)
		return node;
	for (at = node; at->parent; at = at->parent)
		if (at->parent->type->kind == TASK_PAUSE && strcmp(at->block, "onPause") == 0)
			return at->parent;
	for (at = node; at; at = at->parent)
	{
		FlowBlock  *block = NULL;
		int			b;
		int			i;

		if (at->parent == NULL)
			block = top;
		else
			for (b = 0; b < at->parent->nblocks && block == NULL; b++)
				for (i = 0; i < at->parent->blocks[b].count; i++)
					if (at->parent->blocks[b].items[i] == at)
						block = &at->parent->blocks[b];
		for (i = 0; block && i < block->count && block->items[i] != at; i++)
			;
		for (i++; block && i < block->count; i++)
		{
			FlowNode   *found = first_pause_in(block->items[i]);

			if (found)
				return found;
		}
	}
	return NULL;
}

/* The top-level block (tasks, errors or finally) that holds node. */
static FlowBlock *
top_block_of(CompiledFlow *flow, FlowNode *node)
{
	while (node->parent)
		node = node->parent;
	if (strcmp(node->block, "errors") == 0)
		return &flow->errors;
	if (strcmp(node->block, "finally") == 0)
		return &flow->finally;
	if (strcmp(node->block, "afterExecution") == 0)
		return &flow->after_execution;
	return &flow->tasks;
}

/* Whether a list of input declarations holds a SECRET-typed one. */
static bool
declares_secret(const FpValue *decls)
{
	int			i;

	if (decls == NULL || decls->type != FP_ARRAY)
		return false;
	for (i = 0; i < decls->u.arr.count; i++)
	{
		const char *type = fp_get_str(decls->u.arr.items[i], "type");

		if (type && strcmp(type, "SECRET") == 0)
			return true;
	}
	return false;
}

/* Compile a whole definition (in the current memory context). */
static CompiledFlow *
compile_flow(const char *ns, const char *id, int32 revision, FpValue *definition,
			 bool disabled, const char *deployer)
{
	CompiledFlow *flow = palloc0(sizeof(CompiledFlow));
	List	   *all = NIL;
	ListCell   *lc;
	int			n = 0;

	flow->namespace = pstrdup(ns);
	flow->id = pstrdup(id);
	flow->revision = revision;
	flow->deployer = pstrdup(deployer);
	flow->disabled = disabled;
	flow->definition = definition;
	flow->inputs = fp_get_array(definition, "inputs");
	flow->variables = fp_get_object(definition, "variables");
	if (flow->variables == NULL)
		flow->variables = fp_object(0);
	flow->labels = flow_labels_to_map(fp_get(definition, "labels"));
	flow->outputs = fp_get_array(definition, "outputs");
	flow_concurrency_read(definition, &flow->concurrency);
	compile_block(flow, fp_get(definition, "tasks"), NULL, "tasks", &flow->tasks, &all);
	compile_block(flow, fp_get(definition, "errors"), NULL, "errors", &flow->errors, &all);
	compile_block(flow, fp_get(definition, "finally"), NULL, "finally", &flow->finally, &all);
	compile_block(flow, fp_get(definition, "afterExecution"), NULL, "afterExecution",
				  &flow->after_execution, &all);
	flow->has_secrets = declares_secret(flow->inputs);
	foreach(lc, all)
	{
		FlowNode   *node = lfirst(lc);

		if (node->type->kind == TASK_PAUSE && declares_secret(fp_get(node->def, "onResume")))
			flow->has_secrets = true;
	}
	flow->nnodes = list_length(all);
	flow->nodes = palloc(sizeof(FlowNode *) * Max(flow->nnodes, 1));
	foreach(lc, all)
		flow->nodes[n++] = lfirst(lc);
	for (n = 0; n < flow->nnodes; n++)
		flow->nodes[n]->link_pause = find_link_pause(flow->nodes[n],
													 top_block_of(flow, flow->nodes[n]));
	return flow;
}

/* The compiled revision (see flow_model.h). */
CompiledFlow *
flow_model_get(const char *namespace, const char *id, int32 revision)
{
	Oid			extension = get_extension_oid("flowpg", false);
	FlowCacheKey key;
	FlowCacheEntry *entry;
	bool		found;
	Datum		values[3];
	bool		isnull;
	MemoryContext old;
	MemoryContext flow_cxt;
	FpValue    *definition;
	bool		disabled;
	char	   *deployer;
	char	   *source;
	List	   *problems = NIL;
	CompiledFlow *flow;

	if (flow_cache == NULL || extension != flow_cache_extension ||
		hash_get_num_entries(flow_cache) >= FLOW_CACHE_MAX)
	{
		flow_cache_reset();
		flow_cache_extension = extension;
	}
	memset(&key, 0, sizeof(key));
	strlcpy(key.namespace, namespace, sizeof(key.namespace));
	strlcpy(key.id, id, sizeof(key.id));
	key.revision = revision;
	entry = hash_search(flow_cache, &key, HASH_FIND, NULL);
	if (entry)
		return entry->flow;

	values[0] = CStringGetTextDatum(namespace);
	values[1] = CStringGetTextDatum(id);
	values[2] = Int32GetDatum(revision);
	if (db_exec(&q_revision, values, NULL, true, 1) == 0)
		return NULL;
	disabled = DatumGetBool(db_datum(0, 2, &isnull));
	deployer = db_text(0, 3);
	source = db_text(0, 1);

	/*
	 * Compile into a context of its own that belongs to the caller until the
	 * flow is complete: an error part way frees it with the transaction.
	 */
	flow_cxt = AllocSetContextCreate(CurrentMemoryContext, "flowpg compiled flow",
									 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(flow_cxt);
	/*
	 * Compile from the YAML source rather than the jsonb definition: jsonb
	 * sorts keys, the source keeps the author's order (of formData fields,
	 * of OutputValues, of a map a template renders).  The definition is the
	 * fallback should a stored source no longer parse.
	 */
	definition = yaml_parse(source, strlen(source), &problems);
	if (definition == NULL || definition->type != FP_OBJECT)
		definition = fp_from_jsonb_datum(db_datum(0, 4, &isnull));
	else
		flow_apply_defaults(definition, &problems);	/* as the deploy did */
	flow = compile_flow(namespace, id, revision, definition, disabled, deployer);
	MemoryContextSwitchTo(old);
	/* enter it only once it is complete: an error above leaves no broken entry */
	MemoryContextSetParent(flow_cxt, flow_cache_cxt);
	entry = hash_search(flow_cache, &key, HASH_ENTER, &found);
	entry->flow = flow;
	return flow;
}

/* The latest revision of a flow, compiled, or NULL (see flow_model.h). */
CompiledFlow *
flow_model_latest(const char *namespace, const char *id)
{
	Datum		values[2];
	bool		isnull;

	values[0] = CStringGetTextDatum(namespace);
	values[1] = CStringGetTextDatum(id);
	if (db_exec(&q_latest, values, NULL, true, 1) == 0 ||
		DatumGetBool(db_datum(0, 2, &isnull)))
		return NULL;
	return flow_model_get(namespace, id, db_int4(0, 1));
}

/* Whether the latest revision of a flow says it is deleted (false for no flow at all). */
bool
flow_model_deleted(const char *namespace, const char *id)
{
	Datum		values[2];
	bool		isnull;

	values[0] = CStringGetTextDatum(namespace);
	values[1] = CStringGetTextDatum(id);
	return db_exec(&q_latest, values, NULL, true, 1) == 1 &&
		DatumGetBool(db_datum(0, 2, &isnull));
}

/* The node of a task id, or NULL. */
FlowNode *
flow_model_node(const CompiledFlow *flow, const char *task_id)
{
	int			i;

	for (i = 0; i < flow->nnodes; i++)
		if (strcmp(flow->nodes[i]->id, task_id) == 0)
			return flow->nodes[i];
	return NULL;
}

/* A named child block of a node, or NULL. */
FlowBlock *
flow_node_block(const FlowNode *node, const char *name)
{
	int			i;

	for (i = 0; i < node->nblocks; i++)
		if (strcmp(node->block_names[i], name) == 0)
			return &node->blocks[i];
	return NULL;
}
