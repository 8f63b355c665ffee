/*-------------------------------------------------------------------------
 *
 * expr_funcs.c
 *	  The filters, functions and tests of the template language (SPEC
 *	  section 3), one table of them, and their implementations.
 *
 * Each entry names its parameters, so that calls may use named arguments
 * (date(format="yyyy", timeZone="UTC"), appLink(appId='x')) and the parser
 * can check calls at compile time.  Behaviour follows Pebble and Kestra's
 * Pebble extensions; where this differs, the comment of the function says
 * so (and README.md lists it).  A null input gives a null result for the
 * text filters, as in Pebble.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "datetime.h"
#include "expr_internal.h"

/* The parameters of every implementation (see ExprImpl); not all use all of them. */
#define BUILTIN_ARGS \
	EvalState *st pg_attribute_unused(), const ENode *n pg_attribute_unused(), \
	FpValue *input pg_attribute_unused(), FpValue **args pg_attribute_unused()

/* "filter", "function" or "test", for messages. */
const char *
expr_builtin_kind_name(ExprBuiltinKind kind)
{
	switch (kind)
	{
		case EB_FILTER:
			return "filter";
		case EB_FUNCTION:
			return "function";
		case EB_TEST:
			return "test";
	}
	return "builtin";
}

/* Fail with "filter "x" needs <what>, not <type of v>". */
static FpValue *
type_error(EvalState *st, const ENode *n, const char *what, const FpValue *v)
{
	return expr_fail(st, "%s \"%s\" needs %s, not %s", expr_builtin_kind_name(n->fn->kind),
					 n->fn->name, what, expr_type_name(v));
}

/*
 * The text of an input that should be a string: strings as they are,
 * numbers and booleans as their text; lists and maps are an error.
 */
static bool
text_input(EvalState *st, const ENode *n, const FpValue *v, const char **s, int *len)
{
	if (v->type == FP_ARRAY || v->type == FP_OBJECT)
	{
		type_error(st, n, "a string", v);
		return false;
	}
	return expr_text_of(st, v, s, len);
}

/* A string argument (numbers and booleans are taken as their text). */
static bool
text_arg(EvalState *st, const ENode *n, int slot, const FpValue *v, const char **s, int *len)
{
	if (v == NULL || v->type == FP_NULL || v->type == FP_ARRAY || v->type == FP_OBJECT)
	{
		expr_fail(st, "argument \"%s\" of %s \"%s\" must be a string, not %s",
				  n->fn->params[slot], expr_builtin_kind_name(n->fn->kind), n->fn->name,
				  expr_type_name(v));
		return false;
	}
	return expr_text_of(st, v, s, len);
}

/* A string argument as a NUL-terminated copy. */
static char *
cstring_arg(EvalState *st, const ENode *n, int slot, const FpValue *v)
{
	const char *s;
	int			len;

	if (!text_arg(st, n, slot, v, &s, &len))
		return NULL;
	return pnstrdup(s, len);
}

/* ---------------------------------------------------------------------
 * Text filters
 * ---------------------------------------------------------------------
 */

/* upper, lower, capitalize, title: Unicode-aware case changes (expr_text.c). */
static FpValue *
change_case(EvalState *st, const ENode *n, FpValue *input, ExprCase mode)
{
	const char *s;
	int			len;
	StringInfoData buf;

	if (input->type == FP_NULL)
		return input;
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	if (!expr_charge(st, len / 16))
		return NULL;
	initStringInfo(&buf);
	expr_change_case(&buf, s, len, mode);
	return expr_take_string(st, &buf);
}

/* upper: the text in upper case (ß becomes SS). */
static FpValue *
f_upper(BUILTIN_ARGS)
{
	return change_case(st, n, input, CASE_UPPER);
}

/* lower: the text in lower case. */
static FpValue *
f_lower(BUILTIN_ARGS)
{
	return change_case(st, n, input, CASE_LOWER);
}

/* capitalize: the first letter in title case, the rest as it is. */
static FpValue *
f_capitalize(BUILTIN_ARGS)
{
	return change_case(st, n, input, CASE_CAPITALIZE);
}

/* title: the first letter of every word in title case, the rest as it is. */
static FpValue *
f_title(BUILTIN_ARGS)
{
	return change_case(st, n, input, CASE_TITLE);
}

/* trim: remove leading and trailing white space and control characters (Java's trim). */
static FpValue *
f_trim(BUILTIN_ARGS)
{
	const char *s;
	int			len;

	if (input->type == FP_NULL)
		return input;
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	while (len > 0 && (unsigned char) s[0] <= ' ')
	{
		s++;
		len--;
	}
	while (len > 0 && (unsigned char) s[len - 1] <= ' ')
		len--;
	return expr_new_string(st, s, len);
}

/* abbreviate(length): cut to length characters, ending with "..." when cut. */
static FpValue *
f_abbreviate(BUILTIN_ARGS)
{
	const char *s;
	int			len;
	int64		width;
	int			chars;
	StringInfoData buf;

	if (input->type == FP_NULL)
		return input;
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	if (!expr_int_arg(st, args[0], "the length of abbreviate", &width))
		return NULL;
	if (width < 0)
		return expr_fail(st, "the length of abbreviate must not be negative");
	if (!expr_charge(st, len / 64))
		return NULL;
	chars = expr_char_count(s, len);
	if (chars <= width || chars <= 3)
		return input;
	initStringInfo(&buf);
	if (width <= 3)
		appendBinaryStringInfo(&buf, s, expr_char_offset(s, len, (int) width));
	else
	{
		appendBinaryStringInfo(&buf, s, expr_char_offset(s, len, (int) width - 3));
		appendStringInfoString(&buf, "...");
	}
	return expr_take_string(st, &buf);
}

/*
 * urlencode: application/x-www-form-urlencoded, as Java's URLEncoder: ASCII
 * letters, digits and . - * _ stay, space becomes +, every other byte of
 * the UTF-8 text becomes %XX.
 */
static FpValue *
f_urlencode(BUILTIN_ARGS)
{
	const char *s;
	int			len;
	int			i;
	StringInfoData buf;

	if (input->type == FP_NULL)
		return input;
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	if (!expr_charge(st, len / 16))
		return NULL;
	initStringInfo(&buf);
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '-' || c == '*' || c == '_')
			appendStringInfoChar(&buf, (char) c);
		else if (c == ' ')
			appendStringInfoChar(&buf, '+');
		else
			appendStringInfo(&buf, "%%%02X", c);
	}
	return expr_take_string(st, &buf);
}

/* slugify: as Kestra's (expr_text.c). */
static FpValue *
f_slugify(BUILTIN_ARGS)
{
	const char *s;
	int			len;
	StringInfoData buf;

	if (input->type == FP_NULL)
		return input;
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	if (!expr_charge(st, len / 16))
		return NULL;
	initStringInfo(&buf);
	expr_slugify(&buf, s, len);
	return expr_take_string(st, &buf);
}

/* startsWith(value) and endsWith(value): whether the text starts or ends with value's text. */
static FpValue *
starts_ends(EvalState *st, const ENode *n, FpValue *input, FpValue **args, bool start)
{
	const char *s;
	int			len;
	const char *v;
	int			vlen;

	if (!text_arg(st, n, 0, args[0], &v, &vlen))
		return NULL;
	if (input->type == FP_NULL)
		return expr_bool(false);
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	if (vlen > len)
		return expr_bool(false);
	return expr_bool(memcmp(start ? s : s + len - vlen, v, vlen) == 0);
}

static FpValue *
f_startsWith(BUILTIN_ARGS)
{
	return starts_ends(st, n, input, args, true);
}

static FpValue *
f_endsWith(BUILTIN_ARGS)
{
	return starts_ends(st, n, input, args, false);
}

/*
 * The delimiter of split as Java's String.split would read the common
 * cases: "\n", "\t", "\r", "\f" are those characters and a backslash before
 * punctuation is that character; anything else is literal text (not a
 * regular expression: "." and "|" split at dots and bars).
 */
static void
split_delimiter(const char *d, int dlen, StringInfo out)
{
	int			i;

	for (i = 0; i < dlen; i++)
	{
		if (d[i] == '\\' && i + 1 < dlen)
		{
			char		c = d[++i];

			switch (c)
			{
				case 'n':
					appendStringInfoChar(out, '\n');
					break;
				case 't':
					appendStringInfoChar(out, '\t');
					break;
				case 'r':
					appendStringInfoChar(out, '\r');
					break;
				case 'f':
					appendStringInfoChar(out, '\f');
					break;
				default:
					if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
					{
						appendStringInfoChar(out, '\\');
						appendStringInfoChar(out, c);
					}
					else
						appendStringInfoChar(out, c);
					break;
			}
		}
		else
			appendStringInfoChar(out, d[i]);
	}
}

/*
 * split(delimiter, limit): the pieces of the text between delimiters, with
 * Java's limit rules: no limit (or 0) drops trailing empty pieces, a
 * positive limit gives at most that many pieces, a negative one keeps all.
 * An empty delimiter splits into characters.
 */
static FpValue *
f_split(BUILTIN_ARGS)
{
	const char *s;
	int			len;
	const char *d;
	int			dlen;
	int64		limit = 0;
	StringInfoData delim;
	FpValue    *list;
	int			pos = 0;
	int			i;

	if (!text_arg(st, n, 0, args[0], &d, &dlen))
		return NULL;
	if (args[1] != NULL && !expr_int_arg(st, args[1], "the limit of split", &limit))
		return NULL;
	if (input->type == FP_NULL)
		return input;
	if (!text_input(st, n, input, &s, &len))
		return NULL;
	if (!expr_charge(st, len / 16 + 1))
		return NULL;
	initStringInfo(&delim);
	split_delimiter(d, dlen, &delim);
	list = fp_array(4);
	if (len == 0)
	{
		fp_append(list, fp_string("", 0));
		return list;
	}
	for (;;)
	{
		int			hit = -1;
		int			next = 0;
		FpValue    *piece;

		if (limit <= 0 || list->u.arr.count < limit - 1)
		{
			if (delim.len == 0)
			{
				/* between characters, not before the first one */
				if (pos < len)
				{
					int32		cp;
					int			clen = expr_utf8_decode(s + pos, len - pos, &cp);

					if (pos + clen < len)
					{
						hit = pos + clen;
						next = hit;
					}
				}
			}
			else
			{
				for (i = pos; i + delim.len <= len; i++)
				{
					const char *c = memchr(s + i, delim.data[0], len - i - delim.len + 1);

					if (c == NULL)
						break;
					i = c - s;
					if (memcmp(c, delim.data, delim.len) == 0)
					{
						hit = i;
						next = i + delim.len;
						break;
					}
				}
			}
		}
		if (!expr_charge(st, 1))
			return NULL;
		if (hit < 0)
		{
			fp_append(list, fp_string(s + pos, len - pos));
			break;
		}
		piece = fp_string(s + pos, hit - pos);
		fp_append(list, piece);
		pos = next;
	}
	/* Java drops trailing empty pieces when the limit is 0 (unless nothing matched) */
	if (limit == 0 && list->u.arr.count > 1)
		while (list->u.arr.count > 0 &&
			   list->u.arr.items[list->u.arr.count - 1]->u.str.len == 0)
			list->u.arr.count--;
	return list;
}

/* Replace every occurrence of from in s by to, into buf. */
static bool
replace_all(EvalState *st, StringInfo buf, const char *s, int len,
			const char *from, int flen, const char *to, int tlen)
{
	int			pos = 0;

	if (flen == 0)
	{
		/* Java: "abc".replace("", "-") is "-a-b-c-" */
		while (pos < len)
		{
			int32		cp;
			int			clen = expr_utf8_decode(s + pos, len - pos, &cp);

			appendBinaryStringInfo(buf, to, tlen);
			appendBinaryStringInfo(buf, s + pos, clen);
			pos += clen;
			if (buf->len > st->max_output)
				break;
		}
		appendBinaryStringInfo(buf, to, tlen);
	}
	else
	{
		while (pos < len)
		{
			const char *hit = NULL;
			int			i;

			for (i = pos; i + flen <= len; i++)
			{
				const char *c = memchr(s + i, from[0], len - i - flen + 1);

				if (c == NULL)
					break;
				i = c - s;
				if (memcmp(c, from, flen) == 0)
				{
					hit = c;
					break;
				}
			}
			if (hit == NULL)
			{
				appendBinaryStringInfo(buf, s + pos, len - pos);
				break;
			}
			appendBinaryStringInfo(buf, s + pos, hit - (s + pos));
			appendBinaryStringInfo(buf, to, tlen);
			pos = hit - s + flen;
			if (buf->len > st->max_output)
				break;
		}
	}
	if (buf->len > st->max_output)
	{
		expr_fail(st, "the result is larger than the limit of %d bytes", st->max_output);
		return false;
	}
	return expr_charge(st, (len + buf->len) / 64 + 1);
}

/* Apply every pair of a replace() map to one text, in the map's order. */
static FpValue *
replace_text(EvalState *st, const char *s, int len, const FpValue *pairs)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, s, len);
	for (i = 0; i < pairs->u.obj.count; i++)
	{
		StringInfoData next;
		const char *to;
		int			tlen;
		const char *from = pairs->u.obj.pairs[i].key;

		if (!expr_text_of(st, pairs->u.obj.pairs[i].value, &to, &tlen))
			return NULL;
		initStringInfo(&next);
		if (!replace_all(st, &next, buf.data, buf.len, from, strlen(from), to, tlen))
			return NULL;
		pfree(buf.data);
		buf = next;
	}
	return expr_take_string(st, &buf);
}

/* replace() over a value: strings and other scalars as text, lists and maps item by item. */
static FpValue *
replace_value(EvalState *st, const FpValue *v, const FpValue *pairs)
{
	FpValue    *r;
	const char *s;
	int			len;
	int			i;

	if (!expr_charge(st, 1))
		return NULL;
	switch (v->type)
	{
		case FP_NULL:
			return (FpValue *) v;
		case FP_ARRAY:
			r = fp_array(v->u.arr.count);
			for (i = 0; i < v->u.arr.count; i++)
			{
				FpValue    *item = replace_value(st, v->u.arr.items[i], pairs);

				if (item == NULL)
					return NULL;
				fp_append(r, item);
			}
			return r;
		case FP_OBJECT:
			r = fp_object(v->u.obj.count);
			for (i = 0; i < v->u.obj.count; i++)
			{
				FpValue    *item = replace_value(st, v->u.obj.pairs[i].value, pairs);

				if (item == NULL)
					return NULL;
				expr_pair_append(r, v->u.obj.pairs[i].key, item);
			}
			return r;
		default:
			if (!expr_text_of(st, v, &s, &len))
				return NULL;
			return replace_text(st, s, len, pairs);
	}
}

/*
 * replace({'from': 'to', ...}): every occurrence of each key by its value,
 * pair after pair; lists and maps are replaced item by item (Kestra).
 * Kestra's regexp=true is not supported.
 */
static FpValue *
f_replace(BUILTIN_ARGS)
{
	if (args[0]->type != FP_OBJECT)
		return expr_fail(st, "argument \"replace_pairs\" of filter \"replace\" must be a map, not %s",
						 expr_type_name(args[0]));
	if (args[1] != NULL && expr_truthy(args[1]))
		return expr_fail(st, "filter \"replace\" does not support regular expressions (regexp=true)");
	return replace_value(st, input, args[0]);
}

/* ---------------------------------------------------------------------
 * Collection filters
 * ---------------------------------------------------------------------
 */

/* Whether v is empty as Pebble's empty test and default filter see it. */
static bool
is_empty(const FpValue *v)
{
	int			i;

	switch (v->type)
	{
		case FP_NULL:
			return true;
		case FP_STRING:
			for (i = 0; i < v->u.str.len; i++)
				if ((unsigned char) v->u.str.ptr[i] > ' ')
					return false;
			return true;
		case FP_ARRAY:
			return v->u.arr.count == 0;
		case FP_OBJECT:
			return v->u.obj.count == 0;
		default:
			return false;
	}
}

/* default(x): x when the input is undefined, null, blank text or an empty list or map. */
static FpValue *
f_default(BUILTIN_ARGS)
{
	if (input == NULL || is_empty(input))
		return args[0];
	return input;
}

/* length: characters of a string, items of a list or map; 0 for null. */
static FpValue *
f_length(BUILTIN_ARGS)
{
	switch (input->type)
	{
		case FP_NULL:
			return fp_int(0);
		case FP_STRING:
			if (!expr_charge(st, input->u.str.len / 64))
				return NULL;
			return fp_int(expr_char_count(input->u.str.ptr, input->u.str.len));
		case FP_ARRAY:
			return fp_int(input->u.arr.count);
		case FP_OBJECT:
			return fp_int(input->u.obj.count);
		default:
			return type_error(st, n, "a string, a list or a map", input);
	}
}

/* join(separator): the text forms of a list's items, separated. */
static FpValue *
f_join(BUILTIN_ARGS)
{
	const char *sep = "";
	int			seplen = 0;
	StringInfoData buf;
	int			i;

	if (args[0] != NULL && args[0]->type != FP_NULL &&
		!text_arg(st, n, 0, args[0], &sep, &seplen))
		return NULL;
	if (input->type == FP_NULL)
		return input;
	if (input->type != FP_ARRAY)
		return type_error(st, n, "a list", input);
	initStringInfo(&buf);
	for (i = 0; i < input->u.arr.count; i++)
	{
		if (i > 0)
			appendBinaryStringInfo(&buf, sep, seplen);
		if (!expr_append_text(st, &buf, input->u.arr.items[i], st->max_output))
			return NULL;
	}
	return expr_take_string(st, &buf);
}

/* first and last: an item of a list (null when empty) or a character of a string. */
static FpValue *
first_last(EvalState *st, const ENode *n, FpValue *input, bool first)
{
	int			len;
	int			pos;
	int			last;

	switch (input->type)
	{
		case FP_NULL:
			return input;
		case FP_ARRAY:
			if (input->u.arr.count == 0)
				return expr_null();
			return input->u.arr.items[first ? 0 : input->u.arr.count - 1];
		case FP_STRING:
			len = input->u.str.len;
			if (len == 0)
				return expr_null();
			if (first)
				return fp_string(input->u.str.ptr,
								 expr_char_offset(input->u.str.ptr, len, 1));
			/* the start of the last character */
			if (!expr_charge(st, len / 64))
				return NULL;
			for (pos = 0, last = 0; pos < len;)
			{
				int32		cp;

				last = pos;
				pos += expr_utf8_decode(input->u.str.ptr + pos, len - pos, &cp);
			}
			pos = last;
			return fp_string(input->u.str.ptr + pos, len - pos);
		default:
			return type_error(st, n, "a list or a string", input);
	}
}

/* first: the first item of a list, or the first character of a text. */
static FpValue *
f_first(BUILTIN_ARGS)
{
	return first_last(st, n, input, true);
}

/* last: the last item of a list, or the last character of a text. */
static FpValue *
f_last(BUILTIN_ARGS)
{
	return first_last(st, n, input, false);
}

/* keys: the keys of a map, in order, or the indexes of a list (Kestra). */
static FpValue *
f_keys(BUILTIN_ARGS)
{
	FpValue    *r;
	int			i;

	switch (input->type)
	{
		case FP_NULL:
			return input;
		case FP_OBJECT:
			if (!expr_charge(st, input->u.obj.count))
				return NULL;
			r = fp_array(input->u.obj.count);
			for (i = 0; i < input->u.obj.count; i++)
				fp_append(r, fp_cstring(input->u.obj.pairs[i].key));
			return r;
		case FP_ARRAY:
			if (!expr_charge(st, input->u.arr.count))
				return NULL;
			r = fp_array(input->u.arr.count);
			for (i = 0; i < input->u.arr.count; i++)
				fp_append(r, fp_int(i));
			return r;
		default:
			return type_error(st, n, "a map or a list", input);
	}
}

/* values: the values of a map, in order. */
static FpValue *
f_values(BUILTIN_ARGS)
{
	FpValue    *r;
	int			i;

	if (input->type == FP_NULL)
		return input;
	if (input->type != FP_OBJECT)
		return type_error(st, n, "a map", input);
	if (!expr_charge(st, input->u.obj.count))
		return NULL;
	r = fp_array(input->u.obj.count);
	for (i = 0; i < input->u.obj.count; i++)
		fp_append(r, input->u.obj.pairs[i].value);
	return r;
}

/* json (toJson): the value as compact JSON text; null is "null". */
static FpValue *
f_json(BUILTIN_ARGS)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (!expr_append_json(st, &buf, input, st->max_output))
		return NULL;
	return expr_take_string(st, &buf);
}

/* Parse an integer in s (optional sign, digits); false if it is none or out of range. */
static bool
parse_int64(const char *s, int len, int64 *result)
{
	int			i = 0;
	bool		neg = false;
	uint64		v = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+'))
	{
		neg = s[0] == '-';
		i++;
	}
	if (i >= len)
		return false;
	for (; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64CONST(9223372036854775808) - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (!neg && v > (uint64) PG_INT64_MAX)
		return false;
	*result = neg ? (int64) (0 - v) : (int64) v;
	return true;
}

/* Parse a decimal number in s: digits, fraction, exponent; no hex, no inf/nan. */
static bool
parse_double(const char *s, int len, double *result)
{
	char	   *text = pnstrdup(s, len);
	char	   *end;
	int			i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' ||
			  s[i] == 'E' || s[i] == '-' || s[i] == '+'))
			return false;
	if (len == 0)
		return false;
	*result = strtod(text, &end);
	if (*end != '\0' || end == text || isinf(*result) || isnan(*result))
		return false;
	return true;
}

/*
 * number(type): a number from its text.  Without type an integer when the
 * text is one, else a decimal; type INT, LONG or BIGINTEGER wants an
 * integer, FLOAT, DOUBLE or BIGDECIMAL gives a decimal.  Numbers pass
 * through (converted to the type asked for).
 */
static FpValue *
f_number(BUILTIN_ARGS)
{
	const char *type = "";
	bool		want_int;
	bool		want_float;
	const char *s;
	int			len;
	int64		i;
	double		d;

	if (args[0] != NULL && (type = cstring_arg(st, n, 0, args[0])) == NULL)
		return NULL;
	want_int = strcmp(type, "INT") == 0 || strcmp(type, "LONG") == 0 ||
		strcmp(type, "BIGINTEGER") == 0;
	want_float = strcmp(type, "FLOAT") == 0 || strcmp(type, "DOUBLE") == 0 ||
		strcmp(type, "BIGDECIMAL") == 0;
	if (type[0] != '\0' && !want_int && !want_float)
		return expr_fail(st, "unknown number type \"%s\" (use INT, LONG, FLOAT, DOUBLE, BIGDECIMAL or BIGINTEGER)",
						 type);
	switch (input->type)
	{
		case FP_NULL:
			return input;
		case FP_INT:
			return want_float ? fp_float((double) input->u.i) : input;
		case FP_FLOAT:
			if (want_int)
			{
				if (!expr_int_arg(st, input, "the input of number(\"INT\")", &i))
					return NULL;
				return fp_int(i);
			}
			return input;
		case FP_STRING:
			break;
		default:
			return type_error(st, n, "a string", input);
	}
	s = input->u.str.ptr;
	len = input->u.str.len;
	while (len > 0 && expr_is_space(s[0]))
	{
		s++;
		len--;
	}
	while (len > 0 && expr_is_space(s[len - 1]))
		len--;
	if (!want_float && parse_int64(s, len, &i))
		return fp_int(i);
	if (!want_int && parse_double(s, len, &d))
		return fp_float(d);
	return expr_fail(st, "\"%.*s\" is not %s", expr_clip(input->u.str.ptr, input->u.str.len, 100), input->u.str.ptr,
					 want_int ? "an integer" : "a number");
}

/* ---------------------------------------------------------------------
 * Dates (datetime.c)
 * ---------------------------------------------------------------------
 */

/*
 * The timeZone argument of a date filter in *tz (NULL when not given);
 * false, with an error, for an unknown zone.
 */
static bool
zone_arg(EvalState *st, const ENode *n, FpValue *zone, int slot, char **tz)
{
	int			offset;

	*tz = NULL;
	if (zone == NULL || zone->type == FP_NULL)
		return true;
	if ((*tz = cstring_arg(st, n, slot, zone)) == NULL)
		return false;
	if (!dt_zone_offset(*tz, 0, &offset))
	{
		expr_fail(st, "unknown time zone \"%s\"", *tz);
		return false;
	}
	return true;
}

/*
 * The instant an input of date, dateAdd or a timestamp filter stands for:
 * an ISO date-time, a date, an integer of seconds since 1970, or text in
 * existingFormat (a Java pattern or a named format).  Text without an
 * offset is read in the zone tz (UTC when NULL), as Kestra reads it; a date
 * is its midnight there.  *offset is the offset the value is seen at;
 * *in_zone tells whether the value is seen in tz (a number, or text without
 * an offset, when tz is given), as Kestra's ZonedDateTime then is.  *isnull
 * for a null input.
 */
static bool
date_input_zoned(EvalState *st, const ENode *n, const FpValue *input, const FpValue *existing,
				 int existing_slot, const char *tz, int64 *usec, int *offset, bool *isnull,
				 bool *in_zone)
{
	char	   *text;
	bool		has_offset;
	int64		local;

	*isnull = false;
	*offset = 0;
	*in_zone = tz != NULL && (input->type == FP_INT || input->type == FP_FLOAT);
	switch (input->type)
	{
		case FP_NULL:
			*isnull = true;
			return true;
		case FP_INT:
		case FP_FLOAT:
			{
				double		secs = fp_as_double(input);

				if (!(secs > -3.0e11 && secs < 3.0e11))
				{
					expr_fail(st, "%s \"%s\": the number of seconds is out of range",
							  expr_builtin_kind_name(n->fn->kind), n->fn->name);
					return false;
				}
				if (input->type == FP_INT)
					*usec = input->u.i * USECS_PER_SEC_DT;
				else
					*usec = (int64) rint(secs * 1000000.0);
				return tz == NULL || dt_zone_offset(tz, *usec, offset);
			}
		case FP_STRING:
			break;
		default:
			type_error(st, n, "a date (text or a number of seconds)", input);
			return false;
	}
	text = pnstrdup(input->u.str.ptr, input->u.str.len);
	if (existing != NULL && existing->type != FP_NULL)
	{
		char	   *fmt = cstring_arg(st, n, existing_slot, existing);
		bool		known;
		bool		read;

		if (fmt == NULL)
			return false;
		read = dt_read_named(text, fmt, &local, offset, &has_offset, &known);
		if (!known)
			read = dt_read_pattern(text, fmt, &local, offset, &has_offset);
		if (!read)
		{
			expr_fail(st, "cannot read \"%.*s\" with the format \"%s\"",
					  expr_clip(input->u.str.ptr, input->u.str.len, 100), input->u.str.ptr, fmt);
			return false;
		}
	}
	else if (!dt_read_any(text, &local, offset, &has_offset))
	{
		expr_fail(st, "cannot read \"%.*s\" as a date",
				  expr_clip(input->u.str.ptr, input->u.str.len, 100), input->u.str.ptr);
		return false;
	}
	if (has_offset)
	{
		*usec = local;
		return true;
	}
	if (!dt_local_to_instant(tz, local, usec, offset))
	{
		expr_fail(st, "unknown time zone \"%s\"", tz);
		return false;
	}
	*in_zone = tz != NULL;
	return true;
}

/* date_input_zoned, for callers that need not know whether the value is seen in tz. */
static bool
date_input(EvalState *st, const ENode *n, const FpValue *input, const FpValue *existing,
		   int existing_slot, const char *tz, int64 *usec, int *offset, bool *isnull)
{
	bool		in_zone;

	return date_input_zoned(st, n, input, existing, existing_slot, tz, usec, offset, isnull,
							&in_zone);
}

/*
 * Format an instant for date and dateAdd: with format (a Java pattern or
 * one of Kestra's named formats, default "iso") in the zone tz (default
 * UTC, the server's zone in Kestra's containers).
 */
static FpValue *
format_date(EvalState *st, const ENode *n, int64 usec, FpValue *format, int format_slot,
			const char *tz)
{
	const char *fmt = "iso";
	int			offset = 0;
	char	   *error = NULL;
	char	   *text;

	if (format != NULL && format->type != FP_NULL &&
		(fmt = cstring_arg(st, n, format_slot, format)) == NULL)
		return NULL;
	if (tz != NULL && !dt_zone_offset(tz, usec, &offset))
		return expr_fail(st, "unknown time zone \"%s\"", tz);
	text = dt_format_named(usec, offset, tz, fmt);
	if (text == NULL)
		text = dt_format_pattern(usec, offset, fmt, &error);
	if (text == NULL)
	{
		if (error != NULL)
			return expr_fail(st, "%s", error);
		return expr_fail(st, "invalid date format \"%s\"", fmt);
	}
	return expr_new_string(st, text, strlen(text));
}

/* date(format, timeZone, existingFormat, locale): format a date (locale: English only). */
static FpValue *
f_date(BUILTIN_ARGS)
{
	int64		usec;
	int			offset;
	bool		isnull;
	char	   *tz;

	if (!zone_arg(st, n, args[1], 1, &tz))
		return NULL;
	if (!date_input(st, n, input, args[2], 2, tz, &usec, &offset, &isnull))
		return NULL;
	if (isnull)
		return input;
	return format_date(st, n, usec, args[0], 0, tz);
}

/*
 * dateAdd(amount, unit, format, timeZone, existingFormat, locale): add
 * amount units (DAYS, HOURS, MONTHS, ... as Java's ChronoUnit) to a date,
 * with calendar arithmetic in the date's own offset, or in timeZone when
 * the date is seen there (across a change of clocks, a day keeps the time
 * of day), then format it as date does.
 */
static FpValue *
f_dateAdd(BUILTIN_ARGS)
{
	int64		usec;
	int			offset;
	bool		isnull;
	int64		amount;
	char	   *unit;
	int64		result;
	char	   *tz;
	bool		in_zone;

	if (!expr_int_arg(st, args[0], "the amount of dateAdd", &amount))
		return NULL;
	if ((unit = cstring_arg(st, n, 1, args[1])) == NULL)
		return NULL;
	if (!zone_arg(st, n, args[3], 3, &tz))
		return NULL;
	if (!date_input_zoned(st, n, input, args[4], 4, tz, &usec, &offset, &isnull, &in_zone))
		return NULL;
	if (isnull)
		return input;
	if (!dt_add_in_zone(in_zone ? tz : NULL, usec, offset, amount, unit, &result))
		return expr_fail(st, "cannot add " INT64_FORMAT " \"%s\" to the date (unknown unit, or out of range)",
						 amount, unit);
	return format_date(st, n, result, args[2], 2, tz);
}

/*
 * The instant of a timestamp filter's input, as date reads it (text
 * without an offset in timeZone); false on error, *isnull for a null input.
 */
static bool
timestamp_input(EvalState *st, const ENode *n, FpValue *input, FpValue **args,
				int64 *usec, bool *isnull)
{
	int			offset;
	char	   *tz;

	if (!zone_arg(st, n, args[0], 0, &tz))
		return false;
	return date_input(st, n, input, args[1], 1, tz, usec, &offset, isnull);
}

/* Floor division of usec by unit (Java's epoch conversions round towards the past). */
static int64
floor_div(int64 usec, int64 unit)
{
	int64		q = usec / unit;

	if (usec % unit != 0 && usec < 0)
		q--;
	return q;
}

/* timestamp(timeZone, existingFormat): seconds since 1970-01-01T00:00:00Z. */
static FpValue *
f_timestamp(BUILTIN_ARGS)
{
	int64		usec;
	bool		isnull;

	if (!timestamp_input(st, n, input, args, &usec, &isnull))
		return NULL;
	return isnull ? input : fp_int(floor_div(usec, USECS_PER_SEC_DT));
}

/* timestampMilli: milliseconds since 1970. */
static FpValue *
f_timestampMilli(BUILTIN_ARGS)
{
	int64		usec;
	bool		isnull;

	if (!timestamp_input(st, n, input, args, &usec, &isnull))
		return NULL;
	return isnull ? input : fp_int(floor_div(usec, 1000));
}

/* timestampMicro: microseconds since 1970. */
static FpValue *
f_timestampMicro(BUILTIN_ARGS)
{
	int64		usec;
	bool		isnull;

	if (!timestamp_input(st, n, input, args, &usec, &isnull))
		return NULL;
	return isnull ? input : fp_int(usec);
}

/* timestampNano: nanoseconds since 1970 (flowpg's dates stop at microseconds). */
static FpValue *
f_timestampNano(BUILTIN_ARGS)
{
	int64		usec;
	bool		isnull;

	if (!timestamp_input(st, n, input, args, &usec, &isnull))
		return NULL;
	if (isnull)
		return input;
	if (usec > PG_INT64_MAX / 1000 || usec < PG_INT64_MIN / 1000)
		return expr_fail(st, "the date is out of the range of timestampNano");
	return fp_int(usec * 1000);
}

/* ---------------------------------------------------------------------
 * numberFormat (Pebble's numberformat, after java.text.DecimalFormat)
 * ---------------------------------------------------------------------
 */

/* A DecimalFormat pattern, as far as flowpg reads one. */
typedef struct NumberPattern
{
	char	   *prefix;			/* of a number >= 0 */
	char	   *suffix;
	char	   *neg_prefix;		/* of a negative number */
	char	   *neg_suffix;
	int			min_int;		/* '0's before the point */
	int			min_frac;		/* '0's after it */
	int			max_frac;		/* '0's and '#'s after it */
	int			group;			/* digits between ',', 0 for none */
	int			multiplier;		/* 100 for '%', 1000 for per mille, else 1 */
	const char *error;			/* why the pattern is refused, when it is */
	bool		unsupported;	/* ... because flowpg lacks what it asks for */
} NumberPattern;

#define PER_MILLE_UTF8 "\xE2\x80\xB0"	/* U+2030 */
#define CURRENCY_UTF8 "\xC2\xA4"	/* U+00A4 */

/* Refuse np's pattern: false, with the reason. */
static bool
number_pattern_error(NumberPattern *np, bool unsupported, const char *why)
{
	np->error = why;
	np->unsupported = unsupported;
	return false;
}

/*
 * Read one affix (prefix or suffix) of a DecimalFormat pattern from *pp
 * into buf, up to the number part, a ';' or the end.  'quoted' text and
 * '' are literal; '%' and per mille set the multiplier.  false on a
 * character flowpg does not write (the currency sign).
 */
static bool
read_number_affix(const char **pp, StringInfo buf, NumberPattern *np)
{
	const char *p = *pp;

	while (*p && *p != ';' && *p != '#' && *p != '0' && *p != ',' && *p != '.')
	{
		if (*p == '\'')
		{
			if (p[1] == '\'')
			{
				appendStringInfoChar(buf, '\'');	/* '' is a quote */
				p += 2;
				continue;
			}
			for (p++; *p; p++)
			{
				if (*p == '\'' && p[1] == '\'')
				{
					appendStringInfoChar(buf, '\'');
					p++;
				}
				else if (*p == '\'')
					break;
				else
					appendStringInfoChar(buf, *p);
			}
			if (*p == '\0')
				return number_pattern_error(np, false, "a quote is not closed");
			p++;
			continue;
		}
		if (strncmp(p, CURRENCY_UTF8, 2) == 0)
			return number_pattern_error(np, true, "the currency sign (\u00A4) depends on a locale");
		if (*p == '%' || strncmp(p, PER_MILLE_UTF8, 3) == 0)
		{
			int			m = (*p == '%') ? 100 : 1000;

			if (np->multiplier != 1 && np->multiplier != m)
				return number_pattern_error(np, false, "it has both % and \u2030");
			np->multiplier = m;
		}
		appendStringInfoChar(buf, *p++);
	}
	*pp = p;
	return true;
}

/*
 * Read pattern as java.text.DecimalFormat does (in English): a prefix, the
 * number part (# 0 , .), a suffix, and optionally ';' and a negative
 * subpattern, of which only the prefix and suffix count.  false, with
 * np->error, for a pattern Java refuses or one with a feature flowpg does
 * not have (np->unsupported: the E exponent, the currency sign).
 */
static bool
parse_number_pattern(const char *pattern, NumberPattern *np)
{
	StringInfoData pre;
	StringInfoData suf;
	const char *p = pattern;
	bool		seen_point = false;
	int			since_comma = -1;
	int			hashes_after_zero = 0;

	memset(np, 0, sizeof(*np));
	np->multiplier = 1;
	initStringInfo(&pre);
	initStringInfo(&suf);
	if (!read_number_affix(&p, &pre, np))
		return false;
	if (*p != '#' && *p != '0' && *p != ',' && *p != '.')
		return number_pattern_error(np, false, "it has no digits (# or 0)");
	for (; *p == '#' || *p == '0' || *p == ',' || *p == '.'; p++)
	{
		if (*p == '.')
		{
			if (seen_point)
				return number_pattern_error(np, false, "it has two decimal points");
			if (since_comma == 0)
				return number_pattern_error(np, false, "a grouping separator has no digits after it");
			seen_point = true;
			if (since_comma > 0)
				np->group = since_comma;
		}
		else if (*p == ',')
		{
			if (seen_point)
				return number_pattern_error(np, false, "a grouping separator follows the decimal point");
			since_comma = 0;
		}
		else if (*p == '#' && (np->min_int > 0 || np->min_frac > 0 || seen_point))
		{
			if (!seen_point)
				return number_pattern_error(np, true, "'#' after '0' before the decimal point");
			hashes_after_zero++;
			np->max_frac++;
		}
		else if (*p == '0' && hashes_after_zero > 0)
			return number_pattern_error(np, false, "'0' follows '#'");
		else
		{
			if (seen_point)
			{
				np->max_frac++;
				np->min_frac++;
			}
			else if (*p == '0')
				np->min_int++;
			if (!seen_point && since_comma >= 0)
				since_comma++;
		}
	}
	if (*p == 'E')
		return number_pattern_error(np, true, "scientific notation (E) is not supported");
	if (!seen_point && since_comma == 0)
		return number_pattern_error(np, false, "a grouping separator has no digits after it");
	if (!seen_point && since_comma > 0)
		np->group = since_comma;
	if (!read_number_affix(&p, &suf, np))
		return false;
	if (*p != '\0' && *p != ';')
		return number_pattern_error(np, false, "a digit, ',' or '.' is outside the number part (quote it)");
	np->prefix = pre.data;
	np->suffix = suf.data;
	if (*p == ';')
	{
		StringInfoData npre;
		StringInfoData nsuf;

		initStringInfo(&npre);
		initStringInfo(&nsuf);
		p++;
		if (!read_number_affix(&p, &npre, np))
			return false;
		if (*p != '#' && *p != '0' && *p != ',' && *p != '.')
			return number_pattern_error(np, false, "the negative subpattern has no digits (# or 0)");
		while (*p == '#' || *p == '0' || *p == ',' || *p == '.')
			p++;
		if (*p == 'E')
			return number_pattern_error(np, true, "scientific notation (E) is not supported");
		if (!read_number_affix(&p, &nsuf, np))
			return false;
		if (*p != '\0')
			return number_pattern_error(np, false, "it has more than one ';'");
		np->neg_prefix = npre.data;
		np->neg_suffix = nsuf.data;
	}
	else
	{
		np->neg_prefix = psprintf("-%s", np->prefix);
		np->neg_suffix = np->suffix;
	}
	return true;
}

/* Append digits to buf with a separator every group digits from the right. */
static void
append_grouped(StringInfo buf, const char *digits, int group)
{
	int			len = strlen(digits);
	int			i;

	for (i = 0; i < len; i++)
	{
		if (group > 0 && i > 0 && (len - i) % group == 0)
			appendStringInfoChar(buf, ',');
		appendStringInfoChar(buf, digits[i]);
	}
}

/*
 * numberFormat(format): a number as text, as Java's DecimalFormat writes it
 * in English: rounding half-even, grouping with ',', '%' multiplying by 100.
 * Without a format, NumberFormat.getInstance(): grouping, at most three
 * decimals.
 */
static FpValue *
f_numberFormat(BUILTIN_ARGS)
{
	NumberPattern np;
	char	   *pattern = "#,##0.###";
	double		d;
	char	   *text;
	char	   *point;
	char	   *intpart;
	char	   *frac;
	int			fraclen;
	bool		negative;
	StringInfoData buf;

	if (input->type == FP_NULL)
		return input;
	if (!fp_is_number(input))
		return type_error(st, n, "a number", input);
	if (args[0] != NULL && args[0]->type != FP_NULL &&
		(pattern = cstring_arg(st, n, 0, args[0])) == NULL)
		return NULL;
	if (!parse_number_pattern(pattern, &np))
		return expr_fail(st, np.unsupported ? "numberFormat does not support the pattern \"%s\": %s" :
						 "invalid number format \"%s\": %s", pattern, np.error);
	if (np.max_frac > 30)
		return expr_fail(st, "number format \"%s\" has more than 30 decimals", pattern);

	if (input->type == FP_INT && np.multiplier == 1)
	{
		negative = input->u.i < 0;
		text = psprintf(UINT64_FORMAT, negative ? (uint64) 0 - (uint64) input->u.i : (uint64) input->u.i);
		frac = psprintf("%0*d", np.min_frac, 0);
		if (np.min_frac == 0)
			frac = "";
	}
	else
	{
		d = fp_as_double(input) * np.multiplier;
		if (isnan(d) || isinf(d))
			return expr_new_string(st, isnan(d) ? "NaN" : (d > 0 ? "\u221E" : "-\u221E"),
								   isnan(d) ? 3 : (d > 0 ? 3 : 4));
		if (fabs(d) >= 1e18)
			return expr_fail(st, "number %g is too large for numberFormat", d);
		/* the exact binary value rounded half-even, as DecimalFormat does */
		text = psprintf("%.*f", np.max_frac, fabs(d));
		negative = d < 0;
		point = strchr(text, '.');
		frac = "";
		if (point)
		{
			*point = '\0';
			frac = point + 1;
		}
	}
	/* drop optional trailing zeros of the fraction */
	fraclen = strlen(frac);
	while (fraclen > np.min_frac && frac[fraclen - 1] == '0')
		fraclen--;
	/* the integer part: no leading zeros beyond min_int ("#.##" writes .5) */
	intpart = text;
	while (intpart[0] == '0' && (int) strlen(intpart) > np.min_int)
		intpart++;
	/* a negative number that rounds to zero keeps its sign ("-0"), as in Java */

	initStringInfo(&buf);
	appendStringInfoString(&buf, negative ? np.neg_prefix : np.prefix);
	{
		StringInfoData digits;
		int			pad;

		initStringInfo(&digits);
		for (pad = strlen(intpart); pad < np.min_int; pad++)
			appendStringInfoChar(&digits, '0');
		appendStringInfoString(&digits, intpart);
		append_grouped(&buf, digits.data, np.group);
		if (digits.len == 0 && fraclen == 0)
			appendStringInfoChar(&buf, '0');	/* nothing at all is written as 0 */
	}
	if (fraclen > 0)
	{
		appendStringInfoChar(&buf, '.');
		appendBinaryStringInfo(&buf, frac, fraclen);
	}
	appendStringInfoString(&buf, negative ? np.neg_suffix : np.suffix);
	return expr_new_string(st, buf.data, buf.len);
}

/* ---------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------
 */

/* is null: null or undefined. */
static FpValue *
t_null(BUILTIN_ARGS)
{
	return expr_bool(input == NULL || input->type == FP_NULL);
}

/* is defined: neither undefined nor null (Pebble's defined is the negation of its null test). */
static FpValue *
t_defined(BUILTIN_ARGS)
{
	return expr_bool(input != NULL && input->type != FP_NULL);
}

/* is empty: null, blank text, an empty list or map. */
static FpValue *
t_empty(BUILTIN_ARGS)
{
	return expr_bool(is_empty(input));
}

/* is true: truthy (SPEC section 3; a flowpg addition to Pebble). */
static FpValue *
t_true(BUILTIN_ARGS)
{
	return expr_bool(expr_truthy(input));
}

/* is false: not truthy. */
static FpValue *
t_false(BUILTIN_ARGS)
{
	return expr_bool(!expr_truthy(input));
}

/* is even / is odd: integers only. */
static FpValue *
parity(EvalState *st, const ENode *n, FpValue *input, int want)
{
	int64		i;

	if (input->type != FP_INT &&
		!(input->type == FP_FLOAT && input->u.f == floor(input->u.f) &&
		  fabs(input->u.f) < 9.2e18))
		return type_error(st, n, "an integer", input);
	i = input->type == FP_INT ? input->u.i : (int64) input->u.f;
	return expr_bool((i & 1) == want);
}

/* is even */
static FpValue *
t_even(BUILTIN_ARGS)
{
	return parity(st, n, input, 0);
}

/* is odd */
static FpValue *
t_odd(BUILTIN_ARGS)
{
	return parity(st, n, input, 1);
}

/* ---------------------------------------------------------------------
 * Functions
 * ---------------------------------------------------------------------
 */

/* now(timeZone, format): the render's current time, as ISO-8601 text or in format (as date). */
static FpValue *
fn_now(BUILTIN_ARGS)
{
	int			offset = 0;
	char	   *text;

	if (args[0] != NULL && args[0]->type != FP_NULL)
	{
		char	   *tz = cstring_arg(st, n, 0, args[0]);

		if (tz == NULL)
			return NULL;
		if (!dt_zone_offset(tz, st->env->now, &offset))
			return expr_fail(st, "unknown time zone \"%s\"", tz);
	}
	if (args[1] != NULL && args[1]->type != FP_NULL)
		return format_date(st, n, st->env->now, args[1], 1,
						   args[0] != NULL && args[0]->type != FP_NULL ? cstring_arg(st, n, 0, args[0]) : NULL);
	text = dt_format_datetime(st->env->now, offset);
	return expr_new_string(st, text, strlen(text));
}

/*
 * secret('NAME', 'NAMESPACE'): through the caller's hook (secret_in with a
 * namespace), which also learns the value for masking.
 */
static FpValue *
fn_secret(BUILTIN_ARGS)
{
	char	   *name = cstring_arg(st, n, 0, args[0]);
	char	   *error = NULL;
	char	   *value;

	if (name == NULL)
		return NULL;
	if (args[1] != NULL && args[1]->type != FP_NULL)
	{
		char	   *ns = cstring_arg(st, n, 1, args[1]);

		if (ns == NULL)
			return NULL;
		if (st->env->secret_in == NULL)
			return expr_fail(st, "secret() with a namespace is not available here");
		value = st->env->secret_in(st->env->arg, name, ns, &error);
	}
	else
	{
		if (st->env->secret == NULL)
			return expr_fail(st, "secret() is not available here");
		value = st->env->secret(st->env->arg, name, &error);
	}
	if (value == NULL)
		return expr_fail(st, "%s", error ? error : psprintf("secret \"%s\" not found", name));
	if (st->env->note_secret != NULL)
		st->env->note_secret(st->env->arg, value);
	return expr_new_string(st, value, strlen(value));
}

/*
 * render(template, recursive): text rendered as a template, in the context
 * of the expression that calls it, as Kestra's render() does; recursive
 * (the default) renders the result again while it still changes and is a
 * template.  Non-text values come back as they are.  Calls and passes nest
 * at most EXPR_MAX_RENDER_DEPTH deep, under the budget of the whole render,
 * so a template that renders itself ends with an error.
 */
static FpValue *
fn_render(BUILTIN_ARGS)
{
	FpValue    *v = args[0];
	bool		recursive = true;
	const Template *outer = st->t;
	int			qstart = st->qstart;
	int			qend = st->qend;
	int			passes = 0;

	if (args[1] != NULL && args[1]->type != FP_NULL)
	{
		if (args[1]->type != FP_BOOL)
			return type_error(st, n, "a boolean (recursive)", args[1]);
		recursive = args[1]->u.b;
	}
	if (v->type != FP_STRING)
		return v;
	while (v->type == FP_STRING && expr_is_template(v->u.str.ptr, v->u.str.len))
	{
		ExprSyntaxError err;
		Template   *t;
		FpValue    *r;

		if (st->render_depth + passes >= EXPR_MAX_RENDER_DEPTH)
			return expr_fail(st, "render() nests more than %d deep (or its text keeps changing)",
							 EXPR_MAX_RENDER_DEPTH);
		if (!expr_charge(st, 1 + v->u.str.len / 64))
			return NULL;
		t = expr_parse_template(v->u.str.ptr, v->u.str.len, &err);
		if (t == NULL)
			return expr_fail(st, "render(): invalid template: %s at character %d", err.message,
							 expr_char_count(v->u.str.ptr, Min(Max(err.offset, 0), v->u.str.len)) + 1);
		st->render_depth += passes + 1;
		r = expr_render_template(st, t);
		st->render_depth -= passes + 1;
		if (r == NULL)
		{
			/*
			 * The error quotes the rendered text.  A name missing there is an
			 * error of render(), not an undefined value that ?? or default
			 * could replace.
			 */
			if (st->undefined)
			{
				char	   *name = pstrdup(st->message);

				expr_clear_error(st);
				expr_fail(st, "unable to find `%s` in the text render() renders", name);
			}
			return NULL;
		}
		st->t = outer;
		st->qstart = qstart;
		st->qend = qend;
		/* Kestra's render() gives text: a value of one {{ }} is written out */
		if (r->type != FP_STRING)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			if (!expr_append_text(st, &buf, r, st->max_output - st->out_used))
				return NULL;
			r = expr_take_string(st, &buf);
			if (r == NULL)
				return NULL;
		}
		passes++;
		if (!recursive || (r->u.str.len == v->u.str.len &&
						   memcmp(r->u.str.ptr, v->u.str.ptr, r->u.str.len) == 0))
			return r;
		v = r;
	}
	return v;
}

/* renderOnce(template): Kestra's render(template, false). */
static FpValue *
fn_renderOnce(BUILTIN_ARGS)
{
	FpValue    *once[EXPR_MAX_PARAMS] = {args[0], expr_bool(false)};

	return fn_render(st, n, input, once);
}

/* block('name'): the block of that name of this template, rendered again (Pebble's block()). */
static FpValue *
fn_block(BUILTIN_ARGS)
{
	char	   *name = cstring_arg(st, n, 0, args[0]);

	if (name == NULL)
		return NULL;
	return expr_render_block(st, name);
}

/* kv('KEY'): a value of the key-value store, through the caller's hook. */
static FpValue *
fn_kv(BUILTIN_ARGS)
{
	char	   *key = cstring_arg(st, n, 0, args[0]);
	char	   *error = NULL;
	FpValue    *value;

	if (key == NULL)
		return NULL;
	if (st->env->kv == NULL)
		return expr_fail(st, "kv() is not available here");
	value = st->env->kv(st->env->arg, key, &error);
	if (value == NULL)
		return expr_fail(st, "%s", error ? error : psprintf("kv entry \"%s\" not found", key));
	return value;
}

/*
 * errorLogs(): Kestra's list of this execution's ERROR log lines, each a map
 * {taskId, taskRunId, level, message, timestamp}, for errors handlers.
 */
static FpValue *
fn_errorLogs(BUILTIN_ARGS)
{
	char	   *error = NULL;
	FpValue    *logs;

	(void) n;
	(void) args;
	if (st->env->error_logs == NULL)
		return expr_fail(st, "errorLogs() is not available here");
	logs = st->env->error_logs(st->env->arg, &error);
	if (logs == NULL)
		return expr_fail(st, "%s", error ? error : "errorLogs() failed");
	return logs;
}

/* fromJson(text): the value of JSON text; null gives null. */
static FpValue *
fn_fromJson(BUILTIN_ARGS)
{
	FpValue    *text = args[0];
	char	   *error = NULL;
	FpValue    *v;

	if (text->type == FP_NULL)
		return text;
	if (text->type != FP_STRING)
		return expr_fail(st, "function \"%s\" needs JSON text, not %s", n->fn->name,
						 expr_type_name(text));
	if (!expr_charge(st, text->u.str.len / 8 + 1))
		return NULL;
	v = fp_parse_json(text->u.str.ptr, text->u.str.len, &error);
	if (v == NULL)
		return expr_fail(st, "function \"%s\": invalid JSON: %s", n->fn->name, error);
	return v;
}

/* range(start, end, increment): integers from start to end inclusive. */
static FpValue *
fn_range(BUILTIN_ARGS)
{
	return expr_range(st, args[0], args[1], args[2]);
}

/* Append s percent-encoded as one segment of a URL path. */
static void
append_path_segment(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~')
			appendStringInfoChar(buf, (char) c);
		else
			appendStringInfo(buf, "%%%02X", c);
	}
}

/*
 * appLink(appId = 'approve'): <app_url>/<appId>/<execution.id>, the link to
 * an execution in the application that approves it (SPEC section 3).  When
 * the render has a link_token hook and the rendering task has a pause in
 * context, the link carries that pause's signed token: ?token=<token>.
 */
static FpValue *
fn_appLink(BUILTIN_ARGS)
{
	const char *app = "approve";
	const char *url = st->env->app_url ? st->env->app_url : "http://localhost:8080";
	int			urllen = strlen(url);
	FpValue    *exec = fp_get(st->env->vars, "execution");
	FpValue    *id = fp_get(exec, "id");
	StringInfoData buf;

	if (args[0] != NULL && args[0]->type != FP_NULL &&
		(app = cstring_arg(st, n, 0, args[0])) == NULL)
		return NULL;
	if (id == NULL || id->type != FP_STRING)
		return expr_fail(st, "appLink() needs execution.id in the context");
	while (urllen > 0 && url[urllen - 1] == '/')
		urllen--;
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, url, urllen);
	appendStringInfoChar(&buf, '/');
	append_path_segment(&buf, app);
	appendStringInfoChar(&buf, '/');
	append_path_segment(&buf, id->u.str.ptr);
	if (st->env->link_token)
	{
		char	   *error = NULL;
		char	   *token = st->env->link_token(st->env->arg, st->env->vars, &error);

		if (token == NULL && error != NULL)
			return expr_fail(st, "%s", error);
		if (token)
		{
			appendStringInfoString(&buf, "?token=");
			append_path_segment(&buf, token);
		}
	}
	return expr_take_string(st, &buf);
}

/* ---------------------------------------------------------------------
 * The table
 * ---------------------------------------------------------------------
 */
static const ExprBuiltin builtins[] = {
	/* filters */
	{"abbreviate", EB_FILTER, 1, 1, {"length"}, false, f_abbreviate},
	{"capitalize", EB_FILTER, 0, 0, {NULL}, false, f_capitalize},
	{"date", EB_FILTER, 0, 4, {"format", "timeZone", "existingFormat", "locale"}, false, f_date},
	{"dateAdd", EB_FILTER, 2, 6, {"amount", "unit", "format", "timeZone", "existingFormat", "locale"}, false, f_dateAdd},
	{"default", EB_FILTER, 1, 1, {"default"}, true, f_default},
	{"endsWith", EB_FILTER, 1, 1, {"value"}, false, f_endsWith},
	{"first", EB_FILTER, 0, 0, {NULL}, false, f_first},
	{"join", EB_FILTER, 0, 1, {"separator"}, false, f_join},
	{"json", EB_FILTER, 0, 0, {NULL}, false, f_json},
	{"keys", EB_FILTER, 0, 0, {NULL}, false, f_keys},
	{"last", EB_FILTER, 0, 0, {NULL}, false, f_last},
	{"length", EB_FILTER, 0, 0, {NULL}, false, f_length},
	{"lower", EB_FILTER, 0, 0, {NULL}, false, f_lower},
	{"number", EB_FILTER, 0, 1, {"type"}, false, f_number},
	{"numberFormat", EB_FILTER, 0, 1, {"format"}, false, f_numberFormat},
	{"numberformat", EB_FILTER, 0, 1, {"format"}, false, f_numberFormat},
	{"replace", EB_FILTER, 1, 2, {"replace_pairs", "regexp"}, false, f_replace},
	{"slugify", EB_FILTER, 0, 0, {NULL}, false, f_slugify},
	{"split", EB_FILTER, 1, 2, {"delimiter", "limit"}, false, f_split},
	{"startsWith", EB_FILTER, 1, 1, {"value"}, false, f_startsWith},
	{"timestamp", EB_FILTER, 0, 2, {"timeZone", "existingFormat"}, false, f_timestamp},
	{"timestampMicro", EB_FILTER, 0, 2, {"timeZone", "existingFormat"}, false, f_timestampMicro},
	{"timestampMilli", EB_FILTER, 0, 2, {"timeZone", "existingFormat"}, false, f_timestampMilli},
	{"timestampNano", EB_FILTER, 0, 2, {"timeZone", "existingFormat"}, false, f_timestampNano},
	{"title", EB_FILTER, 0, 0, {NULL}, false, f_title},
	{"toJson", EB_FILTER, 0, 0, {NULL}, false, f_json},
	{"trim", EB_FILTER, 0, 0, {NULL}, false, f_trim},
	{"upper", EB_FILTER, 0, 0, {NULL}, false, f_upper},
	{"urlencode", EB_FILTER, 0, 0, {NULL}, false, f_urlencode},
	{"values", EB_FILTER, 0, 0, {NULL}, false, f_values},
	/* tests */
	{"defined", EB_TEST, 0, 0, {NULL}, true, t_defined},
	{"empty", EB_TEST, 0, 0, {NULL}, false, t_empty},
	{"even", EB_TEST, 0, 0, {NULL}, false, t_even},
	{"false", EB_TEST, 0, 0, {NULL}, false, t_false},
	{"null", EB_TEST, 0, 0, {NULL}, true, t_null},
	{"odd", EB_TEST, 0, 0, {NULL}, false, t_odd},
	{"true", EB_TEST, 0, 0, {NULL}, false, t_true},
	/* functions */
	{"appLink", EB_FUNCTION, 0, 1, {"appId"}, false, fn_appLink},
	{"errorLogs", EB_FUNCTION, 0, 0, {NULL}, false, fn_errorLogs},
	{"fromJson", EB_FUNCTION, 1, 1, {"json"}, false, fn_fromJson},
	{"json", EB_FUNCTION, 1, 1, {"json"}, false, fn_fromJson},
	{"kv", EB_FUNCTION, 1, 1, {"key"}, false, fn_kv},
	{"now", EB_FUNCTION, 0, 2, {"timeZone", "format"}, false, fn_now},
	{"range", EB_FUNCTION, 2, 3, {"start", "end", "increment"}, false, fn_range},
	{"render", EB_FUNCTION, 1, 2, {"template", "recursive"}, false, fn_render},
	{"renderOnce", EB_FUNCTION, 1, 1, {"template"}, false, fn_renderOnce},
	{"block", EB_FUNCTION, 1, 1, {"name"}, false, fn_block},
	{"secret", EB_FUNCTION, 1, 2, {"key", "namespace"}, false, fn_secret},
};

/* The builtin of kind called name, or NULL. */
const ExprBuiltin *
expr_find_builtin(ExprBuiltinKind kind, const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(builtins); i++)
		if (builtins[i].kind == kind && strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}
