/*-------------------------------------------------------------------------
 *
 * api_links.c
 *	  SQL functions of signed approval links: flow_link (what a link is for,
 *	  deciding nothing), flow_resume_link (deciding through it: exactly
 *	  flow_resume on its pause) and flow_link_key_rotate.
 *
 * Both look at a link's pause the same way (link_classify): open, pending
 * (not begun yet), closed (the execution ended without it), decided,
 * expired or killed.  flow_link says so, and the details, to a caller who
 * may see the execution, and "invalid" to everyone else and for every bad
 * token; flow_resume_link raises the matching error for all but open ones,
 * under the execution's row lock, and then resumes through the code of
 * flow_resume itself (executions_resume).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "api_executions.h"
#include "api.h"
#include "audit.h"
#include "db.h"
#include "links.h"
#include "security.h"
#include "value_jsonb.h"

PG_FUNCTION_INFO_V1(flow_link);
PG_FUNCTION_INFO_V1(flow_resume_link);
PG_FUNCTION_INFO_V1(flow_link_key_rotate);

static DbQuery q_link_execution = DB_QUERY(
	"SELECT namespace, flow_id, flow_revision, state, inputs, labels, created_by::text"
	" FROM flowpg.executions WHERE id = $1",
	1, TEXTOID);

static DbQuery q_link_run = DB_QUERY(
	"SELECT id, state, outputs, pg_catalog.jsonb_array_length(attempts),"
	" pg_catalog.to_jsonb(assigned_users), pg_catalog.to_jsonb(assigned_groups), due_at,"
	" (SELECT h ->> 'date' FROM pg_catalog.jsonb_array_elements(history) AS h"
	"   WHERE h ->> 'state' = 'PAUSED' ORDER BY h ->> 'date' DESC LIMIT 1)"
	" FROM flowpg.task_runs WHERE execution_id = $1 AND task_id = $2"
	" ORDER BY created_at DESC LIMIT 1",
	2, TEXTOID, TEXTOID);

static DbQuery q_link_via = DB_QUERY(
	"SELECT detail ->> 'via' FROM flowpg.audit_log"
	" WHERE execution_id = $1 AND task_run_id = $2 AND action = 'resume'"
	" ORDER BY id DESC LIMIT 1",
	2, TEXTOID, TEXTOID);

/* Where a link's pause stands. */
typedef enum LinkStatus
{
	LS_OPEN,					/* paused, and the link is valid: it may decide */
	LS_PENDING,					/* the pause has not begun yet */
	LS_CLOSED,					/* the execution ended without reaching the pause */
	LS_DECIDED,					/* a person resumed it */
	LS_EXPIRED,					/* the link or the pause ran out */
	LS_KILLED					/* the execution was killed */
} LinkStatus;

static const char *const status_names[] = {
	"open", "pending", "closed", "decided", "expired", "killed"
};

/* A link's execution and pause, read without a lock (flow_link) or under it (flow_resume_link). */
typedef struct LinkView
{
	const LinkToken *tok;
	char	   *namespace;
	char	   *flow_id;
	int32		revision;
	FlowState	exec_state;
	char	   *started_by;
	FpValue    *inputs;			/* as flowpg.executions shows them (SECRET masked) */
	FpValue    *labels;
	FlowNode   *node;			/* the pause in the compiled flow */
	bool		has_run;
	char	   *run_id;
	FlowState	run_state;
	FpValue    *outputs;
	int			attempts;
	FpValue    *users;			/* the rendered assignment, or NULL */
	FpValue    *groups;
	TimestampTz due_at;			/* 0: none */
	char	   *paused_at;		/* when it last paused (ISO-8601), or NULL */
	FpValue    *input_ids;		/* the flow's input ids, in declared order */
} LinkView;

/* The classification of a view, with the error flow_resume_link raises for it. */
typedef struct LinkState
{
	LinkStatus	status;
	int			sqlstate;
	char	   *message;
	char	   *detail;
	char	   *hint;
} LinkState;

#define NEW_LINK_HINT "Ask for a new link, or decide from your inbox."

/* The state with its error. */
static void
set_state(LinkState *st, LinkStatus status, char *message, char *detail, char *hint)
{
	st->status = status;
	st->sqlstate = ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE;
	st->message = message;
	st->detail = detail;
	st->hint = hint;
}

/* The state of a pause that cannot be reached yet, or will never be. */
static void
not_begun(const LinkView *v, LinkState *st)
{
	const LinkToken *tok = v->tok;

	if (v->exec_state == ST_KILLED || v->exec_state == ST_KILLING)
		set_state(st, LS_KILLED,
				  psprintf("execution \"%s\" was killed", tok->execution_id),
				  psprintf("It was killed before task \"%s\" paused.", tok->task_id), NULL);
	else if (v->exec_state == ST_CANCELLED)
		set_state(st, LS_EXPIRED,
				  psprintf("execution \"%s\" was cancelled", tok->execution_id),
				  psprintf("A pause expired with behavior CANCEL before task \"%s\" paused.", tok->task_id),
				  NULL);
	else if (state_is_terminal(v->exec_state))
		set_state(st, LS_CLOSED,
				  psprintf("execution \"%s\" ended without reaching task \"%s\"",
						   tok->execution_id, tok->task_id),
				  psprintf("The execution is %s; the pause of this link did not begin.",
						   state_name(v->exec_state)), NULL);
	else
		set_state(st, LS_PENDING,
				  psprintf("the pause of this approval link has not begun yet"),
				  psprintf("Task \"%s\" of execution \"%s\" is not paused yet (the execution is %s).",
						   tok->task_id, tok->execution_id, state_name(v->exec_state)),
				  pstrdup("Try again in a moment: the execution is on its way to the pause."));
}

/* Classify a link's pause (see the file header). */
static void
link_classify(const LinkView *v, LinkState *st)
{
	const LinkToken *tok = v->tok;
	FpValue    *resumed = fp_get_object(v->outputs, "resumed");
	const char *by = fp_get_str(resumed, "by");
	const char *on = fp_get_str(resumed, "on");
	const char *to = fp_get_str(resumed, "to");

	memset(st, 0, sizeof(LinkState));
	if (!v->has_run || v->attempts < tok->attempt ||
		(v->attempts == tok->attempt && v->run_state == ST_RESTARTED))
	{
		not_begun(v, st);
		return;
	}
	if (v->attempts > tok->attempt)
	{
		set_state(st, LS_EXPIRED,
				  psprintf("the pause of this approval link is over"),
				  psprintf("Task \"%s\" of execution \"%s\" was paused again since (attempt %d); this link was for attempt %d.",
						   tok->task_id, tok->execution_id, v->attempts, tok->attempt),
				  pstrdup(NEW_LINK_HINT));
		return;
	}
	switch (v->run_state)
	{
		case ST_PAUSED:
			if (tok->expires_at <= GetCurrentTimestamp())
				set_state(st, LS_EXPIRED,
						  psprintf("approval link expired at %s", state_format_time(tok->expires_at)),
						  psprintf("Task \"%s\" of execution \"%s\" is still paused, but this link no longer decides it.",
								   tok->task_id, tok->execution_id),
						  pstrdup(NEW_LINK_HINT));
			else
				set_state(st, LS_OPEN, NULL, NULL, NULL);
			return;
		case ST_KILLED:
			set_state(st, LS_KILLED,
					  psprintf("execution \"%s\" was killed", tok->execution_id),
					  by ? psprintf("%s killed it at %s, while task \"%s\" was paused.", by, on, tok->task_id)
					  : psprintf("It was killed while task \"%s\" was paused.", tok->task_id),
					  NULL);
			return;
		case ST_CANCELLED:
			set_state(st, LS_EXPIRED,
					  on ? psprintf("the pause of this approval link expired at %s", on)
					  : psprintf("the pause of this approval link was cancelled"),
					  psprintf("Task \"%s\" of execution \"%s\" was cancelled when a pause expired with behavior CANCEL.",
							   tok->task_id, tok->execution_id),
					  NULL);
			return;
		case ST_SUCCESS:
		case ST_WARNING:
		case ST_FAILED:
			if (to && strcmp(to, "KILLING") == 0)
			{
				set_state(st, LS_KILLED,
						  psprintf("execution \"%s\" was killed", tok->execution_id),
						  psprintf("It was killed while task \"%s\" was paused.", tok->task_id), NULL);
				return;
			}
			if (by)
			{
				set_state(st, LS_DECIDED,
						  psprintf("this approval was already decided by %s at %s", by, on ? on : "?"),
						  psprintf("Task \"%s\" of execution \"%s\" was resumed to %s.",
								   tok->task_id, tok->execution_id, to ? to : state_name(v->run_state)),
						  NULL);
				return;
			}
			if (resumed)
			{
				set_state(st, LS_EXPIRED,
						  psprintf("the pause of this approval link expired at %s", on ? on : "?"),
						  psprintf("Nobody decided in time: task \"%s\" of execution \"%s\" ended as %s.",
								   tok->task_id, tok->execution_id, to ? to : state_name(v->run_state)),
						  NULL);
				return;
			}
			set_state(st, LS_CLOSED,
					  psprintf("task \"%s\" of execution \"%s\" ended without pausing", tok->task_id, tok->execution_id),
					  psprintf("The task run is %s.", state_name(v->run_state)), NULL);
			return;
		default:
			not_begun(v, st);
			return;
	}
}

/* The text of a token argument: a token, or a whole link whose ?token= is taken. */
static char *
token_arg(FunctionCallInfo fcinfo)
{
	char	   *s;
	char	   *at;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("token must not be null")));
	s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if ((at = strstr(s, "token=")) != NULL)
	{
		s = at + strlen("token=");
		s[strcspn(s, "&#")] = '\0';
	}
	return s;
}

/* Raise the error of a verdict other than LINK_VALID. */
static void
raise_verdict(LinkVerdict verdict, const char *why)
{
	switch (verdict)
	{
		case LINK_MALFORMED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("malformed approval link token"),
					 errdetail("%s", why),
					 errhint("Copy the whole link from the message.")));
			break;
		case LINK_FOREIGN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("approval link belongs to another database"),
					 errdetail("%s", why)));
			break;
		case LINK_ROTATED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("approval link was signed with a key that has been rotated"),
					 errdetail("%s", why),
					 errhint(NEW_LINK_HINT)));
			break;
		case LINK_FORGED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("approval link signature is not valid"),
					 errdetail("%s", why)));
			break;
		case LINK_VALID:
			break;
	}
}

/* Whether the token's pause is a task of a pause type in the execution's revision. */
static bool
view_matches(const LinkView *v)
{
	return v->revision == v->tok->revision && v->node != NULL &&
		v->node->type->kind == TASK_PAUSE;
}

/* Whether the link's pause is a HumanTask (decided by its assignees only). */
static bool
view_is_human(const LinkView *v)
{
	return v->node->type == &task_human || v->users != NULL || v->groups != NULL;
}

/* The hook of executions_resume: refuse unless the link's pause is open. */
static void
resume_link_check(Execution *e, void *arg)
{
	const LinkToken *tok = arg;
	TaskRun    *run = exec_find_run(e, tok->task_id);
	LinkView	v;
	LinkState	st;

	memset(&v, 0, sizeof(v));
	v.tok = tok;
	v.namespace = e->namespace;
	v.revision = e->revision;
	v.exec_state = e->state;
	v.node = flow_model_node(e->flow, tok->task_id);
	if (run)
	{
		v.has_run = true;
		v.run_id = run->id;
		v.run_state = run->state;
		v.outputs = run->outputs;
		v.attempts = run->attempts->u.arr.count;
	}
	if (!view_matches(&v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("approval link does not match its execution"),
				 errdetail("It names task \"%s\" of revision %d; execution \"%s\" runs revision %d.",
						   tok->task_id, tok->revision, e->id, e->revision)));
	link_classify(&v, &st);
	if (st.status != LS_OPEN)
		ereport(ERROR,
				(errcode(st.sqlstate),
				 errmsg("%s", st.message),
				 st.detail ? errdetail("%s", st.detail) : 0,
				 st.hint ? errhint("%s", st.hint) : 0));
}

/*
 * flow_resume_link(token, inputs): decide through a link.  The token is
 * checked first (malformed 22023; forged, foreign or rotated 28000), then
 * it is flow_resume of the link's task run, with its checks and its errors,
 * plus those of the link (expired, not begun, decided, killed: 55000)
 * under the row lock, so that of two uses of one link one wins and the
 * other is told who decided.
 */
Datum
flow_resume_link(PG_FUNCTION_ARGS)
{
	char	   *token = token_arg(fcinfo);
	FpValue    *given = api_object_arg(fcinfo, 1, "inputs");
	LinkToken	tok;
	LinkVerdict verdict;
	char	   *why = NULL;
	DbScope		scope;
	char	   *state;

	db_enter(&scope);
	verdict = links_verify(token, &tok, &why);
	db_leave(&scope);
	raise_verdict(verdict, why);
	state = executions_resume(tok.execution_id, given, tok.task_id,
							  resume_link_check, &tok, "link");
	PG_RETURN_TEXT_P(cstring_to_text(state));
}

/* {"status": "invalid"}: what flow_link says of bad tokens and to callers who may not know more. */
static Datum
invalid_link(void)
{
	FpValue    *result = fp_object(1);

	fp_set(result, "status", fp_cstring("invalid"));
	return fp_to_jsonb_datum(result);
}

/* A state column (an unknown one reads as CREATED; it cannot be stored). */
static FlowState
state_col(uint64 row, int col)
{
	int			s = state_from_name(db_text(row, col));

	return s < 0 ? ST_CREATED : (FlowState) s;
}

/* Read a link's view without locking anything; false when the execution does not exist. */
static bool
read_view(const LinkToken *tok, LinkView *v)
{
	Datum		args[2];
	CompiledFlow *flow;

	memset(v, 0, sizeof(LinkView));
	v->tok = tok;
	args[0] = CStringGetTextDatum(tok->execution_id);
	args[1] = CStringGetTextDatum(tok->task_id);
	if (db_exec(&q_link_execution, args, NULL, true, 1) == 0)
		return false;
	v->namespace = db_text(0, 1);
	v->flow_id = db_text(0, 2);
	v->revision = db_int4(0, 3);
	v->exec_state = state_col(0, 4);
	v->inputs = db_json(0, 5);
	v->labels = db_json(0, 6);
	v->started_by = db_text(0, 7);
	if (db_exec(&q_link_run, args, NULL, true, 1) == 1)
	{
		v->has_run = true;
		v->run_id = db_text(0, 1);
		v->run_state = state_col(0, 2);
		v->outputs = db_json(0, 3);
		v->attempts = db_int4(0, 4);
		v->users = db_json(0, 5);
		v->groups = db_json(0, 6);
		v->due_at = db_time(0, 7);
		v->paused_at = db_text(0, 8);
		if (v->users && v->users->type != FP_ARRAY)
			v->users = NULL;
		if (v->groups && v->groups->type != FP_ARRAY)
			v->groups = NULL;
	}
	flow = flow_model_get(v->namespace, v->flow_id, v->revision);
	v->node = flow ? flow_model_node(flow, tok->task_id) : NULL;
	v->input_ids = fp_array(4);
	for (int i = 0; flow && flow->inputs && i < flow->inputs->u.arr.count; i++)
	{
		const char *id = fp_get_str(flow->inputs->u.arr.items[i], "id");

		if (id == NULL)
			id = fp_get_str(flow->inputs->u.arr.items[i], "name");
		if (id)
			fp_append(v->input_ids, fp_cstring(id));
	}
	return true;
}

/* Whether the caller may see the link's execution: VIEW on its namespace, or an assignee. */
static bool
may_see_view(const LinkView *v)
{
	return sec_has_permission(v->namespace, PERM_VIEW) ||
		sec_role_assigned_to(GetUserId(), v->tok->execution_id);
}

/* A value or JSON null. */
static FpValue *
or_null(FpValue *v)
{
	return v ? v : fp_null();
}

/*
 * flow_link(token): what a link is for, deciding nothing and raising for
 * no token (see the file header).  Reads without taking any lock, so that
 * a link preview or a mail scanner that fetches the page stalls nobody.
 */
Datum
flow_link(PG_FUNCTION_ARGS)
{
	char	   *token = token_arg(fcinfo);
	LinkToken	tok;
	LinkView	v;
	LinkState	st;
	char	   *why = NULL;
	DbScope		scope;
	FpValue    *result;
	FpValue    *resumed;
	TimestampTz expires;
	Datum		d;

	db_enter(&scope);
	if (links_verify(token, &tok, &why) != LINK_VALID || !read_view(&tok, &v) ||
		!view_matches(&v) || !may_see_view(&v))
	{
		db_leave(&scope);
		PG_RETURN_DATUM(invalid_link());
	}
	link_classify(&v, &st);

	result = fp_object(24);
	fp_set(result, "status", fp_cstring(status_names[st.status]));
	if (st.message)
		fp_set(result, "reason", fp_cstring(st.message));
	fp_set(result, "namespace", fp_cstring(v.namespace));
	fp_set(result, "flow_id", fp_cstring(v.flow_id));
	fp_set(result, "flow_revision", fp_int(v.revision));
	fp_set(result, "execution_id", fp_cstring(tok.execution_id));
	fp_set(result, "execution_state", fp_cstring(state_name(v.exec_state)));
	fp_set(result, "task_id", fp_cstring(tok.task_id));
	fp_set(result, "task_run_id", v.run_id ? fp_cstring(v.run_id) : fp_null());
	fp_set(result, "task_type", or_null(fp_get(v.node->def, "type")));
	fp_set(result, "description", or_null(fp_get(v.node->def, "description")));
	fp_set(result, "on_resume", fp_get_array(v.node->def, "onResume") ?
		   fp_get_array(v.node->def, "onResume") : fp_array(0));
	fp_set(result, "started_by", or_null(v.started_by ? fp_cstring(v.started_by) : NULL));
	fp_set(result, "labels", or_null(v.labels));
	fp_set(result, "inputs", or_null(v.inputs));
	fp_set(result, "input_order", v.input_ids);	/* jsonb sorts the keys of inputs */
	fp_set(result, "assigned_users", or_null(v.users));
	fp_set(result, "assigned_groups", or_null(v.groups));
	fp_set(result, "may_decide",
		   fp_bool(st.status == LS_OPEN &&
				   sec_role_may_resume(GetUserId(), v.namespace, view_is_human(&v), v.users, v.groups)));
	expires = tok.expires_at;
	if (v.has_run && v.run_state == ST_PAUSED && v.due_at != 0 && v.due_at < expires)
		expires = v.due_at;
	fp_set(result, "expires_at", fp_cstring(state_format_time(expires)));
	fp_set(result, "paused_at", v.paused_at ? fp_cstring(v.paused_at) : fp_null());
	resumed = fp_get_object(v.outputs, "resumed");
	if (st.status == LS_DECIDED)
	{
		Datum		args[2];
		char	   *via = NULL;

		args[0] = CStringGetTextDatum(tok.execution_id);
		args[1] = CStringGetTextDatum(v.run_id);
		if (db_exec(&q_link_via, args, NULL, true, 1) == 1)
			via = db_text(0, 1);
		fp_set(result, "decided", resumed);
		fp_set(result, "via_link", fp_bool(via && strcmp(via, "link") == 0));
	}
	d = fp_to_jsonb_datum(result);
	db_leave(&scope);
	PG_RETURN_DATUM(d);
}

/*
 * flow_link_key_rotate(): a new link key, so that every link signed before
 * fails as rotated.  Needs ADMIN on '' (a superuser or flowpg_admin
 * member); writes an audit row; returns the new key generation.
 */
Datum
flow_link_key_rotate(PG_FUNCTION_ARGS)
{
	DbScope		scope;
	int32		generation;
	FpValue    *detail = fp_object(1);

	sec_require("", PERM_ADMIN, "rotate the approval link key");
	db_enter(&scope);
	generation = links_rotate_key();
	fp_set(detail, "generation", fp_int(generation));
	audit_write("link_key_rotate", "", NULL, NULL, NULL, detail);
	db_leave(&scope);
	PG_RETURN_INT32(generation);
}
