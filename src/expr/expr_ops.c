/*-------------------------------------------------------------------------
 *
 * expr_ops.c
 *	  The operators of the template language and the value conversions they
 *	  share with the filters: arithmetic (int64 with overflow checks, Pebble's
 *	  integer division), comparisons, equality, contains, ranges, text and
 *	  JSON forms with a size bound, copies, and the truthiness rule of SPEC
 *	  section 3.
 *
 * Values are never modified here: every result is a new value or one of
 * the operands.  Every walk over a value charges the evaluation's step
 * budget, so that no operator can take time out of proportion to the
 * limits of a render.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"

#include "expr_internal.h"

/* "a string", "an integer", ...: the kind of a value, for error messages. */
const char *
expr_type_name(const FpValue *v)
{
	if (v == NULL)
		return "undefined";
	switch (v->type)
	{
		case FP_NULL:
			return "null";
		case FP_BOOL:
			return "a boolean";
		case FP_INT:
			return "an integer";
		case FP_FLOAT:
			return "a decimal number";
		case FP_STRING:
			return "a string";
		case FP_ARRAY:
			return "a list";
		case FP_OBJECT:
			return "a map";
	}
	return "a value";
}

/*
 * The truthiness rule of SPEC section 3: a boolean is itself; null (and
 * undefined, passed as NULL) is false; a number is true unless zero; a
 * string is false when, trimmed and ignoring case, it is "false", "0",
 * "-0", "no", "null" or empty; lists and maps are true unless empty.
 */
bool
expr_truthy(const FpValue *v)
{
	static const char *const falsy[] = {"false", "0", "-0", "no", "null"};
	const char *s;
	int			len;
	int			i;

	if (v == NULL)
		return false;
	switch (v->type)
	{
		case FP_NULL:
			return false;
		case FP_BOOL:
			return v->u.b;
		case FP_INT:
			return v->u.i != 0;
		case FP_FLOAT:
			return v->u.f != 0;
		case FP_ARRAY:
			return v->u.arr.count > 0;
		case FP_OBJECT:
			return v->u.obj.count > 0;
		case FP_STRING:
			break;
	}
	s = v->u.str.ptr;
	len = v->u.str.len;
	while (len > 0 && (unsigned char) s[0] <= ' ')
	{
		s++;
		len--;
	}
	while (len > 0 && (unsigned char) s[len - 1] <= ' ')
		len--;
	if (len == 0)
		return false;
	for (i = 0; i < (int) lengthof(falsy); i++)
		if ((int) strlen(falsy[i]) == len && pg_strncasecmp(s, falsy[i], len) == 0)
			return false;
	return true;
}

/* Fail unless buf fits in limit bytes. */
static bool
check_size(EvalState *st, StringInfo buf, int64 limit)
{
	if (buf->len > limit)
	{
		expr_fail(st, "the result is larger than the limit of " INT64_FORMAT " bytes", limit);
		return false;
	}
	return true;
}

/*
 * Append v as compact JSON, failing once buf grows past limit.  Unlike
 * fp_append_json this checks as it goes, so that a list holding the same
 * large value many times cannot build a huge text before the check.
 */
bool
expr_append_json(EvalState *st, StringInfo buf, const FpValue *v, int64 limit)
{
	int			i;

	if (!expr_charge(st, 1))
		return false;
	switch (v->type)
	{
		case FP_ARRAY:
			appendStringInfoChar(buf, '[');
			for (i = 0; i < v->u.arr.count; i++)
			{
				if (i > 0)
					appendStringInfoChar(buf, ',');
				if (!expr_append_json(st, buf, v->u.arr.items[i], limit))
					return false;
			}
			appendStringInfoChar(buf, ']');
			break;
		case FP_OBJECT:
			appendStringInfoChar(buf, '{');
			for (i = 0; i < v->u.obj.count; i++)
			{
				FpValue		key;

				if (i > 0)
					appendStringInfoChar(buf, ',');
				memset(&key, 0, sizeof(key));
				key.type = FP_STRING;
				key.u.str.ptr = v->u.obj.pairs[i].key;
				key.u.str.len = strlen(key.u.str.ptr);
				fp_append_json(buf, &key);
				appendStringInfoChar(buf, ':');
				if (!expr_append_json(st, buf, v->u.obj.pairs[i].value, limit))
					return false;
			}
			appendStringInfoChar(buf, '}');
			break;
		case FP_STRING:
			if (!expr_charge(st, v->u.str.len / 64))
				return false;
			fp_append_json(buf, v);
			break;
		default:
			fp_append_json(buf, v);
			break;
	}
	return check_size(st, buf, limit);
}

/*
 * Append v as template output: a string as itself, null as nothing, numbers
 * and booleans as text, lists and maps as JSON; fail past limit bytes.
 */
bool
expr_append_text(EvalState *st, StringInfo buf, const FpValue *v, int64 limit)
{
	switch (v->type)
	{
		case FP_NULL:
			return true;
		case FP_STRING:
			if ((int64) buf->len + v->u.str.len > limit)
			{
				expr_fail(st, "the result is larger than the limit of " INT64_FORMAT " bytes",
						  limit);
				return false;
			}
			if (!expr_charge(st, v->u.str.len / 64))
				return false;
			appendBinaryStringInfo(buf, v->u.str.ptr, v->u.str.len);
			return true;
		case FP_ARRAY:
		case FP_OBJECT:
			return expr_append_json(st, buf, v, limit);
		default:
			fp_append_json(buf, v);
			return check_size(st, buf, limit);
	}
}

/*
 * The text form of v (as expr_append_text makes it) in *s / *len.  Strings
 * are returned as they are, without a copy.
 */
bool
expr_text_of(EvalState *st, const FpValue *v, const char **s, int *len)
{
	StringInfoData buf;

	if (v->type == FP_STRING)
	{
		*s = v->u.str.ptr;
		*len = v->u.str.len;
		return true;
	}
	if (v->type == FP_NULL)
	{
		*s = "";
		*len = 0;
		return true;
	}
	initStringInfo(&buf);
	if (!expr_append_text(st, &buf, v, st->max_output))
		return false;
	*s = buf.data;
	*len = buf.len;
	return true;
}

/* An integer argument: an integer, or a decimal number with no fraction. */
bool
expr_int_arg(EvalState *st, const FpValue *v, const char *what, int64 *result)
{
	if (v != NULL && v->type == FP_INT)
	{
		*result = v->u.i;
		return true;
	}
	if (v != NULL && v->type == FP_FLOAT && v->u.f == floor(v->u.f) &&
		v->u.f >= -9.2e18 && v->u.f <= 9.2e18)
	{
		*result = (int64) v->u.f;
		return true;
	}
	expr_fail(st, "%s must be an integer, not %s", what, expr_type_name(v));
	return false;
}

/* Compare two numbers: <0, 0, >0. */
static int
compare_numbers(const FpValue *a, const FpValue *b)
{
	long double x;
	long double y;

	if (a->type == FP_INT && b->type == FP_INT)
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	x = a->type == FP_INT ? (long double) a->u.i : (long double) a->u.f;
	y = b->type == FP_INT ? (long double) b->u.i : (long double) b->u.f;
	return (x > y) - (x < y);
}

/* Whether a and b are equal JSON values (numbers by value, maps ignoring key order). */
bool
expr_equal(EvalState *st, const FpValue *a, const FpValue *b, bool *result)
{
	int			i;

	if (!expr_charge(st, 1))
		return false;
	*result = false;
	if (fp_is_number(a) && fp_is_number(b))
	{
		*result = compare_numbers(a, b) == 0;
		return true;
	}
	if (a->type != b->type)
		return true;
	switch (a->type)
	{
		case FP_NULL:
			*result = true;
			break;
		case FP_BOOL:
			*result = a->u.b == b->u.b;
			break;
		case FP_STRING:
			if (!expr_charge(st, a->u.str.len / 64))
				return false;
			*result = a->u.str.len == b->u.str.len &&
				memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
			break;
		case FP_ARRAY:
			if (a->u.arr.count != b->u.arr.count)
				break;
			for (i = 0; i < a->u.arr.count; i++)
			{
				if (!expr_equal(st, a->u.arr.items[i], b->u.arr.items[i], result))
					return false;
				if (!*result)
					return true;
			}
			*result = true;
			break;
		case FP_OBJECT:
			if (a->u.obj.count != b->u.obj.count)
				break;
			if (!expr_charge(st, (int64) a->u.obj.count * b->u.obj.count / 16))
				return false;
			for (i = 0; i < a->u.obj.count; i++)
			{
				FpValue    *other = fp_get(b, a->u.obj.pairs[i].key);

				if (other == NULL)
				{
					*result = false;
					return true;
				}
				if (!expr_equal(st, a->u.obj.pairs[i].value, other, result))
					return false;
				if (!*result)
					return true;
			}
			*result = true;
			break;
		default:
			break;
	}
	return true;
}

/* <, >, <=, >=: numbers by value, strings by code point; null gives false. */
static FpValue *
compare(EvalState *st, EBinOp op, FpValue *a, FpValue *b)
{
	int			c;

	if (a->type == FP_NULL || b->type == FP_NULL)
		return expr_bool(false);
	if (fp_is_number(a) && fp_is_number(b))
		c = compare_numbers(a, b);
	else if (a->type == FP_STRING && b->type == FP_STRING)
	{
		int			n = Min(a->u.str.len, b->u.str.len);

		if (!expr_charge(st, n / 64))
			return NULL;
		c = memcmp(a->u.str.ptr, b->u.str.ptr, n);
		if (c == 0)
			c = (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
	}
	else
		return expr_fail(st, "cannot compare %s with %s", expr_type_name(a), expr_type_name(b));
	switch (op)
	{
		case OP_LT:
			return expr_bool(c < 0);
		case OP_GT:
			return expr_bool(c > 0);
		case OP_LE:
			return expr_bool(c <= 0);
		default:
			return expr_bool(c >= 0);
	}
}

/* The symbol of an arithmetic operator, for messages. */
static const char *
op_symbol(EBinOp op)
{
	switch (op)
	{
		case OP_ADD:
			return "+";
		case OP_SUB:
			return "-";
		case OP_MUL:
			return "*";
		case OP_DIV:
			return "/";
		case OP_MOD:
			return "%";
		default:
			return "?";
	}
}

/* A decimal result, refused when it is not finite (JSON cannot carry it). */
static FpValue *
float_result(EvalState *st, double f)
{
	if (isnan(f) || isinf(f))
		return expr_fail(st, "numeric result out of range");
	return fp_float(f);
}

/* + - * / % on two numbers: int64 with overflow checks, else double. */
static FpValue *
arithmetic(EvalState *st, EBinOp op, FpValue *a, FpValue *b)
{
	if (!fp_is_number(a) || !fp_is_number(b))
		return expr_fail(st, "operator \"%s\" cannot be applied to %s and %s",
						 op_symbol(op), expr_type_name(a), expr_type_name(b));
	if (a->type == FP_INT && b->type == FP_INT)
	{
		int64		x = a->u.i;
		int64		y = b->u.i;
		int64		r = 0;
		bool		overflow = false;

		switch (op)
		{
			case OP_ADD:
				overflow = pg_add_s64_overflow(x, y, &r);
				break;
			case OP_SUB:
				overflow = pg_sub_s64_overflow(x, y, &r);
				break;
			case OP_MUL:
				overflow = pg_mul_s64_overflow(x, y, &r);
				break;
			case OP_DIV:
				if (y == 0)
					return expr_fail(st, "division by zero");
				if (x == PG_INT64_MIN && y == -1)
					overflow = true;
				else
					r = x / y;
				break;
			case OP_MOD:
				if (y == 0)
					return expr_fail(st, "division by zero");
				r = (y == -1) ? 0 : x % y;
				break;
			default:
				break;
		}
		if (overflow)
			return expr_fail(st, "integer out of range");
		return fp_int(r);
	}
	else
	{
		double		x = fp_as_double(a);
		double		y = fp_as_double(b);

		switch (op)
		{
			case OP_ADD:
				return float_result(st, x + y);
			case OP_SUB:
				return float_result(st, x - y);
			case OP_MUL:
				return float_result(st, x * y);
			case OP_DIV:
				if (y == 0)
					return expr_fail(st, "division by zero");
				return float_result(st, x / y);
			case OP_MOD:
				if (y == 0)
					return expr_fail(st, "division by zero");
				return float_result(st, fmod(x, y));
			default:
				return expr_fail(st, "unknown operator");
		}
	}
}

/* a ~ b, and + when either side is a string: the two text forms joined. */
static FpValue *
concatenate(EvalState *st, FpValue *a, FpValue *b)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (!expr_append_text(st, &buf, a, st->max_output) ||
		!expr_append_text(st, &buf, b, st->max_output))
		return NULL;
	return expr_take_string(st, &buf);
}

/* list + x: a new list with x appended (x's items when x is a list). */
static FpValue *
list_add(EvalState *st, FpValue *a, FpValue *b)
{
	int			extra = b->type == FP_ARRAY ? b->u.arr.count : 1;
	FpValue    *r;
	int			i;

	if (!expr_charge(st, a->u.arr.count + extra))
		return NULL;
	r = fp_array(a->u.arr.count + extra);
	for (i = 0; i < a->u.arr.count; i++)
		fp_append(r, a->u.arr.items[i]);
	if (b->type == FP_ARRAY)
		for (i = 0; i < b->u.arr.count; i++)
			fp_append(r, b->u.arr.items[i]);
	else
		fp_append(r, b);
	return r;
}

/* Whether list contains an item equal to x. */
static bool
list_has(EvalState *st, const FpValue *list, const FpValue *x, bool *found)
{
	int			i;

	*found = false;
	for (i = 0; i < list->u.arr.count; i++)
	{
		if (!expr_equal(st, list->u.arr.items[i], x, found))
			return false;
		if (*found)
			return true;
	}
	return true;
}

/* list - x: a new list without the items equal to x (to any of x's items when x is a list). */
static FpValue *
list_subtract(EvalState *st, FpValue *a, FpValue *b)
{
	FpValue    *r = fp_array(a->u.arr.count);
	int			i;

	for (i = 0; i < a->u.arr.count; i++)
	{
		bool		drop;

		if (b->type == FP_ARRAY)
		{
			if (!list_has(st, b, a->u.arr.items[i], &drop))
				return NULL;
		}
		else if (!expr_equal(st, a->u.arr.items[i], b, &drop))
			return NULL;
		if (!drop)
			fp_append(r, a->u.arr.items[i]);
	}
	return r;
}

/* Whether s contains the bytes of sub. */
static bool
string_has(const char *s, int len, const char *sub, int sublen)
{
	int			i;

	if (sublen == 0)
		return true;
	for (i = 0; i + sublen <= len; i++)
	{
		const char *hit = memchr(s + i, sub[0], len - i - sublen + 1);

		if (hit == NULL)
			return false;
		i = hit - s;
		if (memcmp(hit, sub, sublen) == 0)
			return true;
	}
	return false;
}

/*
 * a contains b: a list holds b (every item of b, when b is a list), a map
 * has the key b, a string has b's text as a substring; null contains
 * nothing.
 */
static FpValue *
contains(EvalState *st, FpValue *a, FpValue *b)
{
	bool		found = false;
	const char *s;
	int			len;

	switch (a->type)
	{
		case FP_NULL:
			return expr_bool(false);
		case FP_ARRAY:
			if (b->type == FP_ARRAY)
			{
				int			i;

				for (i = 0; i < b->u.arr.count; i++)
				{
					if (!list_has(st, a, b->u.arr.items[i], &found))
						return NULL;
					if (!found)
						return expr_bool(false);
				}
				return expr_bool(true);
			}
			if (!list_has(st, a, b, &found))
				return NULL;
			return expr_bool(found);
		case FP_OBJECT:
			if (b->type != FP_STRING && !fp_is_number(b))
				return expr_bool(false);
			if (!expr_text_of(st, b, &s, &len))
				return NULL;
			if (!expr_charge(st, a->u.obj.count / 16))
				return NULL;
			return expr_bool(fp_getn(a, s, len) != NULL && (int) strlen(s) == len);
		case FP_STRING:
			if (!expr_text_of(st, b, &s, &len))
				return NULL;
			if (!expr_charge(st, a->u.str.len / 16))
				return NULL;
			return expr_bool(string_has(a->u.str.ptr, a->u.str.len, s, len));
		default:
			return expr_fail(st, "\"contains\" needs a list, a map or a string on its left, not %s",
							 expr_type_name(a));
	}
}

/*
 * The list start, start+step, ... up to end inclusive, as Pebble's range();
 * at most EXPR_MAX_RANGE items.
 */
FpValue *
expr_range(EvalState *st, FpValue *start, FpValue *end, FpValue *step)
{
	int64		from;
	int64		to;
	int64		by = 1;
	uint64		count;
	FpValue    *r;
	uint64		i;

	if (!expr_int_arg(st, start, "the start of a range", &from) ||
		!expr_int_arg(st, end, "the end of a range", &to))
		return NULL;
	if (step != NULL && !expr_int_arg(st, step, "the increment of a range", &by))
		return NULL;
	if (by == 0)
		return expr_fail(st, "the increment of a range must not be zero");
	if ((by > 0 && to < from) || (by < 0 && to > from))
		count = 0;
	else if (by > 0)
		count = ((uint64) to - (uint64) from) / (uint64) by + 1;
	else
		count = ((uint64) from - (uint64) to) / ((uint64) (-(by + 1)) + 1) + 1;
	if (count > EXPR_MAX_RANGE)
		return expr_fail(st, "a range may have at most %d items, this one would have " UINT64_FORMAT,
						 EXPR_MAX_RANGE, count);
	if (!expr_charge(st, (int64) count))
		return NULL;
	r = fp_array((int) count);
	for (i = 0; i < count; i++)
		fp_append(r, fp_int(from + (int64) (i * (uint64) by)));
	return r;
}

/* Whether v is a list or a map. */
static bool
is_container(const FpValue *v)
{
	return v->type == FP_ARRAY || v->type == FP_OBJECT;
}

/*
 * Whether item's text is text (a's, is_container(a) saying what a is): a
 * list or a map is compared only with a list or a map, its text charged,
 * so that a scalar looked for in a list of big maps serialises none of them.
 * false with the error set (*failed) past the budget.
 */
static bool
in_item_equals(EvalState *st, const FpValue *item, const char *text, bool a_container,
			   bool *failed)
{
	char	   *t;

	if (is_container(item) != a_container)
		return false;
	t = fp_to_text(item);
	if (a_container && !expr_charge(st, strlen(t) / 64 + 1))
	{
		*failed = true;
		return false;
	}
	return strcmp(t, text) == 0;
}

/*
 * a in b, as Kestra's in (and isIn): false when either side is null; a
 * list holds an item whose text is a's text; a map has a key or a value
 * whose text is a's text; anything else on the right is false.
 */
static FpValue *
in_operator(EvalState *st, FpValue *a, FpValue *b)
{
	char	   *text;
	bool		a_container = is_container(a);
	bool		failed = false;
	int			i;

	if (a->type == FP_NULL || b->type == FP_NULL)
		return expr_bool(false);
	text = fp_to_text(a);
	if (!expr_charge(st, strlen(text) / 64 + (b->type == FP_ARRAY ? b->u.arr.count :
											 b->type == FP_OBJECT ? b->u.obj.count : 1)))
		return NULL;
	if (b->type == FP_ARRAY)
	{
		for (i = 0; i < b->u.arr.count && !failed; i++)
			if (in_item_equals(st, b->u.arr.items[i], text, a_container, &failed))
				return expr_bool(true);
	}
	else if (b->type == FP_OBJECT)
	{
		for (i = 0; i < b->u.obj.count && !failed; i++)
			if ((!a_container && strcmp(b->u.obj.pairs[i].key, text) == 0) ||
				in_item_equals(st, b->u.obj.pairs[i].value, text, a_container, &failed))
				return expr_bool(true);
	}
	return failed ? NULL : expr_bool(false);
}

/* A binary operator (everything but and, or, ?:, ?? and the filters). */
FpValue *
expr_binary(EvalState *st, EBinOp op, FpValue *a, FpValue *b)
{
	bool		eq;

	switch (op)
	{
		case OP_ADD:
			if (a->type == FP_STRING || b->type == FP_STRING)
				return concatenate(st, a, b);
			if (a->type == FP_ARRAY)
				return list_add(st, a, b);
			return arithmetic(st, op, a, b);
		case OP_SUB:
			if (a->type == FP_ARRAY)
				return list_subtract(st, a, b);
			return arithmetic(st, op, a, b);
		case OP_MUL:
		case OP_DIV:
		case OP_MOD:
			return arithmetic(st, op, a, b);
		case OP_EQ:
		case OP_NE:
			if (!expr_equal(st, a, b, &eq))
				return NULL;
			return expr_bool(op == OP_EQ ? eq : !eq);
		case OP_LT:
		case OP_GT:
		case OP_LE:
		case OP_GE:
			return compare(st, op, a, b);
		case OP_CONCAT:
			return concatenate(st, a, b);
		case OP_CONTAINS:
			return contains(st, a, b);
		case OP_IN:
			return in_operator(st, a, b);
		case OP_NOT_IN:
			{
				FpValue    *in = in_operator(st, a, b);

				return in ? expr_bool(!in->u.b) : NULL;
			}
		case OP_RANGE:
			return expr_range(st, a, b, NULL);
	}
	return expr_fail(st, "unknown operator");
}

/* Unary - and +: numbers only. */
FpValue *
expr_negate(EvalState *st, FpValue *v, bool minus)
{
	if (v->type == FP_INT)
	{
		if (!minus)
			return v;
		if (v->u.i == PG_INT64_MIN)
			return expr_fail(st, "integer out of range");
		return fp_int(-v->u.i);
	}
	if (v->type == FP_FLOAT)
		return minus ? fp_float(-v->u.f) : v;
	return expr_fail(st, "unary \"%s\" needs a number, not %s", minus ? "-" : "+",
					 expr_type_name(v));
}

/*
 * A deep copy of v in the current memory context, for results handed back
 * to the caller; bounded like the text of the value would be.
 */
FpValue *
expr_copy(EvalState *st, const FpValue *v)
{
	FpValue    *c;
	int			i;

	if (!expr_charge(st, 1))
		return NULL;
	switch (v->type)
	{
		case FP_STRING:
			st->made += v->u.str.len;
			if (st->made > st->max_made)
				return expr_fail(st, "the result is larger than the limit of %d bytes",
								 st->max_output);
			c = fp_string(v->u.str.ptr, v->u.str.len);
			break;
		case FP_ARRAY:
			c = fp_array(v->u.arr.count);
			for (i = 0; i < v->u.arr.count; i++)
			{
				FpValue    *item = expr_copy(st, v->u.arr.items[i]);

				if (item == NULL)
					return NULL;
				fp_append(c, item);
			}
			break;
		case FP_OBJECT:
			c = fp_object(v->u.obj.count);
			for (i = 0; i < v->u.obj.count; i++)
			{
				FpValue    *item = expr_copy(st, v->u.obj.pairs[i].value);

				if (item == NULL)
					return NULL;
				/* the keys of a map are unique already: append without searching */
				expr_pair_append(c, pstrdup(v->u.obj.pairs[i].key), item);
			}
			break;
		default:
			c = palloc(sizeof(FpValue));
			*c = *v;
			c->line = 0;
			c->col = 0;
			break;
	}
	return c;
}
