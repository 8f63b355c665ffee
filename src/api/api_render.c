/*-------------------------------------------------------------------------
 *
 * api_render.c
 *	  flow_render(template text, context jsonb): render a template against
 *	  a context exactly as a task property would be rendered (SPEC section
 *	  7), for writing and debugging flows.
 *
 * Rendering is strict and has the same functions as in a task.  secret()
 * and kv() resolve in the namespace given as context.flow.namespace (then
 * its parents, then the global namespace), and only for roles holding
 * ADMIN there.  Secrets are readable by no role through SQL (SPEC section
 * 8), so here secret() checks that the secret exists and yields ******
 * instead of its value: masking the value in the result would not be
 * enough, since a template can transform it first (secret('X') | upper).
 * Nothing is written.
 *
 * Errors: a template syntax error is 42601 with the character position in
 * the template; a render error is 22023 with the message of SPEC section
 * 3; secret() or kv() without ADMIN on the namespace is 42501.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "datetime.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "db.h"
#include "expr.h"
#include "flowpg.h"
#include "security.h"
#include "store.h"
#include "value_jsonb.h"

PG_FUNCTION_INFO_V1(flow_render);

/* What the ExprEnv hooks of flow_render share. */
typedef struct RenderHooks
{
	const char *namespace;		/* context.flow.namespace, or NULL */
	bool		checked;		/* the caller's permission was looked at */
	bool		denied;			/* ... and it is not ADMIN on namespace */
	bool		in_scope;		/* db_enter was called */
	DbScope		scope;
	List	   *secrets;		/* secret values used, to mask */
} RenderHooks;

/*
 * Whether secret() or kv() (what) may run: the context names a namespace
 * and the caller is ADMIN there.  The permission is checked before the
 * DbScope is entered, since inside it the current user is the extension's
 * owner.
 */
static bool
hooks_ready(RenderHooks *h, const char *what, char **error)
{
	if (h->namespace == NULL)
	{
		*error = psprintf("%s() needs flow.namespace in the context", what);
		return false;
	}
	if (!h->checked)
	{
		h->checked = true;
		h->denied = !sec_has_permission(h->namespace, PERM_ADMIN);
	}
	if (h->denied)
	{
		*error = psprintf("permission denied to use %s() in namespace \"%s\"", what,
						  h->namespace);
		return false;
	}
	if (!h->in_scope)
	{
		db_enter(&h->scope);
		h->in_scope = true;
	}
	return true;
}

/* secret('NAME') in context.flow.namespace and its parents. */
static char *
render_secret(void *arg, const char *name, char **error)
{
	RenderHooks *h = arg;
	char	   *value;

	if (!hooks_ready(h, "secret", error))
		return NULL;
	value = store_expr_secret(h->namespace, name, error);
	if (value == NULL)
		return NULL;
	/* the value itself never enters the render: no filter can reveal it */
	return pstrdup("******");
}

/* secret('NAME', 'NS'): NS and its parents, with the caller's rights (see store.h). */
static char *
render_secret_in(void *arg, const char *name, const char *namespace, char **error)
{
	RenderHooks *h = arg;
	bool		denied;

	if (!hooks_ready(h, "secret", error))
		return NULL;
	if (store_expr_secret_in(h->namespace, NULL, namespace, name, &denied, error) == NULL)
	{
		h->denied = denied;
		return NULL;
	}
	/* the value itself never enters the render: no filter can reveal it */
	return pstrdup("******");
}

/* kv('KEY') in context.flow.namespace and its parents. */
static FpValue *
render_kv(void *arg, const char *key, char **error)
{
	RenderHooks *h = arg;
	if (!hooks_ready(h, "kv", error))
		return NULL;
	return store_expr_kv(h->namespace, key, error);
}

/* Remember a secret value, to mask it in what flow_render returns. */
static void
render_note_secret(void *arg, const char *value)
{
	RenderHooks *h = arg;

	if (value != NULL && value[0] != '\0')
		h->secrets = lappend(h->secrets, pstrdup(value));
}

/* text with every secret value in secrets replaced by ******. */
static char *
mask_secrets(char *text, List *secrets)
{
	ListCell   *lc;

	foreach(lc, secrets)
	{
		const char *secret = lfirst(lc);
		int			slen = strlen(secret);
		StringInfoData buf;
		char	   *p = text;
		char	   *hit;

		if (strstr(text, secret) == NULL)
			continue;
		initStringInfo(&buf);
		while ((hit = strstr(p, secret)) != NULL)
		{
			appendBinaryStringInfo(&buf, p, hit - p);
			appendStringInfoString(&buf, "******");
			p = hit + slen;
		}
		appendStringInfoString(&buf, p);
		text = buf.data;
	}
	return text;
}

/* flow_render(template text, context jsonb = '{}') returns text */
Datum
flow_render(PG_FUNCTION_ARGS)
{
	text	   *tmpl = PG_GETARG_TEXT_PP(0);
	Jsonb	   *context = PG_GETARG_JSONB_P(1);
	const char *src = VARDATA_ANY(tmpl);
	int			len = VARSIZE_ANY_EXHDR(tmpl);
	ExprSyntaxError err;
	Template   *t;
	FpValue    *vars;
	RenderHooks hooks;
	ExprEnv		env;
	FpValue    *result;
	char	   *error = NULL;
	char	   *out;

	t = expr_compile(src, len, &err);
	if (t == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid template: %s at character %d", err.message,
						pg_mbstrlen_with_len(src, Min(Max(err.offset, 0), len)) + 1)));

	vars = fp_from_jsonb(context);
	if (vars->type != FP_OBJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the context must be a JSON object, not %s",
						vars->type == FP_ARRAY ? "an array" :
						vars->type == FP_STRING ? "a string" :
						vars->type == FP_BOOL ? "a boolean" :
						vars->type == FP_NULL ? "null" : "a number"),
				 errhint("Pass the variables as an object, such as '{\"inputs\": {\"name\": \"x\"}}'.")));

	memset(&hooks, 0, sizeof(hooks));
	hooks.namespace = fp_get_str(fp_get(vars, "flow"), "namespace");

	memset(&env, 0, sizeof(env));
	env.vars = vars;
	env.secret = render_secret;
	env.secret_in = render_secret_in;
	env.kv = render_kv;
	env.note_secret = render_note_secret;
	env.arg = &hooks;
	env.app_url = flowpg_app_url;
	env.now = dt_from_timestamptz(GetCurrentTimestamp());

	result = expr_render(t, &env, &error);
	if (hooks.in_scope)
		db_leave(&hooks.scope);

	if (result == NULL)
		ereport(ERROR,
				(errcode(hooks.denied ? ERRCODE_INSUFFICIENT_PRIVILEGE : ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", mask_secrets(error, hooks.secrets)),
				 hooks.denied ?
				 errdetail("secret() and kv() in flow_render need the ADMIN permission on the namespace.") : 0));

	out = result->type == FP_STRING ? result->u.str.ptr : fp_to_text(result);
	out = mask_secrets(out, hooks.secrets);
	PG_RETURN_TEXT_P(cstring_to_text(out));
}
