/*-------------------------------------------------------------------------
 *
 * expr.c
 *	  The public functions of expr.h: compile templates (expr_parse.c) and
 *	  render them and value trees (expr_eval.c), turning a pending error into
 *	  the message the caller gets.  The top of the expression language: no
 *	  other expr_*.c file calls into this one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "expr_internal.h"

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

/* ---------------------------------------------------------------------
 * The public functions (expr.h)
 * ---------------------------------------------------------------------
 */

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
	v = expr_render_template(&st, t);
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
				return expr_render_template(st, t);
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
