/*-------------------------------------------------------------------------
 *
 * exec_render.c
 *	  Rendering task properties in the context of an execution: the context
 *	  variables of SPEC section 3, the hooks for secret() and kv(), and the
 *	  masking of secret values in whatever is stored.
 *
 * The context is built once per step and kept up to date as task runs
 * finish; task and taskrun are set before each render.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "datetime.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "db.h"
#include "exec.h"
#include "flowpg.h"
#include "links.h"
#include "mask.h"
#include "store.h"


static DbQuery q_error_logs = DB_QUERY(
	"SELECT task_id, task_run_id, message, at FROM flowpg.logs"
	" WHERE execution_id = $1 AND level = 'ERROR' ORDER BY at",
	1, TEXTOID);

/* Labels with dotted keys nested: {"system.username": "x"} -> {system: {username: "x"}}. */
static FpValue *
nested_labels(const FpValue *flat)
{
	FpValue    *root = fp_object(4);
	int			i;

	for (i = 0; i < flat->u.obj.count; i++)
	{
		char	   *key = pstrdup(flat->u.obj.pairs[i].key);
		FpValue    *at = root;
		char	   *part = key;
		char	   *dot;

		/* the flat key itself stays reachable too: labels['system.username'] */
		fp_set(root, flat->u.obj.pairs[i].key, flat->u.obj.pairs[i].value);
		while ((dot = strchr(part, '.')) != NULL)
		{
			FpValue    *next;

			*dot = '\0';
			next = fp_get(at, part);
			if (next == NULL || next->type != FP_OBJECT)
			{
				next = fp_object(2);
				fp_set(at, part, next);
			}
			at = next;
			part = dot + 1;
		}
		if (at != root)
			fp_set(at, part, flat->u.obj.pairs[i].value);
	}
	return root;
}

/*
 * Put run's outputs into the outputs map of the render context as Kestra
 * shapes them: outputs.<task id> for a task outside loops; inside a ForEach,
 * one level per value of its iteration path (the values of the task runs
 * holding it, outermost first, then its own): outputs.<task id>[value], or
 * outputs.<task id>[parent value][value] in nested loops.
 */
static void
put_outputs(Execution *e, FpValue *outputs, TaskRun *run)
{
	const char *path[16];
	int			depth = 0;
	TaskRun    *r;
	FpValue    *at;
	int			i;

	for (r = run; r != NULL && depth < (int) lengthof(path); r = exec_run_parent(e, r))
		if (r->value)
			path[depth++] = r->value;
	if (depth == 0)
	{
		fp_set(outputs, run->task_id, run->outputs);
		return;
	}
	at = outputs;
	/* path holds the values innermost first: descend from the outermost */
	for (i = depth; i > 0; i--)
	{
		const char *key = i == depth ? run->task_id : path[i];
		FpValue    *next = fp_get(at, key);

		if (next == NULL || next->type != FP_OBJECT)
		{
			next = fp_object(4);
			fp_set(at, key, next);
		}
		at = next;
	}
	fp_set(at, path[0], run->outputs);
}

/*
 * parents: for each task run holding run, innermost first, its ForEach value
 * as {taskrun: {value}} and its outputs, as Kestra gives them (holders with
 * neither are left out); parent is the first.  NULL when there is none.
 */
static FpValue *
parents_of(Execution *e, TaskRun *run)
{
	FpValue    *list = NULL;
	TaskRun    *r;

	for (r = exec_run_parent(e, run); r != NULL; r = exec_run_parent(e, r))
	{
		FpValue    *entry;

		if (r->value == NULL && r->outputs == NULL)
			continue;
		entry = fp_object(2);
		if (r->value)
		{
			FpValue    *taskrun = fp_object(2);

			fp_set(taskrun, "value", fp_cstring(r->value));
			fp_set(taskrun, "iteration", fp_int(r->iteration));
			fp_set(entry, "taskrun", taskrun);
		}
		if (r->outputs)
			fp_set(entry, "outputs", r->outputs);
		if (list == NULL)
			list = fp_array(2);
		fp_append(list, entry);
	}
	return list;
}

/* The variables of a render for run (or the flow level when run is NULL). */
FpValue *
exec_vars(Execution *e, TaskRun *run)
{
	FpValue    *execution;
	FpValue    *parents;

	if (e->vars == NULL)
	{
		FpValue    *flow = fp_object(3);
		FpValue    *outputs = fp_object(list_length(e->runs));
		ListCell   *lc;

		e->vars = fp_object(10);
		fp_set(flow, "id", fp_cstring(e->flow_id));
		fp_set(flow, "namespace", fp_cstring(e->namespace));
		fp_set(flow, "revision", fp_int(e->revision));
		fp_set(e->vars, "flow", flow);
		execution = fp_object(3);
		fp_set(execution, "id", fp_cstring(e->id));
		fp_set(execution, "startDate", fp_cstring(state_format_time(e->created_at)));
		fp_set(e->vars, "execution", execution);
		fp_set(e->vars, "inputs", e->inputs);
		foreach(lc, e->runs)
		{
			TaskRun    *r = lfirst(lc);

			if (r->outputs && !r->deleted)
				put_outputs(e, outputs, r);
		}
		fp_set(e->vars, "outputs", outputs);
		fp_set(e->vars, "vars", e->flow->variables);
		fp_set(e->vars, "labels", nested_labels(e->labels));
		if (e->trigger)
			fp_set(e->vars, "trigger", e->trigger);
	}
	execution = fp_get(e->vars, "execution");
	fp_set(execution, "state", fp_cstring(state_name(e->state)));

	if (run)
	{
		FpValue    *task = fp_object(2);
		FpValue    *taskrun = fp_object(4);
		int			attempts = run->attempts->u.arr.count;

		fp_set(task, "id", fp_cstring(run->task_id));
		fp_set(task, "type", fp_cstring(run->node->type->name));
		fp_set(e->vars, "task", task);
		fp_set(taskrun, "id", fp_cstring(run->id));
		fp_set(taskrun, "startDate", fp_cstring(state_format_time(run->created_at)));
		/* earlier attempts: the one running now does not count */
		fp_set(taskrun, "attemptsCount", fp_int(attempts > 0 ? attempts - 1 : 0));
		if (run->parent_id)
			fp_set(taskrun, "parentId", fp_cstring(run->parent_id));
		if (run->value)
			fp_set(taskrun, "value", fp_cstring(run->value));
		if (run->iteration >= 0)
			fp_set(taskrun, "iteration", fp_int(run->iteration));
		fp_set(e->vars, "taskrun", taskrun);
		parents = run->parent_id ? parents_of(e, run) : NULL;
		if (parents)
		{
			fp_set(e->vars, "parents", parents);
			fp_set(e->vars, "parent", parents->u.arr.items[0]);
		}
		else
		{
			fp_remove(e->vars, "parents");
			fp_remove(e->vars, "parent");
		}
	}
	else
	{
		fp_remove(e->vars, "task");
		fp_remove(e->vars, "taskrun");
		fp_remove(e->vars, "parents");
		fp_remove(e->vars, "parent");
	}
	return e->vars;
}

/* Keep outputs.<task id> in the context in step with run->outputs. */
void
exec_outputs_changed(Execution *e, TaskRun *run)
{
	if (e->vars && run->outputs)
		put_outputs(e, fp_get(e->vars, "outputs"), run);
}

/* Tell the render context that the execution's labels changed (the Labels task). */
void
exec_labels_changed(Execution *e)
{
	e->dirty = true;
	if (e->vars)
		fp_set(e->vars, "labels", nested_labels(e->labels));
}

/* secret('NAME') for an execution: its namespace, then each parent, then ''. */
static char *
env_secret(void *arg, const char *name, char **error)
{
	Execution  *e = arg;

	return store_expr_secret(e->namespace, name, error);
}

/*
 * secret('NAME', 'NS') for an execution: NS and its parents, with the
 * rights of the role that deployed the flow's revision (see store.h).
 */
static char *
env_secret_in(void *arg, const char *name, const char *namespace, char **error)
{
	Execution  *e = arg;
	bool		denied;

	return store_expr_secret_in(e->namespace, e->flow ? e->flow->deployer : "", namespace,
								name, &denied, error);
}

/* kv('KEY') for an execution, looked up like secrets. */
static FpValue *
env_kv(void *arg, const char *key, char **error)
{
	Execution  *e = arg;

	return store_expr_kv(e->namespace, key, error);
}

/* One errorLogs() entry. */
static FpValue *
error_log_entry(const char *task_id, const char *task_run_id, const char *message, TimestampTz at)
{
	FpValue    *entry = fp_object(5);

	fp_set(entry, "taskId", task_id ? fp_cstring(task_id) : fp_null());
	fp_set(entry, "taskRunId", task_run_id ? fp_cstring(task_run_id) : fp_null());
	fp_set(entry, "level", fp_cstring("ERROR"));
	fp_set(entry, "message", fp_cstring(message));
	fp_set(entry, "timestamp", fp_cstring(state_format_time(at)));
	return entry;
}

/* errorLogs(): ERROR lines written in earlier steps, then those of this step. */
static FpValue *
env_error_logs(void *arg, char **error)
{
	Execution  *e = arg;
	FpValue    *logs = fp_array(4);
	Datum		id = CStringGetTextDatum(e->id);
	uint64		n;
	uint64		i;
	ListCell   *lc;

	(void) error;
	n = e->is_new ? 0 : db_exec(&q_error_logs, &id, NULL, true, 0);
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		fp_append(logs, error_log_entry(db_text(i, 1), db_text(i, 2), db_text(i, 3),
										DatumGetTimestampTz(db_datum(i, 4, &isnull))));
	}
	foreach(lc, e->logs)
	{
		PendingLog *l = lfirst(lc);

		if (strcmp(l->level, "ERROR") == 0)
			fp_append(logs, error_log_entry(l->task_id, l->task_run_id, exec_mask(e, l->message), l->at));
	}
	return logs;
}

/* Remember a secret value so that it is masked wherever it would be stored. */
static void
env_note_secret(void *arg, const char *value)
{
	Execution  *e = arg;
	ListCell   *lc;

	if (value == NULL || value[0] == '\0')
		return;
	foreach(lc, e->secrets)
		if (strcmp(lfirst(lc), value) == 0)
			return;
	e->secrets = lappend(e->secrets, pstrdup(value));
}

/* The ExprEnv of renders for e. */
void
exec_expr_env(Execution *e, ExprEnv *env)
{
	memset(env, 0, sizeof(ExprEnv));
	env->secret = env_secret;
	env->secret_in = env_secret_in;
	env->kv = env_kv;
	env->note_secret = env_note_secret;
	env->error_logs = env_error_logs;
	env->link_token = links_render_token;	/* appLink() signs its pause's link */
	env->arg = e;
	env->app_url = flowpg_app_url;
	env->now = dt_from_timestamptz(GetCurrentTimestamp());
}

/* Render a value in the context of run. */
bool
exec_render_value(Execution *e, TaskRun *run, FpValue *value, FpValue **out, char **error)
{
	ExprEnv		env;

	exec_expr_env(e, &env);
	env.vars = exec_vars(e, run);
	*out = expr_render_value(value, &env, error);
	if (*out == NULL)
	{
		*error = exec_mask(e, *error);
		return false;
	}
	return true;
}

/* Render a property of run's task (absent: *out = NULL, true). */
bool
exec_render_prop(Execution *e, TaskRun *run, const char *prop, FpValue **out, char **error)
{
	FpValue    *v = fp_get(run->node->def, prop);

	*out = NULL;
	if (v == NULL || v->type == FP_NULL)
		return true;			/* absent, or given as null: the same */
	return exec_render_value(e, run, v, out, error);
}

/* The forms of e's secrets, brought up to date with the secrets seen so far. */
static List *
mask_forms(Execution *e)
{
	if (e->mask_forms_of < list_length(e->secrets))
	{
		e->mask_forms = mask_add_forms(e->mask_forms, e->secrets, e->mask_forms_of);
		e->mask_forms_of = list_length(e->secrets);
	}
	return e->mask_forms;
}

/* text with every secret value seen in this step replaced by ****** (see exec.h). */
char *
exec_mask(Execution *e, const char *text)
{
	if (e->secrets == NIL)
		return (char *) text;
	return mask_text(mask_forms(e), text, false);
}

/* exec_mask for text cut short at its end (see exec.h). */
char *
exec_mask_cut(Execution *e, const char *text)
{
	if (e->secrets == NIL)
		return (char *) text;
	return mask_text(mask_forms(e), text, true);
}

/* A copy of v with every string masked (v itself when there is nothing to mask). */
FpValue *
exec_mask_value(Execution *e, FpValue *v)
{
	FpValue    *copy;
	int			i;

	if (e->secrets == NIL || v == NULL)
		return v;
	switch (v->type)
	{
		case FP_STRING:
			{
				char	   *masked = exec_mask(e, v->u.str.ptr);

				return masked == v->u.str.ptr ? v : fp_cstring(masked);
			}
		case FP_ARRAY:
			copy = fp_array(v->u.arr.count);
			for (i = 0; i < v->u.arr.count; i++)
				fp_append(copy, exec_mask_value(e, v->u.arr.items[i]));
			return copy;
		case FP_OBJECT:
			copy = fp_object(v->u.obj.count);
			for (i = 0; i < v->u.obj.count; i++)
				fp_set(copy, v->u.obj.pairs[i].key, exec_mask_value(e, v->u.obj.pairs[i].value));
			return copy;
		default:
			return v;
	}
}
