/*-------------------------------------------------------------------------
 *
 * expr_test.c
 *	  Unit test of the C interface of the expression language (src/expr/expr.h),
 *	  built outside the server (test/run unit).  Prints TAP.
 *
 * What flow_render cannot show from SQL is checked here: the JSON type of
 * a single-expression template, the byte offsets of syntax errors, the
 * template cache of expr_compile_value, the value trees of
 * expr_render_value, the output limit of ExprEnv, the hooks, and that
 * results are the caller's own copies.
 *
 * unit-sources: src/expr/expr.c src/expr/expr_runtime.c src/expr/expr_eval.c src/expr/expr_funcs.c src/expr/expr_lex.c src/expr/expr_ops.c src/expr/expr_parse.c src/expr/expr_text.c src/base/value.c src/base/datetime.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdarg.h>

#include "datetime.h"
#include "expr.h"
#include "tap.h"

static void ok(bool cond, const char *fmt,...) pg_attribute_printf(2, 3);

/* Time zones by name need the server (datetime_zone.c): fixed offsets only here. */
bool
dt_zone_offset(const char *zone, int64 usec, int *offset_sec)
{
	(void) usec;
	return dt_fixed_zone_offset(zone, offset_sec);
}

static int	secrets_noted = 0;

static char *
test_secret(void *arg, const char *name, char **error)
{
	(void) arg;
	if (strcmp(name, "TOKEN") == 0)
		return pstrdup("t0ken");
	*error = psprintf("no secret \"%s\"", name);
	return NULL;
}

static FpValue *
test_kv(void *arg, const char *key, char **error)
{
	(void) arg;
	if (strcmp(key, "N") == 0)
		return fp_int(7);
	*error = psprintf("no kv \"%s\"", key);
	return NULL;
}

static void
test_note_secret(void *arg, const char *value)
{
	(void) arg;
	if (strcmp(value, "t0ken") == 0)
		secrets_noted++;
}

/* appLink()'s signer: a token for a task with a pause in context, none for others, an error for "bad". */
static char *
test_link_token(void *arg, const FpValue *vars, char **error)
{
	const char *task = fp_get_str(fp_get(vars, "task"), "id");

	(void) arg;
	if (task == NULL)
		return NULL;
	if (strcmp(task, "bad") == 0)
	{
		*error = pstrdup("no key");
		return NULL;
	}
	return psprintf("tok.%s", task);
}

static FpValue *
json(const char *text)
{
	char	   *error = NULL;
	FpValue    *v = fp_parse_json(text, strlen(text), &error);

	if (v == NULL)
		printf("# test bug: bad JSON %s: %s\n", text, error);
	return v;
}

/* An environment over vars, with the test hooks. */
static ExprEnv
make_env(FpValue *vars)
{
	ExprEnv		env;

	memset(&env, 0, sizeof(env));
	env.vars = vars;
	env.secret = test_secret;
	env.kv = test_kv;
	env.note_secret = test_note_secret;
	env.app_url = "https://app.example";
	env.now = INT64CONST(1719835200000000);	/* 2024-07-01T12:00:00Z */
	return env;
}

/* Render src; NULL (and the error printed as a comment) on failure. */
static FpValue *
render(const char *src, ExprEnv *env, char **error)
{
	ExprSyntaxError err;
	Template   *t = expr_compile(src, strlen(src), &err);
	char	   *local = NULL;

	if (error == NULL)
		error = &local;
	*error = NULL;
	if (t == NULL)
	{
		*error = psprintf("syntax error: %s", err.message);
		return NULL;
	}
	return expr_render(t, env, error);
}

/* Whether src renders to a value whose JSON is want. */
static void
renders_json(ExprEnv *env, const char *src, FpType type, const char *want)
{
	char	   *error = NULL;
	FpValue    *v = render(src, env, &error);
	bool		same = v != NULL && v->type == type && strcmp(fp_to_json(v), want) == 0;

	ok(same, "%s renders as %s %s", src, fp_type_name(type), want);
	if (!same)
		printf("#   got: %s %s\n", v ? fp_type_name(v->type) : "error",
			   v ? fp_to_json(v) : error);
}

/* Whether compiling src fails at byte offset want_offset with a message containing want. */
static void
syntax_error_at(const char *src, int want_offset, const char *want)
{
	ExprSyntaxError err;
	Template   *t = expr_compile(src, strlen(src), &err);
	bool		good = t == NULL && err.offset == want_offset && strstr(err.message, want) != NULL;

	ok(good, "%s: syntax error at byte %d (%s)", src, want_offset, want);
	if (!good)
		printf("#   got: %s at %d\n", t ? "compiled" : err.message, t ? -1 : err.offset);
}

int
main(void)
{
	FpValue    *vars = json("{\"inputs\": {\"n\": 42, \"f\": 2.5, \"s\": \"text\", \"l\": [1, 2],"
							" \"m\": {\"k\": \"v\"}, \"z\": null},"
							" \"flow\": {\"namespace\": \"hr\"},"
							" \"execution\": {\"id\": \"EXEC1\"}}");
	ExprEnv		env = make_env(vars);
	char	   *error;
	FpValue    *v;
	FpValue    *tree;
	FpValue    *bad;
	ExprSyntaxError err;
	Template   *t;
	char	   *text;

	/* expr_is_template */
	ok(expr_is_template("a {{ b }}", 9), "{{ makes a template");
	ok(expr_is_template("{% if x %}", 10), "{%% makes a template");
	ok(expr_is_template("{# c #}", 7), "{# makes a template");
	ok(!expr_is_template("a { b } %} }}", 13), "braces alone do not");
	ok(!expr_is_template("{{", 1), "only len bytes are looked at");

	/* a template that is exactly one {{ }} keeps the JSON type */
	renders_json(&env, "{{ inputs.n }}", FP_INT, "42");
	renders_json(&env, "{{ inputs.f }}", FP_FLOAT, "2.5");
	renders_json(&env, "{{ inputs.n > 1 }}", FP_BOOL, "true");
	renders_json(&env, "{{ inputs.z }}", FP_NULL, "null");
	renders_json(&env, "{{ inputs.l }}", FP_ARRAY, "[1,2]");
	renders_json(&env, "{{ inputs.m }}", FP_OBJECT, "{\"k\":\"v\"}");
	renders_json(&env, "  {{ inputs.n }}\n", FP_INT, "42");
	renders_json(&env, "{{- inputs.n -}}", FP_INT, "42");
	renders_json(&env, "{{ inputs.s }}", FP_STRING, "\"text\"");
	renders_json(&env, "{{ \"#{inputs.n}\" }}", FP_INT, "42");
	/* anything else is text */
	renders_json(&env, "n={{ inputs.n }}", FP_STRING, "\"n=42\"");
	renders_json(&env, "{{ inputs.n }}{{ inputs.n }}", FP_STRING, "\"4242\"");
	renders_json(&env, "{{ inputs.l }}!", FP_STRING, "\"[1,2]!\"");
	renders_json(&env, "[{{ inputs.z }}]", FP_STRING, "\"[]\"");
	renders_json(&env, "{% if true %}{{ inputs.n }}{% endif %}", FP_STRING, "\"42\"");
	renders_json(&env, "plain", FP_STRING, "\"plain\"");
	renders_json(&env, "", FP_STRING, "\"\"");

	/* results are the caller's own: changing one does not change the context */
	v = render("{{ inputs.m }}", &env, NULL);
	fp_set(v, "k", fp_cstring("changed"));
	ok(strcmp(fp_get_str(fp_get_object(fp_get(vars, "inputs"), "m"), "k"), "v") == 0,
	   "a typed result is a copy of the context value");
	v = render("{{ true }}", &env, NULL);
	v->u.b = false;
	renders_json(&env, "{{ true }}", FP_BOOL, "true");

	/* a compiled template renders again and again with the same result */
	text = "{{ inputs.n + 1 }} {% for x in inputs.l %}{{ x }}{% endfor %}";
	t = expr_compile(text, strlen(text), &err);
	v = expr_render(t, &env, &error);
	ok(v && strcmp(v->u.str.ptr, "43 12") == 0, "first render of a compiled template");
	v = expr_render(t, &env, &error);
	ok(v && strcmp(v->u.str.ptr, "43 12") == 0, "second render of the same template");

	/* syntax errors carry a byte offset into the template */
	syntax_error_at("{{ 1 + }}", 7, "expected an expression");
	syntax_error_at("é {{ ) }}", 6, "unexpected \")\"");
	syntax_error_at("abc {{ x", 4, "unclosed \"{{\"");
	syntax_error_at("{% if x %}", 0, "missing {% endif %}");
	syntax_error_at("{{ x | nope }}", 7, "unknown filter \"nope\"");
	syntax_error_at("{{ 'a' | split }}", 9, "needs the argument \"delimiter\"");
	syntax_error_at("{% bogus %}", 3, "unknown tag");

	/* expr_compile_value caches templates in their strings, leaves plain text alone */
	tree = json("{\"a\": \"{{ inputs.n }}\", \"b\": [\"plain\", \"x{{ inputs.s }}\"], \"{{ key }}\": 1}");
	ok(expr_compile_value(tree, &err, &bad), "a tree compiles");
	ok(fp_get(tree, "a")->u.str.compiled != NULL, "its template string is compiled");
	ok(fp_get(tree, "b")->u.arr.items[0]->u.str.compiled == NULL, "its plain string is not");
	ok(fp_get(tree, "b")->u.arr.items[1]->u.str.compiled != NULL, "nested templates are compiled");
	v = expr_render_value(tree, &env, &error);
	ok(v != NULL && strcmp(fp_to_json(v), "{\"a\":42,\"b\":[\"plain\",\"xtext\"],\"{{ key }}\":1}") == 0,
	   "expr_render_value renders strings with their types and keeps map keys");
	if (v == NULL || strcmp(fp_to_json(v), "{\"a\":42,\"b\":[\"plain\",\"xtext\"],\"{{ key }}\":1}") != 0)
		printf("#   got: %s\n", v ? fp_to_json(v) : error);
	text = expr_render_text(fp_get(tree, "b"), &env, &error);
	ok(text != NULL && strcmp(text, "[\"plain\",\"xtext\"]") == 0, "expr_render_text of a list is its JSON");
	text = expr_render_text(fp_get(tree, "a"), &env, &error);
	ok(text != NULL && strcmp(text, "42") == 0, "expr_render_text of a typed template is its text");

	tree = json("[\"ok {{ 1 }}\", {\"x\": \"bad {{ 1 + }}\"}]");
	bad = NULL;
	ok(!expr_compile_value(tree, &err, &bad), "a tree with a bad template does not compile");
	ok(bad == fp_get(tree->u.arr.items[1], "x") && err.offset == 11,
	   "the failing string and the offset in it are reported");
	v = expr_render_value(tree, &env, &error);
	ok(v == NULL && strstr(error, "invalid template") != NULL && strstr(error, "at character 12") != NULL,
	   "rendering an uncompiled bad template is an error: %s", error ? error : "(none)");

	/* render errors */
	v = render("{{ inputs.nope }}", &env, &error);
	ok(v == NULL && strcmp(error, "unable to find `nope` used in the expression `{{ inputs.nope }}`") == 0,
	   "strict undefined message");
	v = render("a {{ 1 }} {% for x in inputs.l %}{{ x / 0 }}{% endfor %}", &env, &error);
	ok(v == NULL && strcmp(error, "division by zero in the expression `{{ x / 0 }}`") == 0,
	   "an error quotes the {{ }} that failed, not the whole template");

	/* the output limit */
	env.max_output = 10;
	v = render("{{ 'abcdef' ~ 'ghijkl' }}", &env, &error);
	ok(v == NULL && strstr(error, "larger than the limit of 10 bytes") != NULL, "max_output bounds a value");
	v = render("0123456789{{ 'x' }}", &env, &error);
	ok(v == NULL && strstr(error, "larger than the limit of 10 bytes") != NULL, "max_output bounds the text");
	v = render("0123456789", &env, &error);
	ok(v != NULL, "exactly max_output bytes is fine");
	tree = json("[\"{{ 'abcde' }}\", \"{{ 'fghij' }}\", \"{{ 'k' }}\"]");
	v = expr_render_value(tree, &env, &error);
	ok(v == NULL, "max_output bounds a whole value tree");
	env.max_output = 0;

	/* hooks */
	secrets_noted = 0;
	v = render("{{ secret('TOKEN') }}-{{ kv('N') + 1 }}", &env, &error);
	ok(v != NULL && strcmp(v->u.str.ptr, "t0ken-8") == 0 && secrets_noted == 1,
	   "secret() and kv() use the hooks; note_secret hears of the value");
	v = render("{{ secret('NOPE') }}", &env, &error);
	ok(v == NULL && strstr(error, "no secret \"NOPE\"") != NULL, "a hook's error is the render error");
	env.secret = NULL;
	env.kv = NULL;
	v = render("{{ secret('TOKEN') }}", &env, &error);
	ok(v == NULL && strstr(error, "secret() is not available here") != NULL, "no secret hook");
	v = render("{{ kv('N') }}", &env, &error);
	ok(v == NULL && strstr(error, "kv() is not available here") != NULL, "no kv hook");
	env = make_env(vars);
	renders_json(&env, "{{ now() }}", FP_STRING, "\"2024-07-01T12:00:00Z\"");
	renders_json(&env, "{{ appLink() }}", FP_STRING, "\"https://app.example/approve/EXEC1\"");
	/* the link_token hook: signed links for a task with a pause in context */
	env.link_token = test_link_token;
	renders_json(&env, "{{ appLink() }}", FP_STRING, "\"https://app.example/approve/EXEC1\"");
	fp_set(vars, "task", json("{\"id\": \"notify\"}"));
	renders_json(&env, "{{ appLink('x y') }}", FP_STRING, "\"https://app.example/x%20y/EXEC1?token=tok.notify\"");
	fp_set(vars, "task", json("{\"id\": \"bad\"}"));
	v = render("{{ appLink() }}", &env, &error);
	ok(v == NULL && strstr(error, "no key") != NULL, "the link_token hook's error is the render error");
	fp_remove(vars, "task");
	env.link_token = NULL;
	env.vars = NULL;
	v = render("{{ x }}", &env, &error);
	ok(v == NULL && strstr(error, "unable to find `x`") != NULL, "no vars at all");
	env.vars = vars;

	/* expr_truthy */
	ok(!expr_truthy(NULL), "undefined is false");
	ok(!expr_truthy(json("null")) && !expr_truthy(json("false")) && expr_truthy(json("true")),
	   "null, false, true");
	ok(!expr_truthy(json("0")) && !expr_truthy(json("0.0")) && expr_truthy(json("-3")),
	   "numbers are true unless zero");
	ok(!expr_truthy(json("\" No \"")) && !expr_truthy(json("\"-0\"")) && !expr_truthy(json("\"\"")) &&
	   !expr_truthy(json("\"NULL\"")) && !expr_truthy(json("\"\\tfalse\\n\"")) && expr_truthy(json("\"off\"")),
	   "strings: false, 0, -0, no, null, empty (trimmed, any case)");
	ok(!expr_truthy(json("[]")) && !expr_truthy(json("{}")) && expr_truthy(json("[0]")),
	   "lists and maps are true unless empty");

	return tap_done();
}
