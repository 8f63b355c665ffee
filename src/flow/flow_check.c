/*-------------------------------------------------------------------------
 *
 * flow_check.c
 *	  Checking a flow document against SPEC section 2 before it is stored:
 *	  top-level keys, ids and namespaces, tasks (recursively, with ids unique
 *	  across the whole flow), each task type's properties and their shapes,
 *	  inputs, triggers, and the syntax of every expression.
 *
 * Every problem found is collected with its YAML line, column and path;
 * nothing here raises for a bad document.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datetime.h"
#include "expr.h"
#include "flow_check.h"
#include "flow_concurrency.h"
#include "flow_defaults.h"
#include "ids.h"
#include "inputs.h"
#include "problems.h"
#include "tasks.h"
#include "triggers.h"
#include "yaml_doc.h"

/* What the checks of one document share. */
typedef struct CheckState
{
	const char *source;			/* the YAML text, to place errors inside block scalars */
	int			source_len;
	List	  **problems;
	List	   *task_ids;		/* every task id seen so far (char *) */
	int			depth;			/* nesting of task lists */
} CheckState;

#define MAX_TASK_DEPTH 50

static const char *const top_level_keys[] = {
	"id", "namespace", "description", "labels", "inputs", "variables", "tasks",
	"errors", "finally", "triggers", "disabled", "outputs", "revision", "pluginDefaults",
	"taskDefaults", "retry", "concurrency", "afterExecution", NULL
};

static void check_tasks(CheckState *st, const FpValue *list, const char *path, bool required);
static void check_task(CheckState *st, const FpValue *task, const char *path);
static void check_value_templates(CheckState *st, const FpValue *v, const char *path);
static void templates_cb(const FpValue *v, const char *path, void *arg);

/* Whether name is in a NULL-terminated list of strings. */
static bool
in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* "a, b, c" from a NULL-terminated list. */
static char *
join_list(const char *const *list)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; list && *list; list++)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", *list);
	return buf.data;
}

/* The number of UTF-8 characters in the first n bytes of s. */
static int
utf8_chars(const char *s, int n)
{
	int			chars = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			chars++;
	return chars;
}

/* Leading spaces of 1-based line number line of the source (0 if out of range). */
static int
source_indent(CheckState *st, int line)
{
	const char *p = st->source;
	const char *end = st->source + st->source_len;
	int			n = 0;

	while (line > 1 && p < end)
	{
		if (*p++ == '\n')
			line--;
	}
	while (p < end && *p == ' ')
	{
		p++;
		n++;
	}
	return n;
}

/*
 * The YAML line and column of byte offset inside a string scalar: exact for
 * single-line scalars and block scalars, the scalar's own position
 * otherwise.
 */
static void
template_position(CheckState *st, const FpValue *v, int offset, int *line, int *col)
{
	const char *s = v->u.str.ptr;
	int			newlines = 0;
	int			line_start = 0;
	int			i;

	*line = v->line;
	*col = v->col;
	if (v->line == 0)
		return;
	offset = Min(Max(offset, 0), v->u.str.len);
	for (i = 0; i < offset; i++)
	{
		if (s[i] == '\n')
		{
			newlines++;
			line_start = i + 1;
		}
	}
	switch (v->u.str.style)
	{
		case 0:
			if (newlines == 0)
				*col = v->col + utf8_chars(s, offset);
			break;
		case '\'':
		case '"':
			if (newlines == 0)
				*col = v->col + 1 + utf8_chars(s, offset);
			break;
		case '|':
			*line = v->line + 1 + newlines;
			*col = source_indent(st, *line) + 1 + utf8_chars(s + line_start, offset - line_start);
			break;
		default:
			break;
	}
}

/* Check the expression syntax of one string; templates without {{ or {% are plain text. */
static void
check_template(CheckState *st, const FpValue *v, const char *path)
{
	ExprSyntaxError err;

	if (v->type != FP_STRING || !expr_is_template(v->u.str.ptr, v->u.str.len))
		return;
	if (expr_compile(v->u.str.ptr, v->u.str.len, &err) == NULL)
	{
		int			line,
					col;

		template_position(st, v, err.offset, &line, &col);
		problem_add_at(st->problems, line, col, path, "invalid expression: %s", err.message);
	}
}

/* Check every string inside a value (maps and lists recursively) as a template. */
static void
check_value_templates(CheckState *st, const FpValue *v, const char *path)
{
	int			i;

	switch (v->type)
	{
		case FP_STRING:
			check_template(st, v, path);
			break;
		case FP_ARRAY:
			for (i = 0; i < v->u.arr.count; i++)
				check_value_templates(st, v->u.arr.items[i], path_index(path, i));
			break;
		case FP_OBJECT:
			for (i = 0; i < v->u.obj.count; i++)
				check_value_templates(st, v->u.obj.pairs[i].value,
									  path_key(path, v->u.obj.pairs[i].key));
			break;
		default:
			break;
	}
}

/* A string value that holds an expression, checked later when rendered. */
static bool
is_template(const FpValue *v)
{
	return v->type == FP_STRING && expr_is_template(v->u.str.ptr, v->u.str.len);
}

/* A scalar: string, number, boolean (null is not). */
static bool
is_scalar(const FpValue *v)
{
	return v->type == FP_STRING || v->type == FP_INT || v->type == FP_FLOAT || v->type == FP_BOOL;
}

static void check_props(CheckState *st, const FpValue *obj, const PropSpec *specs,
						const PropSpec *more, const char *path, const char *owner);

/*
 * A Dag's tasks: a non-empty list of {task, dependsOn}, each task checked as
 * any other (its id counts among the flow's), each dependsOn a list of task
 * ids.  Whether those ids exist and form no cycle is the Dag's own check.
 */
static void
check_dag_tasks(CheckState *st, const FpValue *v, const PropSpec *spec, const char *path)
{
	static const PropSpec item_props[] = {
		P_REQ("task", PROP_ANY),
		P("dependsOn", PROP_ANY),
		P_END
	};
	int			i;
	int			j;

	if (v->type != FP_ARRAY || v->u.arr.count == 0)
	{
		problem_add(st->problems, v, path, "%s must be a non-empty list of {task, dependsOn}",
					spec->name);
		return;
	}
	for (i = 0; i < v->u.arr.count; i++)
	{
		const FpValue *item = v->u.arr.items[i];
		char	   *p = path_index(path, i);
		FpValue    *task;
		FpValue    *deps;

		if (item->type != FP_OBJECT)
		{
			problem_add(st->problems, item, p, "a Dag item must be a map with task and dependsOn, not a %s",
						fp_type_name(item->type));
			continue;
		}
		check_props(st, item, item_props, NULL, p, "a Dag item");
		if ((task = fp_get(item, "task")) != NULL)
		{
			if (++st->depth > MAX_TASK_DEPTH)
				problem_add(st->problems, task, path_key(p, "task"),
							"tasks are nested more than %d levels deep", MAX_TASK_DEPTH);
			else
				check_task(st, task, path_key(p, "task"));
			st->depth--;
		}
		deps = fp_get(item, "dependsOn");
		if (deps == NULL || deps->type == FP_NULL)
			continue;
		if (deps->type != FP_ARRAY)
		{
			problem_add(st->problems, deps, path_key(p, "dependsOn"),
						"dependsOn must be a list of task ids, not a %s", fp_type_name(deps->type));
			continue;
		}
		for (j = 0; j < deps->u.arr.count; j++)
			if (deps->u.arr.items[j]->type != FP_STRING)
				problem_add(st->problems, deps->u.arr.items[j],
							path_index(path_key(p, "dependsOn"), j),
							"each item of dependsOn must be a task id");
	}
}

/*
 * A retry policy must be bounded: with neither maxAttempts (maxAttempt) nor
 * maxDuration it would retry for ever.
 */
static void
check_retry_bounds(CheckState *st, const FpValue *retry, const char *path)
{
	if (fp_get(retry, "maxAttempts") == NULL && fp_get(retry, "maxAttempt") == NULL &&
		fp_get(retry, "maxDuration") == NULL)
		problem_add(st->problems, retry, path,
					"retry needs maxAttempts or maxDuration: a retry without either would never end");
}

/*
 * Check one property value against its spec: shape, then the templates in
 * it.  Task lists and input declarations are checked by their own code.
 */
static void
check_prop(CheckState *st, const FpValue *v, const PropSpec *spec, const char *path)
{
	int			i;
	int64		usec;

	/* an optional property given as null (or left empty in YAML) counts as absent */
	if (v->type == FP_NULL && !spec->required)
		return;
	switch (spec->kind)
	{
		case PROP_STRING:
			if (!is_scalar(v))
				problem_add(st->problems, v, path, "%s must be a string, not a %s",
							spec->name, fp_type_name(v->type));
			break;
		case PROP_LITERAL:
			if (v->type != FP_STRING)
				problem_add(st->problems, v, path, "%s must be a string, not a %s",
							spec->name, fp_type_name(v->type));
			return;				/* not a template: the task type's check says more */
		case PROP_STRING_OR_LIST:
			if (v->type == FP_ARRAY)
			{
				for (i = 0; i < v->u.arr.count; i++)
					if (!is_scalar(v->u.arr.items[i]))
						problem_add(st->problems, v->u.arr.items[i], path_index(path, i),
									"%s must be a string or a list of strings", spec->name);
			}
			else if (!is_scalar(v))
				problem_add(st->problems, v, path, "%s must be a string or a list of strings, not a %s",
							spec->name, fp_type_name(v->type));
			break;
		case PROP_STRING_LIST:
			if (v->type == FP_ARRAY)
			{
				for (i = 0; i < v->u.arr.count; i++)
					if (v->u.arr.items[i]->type != FP_STRING)
						problem_add(st->problems, v->u.arr.items[i], path_index(path, i),
									"each item of %s must be a string", spec->name);
			}
			else if (v->type != FP_STRING)
				problem_add(st->problems, v, path, "%s must be a list of strings or a string, not a %s",
							spec->name, fp_type_name(v->type));
			break;
		case PROP_BOOL:
			if (v->type != FP_BOOL && !is_template(v))
				problem_add(st->problems, v, path, "%s must be true or false", spec->name);
			break;
		case PROP_INT:
			if (v->type != FP_INT && !is_template(v))
				problem_add(st->problems, v, path, "%s must be an integer", spec->name);
			break;
		case PROP_NUMBER:
			if (!fp_is_number(v) && !is_template(v))
				problem_add(st->problems, v, path, "%s must be a number", spec->name);
			break;
		case PROP_DURATION:
			if (v->type != FP_STRING ||
				(!is_template(v) && !dt_parse_duration(v->u.str.ptr, &usec)))
				problem_add(st->problems, v, path,
							"%s must be an ISO-8601 duration such as PT5M or P1D", spec->name);
			else if (!is_template(v) && usec < 0)
				problem_add(st->problems, v, path, "%s must not be negative", spec->name);
			break;
		case PROP_ENUM:
			if (v->type != FP_STRING ||
				(!is_template(v) && !in_list(spec->values, v->u.str.ptr)))
				problem_add(st->problems, v, path, "%s must be one of %s",
							spec->name, join_list(spec->values));
			break;
		case PROP_MAP:
			if (v->type != FP_OBJECT)
				problem_add(st->problems, v, path, "%s must be a map, not a %s",
							spec->name, fp_type_name(v->type));
			break;
		case PROP_ANY:
			break;
		case PROP_TASKS:
			check_tasks(st, v, path, spec->required);
			return;
		case PROP_TASK_OR_TASKS:
			if (v->type == FP_OBJECT)
			{
				FpValue    *one = fp_array(1);

				one->line = v->line;
				one->col = v->col;
				fp_append(one, (FpValue *) v);
				check_tasks(st, one, path, true);
			}
			else
				check_tasks(st, v, path, true);
			return;
		case PROP_TASK_MAP:
			if (v->type != FP_OBJECT || v->u.obj.count == 0)
				problem_add(st->problems, v, path, "%s must be a map of task lists", spec->name);
			else
				for (i = 0; i < v->u.obj.count; i++)
					check_tasks(st, v->u.obj.pairs[i].value, path_key(path, v->u.obj.pairs[i].key), true);
			return;
		case PROP_DAG_TASKS:
			check_dag_tasks(st, v, spec, path);
			return;
		case PROP_INPUTS:
			if (v->type != FP_ARRAY)
				problem_add(st->problems, v, path, "%s must be a list of inputs", spec->name);
			else
				inputs_check_declarations(v, path, st->problems);
			return;
		case PROP_OBJECT:
			if (v->type != FP_OBJECT)
				problem_add(st->problems, v, path, "%s must be a map, not a %s",
							spec->name, fp_type_name(v->type));
			else
			{
				check_props(st, v, spec->fields, NULL, path, spec->name);
				if (spec->fields == task_retry_fields)
					check_retry_bounds(st, v, path);
			}
			return;
	}
	check_value_templates(st, v, path);
}

/* Find the spec called name in a NULL-name-terminated spec array. */
static const PropSpec *
find_spec(const PropSpec *specs, const char *name)
{
	for (; specs && specs->name; specs++)
		if (strcmp(specs->name, name) == 0)
			return specs;
	return NULL;
}

/* Check the keys of a map against specs (and more, the type's own, when given). */
static void
check_props(CheckState *st, const FpValue *obj, const PropSpec *specs, const PropSpec *more,
			const char *path, const char *owner)
{
	const PropSpec *s;
	int			i;

	for (i = 0; i < obj->u.obj.count; i++)
	{
		const char *key = obj->u.obj.pairs[i].key;
		const PropSpec *spec = find_spec(specs, key);

		if (spec == NULL)
			spec = find_spec(more, key);
		if (spec == NULL)
		{
			problem_add_key(st->problems, obj, key, path_key(path, key),
							"unknown property \"%s\" of %s", key, owner);
			continue;
		}
		if (specs == task_common_props &&
			(strcmp(key, "id") == 0 || strcmp(key, "type") == 0))
			continue;			/* checked by check_task */
		check_prop(st, obj->u.obj.pairs[i].value, spec, path_key(path, key));
	}
	for (s = specs; s && s->name; s++)
		if (s->required && fp_get(obj, s->name) == NULL)
			problem_add(st->problems, obj, path, "missing required property \"%s\" of %s",
						s->name, owner);
	for (s = more; s && s->name; s++)
		if (s->required && fp_get(obj, s->name) == NULL)
			problem_add(st->problems, obj, path, "missing required property \"%s\" of %s",
						s->name, owner);
}

/* Check one task: id (unique), type (known), properties. */
static void
check_task(CheckState *st, const FpValue *task, const char *path)
{
	FpValue    *idv;
	FpValue    *typev;
	const TaskType *type;
	char	   *owner;

	if (task->type != FP_OBJECT)
	{
		problem_add(st->problems, task, path, "a task must be a map, not a %s",
					fp_type_name(task->type));
		return;
	}

	idv = fp_get(task, "id");
	if (idv == NULL)
		problem_add(st->problems, task, path, "a task needs an id");
	else if (idv->type != FP_STRING || !id_is_task_id(idv->u.str.ptr))
		problem_add(st->problems, idv, path_key(path, "id"),
					"invalid task id %s: it must match ^[a-zA-Z0-9][a-zA-Z0-9_-]*",
					fp_to_json(idv));
	else
	{
		ListCell   *lc;

		foreach(lc, st->task_ids)
		{
			if (strcmp(lfirst(lc), idv->u.str.ptr) == 0)
			{
				problem_add(st->problems, idv, path_key(path, "id"),
							"duplicate task id \"%s\": task ids must be unique in the whole flow",
							idv->u.str.ptr);
				break;
			}
		}
		st->task_ids = lappend(st->task_ids, idv->u.str.ptr);
	}

	typev = fp_get(task, "type");
	if (typev == NULL)
	{
		problem_add(st->problems, task, path, "a task needs a type");
		return;
	}
	if (typev->type != FP_STRING)
	{
		problem_add(st->problems, typev, path_key(path, "type"), "a task type must be a string");
		return;
	}
	type = task_type_lookup(typev->u.str.ptr);
	if (type == NULL)
	{
		problem_add(st->problems, typev, path_key(path, "type"),
					"unknown task type \"%s\" (supported: %s)",
					typev->u.str.ptr, task_type_names());
		return;
	}

	owner = psprintf("task type %s", type->name);
	check_props(st, task, task_common_props, type->props, path, owner);
	if (type->check)
		type->check(task, path, st->problems);
}

/* Check a list of tasks; required lists must not be empty. */
static void
check_tasks(CheckState *st, const FpValue *list, const char *path, bool required)
{
	int			i;

	if (list->type != FP_ARRAY)
	{
		problem_add(st->problems, list, path, "must be a list of tasks, not a %s",
					fp_type_name(list->type));
		return;
	}
	if (required && list->u.arr.count == 0)
	{
		problem_add(st->problems, list, path, "must hold at least one task");
		return;
	}
	if (++st->depth > MAX_TASK_DEPTH)
	{
		problem_add(st->problems, list, path, "tasks are nested more than %d levels deep",
					MAX_TASK_DEPTH);
		st->depth--;
		return;
	}
	for (i = 0; i < list->u.arr.count; i++)
		check_task(st, list->u.arr.items[i], path_index(path, i));
	st->depth--;
}

/* labels: a map of scalars, or a list of {key, value}. */
static void
check_labels(CheckState *st, const FpValue *labels, const char *path)
{
	int			i;

	if (labels->type == FP_OBJECT)
	{
		for (i = 0; i < labels->u.obj.count; i++)
			if (!is_scalar(labels->u.obj.pairs[i].value))
				problem_add(st->problems, labels->u.obj.pairs[i].value,
							path_key(path, labels->u.obj.pairs[i].key),
							"a label value must be a string");
		return;
	}
	if (labels->type != FP_ARRAY)
	{
		problem_add(st->problems, labels, path, "labels must be a map or a list of {key, value}");
		return;
	}
	for (i = 0; i < labels->u.arr.count; i++)
	{
		FpValue    *l = labels->u.arr.items[i];

		if (l->type != FP_OBJECT || l->u.obj.count != 2 ||
			fp_get_str(l, "key") == NULL || fp_get(l, "value") == NULL ||
			!is_scalar(fp_get(l, "value")))
			problem_add(st->problems, l, path_index(path, i),
						"a label in a list must be a map with a string key and a string value");
	}
}

/* outputs: a list of {id, type, value, description, required}. */
static void
check_flow_outputs(CheckState *st, const FpValue *outputs, const char *path)
{
	static const PropSpec output_props[] = {
		P_REQ("id", PROP_STRING),
		P("type", PROP_STRING),
		P_REQ("value", PROP_ANY),
		P("description", PROP_STRING),
		P("displayName", PROP_STRING),
		P("required", PROP_BOOL),
		P_END
	};
	int			i;

	if (outputs->type != FP_ARRAY)
	{
		problem_add(st->problems, outputs, path, "outputs must be a list of {id, value}");
		return;
	}
	for (i = 0; i < outputs->u.arr.count; i++)
	{
		FpValue    *o = outputs->u.arr.items[i];
		char	   *p = path_index(path, i);

		if (o->type != FP_OBJECT)
			problem_add(st->problems, o, p, "an output must be a map with id and value");
		else
		{
			const char *id = fp_get_str(o, "id");

			check_props(st, o, output_props, NULL, p, "a flow output");
			if (id && !id_is_input_id(id))
				problem_add(st->problems, fp_get(o, "id"), path_key(p, "id"),
							"invalid output id \"%s\"", id);
		}
	}
}

/*
 * afterExecution runs once the execution has ended: a Pause or HumanTask
 * (which would pause an ended execution) and an Exit (which would end it
 * again) have no place there, at any depth.
 */
static void
check_after_execution(CheckState *st, const FpValue *v, const char *path)
{
	int			i;

	if (v->type == FP_ARRAY)
	{
		for (i = 0; i < v->u.arr.count; i++)
			check_after_execution(st, v->u.arr.items[i], path_index(path, i));
		return;
	}
	if (v->type != FP_OBJECT)
		return;
	if (fp_get_str(v, "id") && fp_get_str(v, "type"))
	{
		const TaskType *type = task_type_lookup(fp_get_str(v, "type"));

		if (type && (type->kind == TASK_PAUSE || type == &task_exit))
			problem_add(st->problems, fp_get(v, "type"), path_key(path, "type"),
						"task type %s cannot run in afterExecution: the execution has ended by then",
						type->name);
	}
	for (i = 0; i < v->u.obj.count; i++)
		check_after_execution(st, v->u.obj.pairs[i].value, path_key(path, v->u.obj.pairs[i].key));
}

/* Check a whole document (the root of a parsed flow). */
static void
check_document(CheckState *st, const FpValue *root)
{
	FpValue    *v;
	int			i;

	if (root->type != FP_OBJECT)
	{
		problem_add(st->problems, root, "", "a flow must be a YAML map with id, namespace and tasks");
		return;
	}

	for (i = 0; i < root->u.obj.count; i++)
	{
		const char *key = root->u.obj.pairs[i].key;

		if (!in_list(top_level_keys, key))
			problem_add_key(st->problems, root, key, key,
							"unknown top-level key \"%s\" (allowed: %s)",
							key, join_list(top_level_keys));
	}

	v = fp_get(root, "id");
	if (v == NULL)
		problem_add(st->problems, root, "", "missing required key \"id\"");
	else if (v->type != FP_STRING || !id_is_flow_id(v->u.str.ptr))
		problem_add(st->problems, v, "id",
					"invalid flow id %s: it must match ^[a-zA-Z0-9][a-zA-Z0-9._-]* and have at most 100 characters",
					fp_to_json(v));

	v = fp_get(root, "namespace");
	if (v == NULL)
		problem_add(st->problems, root, "", "missing required key \"namespace\"");
	else if (v->type != FP_STRING || !id_is_namespace(v->u.str.ptr))
		problem_add(st->problems, v, "namespace",
					"invalid namespace %s: it must match ^[a-z0-9][a-z0-9._-]*, have no empty part between dots and at most 150 characters",
					fp_to_json(v));

	if ((v = fp_get(root, "description")) && !is_scalar(v))
		problem_add(st->problems, v, "description", "description must be a string");
	if ((v = fp_get(root, "disabled")) && v->type != FP_BOOL)
		problem_add(st->problems, v, "disabled", "disabled must be true or false");
	if ((v = fp_get(root, "revision")) && v->type != FP_INT)
		problem_add(st->problems, v, "revision", "revision must be an integer");
	if ((v = fp_get(root, "variables")) && v->type != FP_OBJECT)
		problem_add(st->problems, v, "variables", "variables must be a map");
	if ((v = fp_get(root, "labels")))
		check_labels(st, v, "labels");

	if ((v = fp_get(root, "inputs")))
	{
		if (v->type != FP_ARRAY)
			problem_add(st->problems, v, "inputs", "inputs must be a list of inputs");
		else
			inputs_check_declarations(v, "inputs", st->problems);
	}

	v = fp_get(root, "tasks");
	if (v == NULL)
		problem_add(st->problems, root, "", "missing required key \"tasks\"");
	else
		check_tasks(st, v, "tasks", true);
	if ((v = fp_get(root, "errors")))
		check_tasks(st, v, "errors", false);
	if ((v = fp_get(root, "finally")))
		check_tasks(st, v, "finally", false);
	if ((v = fp_get(root, "afterExecution")))
	{
		check_tasks(st, v, "afterExecution", false);
		check_after_execution(st, v, "afterExecution");
	}

	if ((v = fp_get(root, "outputs")))
		check_flow_outputs(st, v, "outputs");
	if ((v = fp_get(root, "retry")))
	{
		static const PropSpec flow_retry = P_OBJECT("retry", task_retry_fields);

		check_prop(st, v, &flow_retry, "retry");
	}
	if ((v = fp_get(root, "concurrency")))
		flow_concurrency_check(v, "concurrency", st->problems);
	if ((v = fp_get(root, "triggers")))
		triggers_check(v, "triggers", st->problems, templates_cb, st);
}

/* check_value_templates for triggers.c, which does not know CheckState. */
static void
templates_cb(const FpValue *v, const char *path, void *arg)
{
	check_value_templates((CheckState *) arg, v, path);
}

/* Parse and check a flow source (see flow_check.h). */
FpValue *
flow_check_source(const char *source, int len, List **problems)
{
	CheckState	st;
	FpValue    *root;

	memset(&st, 0, sizeof(st));
	st.source = source;
	st.source_len = len;
	st.problems = problems;

	root = yaml_parse(source, len, problems);
	if (root == NULL)
		return NULL;
	/* defaults first: a required property a default gives is then no error */
	flow_apply_defaults(root, problems);
	check_document(&st, root);
	return root;
}
