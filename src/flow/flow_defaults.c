/*-------------------------------------------------------------------------
 *
 * flow_defaults.c
 *	  Kestra's pluginDefaults and the deprecated taskDefaults (same shape):
 *	  a list of {type, values, forced}.  Each entry applies to every map of
 *	  the flow that has a type key (tasks at any depth, triggers,
 *	  conditions) whose type is the entry's type or starts with it at a dot
 *	  (io.kestra.plugin.core.log covers io.kestra.plugin.core.log.Log); type
 *	  aliases count as the type they stand for.  Without forced the map's
 *	  own values win; with forced the defaults do.  Maps merge recursively,
 *	  lists are concatenated without duplicates.
 *
 * The defaults are applied before the flow is checked (a required property
 * given by a default is no error) and again when a stored revision is
 * compiled from its source: the stored source stays as written, the
 * definition column shows the defaults applied.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "flow_defaults.h"
#include "problems.h"
#include "tasks.h"
#include "triggers.h"

#define MAX_DEFAULTS_DEPTH 200	/* deeper maps are left alone (the checker refuses them) */

/*
 * The work one flow's defaults may cost: nodes copied plus items compared.
 * A source is at most flowpg.max_flow_size and 200,000 YAML nodes, but
 * defaults multiply it (every map with a type gets a copy of values, and
 * lists are merged item against item), so a small source could otherwise
 * take minutes and gigabytes.  Five times the YAML node cap.
 */
#define MAX_DEFAULTS_WORK 1000000

static int64 defaults_work = 0;

/* Count n units of work; past the budget, the flow is refused (54000). */
static void
charge(int64 n)
{
	CHECK_FOR_INTERRUPTS();
	defaults_work += n;
	if (defaults_work > MAX_DEFAULTS_WORK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the flow's pluginDefaults expand it too much"),
				 errdetail("Applying them would copy or compare more than %d values.", MAX_DEFAULTS_WORK),
				 errhint("Give defaults to fewer tasks (a longer type prefix), or make their values smaller.")));
}

/* The number of nodes in v (bounded: it stops counting past the budget). */
static int64
node_count(const FpValue *v)
{
	int64		n = 1;
	int			i;

	if (v->type == FP_ARRAY)
		for (i = 0; i < v->u.arr.count && n <= MAX_DEFAULTS_WORK; i++)
			n += node_count(v->u.arr.items[i]);
	else if (v->type == FP_OBJECT)
		for (i = 0; i < v->u.obj.count && n <= MAX_DEFAULTS_WORK; i++)
			n += node_count(v->u.obj.pairs[i].value);
	return n;
}

/* A copy of v, charged by its size. */
static FpValue *
charged_copy(const FpValue *v)
{
	charge(node_count(v));
	return fp_copy(v);
}

/* One usable entry of pluginDefaults or taskDefaults. */
typedef struct PluginDefault
{
	const char *type;
	const FpValue *values;
	bool		forced;
} PluginDefault;

/*
 * Whether prefix names type itself or a dotted prefix of it: equal, or type
 * starts with prefix and the next character is a dot (or prefix ends with
 * one, as in Kestra's own `io.kestra.core.services.`).
 */
static bool
type_covers(const char *prefix, const char *type)
{
	size_t		n = strlen(prefix);

	if (n == 0 || strncmp(prefix, type, n) != 0)
		return false;
	return type[n] == '\0' || type[n] == '.' || prefix[n - 1] == '.';
}

/* Whether prefix covers some task, trigger or condition type name flowpg knows. */
static bool
covers_known_type(const char *prefix)
{
	const TaskType *t;
	const char *const *a;
	int			i;

	for (i = 0; (t = task_type_nth(i)) != NULL; i++)
	{
		if (type_covers(prefix, t->name))
			return true;
		for (a = t->aliases; a && *a; a++)
			if (type_covers(prefix, *a))
				return true;
	}
	for (i = 0; trigger_type_names[i]; i++)
		if (type_covers(prefix, trigger_type_names[i]))
			return true;
	return false;
}

/*
 * Whether a default of type prefix applies to a map of type type: prefix
 * covers the type as written, its full name, or one of its aliases.
 */
static bool
default_applies(const char *prefix, const char *type)
{
	const TaskType *t;
	const char *canonical;
	const char *const *a;
	int			i;

	if (type_covers(prefix, type))
		return true;
	if ((t = task_type_lookup(type)) != NULL)
	{
		if (type_covers(prefix, t->name))
			return true;
		for (a = t->aliases; a && *a; a++)
			if (type_covers(prefix, *a))
				return true;
		return false;
	}
	if ((canonical = trigger_canonical_type(type)) != NULL)
	{
		for (i = 0; trigger_type_names[i]; i++)
			if (trigger_canonical_type(trigger_type_names[i]) == canonical &&
				type_covers(prefix, trigger_type_names[i]))
				return true;
	}
	return false;
}

/* Whether list (an array) holds an item equal to v. */
static bool
list_holds(const FpValue *list, const FpValue *v)
{
	int			i;

	charge(list->u.arr.count);
	for (i = 0; i < list->u.arr.count; i++)
		if (fp_equal(list->u.arr.items[i], v))
			return true;
	return false;
}

/* first's items, then those of second that first lacks (each item once). */
static FpValue *
concat_distinct(const FpValue *first, const FpValue *second)
{
	FpValue    *out = fp_array(first->u.arr.count + second->u.arr.count);
	int			i;

	out->line = first->line;
	out->col = first->col;
	for (i = 0; i < first->u.arr.count; i++)
		if (!list_holds(out, first->u.arr.items[i]))
			fp_append(out, charged_copy(first->u.arr.items[i]));
	for (i = 0; i < second->u.arr.count; i++)
		if (!list_holds(out, second->u.arr.items[i]))
			fp_append(out, charged_copy(second->u.arr.items[i]));
	return out;
}

/*
 * Merge the map defaults into the map target, in place.  A key target lacks
 * is added (a copy, keeping its YAML position for error messages); two maps
 * merge recursively; two lists become the losing side's items followed by
 * the winning side's, each once; otherwise the defaults replace target's
 * value only when forced.
 */
static void
merge_defaults(FpValue *target, const FpValue *defaults, bool forced, int depth)
{
	int			i;

	for (i = 0; i < defaults->u.obj.count; i++)
	{
		const FpPair *d = &defaults->u.obj.pairs[i];
		FpPair	   *own = fp_get_pair(target, d->key);

		if (own == NULL)
		{
			FpPair	   *added;

			fp_set(target, d->key, charged_copy(d->value));
			added = fp_get_pair(target, d->key);
			added->key_line = d->key_line;
			added->key_col = d->key_col;
		}
		else if (own->value->type == FP_OBJECT && d->value->type == FP_OBJECT &&
				 depth < MAX_DEFAULTS_DEPTH)
			merge_defaults(own->value, d->value, forced, depth + 1);
		else if (own->value->type == FP_ARRAY && d->value->type == FP_ARRAY)
			own->value = forced ? concat_distinct(own->value, d->value)
				: concat_distinct(d->value, own->value);
		else if (forced)
			own->value = charged_copy(d->value);
	}
}

/*
 * Check one list (pluginDefaults or taskDefaults) and append its usable
 * entries to *out.
 */
static void
collect_defaults(const FpValue *list, const char *path, List **problems, List **out)
{
	int			i;

	if (list->type != FP_ARRAY)
	{
		problem_add(problems, list, path, "%s must be a list of {type, values, forced}", path);
		return;
	}
	for (i = 0; i < list->u.arr.count; i++)
	{
		const FpValue *e = list->u.arr.items[i];
		char	   *p = path_index(path, i);
		const FpValue *type;
		const FpValue *values;
		const FpValue *forced;
		bool		ok = true;
		int			k;
		PluginDefault *pd;

		if (e->type != FP_OBJECT)
		{
			problem_add(problems, e, p, "a plugin default must be a map with type and values");
			continue;
		}
		for (k = 0; k < e->u.obj.count; k++)
		{
			const char *key = e->u.obj.pairs[k].key;

			if (strcmp(key, "type") != 0 && strcmp(key, "values") != 0 &&
				strcmp(key, "forced") != 0)
			{
				problem_add_key(problems, e, key, path_key(p, key),
								"unknown property \"%s\" of a plugin default (allowed: type, values, forced)",
								key);
				ok = false;
			}
		}
		type = fp_get(e, "type");
		if (type == NULL)
		{
			problem_add(problems, e, p, "missing required property \"type\" of a plugin default");
			ok = false;
		}
		else if (type->type != FP_STRING)
		{
			problem_add(problems, type, path_key(p, "type"), "type must be a string");
			ok = false;
		}
		else if (!covers_known_type(type->u.str.ptr))
		{
			problem_add(problems, type, path_key(p, "type"),
						"plugin default of unknown type \"%s\": it must be a task, trigger or condition type, or a prefix of one ending at a dot",
						type->u.str.ptr);
			ok = false;
		}
		values = fp_get(e, "values");
		if (values == NULL)
		{
			problem_add(problems, e, p, "missing required property \"values\" of a plugin default");
			ok = false;
		}
		else if (values->type != FP_OBJECT)
		{
			problem_add(problems, values, path_key(p, "values"), "values must be a map, not a %s",
						fp_type_name(values->type));
			ok = false;
		}
		else if (fp_get(values, "id") || fp_get(values, "type"))
		{
			const char *key = fp_get(values, "id") ? "id" : "type";

			problem_add_key(problems, values, key, path_key(path_key(p, "values"), key),
							"a plugin default cannot set \"%s\"", key);
			ok = false;
		}
		forced = fp_get(e, "forced");
		if (forced && forced->type != FP_BOOL)
		{
			problem_add(problems, forced, path_key(p, "forced"), "forced must be true or false");
			ok = false;
		}
		if (!ok)
			continue;
		pd = palloc(sizeof(PluginDefault));
		pd->type = type->u.str.ptr;
		pd->values = values;
		pd->forced = forced != NULL && forced->u.b;
		*out = lappend(*out, pd);
	}
}

/*
 * Apply the defaults to v and every map below it.  Children first, so that
 * what a default adds is not itself defaulted again (Kestra neither).
 * Within one map: the unforced defaults in list order (the first one that
 * gives a key wins), then the forced ones in reverse order (so the first
 * forced one wins over everything).
 */
static void
apply_defaults(FpValue *v, List *defaults, int depth)
{
	int			i;
	const char *type;

	if (depth > MAX_DEFAULTS_DEPTH)
		return;
	if (v->type == FP_ARRAY)
	{
		for (i = 0; i < v->u.arr.count; i++)
			apply_defaults(v->u.arr.items[i], defaults, depth + 1);
		return;
	}
	if (v->type != FP_OBJECT)
		return;
	for (i = 0; i < v->u.obj.count; i++)
		apply_defaults(v->u.obj.pairs[i].value, defaults, depth + 1);

	type = fp_get_str(v, "type");
	if (type == NULL)
		return;
	for (i = 0; i < list_length(defaults); i++)
	{
		PluginDefault *pd = list_nth(defaults, i);

		if (!pd->forced && default_applies(pd->type, type))
			merge_defaults(v, pd->values, false, 0);
	}
	for (i = list_length(defaults) - 1; i >= 0; i--)
	{
		PluginDefault *pd = list_nth(defaults, i);

		if (pd->forced && default_applies(pd->type, type))
			merge_defaults(v, pd->values, true, 0);
	}
}

/* Check and apply pluginDefaults and taskDefaults (see flow_defaults.h). */
void
flow_apply_defaults(FpValue *root, List **problems)
{
	static const char *const keys[] = {"pluginDefaults", "taskDefaults"};
	List	   *defaults = NIL;
	List	   *ignored = NIL;
	int			k;
	int			i;

	if (root == NULL || root->type != FP_OBJECT)
		return;
	for (k = 0; k < (int) lengthof(keys); k++)
	{
		FpValue    *list = fp_get(root, keys[k]);

		if (list && list->type != FP_NULL)
			collect_defaults(list, keys[k], problems ? problems : &ignored, &defaults);
	}
	if (defaults == NIL)
		return;
	defaults_work = 0;
	for (i = 0; i < root->u.obj.count; i++)
	{
		const char *key = root->u.obj.pairs[i].key;

		if (strcmp(key, "pluginDefaults") == 0 || strcmp(key, "taskDefaults") == 0)
			continue;
		apply_defaults(root->u.obj.pairs[i].value, defaults, 1);
	}
}
