/*-------------------------------------------------------------------------
 *
 * tasks_execution.c
 *	  Tasks that act on their own execution: Labels (add or overwrite the
 *	  execution's labels at run time) and Exit (end the execution with a
 *	  state).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "problems.h"
#include "task_api.h"
#include "tasks.h"

#define SYSTEM_LABEL_PREFIX "system."

/* Whether a label key is a system label, which only flowpg itself sets. */
static bool
is_system_label(const char *key)
{
	return strncmp(key, SYSTEM_LABEL_PREFIX, strlen(SYSTEM_LABEL_PREFIX)) == 0;
}

/* A label value as text: maps and lists as JSON, null as an empty string. */
static char *
label_text(const FpValue *v)
{
	if (v->type == FP_OBJECT || v->type == FP_ARRAY)
		return fp_to_json(v);
	if (v->type == FP_NULL)
		return "";
	return fp_to_text(v);
}

/*
 * Render one label's key (keys may be templates too) and its value, and
 * add them to *out; false with *error when the key is no usable label.
 */
static bool
add_label(Execution *e, TaskRun *run, const FpValue *key, const FpValue *value,
		  FpValue *out, char **error)
{
	FpValue    *k;
	FpValue    *v;
	char	   *ktext;

	if (!exec_render_value(e, run, (FpValue *) key, &k, error) ||
		!exec_render_value(e, run, (FpValue *) value, &v, error))
		return false;
	ktext = k->type == FP_NULL ? "" : fp_to_text(k);
	if (ktext[0] == '\0')
	{
		*error = "a label key must not be empty";
		return false;
	}
	if (is_system_label(ktext))
	{
		*error = psprintf("System labels can only be set by Kestra itself, offending label: %s=%s",
						  ktext, label_text(v));
		return false;
	}
	fp_set(out, ktext, fp_cstring(label_text(v)));
	return true;
}

/*
 * Labels: labels as a map, a list of {key, value}, or a string that
 * renders to a JSON map; each added to the execution's labels, a key it
 * has already being overwritten.  Nothing changes when one label is bad.
 */
static FlowState
labels_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *labels = fp_get(run->node->def, "labels");
	FpValue    *out = fp_object(4);
	int			i;

	if (labels->type == FP_STRING)
	{
		FpValue    *rendered;
		char	   *perr = NULL;

		if (!exec_render_value(e, run, labels, &rendered, error))
			return ST_FAILED;
		if (rendered->type == FP_STRING)
			rendered = fp_parse_json(rendered->u.str.ptr, rendered->u.str.len, &perr);
		if (rendered == NULL || rendered->type != FP_OBJECT)
		{
			*error = "labels must render to a JSON map of labels";
			return ST_FAILED;
		}
		labels = rendered;
	}
	if (labels->type == FP_OBJECT)
	{
		for (i = 0; i < labels->u.obj.count; i++)
			if (!add_label(e, run, fp_cstring(labels->u.obj.pairs[i].key),
						   labels->u.obj.pairs[i].value, out, error))
				return ST_FAILED;
	}
	else
	{
		for (i = 0; i < labels->u.arr.count; i++)
		{
			FpValue    *l = labels->u.arr.items[i];

			if (!add_label(e, run, fp_get(l, "key"), fp_get(l, "value"), out, error))
				return ST_FAILED;
		}
	}
	for (i = 0; i < out->u.obj.count; i++)
		fp_set(e->labels, out->u.obj.pairs[i].key, exec_mask_value(e, out->u.obj.pairs[i].value));
	exec_labels_changed(e);
	return ST_SUCCESS;
}

/* Deploy-time shape of Labels' labels; literal system labels are refused here already. */
static void
labels_check(const FpValue *task, const char *path, List **problems)
{
	FpValue    *labels = fp_get(task, "labels");
	char	   *p = path_key(path, "labels");
	int			i;

	if (labels == NULL)
		return;
	if (labels->type == FP_OBJECT)
	{
		for (i = 0; i < labels->u.obj.count; i++)
			if (is_system_label(labels->u.obj.pairs[i].key))
				problem_add_key(problems, labels, labels->u.obj.pairs[i].key,
								path_key(p, labels->u.obj.pairs[i].key),
								"system labels can only be set by flowpg itself");
		return;
	}
	if (labels->type == FP_STRING)
		return;					/* an expression that renders to a map */
	if (labels->type != FP_ARRAY)
	{
		problem_add(problems, labels, p, "labels must be a map, a list of {key, value} or an expression");
		return;
	}
	for (i = 0; i < labels->u.arr.count; i++)
	{
		FpValue    *l = labels->u.arr.items[i];
		const char *key = fp_get_str(l, "key");

		if (l->type != FP_OBJECT || l->u.obj.count != 2 || key == NULL || fp_get(l, "value") == NULL)
			problem_add(problems, l, path_index(p, i), "a label in a list must be a map with a key and a value");
		else if (is_system_label(key))
			problem_add(problems, fp_get(l, "key"), path_key(path_index(p, i), "key"),
						"system labels can only be set by flowpg itself");
	}
}

static const char *const labels_aliases[] = {"io.kestra.core.tasks.executions.Labels", NULL};
static const PropSpec labels_props[] = {
	P_REQ("labels", PROP_ANY),
	P_END
};

/* core.execution.Labels: adds or overwrites labels of its execution at run time. */
const TaskType task_labels = {
	.name = "io.kestra.plugin.core.execution.Labels",
	.aliases = labels_aliases,
	.kind = TASK_INTERNAL,
	.props = labels_props,
	.check = labels_check,
	.run = labels_run,
};

static const char *const exit_states[] = {"SUCCESS", "WARNING", "FAILED", "CANCELED", "KILLED", NULL};

/* Exit: end the execution with state (SUCCESS by default). */
static FlowState
exit_run(Execution *e, TaskRun *run, char **error)
{
	FpValue    *state;
	const char *name = "SUCCESS";
	FlowState	st;

	if (!exec_render_prop(e, run, "state", &state, error))
		return ST_FAILED;
	if (state)
		name = fp_to_text(state);
	if (strcmp(name, "SUCCESS") == 0)
		st = ST_SUCCESS;
	else if (strcmp(name, "WARNING") == 0)
		st = ST_WARNING;
	else if (strcmp(name, "FAILED") == 0)
		st = ST_FAILED;
	else if (strcmp(name, "CANCELED") == 0)
		st = ST_CANCELLED;
	else if (strcmp(name, "KILLED") == 0)
		st = ST_KILLED;
	else
	{
		*error = psprintf("state must be one of SUCCESS, WARNING, FAILED, CANCELED, KILLED, not \"%s\"", name);
		return ST_FAILED;
	}
	executor_exit(e, st);
	return st;
}

static const PropSpec exit_props[] = {
	P_ENUM("state", exit_states),
	P_END
};

/* core.execution.Exit: ends its execution in the state it is given. */
const TaskType task_exit = {
	.name = "io.kestra.plugin.core.execution.Exit",
	.kind = TASK_INTERNAL,
	.props = exit_props,
	.run = exit_run,
};
