/*-------------------------------------------------------------------------
 *
 * value.c
 *	  FpValue construction, access, comparison, JSON text output and a
 *	  strict JSON text parser.
 *
 * Only palloc, StringInfo and psprintf are used here, so the file also
 * builds outside the server for the expression fuzzer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "value.h"

/* JSON nesting accepted by fp_parse_json before it gives up */
#define FP_JSON_MAX_DEPTH 200

/* A new value of a type, zeroed. */
static FpValue *
fp_new(FpType type)
{
	FpValue    *v = palloc0(sizeof(FpValue));

	v->type = type;
	return v;
}

/* A JSON null. */
FpValue *
fp_null(void)
{
	return fp_new(FP_NULL);
}

/* A boolean. */
FpValue *
fp_bool(bool b)
{
	FpValue    *v = fp_new(FP_BOOL);

	v->u.b = b;
	return v;
}

/* An integer number. */
FpValue *
fp_int(int64 i)
{
	FpValue    *v = fp_new(FP_INT);

	v->u.i = i;
	return v;
}

/* A decimal number. */
FpValue *
fp_float(double f)
{
	FpValue    *v = fp_new(FP_FLOAT);

	v->u.f = f;
	return v;
}

/* A string of len bytes copied from s (NUL-terminated in the copy). */
FpValue *
fp_string(const char *s, int len)
{
	FpValue    *v = fp_new(FP_STRING);

	v->u.str.ptr = palloc(len + 1);
	if (len > 0)
		memcpy(v->u.str.ptr, s, len);
	v->u.str.ptr[len] = '\0';
	v->u.str.len = len;
	return v;
}

/* A string copied from a C string. */
FpValue *
fp_cstring(const char *s)
{
	return fp_string(s, strlen(s));
}

/* An empty array with room for cap items. */
FpValue *
fp_array(int cap)
{
	FpValue    *v = fp_new(FP_ARRAY);

	v->u.arr.cap = Max(cap, 4);
	v->u.arr.items = palloc(sizeof(FpValue *) * v->u.arr.cap);
	return v;
}

/* An empty object with room for cap keys. */
FpValue *
fp_object(int cap)
{
	FpValue    *v = fp_new(FP_OBJECT);

	v->u.obj.cap = Max(cap, 4);
	v->u.obj.pairs = palloc(sizeof(FpPair) * v->u.obj.cap);
	return v;
}

/* Append an item to an array. */
void
fp_append(FpValue *arr, FpValue *item)
{
	Assert(arr->type == FP_ARRAY);
	if (arr->u.arr.count == arr->u.arr.cap)
	{
		arr->u.arr.cap *= 2;
		arr->u.arr.items = repalloc(arr->u.arr.items,
									sizeof(FpValue *) * arr->u.arr.cap);
	}
	arr->u.arr.items[arr->u.arr.count++] = item;
}

/* Set key to value in an object, replacing an existing value in place. */
void
fp_set(FpValue *obj, const char *key, FpValue *value)
{
	int			i;

	Assert(obj->type == FP_OBJECT);
	for (i = 0; i < obj->u.obj.count; i++)
	{
		if (strcmp(obj->u.obj.pairs[i].key, key) == 0)
		{
			obj->u.obj.pairs[i].value = value;
			return;
		}
	}
	if (obj->u.obj.count == obj->u.obj.cap)
	{
		obj->u.obj.cap *= 2;
		obj->u.obj.pairs = repalloc(obj->u.obj.pairs,
									sizeof(FpPair) * obj->u.obj.cap);
	}
	obj->u.obj.pairs[obj->u.obj.count].key = pstrdup(key);
	obj->u.obj.pairs[obj->u.obj.count].value = value;
	obj->u.obj.pairs[obj->u.obj.count].key_line = 0;
	obj->u.obj.pairs[obj->u.obj.count].key_col = 0;
	obj->u.obj.count++;
}

/*
 * Append key: value to obj without looking for key first, for callers that
 * know it is not there (copies of objects, jsonb, fp_dedupe_keys after).
 * Building an object of n keys this way costs n, where fp_set costs n^2.
 */
void
fp_set_new(FpValue *obj, const char *key, FpValue *value)
{
	FpPair	   *p;

	Assert(obj->type == FP_OBJECT);
	if (obj->u.obj.count == obj->u.obj.cap)
	{
		obj->u.obj.cap *= 2;
		obj->u.obj.pairs = repalloc(obj->u.obj.pairs,
									sizeof(FpPair) * obj->u.obj.cap);
	}
	p = &obj->u.obj.pairs[obj->u.obj.count++];
	p->key = pstrdup(key);
	p->value = value;
	p->key_line = 0;
	p->key_col = 0;
}

/* For fp_dedupe_keys: pairs ordered by key, then by position. */
typedef struct FpKeyPos
{
	const char *key;
	int			pos;
} FpKeyPos;

/* Order keys by name, then by position (qsort callback of fp_dedupe_keys). */
static int
keypos_cmp(const void *a, const void *b)
{
	const FpKeyPos *x = (const FpKeyPos *) a;
	const FpKeyPos *y = (const FpKeyPos *) b;
	int			c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Make the keys of obj unique as a series of fp_set calls would have: a key
 * given more than once keeps its first place and its last value.  Sorts, so
 * that an object with many keys (JSON text from anywhere) costs n log n.
 */
void
fp_dedupe_keys(FpValue *obj)
{
	int			n = obj->u.obj.count;
	FpKeyPos   *order;
	int		   *winner;
	bool		dups = false;
	int			i;
	int			out = 0;

	if (n < 2)
		return;
	order = palloc(sizeof(FpKeyPos) * n);
	winner = palloc(sizeof(int) * n);
	for (i = 0; i < n; i++)
	{
		order[i].key = obj->u.obj.pairs[i].key;
		order[i].pos = i;
		winner[i] = -1;
	}
	qsort(order, n, sizeof(FpKeyPos), keypos_cmp);
	for (i = 0; i < n;)
	{
		int			j = i;

		while (j + 1 < n && strcmp(order[j + 1].key, order[i].key) == 0)
			j++;
		dups = dups || j > i;
		winner[order[i].pos] = order[j].pos;
		i = j + 1;
	}
	if (dups)
	{
		for (i = 0; i < n; i++)
		{
			if (winner[i] < 0)
				continue;
			obj->u.obj.pairs[out] = obj->u.obj.pairs[i];
			obj->u.obj.pairs[out].value = obj->u.obj.pairs[winner[i]].value;
			out++;
		}
		obj->u.obj.count = out;
	}
	pfree(order);
	pfree(winner);
}

/* The value of key (keylen bytes) in obj, or NULL if obj is no object or lacks it. */
FpValue *
fp_getn(const FpValue *obj, const char *key, int keylen)
{
	int			i;

	if (obj == NULL || obj->type != FP_OBJECT)
		return NULL;
	for (i = 0; i < obj->u.obj.count; i++)
	{
		const char *k = obj->u.obj.pairs[i].key;

		if (strncmp(k, key, keylen) == 0 && k[keylen] == '\0')
			return obj->u.obj.pairs[i].value;
	}
	return NULL;
}

/* The pair holding key in obj (for its key position), or NULL. */
FpPair *
fp_get_pair(const FpValue *obj, const char *key)
{
	int			i;

	if (obj == NULL || obj->type != FP_OBJECT)
		return NULL;
	for (i = 0; i < obj->u.obj.count; i++)
		if (strcmp(obj->u.obj.pairs[i].key, key) == 0)
			return &obj->u.obj.pairs[i];
	return NULL;
}

/* The value of a NUL-terminated key in obj, or NULL. */
FpValue *
fp_get(const FpValue *obj, const char *key)
{
	return fp_getn(obj, key, strlen(key));
}

/* Remove key from obj; true if it was there. */
bool
fp_remove(FpValue *obj, const char *key)
{
	int			i;

	if (obj == NULL || obj->type != FP_OBJECT)
		return false;
	for (i = 0; i < obj->u.obj.count; i++)
	{
		if (strcmp(obj->u.obj.pairs[i].key, key) == 0)
		{
			memmove(&obj->u.obj.pairs[i], &obj->u.obj.pairs[i + 1],
					sizeof(FpPair) * (obj->u.obj.count - i - 1));
			obj->u.obj.count--;
			return true;
		}
	}
	return false;
}

/* The string under key, or NULL when absent or not a string. */
const char *
fp_get_str(const FpValue *obj, const char *key)
{
	FpValue    *v = fp_get(obj, key);

	return (v && v->type == FP_STRING) ? v->u.str.ptr : NULL;
}

/* The array under key, or NULL. */
FpValue *
fp_get_array(const FpValue *obj, const char *key)
{
	FpValue    *v = fp_get(obj, key);

	return (v && v->type == FP_ARRAY) ? v : NULL;
}

/* The object under key, or NULL. */
FpValue *
fp_get_object(const FpValue *obj, const char *key)
{
	FpValue    *v = fp_get(obj, key);

	return (v && v->type == FP_OBJECT) ? v : NULL;
}

/* A deep copy of v in the current memory context (compiled templates are not copied). */
FpValue *
fp_copy(const FpValue *v)
{
	FpValue    *c;
	int			i;

	switch (v->type)
	{
		case FP_STRING:
			c = fp_string(v->u.str.ptr, v->u.str.len);
			c->u.str.style = v->u.str.style;
			break;
		case FP_ARRAY:
			c = fp_array(v->u.arr.count);
			for (i = 0; i < v->u.arr.count; i++)
				fp_append(c, fp_copy(v->u.arr.items[i]));
			break;
		case FP_OBJECT:
			c = fp_object(v->u.obj.count);
			for (i = 0; i < v->u.obj.count; i++)
				fp_set_new(c, v->u.obj.pairs[i].key, fp_copy(v->u.obj.pairs[i].value));
			break;
		default:
			c = fp_new(v->type);
			c->u = v->u;
			break;
	}
	c->line = v->line;
	c->col = v->col;
	return c;
}

/* True for FP_INT and FP_FLOAT. */
bool
fp_is_number(const FpValue *v)
{
	return v->type == FP_INT || v->type == FP_FLOAT;
}

/* A number as a double (0 for non-numbers). */
double
fp_as_double(const FpValue *v)
{
	if (v->type == FP_INT)
		return (double) v->u.i;
	if (v->type == FP_FLOAT)
		return v->u.f;
	return 0;
}

/*
 * JSON equality: numbers compare by value (1 == 1.0), objects ignore key
 * order.
 */
bool
fp_equal(const FpValue *a, const FpValue *b)
{
	int			i;

	if (fp_is_number(a) && fp_is_number(b))
	{
		if (a->type == FP_INT && b->type == FP_INT)
			return a->u.i == b->u.i;
		return fp_as_double(a) == fp_as_double(b);
	}
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case FP_NULL:
			return true;
		case FP_BOOL:
			return a->u.b == b->u.b;
		case FP_STRING:
			return a->u.str.len == b->u.str.len &&
				memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
		case FP_ARRAY:
			if (a->u.arr.count != b->u.arr.count)
				return false;
			for (i = 0; i < a->u.arr.count; i++)
				if (!fp_equal(a->u.arr.items[i], b->u.arr.items[i]))
					return false;
			return true;
		case FP_OBJECT:
			if (a->u.obj.count != b->u.obj.count)
				return false;
			for (i = 0; i < a->u.obj.count; i++)
			{
				FpValue    *other = fp_get(b, a->u.obj.pairs[i].key);

				if (other == NULL || !fp_equal(a->u.obj.pairs[i].value, other))
					return false;
			}
			return true;
		default:
			return false;
	}
}

/* The name of a type, for error messages. */
const char *
fp_type_name(FpType t)
{
	switch (t)
	{
		case FP_NULL:
			return "null";
		case FP_BOOL:
			return "boolean";
		case FP_INT:
			return "integer";
		case FP_FLOAT:
			return "number";
		case FP_STRING:
			return "string";
		case FP_ARRAY:
			return "list";
		case FP_OBJECT:
			return "map";
	}
	return "unknown";
}

/*
 * Append a double the way Java's Double.toString prints one: the shortest
 * digits that read back to the same value, plain when 10^-3 <= |f| < 10^7
 * (always with a decimal point: 3.0, 42.42, 1000.0), otherwise as d.dddEn
 * (1.0E20, 1.0E-4).  Non-finite values, which JSON cannot carry, print as
 * null.
 */
void
fp_append_number(StringInfo buf, double f)
{
	char		tmp[64];
	char		digits[32];
	int			ndigits = 0;
	int			prec;
	int			exp;
	char	   *p;
	int			i;

	if (isnan(f) || isinf(f))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	if (f == 0)
	{
		appendStringInfoString(buf, signbit(f) ? "-0.0" : "0.0");
		return;
	}
	/* the shortest round-tripping digits, as d.ddde[+-]x */
	for (prec = 0; prec <= 16; prec++)
	{
		snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	p = tmp;
	if (*p == '-')
	{
		appendStringInfoChar(buf, '-');
		p++;
	}
	for (; *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[ndigits++] = *p;
	exp = atoi(p + 1);
	while (ndigits > 1 && digits[ndigits - 1] == '0')
		ndigits--;

	if (exp >= -3 && exp < 7)
	{
		if (exp < 0)
		{
			appendStringInfoString(buf, "0.");
			for (i = 0; i < -exp - 1; i++)
				appendStringInfoChar(buf, '0');
			appendBinaryStringInfo(buf, digits, ndigits);
		}
		else
		{
			for (i = 0; i <= exp; i++)
				appendStringInfoChar(buf, i < ndigits ? digits[i] : '0');
			appendStringInfoChar(buf, '.');
			if (ndigits > exp + 1)
				appendBinaryStringInfo(buf, digits + exp + 1, ndigits - exp - 1);
			else
				appendStringInfoChar(buf, '0');
		}
		return;
	}
	appendStringInfoChar(buf, digits[0]);
	appendStringInfoChar(buf, '.');
	if (ndigits > 1)
		appendBinaryStringInfo(buf, digits + 1, ndigits - 1);
	else
		appendStringInfoChar(buf, '0');
	appendStringInfo(buf, "E%d", exp);
}

/* Append s as a JSON string literal, escaping what JSON requires. */
static void
append_json_string(StringInfo buf, const char *s, int len)
{
	int			i;

	appendStringInfoChar(buf, '"');
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		switch (c)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			default:
				if (c < 0x20)
					appendStringInfo(buf, "\\u%04x", c);
				else
					appendStringInfoChar(buf, (char) c);
		}
	}
	appendStringInfoChar(buf, '"');
}

/* Append v as compact JSON text ({"a":1,"b":[true,null]}), keys in their order. */
void
fp_append_json(StringInfo buf, const FpValue *v)
{
	int			i;

	switch (v->type)
	{
		case FP_NULL:
			appendStringInfoString(buf, "null");
			break;
		case FP_BOOL:
			appendStringInfoString(buf, v->u.b ? "true" : "false");
			break;
		case FP_INT:
			appendStringInfo(buf, INT64_FORMAT, v->u.i);
			break;
		case FP_FLOAT:
			fp_append_number(buf, v->u.f);
			break;
		case FP_STRING:
			append_json_string(buf, v->u.str.ptr, v->u.str.len);
			break;
		case FP_ARRAY:
			appendStringInfoChar(buf, '[');
			for (i = 0; i < v->u.arr.count; i++)
			{
				if (i > 0)
					appendStringInfoChar(buf, ',');
				fp_append_json(buf, v->u.arr.items[i]);
			}
			appendStringInfoChar(buf, ']');
			break;
		case FP_OBJECT:
			appendStringInfoChar(buf, '{');
			for (i = 0; i < v->u.obj.count; i++)
			{
				if (i > 0)
					appendStringInfoChar(buf, ',');
				append_json_string(buf, v->u.obj.pairs[i].key,
								   strlen(v->u.obj.pairs[i].key));
				appendStringInfoChar(buf, ':');
				fp_append_json(buf, v->u.obj.pairs[i].value);
			}
			appendStringInfoChar(buf, '}');
			break;
	}
}

/* v as compact JSON text. */
char *
fp_to_json(const FpValue *v)
{
	StringInfoData buf;

	initStringInfo(&buf);
	fp_append_json(&buf, v);
	return buf.data;
}

/*
 * Append v as template output: strings as themselves, null as nothing,
 * numbers and booleans as text, lists and maps as JSON.
 */
void
fp_append_text(StringInfo buf, const FpValue *v)
{
	switch (v->type)
	{
		case FP_NULL:
			break;
		case FP_STRING:
			appendBinaryStringInfo(buf, v->u.str.ptr, v->u.str.len);
			break;
		default:
			fp_append_json(buf, v);
			break;
	}
}

/* v as template output text. */
char *
fp_to_text(const FpValue *v)
{
	StringInfoData buf;

	if (v->type == FP_STRING)
		return v->u.str.ptr;
	initStringInfo(&buf);
	fp_append_text(&buf, v);
	return buf.data;
}

/* ---------------------------------------------------------------------
 * A strict JSON parser (RFC 8259), used for fromJson(), JSON inputs given
 * as text, and payload checks.
 * ---------------------------------------------------------------------
 */
typedef struct JsonParser
{
	const char *s;
	int			len;
	int			pos;
	int			depth;
	char	   *error;
} JsonParser;

static FpValue *json_value(JsonParser *p);

/* Skip JSON white space. */
static void
json_skip_ws(JsonParser *p)
{
	while (p->pos < p->len &&
		   (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
			p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* Record the first parse error (with its position) and return NULL. */
static FpValue *
json_fail(JsonParser *p, const char *what)
{
	if (p->error == NULL)
		p->error = psprintf("%s at character %d", what, p->pos + 1);
	return NULL;
}

/* Four hex digits of a \\u escape, or -1. */
static int
json_hex4(JsonParser *p)
{
	int			v = 0;
	int			i;

	if (p->pos + 4 > p->len)
		return -1;
	for (i = 0; i < 4; i++)
	{
		char		c = p->s[p->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	p->pos += 4;
	return v;
}

/* Append a code point as UTF-8. */
static void
append_utf8(StringInfo buf, unsigned int cp)
{
	if (cp < 0x80)
		appendStringInfoChar(buf, (char) cp);
	else if (cp < 0x800)
	{
		appendStringInfoChar(buf, (char) (0xC0 | (cp >> 6)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
	else if (cp < 0x10000)
	{
		appendStringInfoChar(buf, (char) (0xE0 | (cp >> 12)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		appendStringInfoChar(buf, (char) (0xF0 | (cp >> 18)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 12) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | ((cp >> 6) & 0x3F)));
		appendStringInfoChar(buf, (char) (0x80 | (cp & 0x3F)));
	}
}

/* Parse a string literal at p->pos (which is at the opening quote) into buf. */
static bool
json_string(JsonParser *p, StringInfo buf)
{
	p->pos++;
	while (p->pos < p->len)
	{
		unsigned char c = (unsigned char) p->s[p->pos];

		if (c == '"')
		{
			p->pos++;
			return true;
		}
		if (c < 0x20)
		{
			json_fail(p, "control character in string");
			return false;
		}
		if (c != '\\')
		{
			appendStringInfoChar(buf, (char) c);
			p->pos++;
			continue;
		}
		p->pos++;
		if (p->pos >= p->len)
			break;
		c = (unsigned char) p->s[p->pos++];
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(buf, (char) c);
				break;
			case 'b':
				appendStringInfoChar(buf, '\b');
				break;
			case 'f':
				appendStringInfoChar(buf, '\f');
				break;
			case 'n':
				appendStringInfoChar(buf, '\n');
				break;
			case 'r':
				appendStringInfoChar(buf, '\r');
				break;
			case 't':
				appendStringInfoChar(buf, '\t');
				break;
			case 'u':
				{
					int			cp = json_hex4(p);

					if (cp < 0)
					{
						json_fail(p, "invalid \\u escape");
						return false;
					}
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						int			lo;

						if (p->pos + 1 < p->len && p->s[p->pos] == '\\' &&
							p->s[p->pos + 1] == 'u')
						{
							p->pos += 2;
							lo = json_hex4(p);
							if (lo < 0xDC00 || lo > 0xDFFF)
							{
								json_fail(p, "invalid surrogate pair");
								return false;
							}
							cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						}
						else
						{
							json_fail(p, "invalid surrogate pair");
							return false;
						}
					}
					else if (cp >= 0xDC00 && cp <= 0xDFFF)
					{
						json_fail(p, "invalid surrogate pair");
						return false;
					}
					if (cp == 0)
					{
						json_fail(p, "\\u0000 is not allowed");
						return false;
					}
					append_utf8(buf, (unsigned int) cp);
					break;
				}
			default:
				json_fail(p, "invalid escape");
				return false;
		}
	}
	json_fail(p, "unterminated string");
	return false;
}

/* A JSON number: FP_INT when it has no fraction or exponent and fits, else FP_FLOAT. */
static FpValue *
json_number(JsonParser *p)
{
	int			start = p->pos;
	bool		is_float = false;
	char	   *text;
	char	   *end;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !isdigit((unsigned char) p->s[p->pos]))
		return json_fail(p, "invalid number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && isdigit((unsigned char) p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.')
	{
		is_float = true;
		p->pos++;
		if (p->pos >= p->len || !isdigit((unsigned char) p->s[p->pos]))
			return json_fail(p, "invalid number");
		while (p->pos < p->len && isdigit((unsigned char) p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E'))
	{
		is_float = true;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !isdigit((unsigned char) p->s[p->pos]))
			return json_fail(p, "invalid number");
		while (p->pos < p->len && isdigit((unsigned char) p->s[p->pos]))
			p->pos++;
	}
	text = pnstrdup(p->s + start, p->pos - start);
	if (!is_float)
	{
		long long	i;

		errno = 0;
		i = strtoll(text, &end, 10);
		if (errno == 0 && *end == '\0')
			return fp_int((int64) i);
	}
	return fp_float(strtod(text, NULL));
}

/* Any JSON value, recursively (nesting bounded by FP_JSON_MAX_DEPTH). */
static FpValue *
json_value(JsonParser *p)
{
	FpValue    *v;

	json_skip_ws(p);
	if (p->pos >= p->len)
		return json_fail(p, "unexpected end of input");
	switch (p->s[p->pos])
	{
		case '{':
			if (++p->depth > FP_JSON_MAX_DEPTH)
				return json_fail(p, "nesting too deep");
			p->pos++;
			v = fp_object(4);
			json_skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == '}')
			{
				p->pos++;
				p->depth--;
				return v;
			}
			for (;;)
			{
				StringInfoData key;
				FpValue    *item;

				json_skip_ws(p);
				if (p->pos >= p->len || p->s[p->pos] != '"')
					return json_fail(p, "expected a string key");
				initStringInfo(&key);
				if (!json_string(p, &key))
					return NULL;
				json_skip_ws(p);
				if (p->pos >= p->len || p->s[p->pos] != ':')
					return json_fail(p, "expected ':'");
				p->pos++;
				if ((item = json_value(p)) == NULL)
					return NULL;
				fp_set_new(v, key.data, item);
				json_skip_ws(p);
				if (p->pos < p->len && p->s[p->pos] == ',')
				{
					p->pos++;
					continue;
				}
				if (p->pos < p->len && p->s[p->pos] == '}')
				{
					p->pos++;
					p->depth--;
					/* a key given twice: the last value wins, in the first place */
					fp_dedupe_keys(v);
					return v;
				}
				return json_fail(p, "expected ',' or '}'");
			}
		case '[':
			if (++p->depth > FP_JSON_MAX_DEPTH)
				return json_fail(p, "nesting too deep");
			p->pos++;
			v = fp_array(4);
			json_skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == ']')
			{
				p->pos++;
				p->depth--;
				return v;
			}
			for (;;)
			{
				FpValue    *item = json_value(p);

				if (item == NULL)
					return NULL;
				fp_append(v, item);
				json_skip_ws(p);
				if (p->pos < p->len && p->s[p->pos] == ',')
				{
					p->pos++;
					continue;
				}
				if (p->pos < p->len && p->s[p->pos] == ']')
				{
					p->pos++;
					p->depth--;
					return v;
				}
				return json_fail(p, "expected ',' or ']'");
			}
		case '"':
			{
				StringInfoData s;

				initStringInfo(&s);
				if (!json_string(p, &s))
					return NULL;
				return fp_string(s.data, s.len);
			}
		case 't':
			if (p->len - p->pos >= 4 && strncmp(p->s + p->pos, "true", 4) == 0)
			{
				p->pos += 4;
				return fp_bool(true);
			}
			break;
		case 'f':
			if (p->len - p->pos >= 5 && strncmp(p->s + p->pos, "false", 5) == 0)
			{
				p->pos += 5;
				return fp_bool(false);
			}
			break;
		case 'n':
			if (p->len - p->pos >= 4 && strncmp(p->s + p->pos, "null", 4) == 0)
			{
				p->pos += 4;
				return fp_null();
			}
			break;
		default:
			if (p->s[p->pos] == '-' || isdigit((unsigned char) p->s[p->pos]))
				return json_number(p);
			break;
	}
	return json_fail(p, "unexpected character");
}

/*
 * Parse JSON text.  Returns NULL and sets *error (a lower-case message
 * naming the character position) when the text is not exactly one JSON value.
 */
FpValue *
fp_parse_json(const char *s, int len, char **error)
{
	JsonParser	p = {s, len, 0, 0, NULL};
	FpValue    *v = json_value(&p);

	if (v != NULL)
	{
		json_skip_ws(&p);
		if (p.pos < p.len)
			v = json_fail(&p, "unexpected text after the value");
	}
	if (v == NULL)
		*error = p.error;
	return v;
}
