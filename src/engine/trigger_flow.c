/*-------------------------------------------------------------------------
 *
 * trigger_flow.c
 *	  core.trigger.Flow at run time (SPEC section 10): when an execution's
 *	  state changes, start the flows that listen for it, in the same
 *	  transaction, so that the downstream execution exists if and only if the
 *	  upstream change commits.
 *
 * Deploys keep flowpg.flow_listeners in step with the latest revision of
 * each flow.  Every backend caches that (usually tiny) table and drops its
 * copy when a deploy invalidates the table's relcache entry, so a state
 * change with no listener costs no query at all.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "step.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "datetime.h"
#include "db.h"
#include "executor.h"
#include "inputs.h"
#include "security.h"
#include "trigger_flow.h"
#include "trigger_where.h"
#include "value_jsonb.h"

#define FLOW_TRIGGER "io.kestra.plugin.core.trigger.Flow"
#define MAX_TRIGGER_DEPTH 10	/* a chain of flows triggering flows, within one transaction */

typedef struct Listener
{
	char	   *namespace;
	char	   *flow_id;
	char	   *trigger_id;
	FpValue    *trigger;
	bool		disabled;		/* disabled: true */

	/*
	 * The upstream flows it can fire for at all, as alternating namespace
	 * and flow id strings (its preconditions' flows, or else its first
	 * ExecutionFlow condition), or NIL: any.  A necessary condition only,
	 * checked before the full one, so that a change nobody listens to costs
	 * a few string comparisons per listener.
	 */
	List	   *upstreams;
} Listener;

static List *listeners = NIL;
static Oid	listeners_relid = InvalidOid;	/* flowpg.flow_listeners when they were read */
static bool listeners_valid = false;
static uint64 listeners_generation = 0;	/* counts invalidations */
static MemoryContext listeners_cxt = NULL;
static int	trigger_depth = 0;

static DbQuery q_listeners = DB_QUERY(
	"SELECT namespace, flow_id, trigger_id, trigger FROM flowpg.flow_listeners",
	0, InvalidOid);

static DbQuery q_delete_listeners = DB_QUERY(
	"DELETE FROM flowpg.flow_listeners WHERE namespace = $1 AND flow_id = $2",
	2, TEXTOID, TEXTOID);

static DbQuery q_insert_listener = DB_QUERY(
	"INSERT INTO flowpg.flow_listeners (namespace, flow_id, trigger_id, trigger) VALUES ($1, $2, $3, $4)",
	4, TEXTOID, TEXTOID, TEXTOID, JSONBOID);

static DbQuery q_window = DB_QUERY(
	"INSERT INTO flowpg.trigger_state (namespace, flow_id, trigger_id) VALUES ($1, $2, $3)"
	" ON CONFLICT (namespace, flow_id, trigger_id) DO UPDATE SET updated_at = EXCLUDED.updated_at"
	" RETURNING window_state",
	3, TEXTOID, TEXTOID, TEXTOID);

static DbQuery q_save_window = DB_QUERY(
	"UPDATE flowpg.trigger_state SET window_state = $4, updated_at = now()"
	" WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3",
	4, TEXTOID, TEXTOID, TEXTOID, JSONBOID);

/*
 * Relcache callback: a deploy changed flow_listeners, or every relation was
 * invalidated.  Other relations' invalidations (autovacuum's statistics of
 * the tables every step writes, say) leave the cached copy alone.
 */
static void
listeners_invalidate(Datum arg, Oid relid)
{
	(void) arg;
	if (OidIsValid(relid) && OidIsValid(listeners_relid) && relid != listeners_relid)
		return;
	listeners_valid = false;
	listeners_generation++;
}

/* Register the cache invalidation callback (once per backend, from _PG_init). */
void
trigger_flow_init(void)
{
	CacheRegisterRelcacheCallback(listeners_invalidate, (Datum) 0);
}

/* Tell every backend (at commit) that flow_listeners changed. */
static void
listeners_changed(void)
{
	Oid			relid = get_relname_relid("flow_listeners", get_namespace_oid("flowpg", false));

	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	listeners_valid = false;
	listeners_generation++;
}

/* Keep flow_listeners in step with a flow's latest revision (see trigger_flow.h). */
void
trigger_flow_store(const char *ns, const char *flow_id, const FpValue *definition)
{
	Datum		values[4];
	FpValue    *triggers = definition ? fp_get_array(definition, "triggers") : NULL;
	bool		had = false;
	int			i;

	values[0] = CStringGetTextDatum(ns);
	values[1] = CStringGetTextDatum(flow_id);
	had = db_exec(&q_delete_listeners, values, NULL, false, 0) > 0;
	for (i = 0; triggers && i < triggers->u.arr.count; i++)
	{
		FpValue    *t = triggers->u.arr.items[i];
		const char *type = fp_get_str(t, "type");

		if (type == NULL || (strcmp(type, FLOW_TRIGGER) != 0 &&
							 strcmp(type, "io.kestra.core.models.triggers.types.Flow") != 0))
			continue;
		values[2] = CStringGetTextDatum(fp_get_str(t, "id"));
		values[3] = fp_to_jsonb_datum(t);
		db_exec(&q_insert_listener, values, NULL, false, 0);
		had = true;
	}
	if (had)
		listeners_changed();
}

/* Work out a listener's disabled flag and the upstream flows it can fire for (see Listener). */
static void
listener_prepare(Listener *l)
{
	FpValue    *disabled = fp_get(l->trigger, "disabled");
	FpValue    *pre = fp_get_object(l->trigger, "preconditions");
	FpValue    *flows = pre ? fp_get_array(pre, "flows") : NULL;
	FpValue    *conditions = fp_get(l->trigger, "conditions");
	int			i;

	l->disabled = disabled && disabled->type == FP_BOOL && disabled->u.b;
	l->upstreams = NIL;
	if (pre && fp_get(pre, "where"))
		return;					/* a where entry may match an execution of any flow */
	if (flows && flows->type == FP_ARRAY)
	{
		/* matching_entries: one of these must be the upstream flow */
		for (i = 0; i < flows->u.arr.count; i++)
		{
			const char *ns = fp_get_str(flows->u.arr.items[i], "namespace");
			const char *flow = fp_get_str(flows->u.arr.items[i], "flowId");

			if (ns == NULL || flow == NULL)
			{
				l->upstreams = NIL;
				return;			/* the full check decides */
			}
			l->upstreams = lappend(lappend(l->upstreams, pstrdup(ns)), pstrdup(flow));
		}
		return;
	}
	/* conditions_hold: every condition must hold, so an ExecutionFlow one names the upstream */
	for (i = 0; conditions && conditions->type == FP_ARRAY && i < conditions->u.arr.count; i++)
	{
		const FpValue *c = conditions->u.arr.items[i];
		const char *type = fp_get_str(c, "type");
		const char *ns = fp_get_str(c, "namespace");
		const char *flow = fp_get_str(c, "flowId");

		if (type && strstr(type, "ExecutionFlow") && ns && flow)
		{
			l->upstreams = list_make2(pstrdup(ns), pstrdup(flow));
			return;
		}
	}
}

/* Whether a listener can fire at all for a change of up (see Listener). */
static bool
listener_may_match(const Listener *l, const Execution *up)
{
	ListCell   *lc;

	if (l->disabled)
		return false;
	if (l->upstreams == NIL)
		return true;
	for (lc = list_head(l->upstreams); lc != NULL; lc = lnext(l->upstreams, lnext(l->upstreams, lc)))
	{
		if (strcmp((char *) lfirst(lc), up->namespace) == 0 &&
			strcmp((char *) lfirst(lnext(l->upstreams, lc)), up->flow_id) == 0)
			return true;
	}
	return false;
}

/*
 * The cached listeners, loaded on first use after an invalidation.  A new
 * list is built beside the old one, which may still be walked by a caller
 * further up (a trigger's execution that ends and fires triggers of its
 * own); the old one goes to the transaction, which frees it at its end.
 * The new list is only trusted if no invalidation arrived while loading it.
 * (Not inlined: its locals have no business in the caller's PG_TRY frame.)
 */
static pg_noinline List *
get_listeners(void)
{
	uint64		generation = listeners_generation;
	uint64		n;
	uint64		i;
	MemoryContext cxt;
	MemoryContext old;
	List	   *loaded = NIL;

	if (listeners_valid)
		return listeners;
	listeners_relid = get_relname_relid("flow_listeners", get_namespace_oid("flowpg", false));
	cxt = AllocSetContextCreate(CurrentMemoryContext, "flowpg flow listeners",
								ALLOCSET_SMALL_SIZES);
	n = db_exec(&q_listeners, NULL, NULL, true, 0);
	old = MemoryContextSwitchTo(cxt);
	for (i = 0; i < n; i++)
	{
		Listener   *l = palloc(sizeof(Listener));
		bool		isnull;

		l->namespace = db_text(i, 1);
		l->flow_id = db_text(i, 2);
		l->trigger_id = db_text(i, 3);
		l->trigger = fp_from_jsonb_datum(db_datum(i, 4, &isnull));
		listener_prepare(l);
		loaded = lappend(loaded, l);
	}
	MemoryContextSwitchTo(old);
	if (listeners_cxt)
		MemoryContextSetParent(listeners_cxt, TopTransactionContext);
	MemoryContextSetParent(cxt, CacheMemoryContext);
	listeners_cxt = cxt;
	listeners = loaded;
	listeners_valid = (generation == listeners_generation);
	return listeners;
}

/* Whether a list of state names (FP_ARRAY) holds s. */
static bool
states_hold(const FpValue *states, FlowState s)
{
	int			i;

	for (i = 0; states && states->type == FP_ARRAY && i < states->u.arr.count; i++)
		if (strcmp(fp_to_text(states->u.arr.items[i]), state_name(s)) == 0)
			return true;
	return false;
}

/* Whether the legacy conditions all hold for the upstream state change. */
static bool
conditions_hold(const FpValue *conditions, const Execution *up, FlowState s, bool *has_status)
{
	int			i;

	*has_status = false;
	for (i = 0; conditions && conditions->type == FP_ARRAY && i < conditions->u.arr.count; i++)
	{
		const FpValue *c = conditions->u.arr.items[i];
		const char *type = fp_get_str(c, "type");

		if (type == NULL)
			return false;
		if (strstr(type, "ExecutionStatus"))
		{
			*has_status = true;
			if (fp_get(c, "in") && !states_hold(fp_get(c, "in"), s))
				return false;
			if (fp_get(c, "notIn") && states_hold(fp_get(c, "notIn"), s))
				return false;
		}
		else if (strstr(type, "ExecutionFlow"))
		{
			if (strcmp(up->namespace, fp_get_str(c, "namespace")) != 0 ||
				strcmp(up->flow_id, fp_get_str(c, "flowId")) != 0)
				return false;
		}
		else if (strstr(type, "ExecutionNamespace"))
		{
			const char *ns = fp_get_str(c, "namespace");
			FpValue    *prefix = fp_get(c, "prefix");
			bool		by_prefix = prefix && prefix->type == FP_BOOL && prefix->u.b;

			if (by_prefix ? strncmp(up->namespace, ns, strlen(ns)) != 0 : strcmp(up->namespace, ns) != 0)
				return false;
		}
		else
			return false;
	}
	return true;
}

/*
 * The precondition entries (preconditions.flows) matching the upstream
 * change, as a list of indexes (int); states default to the end states.
 */
static List *
matching_entries(const FpValue *flows, const Execution *up, FlowState s)
{
	List	   *result = NIL;
	int			i;

	for (i = 0; flows && flows->type == FP_ARRAY && i < flows->u.arr.count; i++)
	{
		const FpValue *f = flows->u.arr.items[i];
		const FpValue *states = fp_get(f, "states");

		if (strcmp(fp_get_str(f, "namespace"), up->namespace) != 0 ||
			strcmp(fp_get_str(f, "flowId"), up->flow_id) != 0)
			continue;
		if (states ? !states_hold(states, s) : !state_is_terminal(s))
			continue;
		result = lappend_int(result, i);
	}
	return result;
}

/*
 * Record the matching entries (indexes of flows, ids of where entries) in
 * the trigger's time window; true when every one of them has now been seen
 * within it (the window then starts afresh, unless resetOnSuccess is false).
 */
static bool
window_complete(const Listener *l, const FpValue *pre, List *entries, List *where_ids,
				const Execution *up, FpValue **merged_outputs)
{
	FpValue    *flows = fp_get_array(pre, "flows");
	FpValue    *where = fp_get_array(pre, "where");
	FpValue    *reset = fp_get(pre, "resetOnSuccess");
	int			nflows = flows ? flows->u.arr.count : 0;
	int			nslots = nflows + (where ? where->u.arr.count : 0);
	FpValue    *window_def = fp_get_object(pre, "timeWindow");
	int64		window = USECS_PER_DAY;
	TimestampTz now = GetCurrentTimestamp();
	Datum		values[4];
	bool		isnull;
	FpValue    *state;
	FpValue    *seen;
	FpValue    *mark;
	ListCell   *lc;
	int			i;

	if (window_def && fp_get_str(window_def, "window"))
		(void) dt_parse_duration(fp_get_str(window_def, "window"), &window);

	values[0] = CStringGetTextDatum(l->namespace);
	values[1] = CStringGetTextDatum(l->flow_id);
	values[2] = CStringGetTextDatum(l->trigger_id);
	db_exec(&q_window, values, NULL, false, 1);
	state = fp_from_jsonb_datum(db_datum(0, 1, &isnull));
	seen = fp_get_object(state, "seen");
	if (seen == NULL)
	{
		seen = fp_object(4);
		fp_set(state, "seen", seen);
	}
	mark = fp_object(3);
	fp_set(mark, "executionId", fp_cstring(up->id));
	fp_set(mark, "at", fp_int(now));
	if (up->outputs)
		fp_set(mark, "outputs", up->outputs);
	foreach(lc, entries)
		fp_set(seen, psprintf("%d", lfirst_int(lc)), mark);
	foreach(lc, where_ids)
		fp_set(seen, psprintf("where:%s", (char *) lfirst(lc)), mark);

	/* complete when every entry was seen within the window */
	*merged_outputs = fp_object(4);
	for (i = 0; i < nslots; i++)
	{
		FpValue    *mark = fp_get(seen, i < nflows ? psprintf("%d", i) :
								  psprintf("where:%s", fp_get_str(where->u.arr.items[i - nflows], "id")));
		FpValue    *at = mark ? fp_get(mark, "at") : NULL;
		FpValue    *outs = mark ? fp_get_object(mark, "outputs") : NULL;
		int			j;

		if (at == NULL || at->type != FP_INT || now - at->u.i > window)
			break;
		for (j = 0; outs && j < outs->u.obj.count; j++)
			fp_set(*merged_outputs, outs->u.obj.pairs[j].key, outs->u.obj.pairs[j].value);
	}
	if (i == nslots && !(reset && reset->type == FP_BOOL && !reset->u.b))
		fp_set(state, "seen", fp_object(0));
	values[3] = fp_to_jsonb_datum(state);
	db_exec(&q_save_window, values, NULL, false, 0);
	return i == nslots;
}

/* Record in the audit log that a listener could not start (error is masked by the caller). */
static void
trigger_failed(Execution *up, const Listener *l, const char *error)
{
	FpValue    *detail = fp_object(3);

	fp_set(detail, "trigger_id", fp_cstring(l->trigger_id));
	fp_set(detail, "upstream_execution_id", fp_cstring(up->id));
	fp_set(detail, "error", fp_cstring(error));
	audit_write_as(NULL, "trigger_failed", l->namespace, l->flow_id, NULL, NULL, detail);
}

/*
 * Start the listening flow; returns the new execution or NULL (recorded in
 * the audit log, unless the listener may not see the upstream at all).
 *
 * A listener acts on behalf of the role that deployed its latest revision,
 * as a subflow does: that role must hold VIEW on the upstream namespace (the
 * trigger reads the upstream execution: its outputs, inputs and labels) and
 * EXECUTE on the listener's own.  A listener whose deployer cannot see the
 * upstream is skipped without a trace, as if that execution did not exist
 * for it.  Values that are secret upstream (secret() results and SECRET
 * inputs) reach the new execution as ******; secret() and kv() themselves
 * are not available to the trigger's inputs (they would read the upstream
 * namespace's, which needs ADMIN there).
 */
static Execution *
fire(Execution *up, const Listener *l, FlowState s, FpValue *trigger_outputs)
{
	CompiledFlow *flow = flow_model_latest(l->namespace, l->flow_id);
	FpValue    *trigger = fp_object(8);
	FpValue    *inputs = fp_object(0);
	FpValue    *raw = fp_get(l->trigger, "inputs");
	FpValue    *values;
	List	   *errors = NIL;
	char	   *error = NULL;
	FpValue    *vars;
	ExprEnv		env;
	Oid			deployer;

	if (flow == NULL || flow->disabled)
		return NULL;
	deployer = get_role_oid(flow->deployer, true);
	if (!OidIsValid(deployer) || !sec_role_has_permission(deployer, up->namespace, PERM_VIEW))
		return NULL;
	if (!sec_role_has_permission(deployer, l->namespace, PERM_EXECUTE))
	{
		trigger_failed(up, l, psprintf("role \"%s\", which deployed revision %d of flow \"%s\", may not start executions in namespace \"%s\": it needs the EXECUTE permission there",
									   flow->deployer, flow->revision, flow->id, l->namespace));
		return NULL;
	}
	fp_set(trigger, "type", fp_cstring(FLOW_TRIGGER));
	fp_set(trigger, "id", fp_cstring(l->trigger_id));
	fp_set(trigger, "executionId", fp_cstring(up->id));
	fp_set(trigger, "namespace", fp_cstring(up->namespace));
	fp_set(trigger, "flowId", fp_cstring(up->flow_id));
	fp_set(trigger, "state", fp_cstring(state_name(s)));
	fp_set(trigger, "outputs", trigger_outputs ? trigger_outputs : fp_object(0));

	if (raw)
	{
		/* rendered against the upstream execution, with trigger.* added */
		exec_expr_env(up, &env);
		/* the upstream's namespace secrets and kv are not the listener's to read */
		env.secret = NULL;
		env.secret_in = NULL;
		env.kv = NULL;
		vars = fp_copy(exec_vars(up, NULL));
		fp_set(vars, "trigger", trigger);
		env.vars = vars;
		inputs = expr_render_value(raw, &env, &error);
		/* the upstream's secrets stay upstream */
		if (inputs)
			inputs = exec_mask_value(up, inputs);
	}
	values = inputs ? inputs_validate(flow->inputs, inputs, &errors) : NULL;
	if (values == NULL)
	{
		trigger_failed(up, l, exec_mask(up, error ? error : (char *) linitial(errors)));
		return NULL;
	}
	return executor_start(flow, values, NULL, NULL, NULL, trigger);
}

/*
 * Whether the role that deployed the listening flow's latest revision may
 * see the upstream execution (VIEW on its namespace).  One it may not see
 * does not count at all: not in a where expression, not in the time window
 * (whose marks keep the upstream's outputs for trigger.outputs), not for
 * firing.
 */
static bool
listener_sees(const Listener *l, const Execution *up)
{
	CompiledFlow *flow = flow_model_latest(l->namespace, l->flow_id);
	Oid			deployer;

	if (flow == NULL || flow->disabled)
		return false;
	deployer = get_role_oid(flow->deployer, true);
	return OidIsValid(deployer) && sec_role_has_permission(deployer, up->namespace, PERM_VIEW);
}

/* Start (and save) the flows that listen for up reaching state s (see trigger_flow.h). */
void
trigger_flow_fire(Execution *up, FlowState s)
{
	ListCell   *lc;

	if (trigger_depth >= MAX_TRIGGER_DEPTH)
		return;
	foreach(lc, get_listeners())
	{
		Listener   *l = lfirst(lc);
		FpValue    *t = l->trigger;
		FpValue    *pre;
		FpValue    *states;
		FpValue    *outputs = up->outputs;
		bool		has_status;
		Execution  *e;
		ListCell   *elc;

		if (!listener_may_match(l, up))
			continue;
		/* a flow never triggers itself */
		if (strcmp(l->namespace, up->namespace) == 0 && strcmp(l->flow_id, up->flow_id) == 0)
			continue;
		pre = fp_get_object(t, "preconditions");
		states = fp_get(t, "states");
		if (!conditions_hold(fp_get(t, "conditions"), up, s, &has_status))
			continue;
		/* trigger-level states: as given, else the end states unless something else filters */
		if (states ? !states_hold(states, s) : (!has_status && pre == NULL && !state_is_terminal(s)))
			continue;
		if (pre && !listener_sees(l, up))
			continue;
		if (pre)
		{
			FpValue    *flows = fp_get_array(pre, "flows");
			FpValue    *where = fp_get_array(pre, "where");
			List	   *entries = matching_entries(flows, up, s);
			List	   *where_errors = NIL;
			List	   *where_ids = trigger_where_matches(where, fp_get(t, "states") != NULL,
														  up, s, &where_errors);
			int			nslots = (flows ? flows->u.arr.count : 0) + (where ? where->u.arr.count : 0);

			foreach(elc, where_errors)
				trigger_failed(up, l, lfirst(elc));
			if (entries == NIL && where_ids == NIL)
				continue;
			/* several entries (flows and where) must all be seen within the time window */
			if (nslots > 1 && !window_complete(l, pre, entries, where_ids, up, &outputs))
				continue;
		}
		/* the started execution's own changes may fire further triggers, to a limit */
		trigger_depth++;
		PG_TRY();
		{
			e = fire(up, l, s, outputs);
			if (e)
			{
				FpValue    *detail = fp_object(1);

				exec_end_step(e);
				fp_set(detail, "trigger", e->trigger);
				audit_write_as(NULL, "start", e->namespace, e->flow_id, e->id, NULL, detail);
			}
		}
		PG_FINALLY();
		{
			trigger_depth--;
		}
		PG_END_TRY();
	}
}
