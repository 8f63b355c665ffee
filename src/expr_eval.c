/*-------------------------------------------------------------------------
 *
 * expr_eval.c
 *	  Evaluating expression trees and rendering templates; the public
 *	  functions of expr.h.
 *
 * Errors never raise: an evaluation returns NULL after expr_fail() (a
 * message) or expr_undefined() (a missing variable or attribute, which
 * ??, ???, default, "is defined" and "is null" may catch).  The message
 * handed to the caller quotes the {{ }} or {% %} being evaluated, in the
 * style of SPEC section 3:
 *
 *	  unable to find `approved` used in the expression `{{ outputs.x.onResume.approved }}`
 *
 * Every render has a budget: at most max_output bytes of output (the sum
 * over a value tree for expr_render_value), a number of evaluation steps
 * and of bytes of intermediate strings proportional to that.  Each step of
 * work (a node, a loop iteration, an item of a list a filter walks, 64
 * bytes of a string it scans) is charged, so rendering time is bounded by
 * the template and output size whatever the input.  In the server each
 * {% for %} iteration runs in a memory context that is reset after it, so
 * long loops do not pile up garbage.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifndef FRONTEND
#include "miscadmin.h"
#include "utils/memutils.h"
#endif

#include "expr_internal.h"

static FpValue value_true = {.type = FP_BOOL,.u = {.b = true}};
static FpValue value_false = {.type = FP_BOOL,.u = {.b = false}};
static FpValue value_null = {.type = FP_NULL};

static bool render_body(EvalState *st, const TBody *body, StringInfo out);

/*
 * The steps a render may take besides max_output / 2 (one step is a node
 * evaluated, an item a filter walks, 64 bytes it scans, an iteration).  A
 * variable only so that the fuzzer can lower it to keep its runs short.
 */
int64		expr_step_base = 2000000;

/* The shared, read-only true or false value. */
FpValue *
expr_bool(bool b)
{
	return b ? &value_true : &value_false;
}

/* The shared, read-only null value. */
FpValue *
expr_null(void)
{
	return &value_null;
}

#ifndef FRONTEND
#define SWITCH_TO_ERR_CXT(st) MemoryContextSwitchTo((MemoryContext) (st)->err_cxt)
#define SWITCH_BACK(old) MemoryContextSwitchTo(old)
typedef MemoryContext SavedCxt;
#else
#define SWITCH_TO_ERR_CXT(st) NULL
#define SWITCH_BACK(old) ((void) (old))
typedef void *SavedCxt;
#endif

/*
 * Record an error (the first one wins) and return NULL.  The message is
 * allocated where it outlives the loop contexts of the render.
 */
FpValue *
expr_fail(EvalState *st, const char *fmt,...)
{
	if (!st->failed)
	{
		SavedCxt	old = SWITCH_TO_ERR_CXT(st);
		StringInfoData buf;
		va_list		args;
		int			needed;

		initStringInfo(&buf);
		for (;;)
		{
			va_start(args, fmt);
			needed = appendStringInfoVA(&buf, fmt, args);
			va_end(args);
			if (needed == 0)
				break;
			enlargeStringInfo(&buf, needed);
		}
		SWITCH_BACK(old);
		st->message = buf.data;
		st->failed = true;
		st->undefined = false;
	}
	return NULL;
}

/* Record that name (len bytes) is undefined, and return NULL. */
FpValue *
expr_undefined(EvalState *st, const char *name, int len)
{
	if (!st->failed)
	{
		SavedCxt	old = SWITCH_TO_ERR_CXT(st);

		st->message = pnstrdup(name, expr_clip(name, len, 200));
		SWITCH_BACK(old);
		st->failed = true;
		st->undefined = true;
	}
	return NULL;
}

/* Forget a pending error (an undefined name that ?? or default caught). */
void
expr_clear_error(EvalState *st)
{
	st->failed = false;
	st->undefined = false;
	st->message = NULL;
}

/* Charge steps of work against the budget; false (with the error set) past it. */
bool
expr_charge(EvalState *st, int64 steps)
{
	st->steps += steps;
	if (st->steps > st->max_steps)
	{
		expr_fail(st, "rendering needs more than " INT64_FORMAT " steps; the template or its data is too large",
				  st->max_steps);
		return false;
	}
	return true;
}

/* A string value that takes over buf's data, counted against the budget. */
FpValue *
expr_take_string(EvalState *st, StringInfo buf)
{
	FpValue    *v;

	if (buf->len > st->max_output)
		return expr_fail(st, "the result is larger than the limit of %d bytes", st->max_output);
	st->made += buf->len;
	if (st->made > st->max_made)
		return expr_fail(st, "rendering builds more than " INT64_FORMAT " bytes of text; the template or its data is too large",
						 st->max_made);
	if (!expr_charge(st, buf->len / 64))
		return NULL;
	v = palloc0(sizeof(FpValue));
	v->type = FP_STRING;
	v->u.str.ptr = buf->data;
	v->u.str.len = buf->len;
	return v;
}

/* A string value copied from s, counted against the budget. */
FpValue *
expr_new_string(EvalState *st, const char *s, int len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, s, len);
	return expr_take_string(st, &buf);
}

/* The value of a variable: a loop variable, loop, or a context variable. */
static FpValue *
lookup_var(EvalState *st, const ENode *n)
{
	ExprScope  *sc;
	FpValue    *vars = st->env->vars;
	FpValue    *v;

	for (sc = st->scope; sc != NULL; sc = sc->up)
	{
		if (sc->name1 != NULL && strcmp(sc->name1, n->name) == 0)
			return sc->value1;
		if (sc->name2 != NULL && strcmp(sc->name2, n->name) == 0)
			return sc->value2;
		if (sc->loop != NULL && strcmp(n->name, "loop") == 0)
			return sc->loop;
	}
	if (vars != NULL && vars->type == FP_OBJECT &&
		!expr_charge(st, vars->u.obj.count / 8))
		return NULL;
	v = fp_getn(vars, n->name, n->namelen);
	if (v == NULL)
		return expr_undefined(st, n->name, n->namelen);
	return v;
}

/* obj.name, or undefined. */
static FpValue *
get_attr(EvalState *st, FpValue *obj, const char *name, int len)
{
	if (obj->type == FP_OBJECT)
	{
		FpValue    *v;

		if (!expr_charge(st, obj->u.obj.count / 8))
			return NULL;
		v = fp_getn(obj, name, len);
		if (v != NULL)
			return v;
	}
	return expr_undefined(st, name, len);
}

/* obj[index]: a list item by number, a map entry by key, or undefined. */
static FpValue *
get_index(EvalState *st, FpValue *obj, FpValue *index)
{
	const char *key;
	int			keylen;

	if (index->type != FP_STRING && !fp_is_number(index))
		return expr_fail(st, "a subscript must be a string or a number, not %s",
						 expr_type_name(index));
	if (obj->type == FP_ARRAY && fp_is_number(index))
	{
		double		d = fp_as_double(index);

		if (index->type == FP_INT ? (index->u.i >= 0 && index->u.i < obj->u.arr.count)
			: (d >= 0 && d < obj->u.arr.count && d == (double) (int) d))
			return obj->u.arr.items[index->type == FP_INT ? (int) index->u.i : (int) d];
	}
	if (!expr_text_of(st, index, &key, &keylen))
		return NULL;
	if (obj->type == FP_OBJECT && (int) strlen(key) == keylen)
		return get_attr(st, obj, key, keylen);
	return expr_undefined(st, key, keylen);
}

/*
 * Evaluate n, catching an undefined result: *undef tells whether it was
 * undefined (then the result is NULL and no error is pending).
 */
static FpValue *
eval_lenient(EvalState *st, const ENode *n, bool *undef)
{
	FpValue    *v = expr_eval(st, n);

	*undef = false;
	if (v == NULL && st->undefined)
	{
		expr_clear_error(st);
		*undef = true;
	}
	return v;
}

/* Evaluate the argument slots of a call into args. */
static bool
eval_args(EvalState *st, const ENode *n, FpValue **args)
{
	int			i;

	for (i = 0; i < n->nitems && i < EXPR_MAX_PARAMS; i++)
	{
		args[i] = NULL;
		if (n->items[i] != NULL && (args[i] = expr_eval(st, n->items[i])) == NULL)
			return false;
	}
	return true;
}

/* Apply a filter or test, with the lenient input handling of default, defined and null. */
static FpValue *
eval_invocation(EvalState *st, const ENode *n)
{
	FpValue    *args[EXPR_MAX_PARAMS];
	FpValue    *input = NULL;
	FpValue    *r;

	if (n->a != NULL)
	{
		if (n->fn->lenient)
		{
			bool		undef;

			input = eval_lenient(st, n->a, &undef);
			if (input == NULL && !undef)
				return NULL;
		}
		else if ((input = expr_eval(st, n->a)) == NULL)
			return NULL;
	}
	if (!eval_args(st, n, args))
		return NULL;
	r = n->fn->impl(st, n, input, args);
	if (r != NULL && n->kind == EN_TEST && n->op)
		r = expr_bool(!r->u.b);
	return r;
}

/* A list literal with computed items. */
static FpValue *
eval_list(EvalState *st, const ENode *n)
{
	FpValue    *list = fp_array(n->nitems);
	int			i;

	for (i = 0; i < n->nitems; i++)
	{
		FpValue    *v = expr_eval(st, n->items[i]);

		if (v == NULL)
			return NULL;
		fp_append(list, v);
	}
	return list;
}

/* A map literal with computed keys or values. */
static FpValue *
eval_map(EvalState *st, const ENode *n)
{
	char	  **keys = palloc(sizeof(char *) * Max(n->nitems, 1));
	FpValue   **values = palloc(sizeof(FpValue *) * Max(n->nitems, 1));
	int			i;

	for (i = 0; i < n->nitems; i++)
	{
		FpValue    *k = expr_eval(st, n->keys[i]);
		const char *s;
		int			len;

		if (k == NULL)
			return NULL;
		if (k->type != FP_STRING && !fp_is_number(k))
			return expr_fail(st, "a map key must be a string or a number, not %s",
							 expr_type_name(k));
		if (!expr_text_of(st, k, &s, &len))
			return NULL;
		keys[i] = pnstrdup(s, len);
		if ((values[i] = expr_eval(st, n->items[i])) == NULL)
			return NULL;
	}
	return expr_make_object(keys, values, n->nitems);
}

/*
 * Evaluate an expression tree.  Returns its value (never to be modified:
 * it may be shared with the context or a literal), or NULL with an error
 * pending in st.
 */
FpValue *
expr_eval(EvalState *st, const ENode *n)
{
	FpValue    *a;
	FpValue    *b;
	bool		undef;

	if (!expr_charge(st, 1))
		return NULL;
#ifndef FRONTEND
	/* the tree's depth is bounded at compile time; this is a second guard */
	if (stack_is_too_deep())
		return expr_fail(st, "expression nested too deeply");
#endif
	switch (n->kind)
	{
		case EN_LITERAL:
			return n->value;
		case EN_VAR:
			return lookup_var(st, n);
		case EN_ATTR:
			if ((a = expr_eval(st, n->a)) == NULL)
				return NULL;
			return get_attr(st, a, n->name, n->namelen);
		case EN_INDEX:
			if ((a = expr_eval(st, n->a)) == NULL || (b = expr_eval(st, n->b)) == NULL)
				return NULL;
			return get_index(st, a, b);
		case EN_LIST:
			return eval_list(st, n);
		case EN_MAP:
			return eval_map(st, n);
		case EN_NOT:
			if ((a = expr_eval(st, n->a)) == NULL)
				return NULL;
			return expr_bool(!expr_truthy(a));
		case EN_NEG:
		case EN_POS:
			if ((a = expr_eval(st, n->a)) == NULL)
				return NULL;
			return expr_negate(st, a, n->kind == EN_NEG);
		case EN_AND:
		case EN_OR:
			if ((a = expr_eval(st, n->a)) == NULL)
				return NULL;
			/* the right side is evaluated only when it decides */
			if (expr_truthy(a) == (n->kind == EN_OR))
				return expr_bool(n->kind == EN_OR);
			if ((b = expr_eval(st, n->b)) == NULL)
				return NULL;
			return expr_bool(expr_truthy(b));
		case EN_BINARY:
			if ((a = expr_eval(st, n->a)) == NULL || (b = expr_eval(st, n->b)) == NULL)
				return NULL;
			return expr_binary(st, (EBinOp) n->op, a, b);
		case EN_TERNARY:
			if ((a = expr_eval(st, n->a)) == NULL)
				return NULL;
			/* only the chosen branch is evaluated */
			return expr_eval(st, expr_truthy(a) ? n->b : n->c);
		case EN_COALESCE:
			a = eval_lenient(st, n->a, &undef);
			if (a == NULL && !undef)
				return NULL;
			if (a != NULL && a->type != FP_NULL)
				return a;
			return expr_eval(st, n->b);
		case EN_UNDEF_COALESCE:
			a = eval_lenient(st, n->a, &undef);
			if (a == NULL && !undef)
				return NULL;
			if (a != NULL)
				return a;
			return expr_eval(st, n->b);
		case EN_TEST:
		case EN_FILTER:
		case EN_CALL:
			return eval_invocation(st, n);
	}
	return expr_fail(st, "unknown expression node %d", (int) n->kind);
}

/* Append literal text to the output, within its limit. */
static bool
emit_text(EvalState *st, StringInfo out, const char *text, int len)
{
	if ((int64) out->len + len > st->max_output - st->out_used)
	{
		expr_fail(st, "the result is larger than the limit of %d bytes", st->max_output);
		return false;
	}
	if (!expr_charge(st, 1 + len / 64))
		return false;
	appendBinaryStringInfo(out, text, len);
	return true;
}

/* {% if %} ... {% elseif %} ... {% else %} ... {% endif %} */
static bool
render_if(EvalState *st, const TNode *n, StringInfo out)
{
	int			i;

	for (i = 0; i < n->nbranches; i++)
	{
		const TBranch *br = &n->branches[i];
		FpValue    *cond;

		st->qstart = br->start;
		st->qend = br->end;
		if ((cond = expr_eval(st, br->cond)) == NULL)
			return false;
		if (expr_truthy(cond))
			return render_body(st, &br->body, out);
	}
	if (n->has_else)
		return render_body(st, &n->else_body, out);
	return true;
}

/* The loop variable of an iteration: loop.index (from 0), revindex, first, last, length. */
static FpValue *
loop_object(int i, int count)
{
	FpValue    *loop = fp_object(5);

	expr_pair_append(loop, "index", fp_int(i));
	expr_pair_append(loop, "revindex", fp_int(count - 1 - i));
	expr_pair_append(loop, "first", expr_bool(i == 0));
	expr_pair_append(loop, "last", expr_bool(i == count - 1));
	expr_pair_append(loop, "length", fp_int(count));
	return loop;
}

/*
 * {% for x in list %}, {% for i, x in list %}, {% for entry in map %}
 * (entry.key, entry.value), {% for k, v in map %}; the else part runs
 * when there is nothing to iterate.  null iterates nothing.
 */
static bool
render_for(EvalState *st, const TNode *n, StringInfo out)
{
	FpValue    *v;
	int			count;
	ExprScope	scope;
	bool		ok = true;
	int			i;

#ifndef FRONTEND
	MemoryContext loop_cxt;
	MemoryContext old;
#endif

	st->qstart = n->start;
	st->qend = n->end;
	if ((v = expr_eval(st, n->expr)) == NULL)
		return false;
	if (v->type == FP_ARRAY)
		count = v->u.arr.count;
	else if (v->type == FP_OBJECT)
		count = v->u.obj.count;
	else if (v->type == FP_NULL)
		count = 0;
	else
	{
		expr_fail(st, "cannot iterate over %s", expr_type_name(v));
		return false;
	}
	if (count == 0)
		return n->has_else ? render_body(st, &n->else_body, out) : true;

#ifndef FRONTEND
	loop_cxt = AllocSetContextCreate(CurrentMemoryContext, "flowpg expression loop",
									 ALLOCSET_SMALL_SIZES);
#endif
	memset(&scope, 0, sizeof(scope));
	scope.up = st->scope;
	scope.name1 = n->var1;
	scope.name2 = n->var2;
	st->scope = &scope;
	for (i = 0; i < count && ok; i++)
	{
#ifndef FRONTEND
		old = MemoryContextSwitchTo(loop_cxt);
#endif
		if (!expr_charge(st, 1))
			ok = false;
		else
		{
			if (v->type == FP_ARRAY)
			{
				if (n->var2 != NULL)
				{
					scope.value1 = fp_int(i);
					scope.value2 = v->u.arr.items[i];
				}
				else
					scope.value1 = v->u.arr.items[i];
			}
			else
			{
				FpValue    *key = fp_cstring(v->u.obj.pairs[i].key);

				if (n->var2 != NULL)
				{
					scope.value1 = key;
					scope.value2 = v->u.obj.pairs[i].value;
				}
				else
				{
					FpValue    *entry = fp_object(2);

					expr_pair_append(entry, "key", key);
					expr_pair_append(entry, "value", v->u.obj.pairs[i].value);
					scope.value1 = entry;
				}
			}
			scope.loop = loop_object(i, count);
			ok = render_body(st, &n->body, out);
		}
#ifndef FRONTEND
		MemoryContextSwitchTo(old);
		MemoryContextReset(loop_cxt);
#endif
	}
	st->scope = scope.up;
#ifndef FRONTEND
	MemoryContextDelete(loop_cxt);
#endif
	return ok;
}

/* Render the nodes of a body into out. */
static bool
render_body(EvalState *st, const TBody *body, StringInfo out)
{
	int			i;

	for (i = 0; i < body->n; i++)
	{
		const TNode *n = body->items[i];
		FpValue    *v;

		switch (n->kind)
		{
			case TN_TEXT:
				if (!emit_text(st, out, n->text, n->len))
					return false;
				break;
			case TN_OUTPUT:
				st->qstart = n->start;
				st->qend = n->end;
				if ((v = expr_eval(st, n->expr)) == NULL)
					return false;
				if (!expr_append_text(st, out, v, st->max_output - st->out_used))
					return false;
				break;
			case TN_IF:
				if (!render_if(st, n, out))
					return false;
				break;
			case TN_FOR:
				if (!render_for(st, n, out))
					return false;
				break;
		}
	}
	return true;
}

/* Set up the state of one render call (of one template or a value tree). */
static void
init_state(EvalState *st, ExprEnv *env)
{
	memset(st, 0, sizeof(EvalState));
	st->env = env;
	st->max_output = env->max_output > 0 ? env->max_output : EXPR_DEFAULT_MAX_OUTPUT;
	st->max_steps = expr_step_base + st->max_output / 2;
	st->max_made = INT64CONST(1048576) + 4 * (int64) st->max_output;
#ifndef FRONTEND
	st->err_cxt = CurrentMemoryContext;
#endif
}

/* The part of the source an error message quotes, cut at EXPR_MAX_QUOTE bytes. */
static char *
quote_source(const Template *t, int start, int end)
{
	int			len = end - start;

	if (start < 0 || end > t->len || len <= 0)
		return pstrdup("");
	if (len > EXPR_MAX_QUOTE)
	{
		/* cut at a character boundary */
		int			cut = expr_char_offset(t->src + start, len,
										   expr_char_count(t->src + start, EXPR_MAX_QUOTE));

		while (cut > EXPR_MAX_QUOTE)
			cut = expr_char_offset(t->src + start, len,
								   expr_char_count(t->src + start, cut) - 1);
		return psprintf("%.*s...", cut, t->src + start);
	}
	return pnstrdup(t->src + start, len);
}

/* The message of the pending error, in the style of SPEC section 3. */
static char *
error_message(EvalState *st)
{
	char	   *quote;

	if (st->t == NULL || st->qend <= st->qstart)
		return pstrdup(st->message ? st->message : "error");
	quote = quote_source(st->t, st->qstart, st->qend);
	if (st->undefined)
		return psprintf("unable to find `%s` used in the expression `%s`", st->message, quote);
	return psprintf("%s in the expression `%s`", st->message ? st->message : "error", quote);
}

/* Render one template with a state shared by a whole value tree. */
static FpValue *
render_template(EvalState *st, Template *t)
{
	StringInfoData out;
	FpValue    *v;

	st->t = t;
	st->qstart = st->qend = 0;
	if (t->plain)
	{
		if (t->len > st->max_output - st->out_used)
			return expr_fail(st, "the result is larger than the limit of %d bytes",
							 st->max_output);
		st->out_used += t->len;
		return fp_string(t->src, t->len);
	}
	if (t->single != NULL)
	{
		int64		made;

		st->qstart = t->single->start;
		st->qend = t->single->end;
		if ((v = expr_eval(st, t->single->expr)) == NULL)
			return NULL;
		/* hand back a copy that the caller owns; its strings count as output */
		made = st->made;
		st->made = 0;
		st->max_made = Max(st->max_output - st->out_used, 0);
		v = expr_copy(st, v);
		st->out_used += st->made;
		st->made += made;
		st->max_made = INT64CONST(1048576) + 4 * (int64) st->max_output;
		return v;
	}
	initStringInfo(&out);
	if (!render_body(st, &t->body, &out))
	{
		pfree(out.data);
		return NULL;
	}
	st->out_used += out.len;
	v = palloc0(sizeof(FpValue));
	v->type = FP_STRING;
	v->u.str.ptr = out.data;
	v->u.str.len = out.len;
	return v;
}

/* ---------------------------------------------------------------------
 * The public functions (expr.h)
 * ---------------------------------------------------------------------
 */

/* True when src contains "{{", "{%" or "{#", that is, it is not plain text. */
bool
expr_is_template(const char *src, int len)
{
	int			pos = 0;

	while (pos + 1 < len)
	{
		const char *brace = memchr(src + pos, '{', len - pos - 1);

		if (brace == NULL)
			return false;
		pos = brace - src;
		if (src[pos + 1] == '{' || src[pos + 1] == '%' || src[pos + 1] == '#')
			return true;
		pos++;
	}
	return false;
}

/* Compile src (len bytes); NULL and *err filled on a syntax error. */
Template *
expr_compile(const char *src, int len, ExprSyntaxError *err)
{
	ExprSyntaxError local;

	if (err == NULL)
		err = &local;
	return expr_parse_template(src, len, err);
}

/*
 * Render a compiled template.  A template that is exactly one {{ expr }}
 * yields a copy of the expression's value with its JSON type; any other
 * yields a string.  NULL and *error on failure.
 */
FpValue *
expr_render(Template *t, ExprEnv *env, char **error)
{
	EvalState	st;
	FpValue    *v;

	init_state(&st, env);
	v = render_template(&st, t);
	if (v == NULL)
		*error = error_message(&st);
	return v;
}

/*
 * Compile every string in a value tree that is a template, caching it in
 * the string's FpValue; plain strings are left uncompiled.
 */
bool
expr_compile_value(FpValue *v, ExprSyntaxError *err, FpValue **bad)
{
	int			i;

	switch (v->type)
	{
		case FP_STRING:
			if (v->u.str.compiled != NULL || !expr_is_template(v->u.str.ptr, v->u.str.len))
				return true;
			v->u.str.compiled = expr_compile(v->u.str.ptr, v->u.str.len, err);
			if (v->u.str.compiled == NULL)
			{
				*bad = v;
				return false;
			}
			return true;
		case FP_ARRAY:
			for (i = 0; i < v->u.arr.count; i++)
				if (!expr_compile_value(v->u.arr.items[i], err, bad))
					return false;
			return true;
		case FP_OBJECT:
			for (i = 0; i < v->u.obj.count; i++)
				if (!expr_compile_value(v->u.obj.pairs[i].value, err, bad))
					return false;
			return true;
		default:
			return true;
	}
}

/* The byte offset off of src as a 1-based character position. */
static int
char_position(const char *src, int len, int off)
{
	return expr_char_count(src, Min(Max(off, 0), len)) + 1;
}

/* Render a value tree with one shared state (one output budget). */
static FpValue *
render_tree(EvalState *st, FpValue *v)
{
	FpValue    *r;
	int			i;

	switch (v->type)
	{
		case FP_STRING:
			{
				Template   *t = (Template *) v->u.str.compiled;

				if (t == NULL && expr_is_template(v->u.str.ptr, v->u.str.len))
				{
					ExprSyntaxError err;

					t = expr_compile(v->u.str.ptr, v->u.str.len, &err);
					if (t == NULL)
					{
						st->t = NULL;
						return expr_fail(st, "invalid template: %s at character %d", err.message,
										 char_position(v->u.str.ptr, v->u.str.len, err.offset));
					}
				}
				if (t == NULL)
				{
					st->t = NULL;
					if (v->u.str.len > st->max_output - st->out_used)
						return expr_fail(st, "the result is larger than the limit of %d bytes",
										 st->max_output);
					st->out_used += v->u.str.len;
					return fp_string(v->u.str.ptr, v->u.str.len);
				}
				return render_template(st, t);
			}
		case FP_ARRAY:
			r = fp_array(v->u.arr.count);
			for (i = 0; i < v->u.arr.count; i++)
			{
				FpValue    *item = render_tree(st, v->u.arr.items[i]);

				if (item == NULL)
					return NULL;
				fp_append(r, item);
			}
			return r;
		case FP_OBJECT:
			r = fp_object(v->u.obj.count);
			for (i = 0; i < v->u.obj.count; i++)
			{
				FpValue    *item = render_tree(st, v->u.obj.pairs[i].value);

				if (item == NULL)
					return NULL;
				expr_pair_append(r, pstrdup(v->u.obj.pairs[i].key), item);
			}
			return r;
		default:
			r = palloc(sizeof(FpValue));
			*r = *v;
			return r;
	}
}

/*
 * Render a value tree: strings as templates (compiled ones from their
 * cache, others compiled on the fly), lists and maps element by element;
 * map keys are kept as they are.  The output limit applies to the whole
 * tree.  Returns a new tree, or NULL and *error.
 */
FpValue *
expr_render_value(FpValue *v, ExprEnv *env, char **error)
{
	EvalState	st;
	FpValue    *r;

	init_state(&st, env);
	r = render_tree(&st, v);
	if (r == NULL)
		*error = error_message(&st);
	return r;
}

/* Render a value tree and give its text form (strings as themselves, the rest as JSON). */
char *
expr_render_text(FpValue *v, ExprEnv *env, char **error)
{
	FpValue    *r = expr_render_value(v, env, error);

	if (r == NULL)
		return NULL;
	return fp_to_text(r);
}
