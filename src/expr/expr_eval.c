/*-------------------------------------------------------------------------
 *
 * expr_eval.c
 *	  Evaluating expression trees and rendering compiled templates, over the
 *	  runtime helpers of expr_runtime.c; the public functions of expr.h that
 *	  compile and render are in expr.c, above this file.
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

static bool render_body(EvalState *st, const TBody *body, StringInfo out);

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
			case TN_BLOCK:
				if (!render_body(st, &n->body, out))
					return false;
				break;
		}
	}
	return true;
}

/* Render one template with a state shared by a whole value tree (expr_internal.h). */
FpValue *
expr_render_template(EvalState *st, Template *t)
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

/*
 * block('name'): the body of the block of that name of the template being
 * rendered, rendered again where the function is called (expr_internal.h);
 * a block that calls itself ends at EXPR_MAX_RENDER_DEPTH.
 */
FpValue *
expr_render_block(EvalState *st, const char *name)
{
	const Template *t = st->t;
	const TNode *block = NULL;
	StringInfoData out;
	FpValue    *v;
	int			qstart = st->qstart;
	int			qend = st->qend;
	int			i;
	bool		ok;

	for (i = 0; t != NULL && i < t->nblocks; i++)
		if (strcmp(t->blocks[i]->var1, name) == 0)
			block = t->blocks[i];
	if (block == NULL)
		return expr_fail(st, "there is no block \"%s\"", name);
	if (st->render_depth >= EXPR_MAX_RENDER_DEPTH)
		return expr_fail(st, "block() and render() nest more than %d deep", EXPR_MAX_RENDER_DEPTH);
	st->render_depth++;
	initStringInfo(&out);
	ok = render_body(st, &block->body, &out);
	st->render_depth--;
	if (!ok)
		return NULL;
	st->qstart = qstart;
	st->qend = qend;
	v = palloc0(sizeof(FpValue));
	v->type = FP_STRING;
	v->u.str.ptr = out.data;
	v->u.str.len = out.len;
	return v;
}
