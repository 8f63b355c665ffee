/*-------------------------------------------------------------------------
 *
 * expr_runtime.c
 *	  The runtime every expression file uses: the state of a render's errors
 *	  (expr_fail, expr_undefined), its budget (expr_charge, counted strings),
 *	  shared constant values, and building maps.  The bottom of the
 *	  expression language: it calls no other expr_*.c file.
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

/*
 * Append key: value to obj without looking for key first: for building
 * maps whose keys are known to be unique.  key is not copied.
 */
void
expr_pair_append(FpValue *obj, char *key, FpValue *value)
{
	FpPair	   *p;

	if (obj->u.obj.count == obj->u.obj.cap)
	{
		obj->u.obj.cap *= 2;
		obj->u.obj.pairs = repalloc(obj->u.obj.pairs, sizeof(FpPair) * obj->u.obj.cap);
	}
	p = &obj->u.obj.pairs[obj->u.obj.count++];
	memset(p, 0, sizeof(FpPair));
	p->key = key;
	p->value = value;
}

/*
 * A map from n keys and values, as {k1: v1, k2: v2, ...} makes it: a key
 * given twice keeps its first place and its last value, at n log n cost.
 */
FpValue *
expr_make_object(char **keys, FpValue **values, int n)
{
	FpValue    *obj = fp_object(n);
	int			i;

	for (i = 0; i < n; i++)
		fp_set_new(obj, keys[i], values[i]);
	fp_dedupe_keys(obj);
	return obj;
}
