/*-------------------------------------------------------------------------
 *
 * inputs.c
 *	  Typed inputs (SPEC section 2.1), shared by flow `inputs` and the
 *	  `onResume` inputs of Pause and HumanTask: checking declarations when a
 *	  flow is deployed, and validating the values a caller gives when an
 *	  execution starts or resumes.
 *
 * A declaration is read into an InputDecl once per call; the same reader
 * reports problems at deploy time and stays silent at run time, so the two
 * can never disagree about what a declaration means.  One function,
 * check_value, turns a given value into its typed, normalized form or says
 * why it cannot; it serves runtime values and `defaults` alike.
 *
 * Choices where SPEC is silent:
 *  - `name` is accepted as Kestra's deprecated spelling of `id`, and ENUM as
 *    Kestra's deprecated name of SELECT.
 *  - STRING, SECRET, SELECT, DATE, ... need a JSON string; a number given
 *    to a STRING input is an error, not text.
 *  - INT takes JSON integers and strings of decimal digits with an optional
 *    sign; 42.0 and "42.0" are refused (Integer.valueOf refuses them too).
 *    Values are int64, not Java's 32-bit int.  FLOAT takes any JSON number
 *    or decimal text (no NaN or infinity) and always yields a float.
 *  - DATETIME values are stored in UTC with Z, as Kestra's Instant prints;
 *    TIME as HH:MM:SS; DURATION as Duration.toString prints (PT5M6S).
 *  - JSON: a string is always read as JSON text; text that is not JSON is
 *    an error (a JSON string value is given as "\"text\"").
 *  - Dotted ids nest in the result; a caller may give {"a.b": 1} or
 *    {"a": {"b": 1}}, not both.
 *  - A SECRET value appears in error messages as "******".
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/pg_collation.h"
#include "mb/pg_wchar.h"
#include "regex/regex.h"
#include "utils/memutils.h"

#include "datetime.h"
#include "ids.h"
#include "inputs.h"
#include "problems.h"

#define SECRET_MASK			"******"
#define RECEIVED_MAX_BYTES	200		/* longer values are cut in error messages */
#define REGEX_CACHE_SIZE	32

typedef enum InputKind
{
	IK_STRING,
	IK_INT,
	IK_FLOAT,
	IK_BOOLEAN,
	IK_DATE,
	IK_DATETIME,
	IK_TIME,
	IK_DURATION,
	IK_SELECT,
	IK_MULTISELECT,
	IK_JSON,
	IK_URI,
	IK_EMAIL,
	IK_ARRAY,
	IK_SECRET
} InputKind;

/* validation keys, as bits of InputType.keys */
#define VK_VALIDATOR	0x0001
#define VK_MIN_LENGTH	0x0002
#define VK_MAX_LENGTH	0x0004
#define VK_MIN			0x0008
#define VK_MAX			0x0010
#define VK_AFTER		0x0020
#define VK_BEFORE		0x0040
#define VK_VALUES		0x0080
#define VK_ALLOW_CUSTOM	0x0100
#define VK_ITEM_TYPE	0x0200

typedef struct InputType
{
	const char *name;
	InputKind	kind;
	int			keys;			/* VK_* that this type takes */
	bool		listed;			/* named in "supported" lists (ENUM is not) */
	bool		item;			/* may be the itemType of an ARRAY */
	const char *hint;			/* what the text looks like, for messages */
} InputType;

static const InputType input_types[] = {
	{"STRING", IK_STRING, VK_VALIDATOR | VK_MIN_LENGTH | VK_MAX_LENGTH, true, true, NULL},
	{"INT", IK_INT, VK_MIN | VK_MAX, true, true, NULL},
	{"FLOAT", IK_FLOAT, VK_MIN | VK_MAX, true, true, NULL},
	{"BOOLEAN", IK_BOOLEAN, 0, true, true, NULL},
	{"BOOL", IK_BOOLEAN, 0, true, true, NULL},
	{"DATE", IK_DATE, VK_AFTER | VK_BEFORE, true, true, "YYYY-MM-DD"},
	{"DATETIME", IK_DATETIME, VK_AFTER | VK_BEFORE, true, true,
	"ISO-8601 with an offset, such as 2024-01-31T09:30:00Z"},
	{"TIME", IK_TIME, VK_AFTER | VK_BEFORE, true, true, "HH:MM or HH:MM:SS"},
	{"DURATION", IK_DURATION, VK_MIN | VK_MAX, true, true, "ISO-8601, such as PT5M or P1D"},
	{"SELECT", IK_SELECT, VK_VALUES | VK_ALLOW_CUSTOM, true, false, NULL},
	{"MULTISELECT", IK_MULTISELECT, VK_VALUES | VK_ALLOW_CUSTOM, true, false, NULL},
	{"JSON", IK_JSON, 0, true, true, NULL},
	{"URI", IK_URI, 0, true, true, NULL},
	{"EMAIL", IK_EMAIL, 0, true, true, NULL},
	{"ARRAY", IK_ARRAY, VK_ITEM_TYPE, true, false, NULL},
	{"SECRET", IK_SECRET, VK_VALIDATOR, true, true, NULL},
	/* Kestra's deprecated name of SELECT */
	{"ENUM", IK_SELECT, VK_VALUES | VK_ALLOW_CUSTOM, false, false, NULL},
};

typedef struct ValidationKey
{
	const char *name;
	int			bit;
} ValidationKey;

static const ValidationKey validation_keys[] = {
	{"validator", VK_VALIDATOR},
	{"minLength", VK_MIN_LENGTH},
	{"maxLength", VK_MAX_LENGTH},
	{"min", VK_MIN},
	{"max", VK_MAX},
	{"after", VK_AFTER},
	{"before", VK_BEFORE},
	{"values", VK_VALUES},
	{"allowCustomValue", VK_ALLOW_CUSTOM},
	{"itemType", VK_ITEM_TYPE},
};

/* keys every input takes ("name" is the deprecated spelling of "id") */
static const char *const common_keys[] = {
	"id", "type", "required", "defaults", "displayName", "description", NULL
};

/* One declaration, read from its YAML/JSON map. */
typedef struct InputDecl
{
	const FpValue *node;		/* the declaration's map */
	const char *path;			/* for problems, e.g. inputs[2] */
	const char *id;				/* NULL when missing or invalid */
	const InputType *type;		/* NULL when missing or unknown */
	const InputType *item_type; /* ARRAY: NULL when missing or invalid */
	bool		required;
	const FpValue *defaults;	/* NULL when absent or null */
	const char *validator;		/* STRING, SECRET: a valid pattern, or NULL */
	int64		min_length;		/* -1 when absent */
	int64		max_length;
	bool		has_min;
	bool		has_max;
	int64		min_i;			/* INT; DURATION in microseconds */
	int64		max_i;
	double		min_f;			/* FLOAT */
	double		max_f;
	bool		has_after;
	bool		has_before;
	int64		after;			/* DATE days, DATETIME instant, TIME of day */
	int64		before;
	char	   *min_text;		/* bounds as messages show them */
	char	   *max_text;
	char	   *after_text;
	char	   *before_text;
	const FpValue *values;		/* SELECT, MULTISELECT: a list of strings */
	bool		allow_custom;
} InputDecl;

/* A compiled validator, kept for the life of the backend. */
typedef struct RegexCacheEntry
{
	char	   *pattern;		/* in TopMemoryContext; NULL when the slot is free */
	regex_t		re;
} RegexCacheEntry;

static RegexCacheEntry regex_cache[REGEX_CACHE_SIZE];
static int	regex_cache_next = 0;

static bool check_value(const InputDecl *d, const FpValue *v, FpValue **out, char **why);

/* ---------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------
 */

/* Record a problem when problems is not NULL (deploy time); at run time stay silent. */
static void
report(List **problems, const FpValue *node, const char *path, const char *fmt,...)
pg_attribute_printf(4, 5);

static void
report(List **problems, const FpValue *node, const char *path, const char *fmt,...)
{
	StringInfoData buf;

	if (problems == NULL)
		return;
	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	problem_add(problems, node, path, "%s", buf.data);
}

/* A JSON type with its article, for "must be a list, not a map". */
static const char *
a_type(const FpValue *v)
{
	switch (v->type)
	{
		case FP_NULL:
			return "null";
		case FP_INT:
			return "an integer";
		default:
			return psprintf("a %s", fp_type_name(v->type));
	}
}

/* "a SELECT input" / "an INT input": the article that the type's name takes. */
static const char *
type_article(const InputType *type)
{
	return strchr("AEIO", type->name[0]) ? "an" : "a";
}

/* The input type called name, or NULL. */
static const InputType *
find_type(const char *name)
{
	for (int i = 0; i < (int) lengthof(input_types); i++)
		if (strcmp(input_types[i].name, name) == 0)
			return &input_types[i];
	return NULL;
}

/* The names of the listed types (items only when items), comma-separated. */
static char *
type_names(bool items)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(input_types); i++)
	{
		if (!input_types[i].listed || (items && !input_types[i].item))
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, input_types[i].name);
	}
	return buf.data;
}

/* The keys a type takes, for "unknown property" messages. */
static char *
allowed_keys(const InputType *type)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; common_keys[i]; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", common_keys[i]);
	for (int i = 0; i < (int) lengthof(validation_keys); i++)
		if (type->keys & validation_keys[i].bit)
			appendStringInfo(&buf, ", %s", validation_keys[i].name);
	return buf.data;
}

/* A string value usable as C text: no NUL inside (YAML can write "\0"). */
static const char *
clean_str(const FpValue *v)
{
	if (v == NULL || v->type != FP_STRING || (int) strlen(v->u.str.ptr) != v->u.str.len)
		return NULL;
	return v->u.str.ptr;
}

/*
 * A value as JSON text for "received ..." in messages: SECRET values
 * masked, long values cut (at a character boundary) and marked with "...".
 */
static char *
received(const FpValue *v, bool secret)
{
	char	   *json;
	int			len;

	if (secret && v->type != FP_NULL)
		return "\"" SECRET_MASK "\"";
	json = fp_to_json(v);
	len = strlen(json);
	if (len <= RECEIVED_MAX_BYTES)
		return json;
	len = pg_mbcliplen(json, len, RECEIVED_MAX_BYTES);
	return psprintf("%.*s...", len, json);
}

/* Is the declaration (or, for arrays, its items) of type SECRET? */
static bool
is_secret(const InputDecl *d)
{
	return d->type != NULL &&
		(d->type->kind == IK_SECRET ||
		 (d->type->kind == IK_ARRAY && d->item_type && d->item_type->kind == IK_SECRET));
}

/* ---------------------------------------------------------------------
 * Validators: PostgreSQL's regular expressions, whole-string match
 * ---------------------------------------------------------------------
 */

/*
 * Compile pattern (as ARE, C collation: \w and case folding are ASCII, as in
 * Java).  Returns a pg_regerror message on failure, NULL on success.
 */
static char *
regex_compile(const char *pattern, regex_t *re)
{
	int			len = strlen(pattern);
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(pattern, w, len);
	int			rc = pg_regcomp(re, w, wlen, REG_ADVANCED, C_COLLATION_OID);

	pfree(w);
	if (rc != REG_OKAY)
	{
		char		msg[256];

		pg_regerror(rc, re, msg, sizeof(msg));
		return pstrdup(msg);
	}
	return NULL;
}

/*
 * The compiled whole-string form of a validator, from the cache or newly
 * compiled; NULL and *error when the pattern is invalid.  The pattern is
 * first compiled alone, so that text such as "a)|(b" cannot escape the
 * ^(?:...)$ wrapper; leading embedded options such as (?i) stay in front,
 * where ARE requires them.
 */
static regex_t *
validator_regex(const char *pattern, char **error)
{
	RegexCacheEntry *e;
	regex_t		alone;
	const char *body = pattern;
	char	   *options = "";
	char	   *whole;
	char	   *err;

	for (int i = 0; i < REGEX_CACHE_SIZE; i++)
		if (regex_cache[i].pattern && strcmp(regex_cache[i].pattern, pattern) == 0)
			return &regex_cache[i].re;

	if ((err = regex_compile(pattern, &alone)) != NULL)
	{
		*error = err;
		return NULL;
	}
	pg_regfree(&alone);

	if (pattern[0] == '(' && pattern[1] == '?')
	{
		const char *p = pattern + 2;

		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		if (*p == ')' && p > pattern + 2)
		{
			options = pnstrdup(pattern, p + 1 - pattern);
			body = p + 1;
		}
	}
	whole = psprintf("%s^(?:%s)$", options, body);

	e = &regex_cache[regex_cache_next];
	if (e->pattern)
	{
		pg_regfree(&e->re);
		pfree(e->pattern);
		e->pattern = NULL;
	}
	if ((err = regex_compile(whole, &e->re)) != NULL)
	{
		*error = err;
		return NULL;
	}
	e->pattern = MemoryContextStrdup(TopMemoryContext, pattern);
	regex_cache_next = (regex_cache_next + 1) % REGEX_CACHE_SIZE;
	return &e->re;
}

/* The problem with a whole-string pattern, or NULL when it compiles (see inputs.h). */
char *
inputs_regex_problem(const char *pattern)
{
	char	   *error = NULL;

	return validator_regex(pattern, &error) == NULL ? error : NULL;
}

static bool validator_matches(const char *pattern, const char *s, int len);

/* Whether the whole of s matches pattern, as a STRING input's validator (see inputs.h). */
bool
inputs_regex_matches(const char *pattern, const char *s)
{
	return validator_matches(pattern, s, strlen(s));
}

/* Does the whole of s (len bytes) match the validator? */
static bool
validator_matches(const char *pattern, const char *s, int len)
{
	char	   *error;
	regex_t    *re = validator_regex(pattern, &error);
	pg_wchar   *w;
	int			wlen;
	int			rc;

	if (re == NULL)
		return false;			/* refused at deploy; never here */
	w = palloc((len + 1) * sizeof(pg_wchar));
	wlen = pg_mb2wchar_with_len(s, w, len);
	rc = pg_regexec(re, w, wlen, 0, NULL, 0, NULL, 0);
	pfree(w);
	if (rc == REG_NOMATCH)
		return false;
	if (rc != REG_OKAY)
	{
		char		msg[256];

		pg_regerror(rc, re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("could not apply an input validator: %s", msg)));
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Reading declarations
 * ---------------------------------------------------------------------
 */

/* The id of a declaration map: "id", or its deprecated spelling "name". */
static const FpValue *
decl_id_node(const FpValue *node, const char **key)
{
	FpValue    *v = fp_get(node, "id");

	*key = "id";
	if (v == NULL && (v = fp_get(node, "name")) != NULL)
		*key = "name";
	return v;
}

/*
 * An optional key: its value, or NULL when absent or null (null means
 * "not set", like an empty `description:` line).
 */
static const FpValue *
opt_key(const FpValue *node, const char *key)
{
	FpValue    *v = fp_get(node, key);

	return (v == NULL || v->type == FP_NULL) ? NULL : v;
}

/*
 * Read min or max by the input's type into *i / *f and *text; false (with
 * a problem) when the value has the wrong type.
 */
static bool
read_number_bound(const InputDecl *d, const FpValue *v, const char *key, const char *path,
				  List **problems, int64 *i, double *f, char **text)
{
	const char *s;

	switch (d->type->kind)
	{
		case IK_INT:
			if (v->type != FP_INT)
			{
				report(problems, v, path, "%s must be an integer", key);
				return false;
			}
			*i = v->u.i;
			*text = psprintf(INT64_FORMAT, v->u.i);
			return true;
		case IK_FLOAT:
			if (!fp_is_number(v))
			{
				report(problems, v, path, "%s must be a number", key);
				return false;
			}
			*f = fp_as_double(v);
			*text = fp_to_json(v);
			return true;
		case IK_DURATION:
			if ((s = clean_str(v)) == NULL || !dt_parse_duration(s, i))
			{
				report(problems, v, path, "%s must be an ISO-8601 duration such as PT5M or P1D, not %s",
					   key, fp_to_json(v));
				return false;
			}
			*text = dt_format_duration(*i);
			return true;
		default:
			return false;
	}
}

/* Read after or before by the input's type; false (with a problem) when it does not parse. */
static bool
read_time_bound(const InputDecl *d, const FpValue *v, const char *key, const char *path,
				List **problems, int64 *value, char **text)
{
	const char *s = clean_str(v);
	int32		days;
	int			offset;

	switch (d->type->kind)
	{
		case IK_DATE:
			if (s && dt_parse_date(s, &days))
			{
				*value = days;
				*text = dt_format_date(days);
				return true;
			}
			report(problems, v, path, "%s must be a date such as 2024-01-31, not %s", key, fp_to_json(v));
			return false;
		case IK_DATETIME:
			if (s && dt_parse_datetime(s, true, value, &offset))
			{
				*text = dt_format_datetime(*value, 0);
				return true;
			}
			report(problems, v, path,
				   "%s must be a date-time with an offset such as 2024-01-31T09:30:00Z, not %s",
				   key, fp_to_json(v));
			return false;
		case IK_TIME:
			if (s && dt_parse_time(s, value))
			{
				*text = dt_format_time(*value);
				return true;
			}
			report(problems, v, path, "%s must be a time such as 09:30 or 09:30:00, not %s",
				   key, fp_to_json(v));
			return false;
		default:
			return false;
	}
}

/*
 * Reading one declaration, part by part: with problems, every problem
 * found is reported (deploy time); without, bad parts are just left unset
 * (run time trusts the deploy check).
 */

/* id (or its deprecated spelling name): d->id, when valid. */
static void
decl_read_id(const FpValue *node, const char *path, List **problems, InputDecl *d)
{
	const FpValue *v;
	const char *idkey;

	v = decl_id_node(node, &idkey);
	if (fp_get(node, "id") && fp_get(node, "name") && problems)
		problem_add_key(problems, node, "name", path_key(path, "name"),
						"\"name\" is the deprecated spelling of \"id\"; give only \"id\"");
	if (v == NULL)
		report(problems, node, path, "an input needs an id");
	else if (v->type != FP_STRING || !id_is_input_id(v->u.str.ptr) || clean_str(v) == NULL)
		report(problems, v, path_key(path, idkey),
			   "invalid input id %s: it must match ^[a-zA-Z0-9][.a-zA-Z0-9_-]*", fp_to_json(v));
	else if (strstr(v->u.str.ptr, "..") || v->u.str.ptr[v->u.str.len - 1] == '.')
		report(problems, v, path_key(path, idkey),
			   "invalid input id \"%s\": the parts of a dotted id must not be empty", v->u.str.ptr);
	else
		d->id = v->u.str.ptr;
}

/* type: d->type, when known. */
static void
decl_read_type(const FpValue *node, const char *path, List **problems, InputDecl *d)
{
	const FpValue *v;

	v = fp_get(node, "type");
	if (v == NULL)
		report(problems, node, path, "an input needs a type");
	else if (v->type != FP_STRING)
		report(problems, v, path_key(path, "type"), "an input type must be a string, not %s", a_type(v));
	else if ((d->type = find_type(v->u.str.ptr)) == NULL)
		report(problems, v, path_key(path, "type"), "unknown input type \"%s\" (supported: %s)",
			   v->u.str.ptr, type_names(false));
}

/*
 * The keys of the map: the common ones are known, the validation keys
 * only for a type that has them; the others are problems.  Returns the
 * validation keys present (VK_* bits).
 */
static int
decl_read_keys(const FpValue *node, const char *path, List **problems, InputDecl *d)
{
	int			present = 0;

	for (int i = 0; i < node->u.obj.count; i++)
	{
		const char *key = node->u.obj.pairs[i].key;
		bool		known = strcmp(key, "name") == 0;
		int			bit = 0;

		for (int k = 0; !known && common_keys[k]; k++)
			known = strcmp(key, common_keys[k]) == 0;
		for (int k = 0; !known && k < (int) lengthof(validation_keys); k++)
			if (strcmp(key, validation_keys[k].name) == 0)
				bit = validation_keys[k].bit;
		if (known)
			continue;
		if (bit != 0 && (d->type == NULL || (d->type->keys & bit)))
		{
			present |= bit;
			continue;
		}
		if (problems == NULL)
			continue;
		if (d->type)
			problem_add_key(problems, node, key, path_key(path, key),
							"unknown property \"%s\" of %s %s input (allowed: %s)",
							key, type_article(d->type), d->type->name, allowed_keys(d->type));
		else if (bit == 0)
			problem_add_key(problems, node, key, path_key(path, key),
							"unknown property \"%s\" of an input", key);
	}
	return present;
}

/* required, displayName, description and defaults. */
static void
decl_read_common(const FpValue *node, const char *path, List **problems, InputDecl *d)
{
	const FpValue *v;

	if ((v = opt_key(node, "required")) != NULL)
	{
		if (v->type == FP_BOOL)
			d->required = v->u.b;
		else
			report(problems, v, path_key(path, "required"), "required must be true or false");
	}
	if ((v = opt_key(node, "displayName")) != NULL && v->type != FP_STRING)
		report(problems, v, path_key(path, "displayName"), "displayName must be a string, not %s", a_type(v));
	if ((v = opt_key(node, "description")) != NULL && v->type != FP_STRING)
		report(problems, v, path_key(path, "description"), "description must be a string, not %s", a_type(v));
	d->defaults = opt_key(node, "defaults");
}

/* validator, minLength and maxLength (present: the validation keys given). */
static void
decl_read_string_keys(const FpValue *node, const char *path, List **problems, InputDecl *d, int present)
{
	const FpValue *v;

	if ((present & VK_VALIDATOR) && (v = opt_key(node, "validator")) != NULL)
	{
		char	   *error;

		if (clean_str(v) == NULL)
			report(problems, v, path_key(path, "validator"), "validator must be a string, not %s", a_type(v));
		else if (validator_regex(v->u.str.ptr, &error) == NULL)
			report(problems, v, path_key(path, "validator"), "invalid regular expression in validator: %s", error);
		else
			d->validator = v->u.str.ptr;
	}
	if ((present & VK_MIN_LENGTH) && (v = opt_key(node, "minLength")) != NULL)
	{
		if (v->type == FP_INT && v->u.i >= 0)
			d->min_length = v->u.i;
		else
			report(problems, v, path_key(path, "minLength"), "minLength must be a non-negative integer");
	}
	if ((present & VK_MAX_LENGTH) && (v = opt_key(node, "maxLength")) != NULL)
	{
		if (v->type == FP_INT && v->u.i >= 0)
			d->max_length = v->u.i;
		else
			report(problems, v, path_key(path, "maxLength"), "maxLength must be a non-negative integer");
	}
	if (d->min_length >= 0 && d->max_length >= 0 && d->min_length > d->max_length)
		report(problems, fp_get(node, "maxLength"), path_key(path, "maxLength"),
			   "maxLength (" INT64_FORMAT ") must not be less than minLength (" INT64_FORMAT ")",
			   d->max_length, d->min_length);
}

/* min and max, after and before (present: the validation keys given). */
static void
decl_read_bounds(const FpValue *node, const char *path, List **problems, InputDecl *d, int present)
{
	const FpValue *v;

	if ((present & VK_MIN) && (v = opt_key(node, "min")) != NULL)
		d->has_min = read_number_bound(d, v, "min", path_key(path, "min"), problems,
									   &d->min_i, &d->min_f, &d->min_text);
	if ((present & VK_MAX) && (v = opt_key(node, "max")) != NULL)
		d->has_max = read_number_bound(d, v, "max", path_key(path, "max"), problems,
									   &d->max_i, &d->max_f, &d->max_text);
	if (d->has_min && d->has_max &&
		(d->type->kind == IK_FLOAT ? d->min_f > d->max_f : d->min_i > d->max_i))
		report(problems, fp_get(node, "max"), path_key(path, "max"),
			   "max (%s) must not be less than min (%s)", d->max_text, d->min_text);

	if ((present & VK_AFTER) && (v = opt_key(node, "after")) != NULL)
		d->has_after = read_time_bound(d, v, "after", path_key(path, "after"), problems,
									   &d->after, &d->after_text);
	if ((present & VK_BEFORE) && (v = opt_key(node, "before")) != NULL)
		d->has_before = read_time_bound(d, v, "before", path_key(path, "before"), problems,
										&d->before, &d->before_text);
	if (d->has_after && d->has_before && d->after > d->before)
		report(problems, fp_get(node, "before"), path_key(path, "before"),
			   "before (%s) must not be earlier than after (%s)", d->before_text, d->after_text);
}

/* values and allowCustomValue of SELECT and MULTISELECT (present: the validation keys given). */
static void
decl_read_values(const FpValue *node, const char *path, List **problems, InputDecl *d, int present)
{
	const FpValue *v;

	if (d->type->keys & VK_VALUES)
	{
		v = opt_key(node, "values");
		if (v == NULL)
			report(problems, node, path, "missing required property \"values\" of %s %s input",
				   type_article(d->type), d->type->name);
		else if (v->type != FP_ARRAY || v->u.arr.count == 0)
			report(problems, v, path_key(path, "values"), "values must be a non-empty list of strings");
		else
		{
			bool		all_strings = true;

			for (int i = 0; i < v->u.arr.count; i++)
			{
				const FpValue *item = v->u.arr.items[i];

				if (item->type != FP_STRING)
				{
					report(problems, item, path_index(path_key(path, "values"), i),
						   "each value must be a string, not %s", a_type(item));
					all_strings = false;
				}
			}
			if (all_strings)
				d->values = v;
		}
	}
	if ((present & VK_ALLOW_CUSTOM) && (v = opt_key(node, "allowCustomValue")) != NULL)
	{
		if (v->type == FP_BOOL)
			d->allow_custom = v->u.b;
		else
			report(problems, v, path_key(path, "allowCustomValue"), "allowCustomValue must be true or false");
	}
}

/* itemType of an ARRAY. */
static void
decl_read_item_type(const FpValue *node, const char *path, List **problems, InputDecl *d)
{
	const FpValue *v;

	if (d->type->keys & VK_ITEM_TYPE)
	{
		const InputType *it;

		v = opt_key(node, "itemType");
		if (v == NULL)
			report(problems, node, path, "missing required property \"itemType\" of an ARRAY input");
		else if (v->type != FP_STRING || (it = find_type(v->u.str.ptr)) == NULL || !it->item)
			report(problems, v, path_key(path, "itemType"), "invalid itemType %s (supported: %s)",
				   fp_to_json(v), type_names(true));
		else
			d->item_type = it;
	}
}

/*
 * Read one declaration map into *d.  With problems, every problem found is
 * reported (deploy time); without, bad parts are just left unset (run time
 * trusts the deploy check).  d->id and d->type are NULL when unusable.
 */
static void
decl_read(const FpValue *node, const char *path, List **problems, InputDecl *d)
{
	int			present;

	memset(d, 0, sizeof(*d));
	d->node = node;
	d->path = path;
	d->required = true;
	d->min_length = -1;
	d->max_length = -1;

	if (node->type != FP_OBJECT)
	{
		report(problems, node, path, "an input must be a map, not %s", a_type(node));
		return;
	}
	decl_read_id(node, path, problems, d);
	decl_read_type(node, path, problems, d);
	present = decl_read_keys(node, path, problems, d);
	decl_read_common(node, path, problems, d);
	if (d->type == NULL)
		return;
	decl_read_string_keys(node, path, problems, d, present);
	decl_read_bounds(node, path, problems, d, present);
	decl_read_values(node, path, problems, d, present);
	decl_read_item_type(node, path, problems, d);
}

/* ---------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------
 */

/* Decimal integer text: optional sign, digits, nothing else; false on overflow. */
static bool
parse_int_text(const char *s, int64 *v)
{
	bool		neg = false;
	uint64		limit;
	uint64		r = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s == '\0')
		return false;
	limit = (uint64) PG_INT64_MAX + (neg ? 1 : 0);
	for (; *s; s++)
	{
		int			digit = *s - '0';

		if (digit < 0 || digit > 9 || r > (limit - digit) / 10)
			return false;
		r = r * 10 + digit;
	}
	*v = neg ? (int64) (0 - r) : (int64) r;
	return true;
}

/* Decimal number text (1, -2.5, .5, 1e-3); no NaN, no infinity, no hex. */
static bool
parse_float_text(const char *s, double *f)
{
	const char *p = s;
	bool		digits = false;
	char	   *end;

	if (*p == '+' || *p == '-')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.')
	{
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits = true;
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return false;
	errno = 0;
	*f = strtod(s, &end);
	return *end == '\0' && !isinf(*f) && !isnan(*f);
}

/* RFC 3986 "unreserved" or "sub-delims" character, or a non-ASCII byte (IRIs). */
static bool
uri_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		strchr("-._~!$&'()*+,;=", c) != NULL || c >= 0x80;
}

/*
 * An absolute URI: a scheme, ':' and something after it, only characters a
 * URI may hold, well-formed %-escapes.  Schemes of network services (http,
 * ftp, ...) need "//" and a host, so http:/bla is refused; a port must be
 * digits.
 */
static bool
uri_is_valid(const char *s)
{
	static const char *const network[] = {
		"http", "https", "ftp", "ftps", "sftp", "ws", "wss", "ssh", "git", "ldap", "ldaps",
		"smtp", "smtps", "imap", "imaps", "pop3", "redis", "postgres", "postgresql",
		"mysql", "mongodb", "amqp", "amqps", "mqtt", "s3", "gs", "nats", "kafka", NULL
	};
	const char *p = s;
	const char *rest;
	bool		hash = false;
	bool		is_network = false;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		   (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || p[1] == '\0')
		return false;
	for (int i = 0; network[i]; i++)
		if (strlen(network[i]) == (size_t) (p - s) && pg_strncasecmp(s, network[i], p - s) == 0)
			is_network = true;
	rest = p + 1;

	/* characters and escapes of the whole rest */
	for (p = rest; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '%')
		{
			if (!isxdigit((unsigned char) p[1]) || !isxdigit((unsigned char) p[2]))
				return false;
			p += 2;
		}
		else if (c == '#')
		{
			if (hash)
				return false;
			hash = true;
		}
		else if (!uri_char(c) && !strchr(":/?@[]", c))
			return false;
	}

	if (rest[0] == '/' && rest[1] == '/')
	{
		const char *auth = rest + 2;
		const char *end = auth + strcspn(auth, "/?#");
		const char *at = NULL;
		const char *host;
		const char *port = NULL;

		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		host = at ? at + 1 : auth;
		if (*host == '[')
		{
			const char *close = memchr(host, ']', end - host);

			if (close == NULL || close == host + 1)
				return false;
			for (p = host + 1; p < close; p++)
				if (!isxdigit((unsigned char) *p) && *p != ':' && *p != '.')
					return false;
			if (close + 1 < end)
			{
				if (close[1] != ':')
					return false;
				port = close + 2;
			}
			host = close + 1;	/* host checked */
		}
		else
		{
			const char *colon = memchr(host, ':', end - host);

			if (colon)
				port = colon + 1;
			for (p = host; p < (colon ? colon : end); p++)
				if (!uri_char((unsigned char) *p) && *p != '%')
					return false;
			if (is_network && (colon ? colon : end) == host)
				return false;	/* no host */
		}
		if (port)
			for (p = port; p < end; p++)
				if (*p < '0' || *p > '9')
					return false;
		for (p = auth; p < (at ? at : auth); p++)
			if (*p == '[' || *p == ']')
				return false;
		return true;
	}
	return !is_network;
}

/*
 * A plausible e-mail address: local@domain, the local part a dot-atom
 * (RFC 5322 atext, no leading, trailing or double dots, at most 64
 * bytes), the domain at least two dot-separated labels of letters, digits
 * and hyphens (not at either end of a label; non-ASCII allowed for IDNs),
 * 254 bytes in all.  Quoted local parts and IP literals are refused.
 */
static bool
email_is_valid(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;
	int			labels = 0;
	int			label_len = 0;

	if (at == NULL || strchr(at + 1, '@') != NULL || at == s || at - s > 64 || strlen(s) > 254)
		return false;
	if (s[0] == '.' || at[-1] == '.')
		return false;
	for (p = s; p < at; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '.' && p[1] == '.')
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c >= 0x80 || strchr(".!#$%&'*+/=?^_`{|}~-", c)))
			return false;
	}
	for (p = at + 1;; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c == '.' || c == '\0')
		{
			if (label_len == 0 || label_len > 63 || p[-1] == '-')
				return false;
			labels++;
			label_len = 0;
			if (c == '\0')
				break;
			continue;
		}
		if (label_len == 0 && c == '-')
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '-' || c >= 0x80))
			return false;
		label_len++;
	}
	return labels >= 2;
}

/* Is s (len bytes) one of the strings of the list values? */
static bool
in_values(const FpValue *values, const FpValue *s)
{
	for (int i = 0; values && i < values->u.arr.count; i++)
		if (fp_equal(values->u.arr.items[i], s))
			return true;
	return false;
}

/* "expected DATE (YYYY-MM-DD), received ..." for a value of the wrong shape. */
static char *
expected(const InputType *type, const FpValue *v, bool secret)
{
	if (type->hint)
		return psprintf("expected %s (%s), received %s", type->name, type->hint, received(v, secret));
	return psprintf("expected %s, received %s", type->name, received(v, secret));
}

/*
 * A list given as a JSON list or as JSON text of a list; NULL otherwise.
 */
static const FpValue *
as_list(const FpValue *v)
{
	if (v->type == FP_ARRAY)
		return v;
	if (v->type == FP_STRING)
	{
		char	   *error;
		FpValue    *parsed = fp_parse_json(v->u.str.ptr, v->u.str.len, &error);

		if (parsed && parsed->type == FP_ARRAY)
			return parsed;
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * Checking a given value, one function per kind of input type (each
 * says why not in *why, never raises; check_value dispatches)
 * ---------------------------------------------------------------------
 */

/* STRING and SECRET: a string of the declared length that matches the validator. */
static bool
check_string(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	bool		secret = d->type->kind == IK_SECRET;

	if (v->type != FP_STRING)
	{
		*why = expected(d->type, v, secret);
		return false;
	}
	if (d->min_length >= 0 || d->max_length >= 0)
	{
		int			chars = pg_mbstrlen_with_len(v->u.str.ptr, v->u.str.len);

		if (d->min_length >= 0 && chars < d->min_length)
		{
			*why = psprintf("must be at least " INT64_FORMAT " characters long, received %s",
							d->min_length, received(v, secret));
			return false;
		}
		if (d->max_length >= 0 && chars > d->max_length)
		{
			*why = psprintf("must be at most " INT64_FORMAT " characters long, received %s",
							d->max_length, received(v, secret));
			return false;
		}
	}
	if (d->validator && !validator_matches(d->validator, v->u.str.ptr, v->u.str.len))
	{
		*why = psprintf("must match the pattern \"%s\", received %s", d->validator,
						received(v, secret));
		return false;
	}
	*out = fp_string(v->u.str.ptr, v->u.str.len);
	return true;
}

/* Whether i (an INT or a DURATION in microseconds) is within the declared min and max. */
static bool
check_int_range(const InputDecl *d, const FpValue *v, int64 i, char **why)
{
	if (d->has_min && i < d->min_i)
	{
		*why = psprintf("must be at least %s, received %s", d->min_text, received(v, false));
		return false;
	}
	if (d->has_max && i > d->max_i)
	{
		*why = psprintf("must be at most %s, received %s", d->max_text, received(v, false));
		return false;
	}
	return true;
}

/* INT: a JSON integer or integer text, within min and max. */
static bool
check_int(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const char *s = clean_str(v);
	int64		i;

	if (v->type == FP_INT)
		i = v->u.i;
	else if (s == NULL || !parse_int_text(s, &i))
	{
		*why = expected(d->type, v, false);
		return false;
	}
	if (!check_int_range(d, v, i, why))
		return false;
	*out = fp_int(i);
	return true;
}

/* FLOAT: a JSON number or number text, within min and max. */
static bool
check_float(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const char *s = clean_str(v);
	double		f;

	if (fp_is_number(v))
		f = fp_as_double(v);
	else if (s == NULL || !parse_float_text(s, &f))
	{
		*why = expected(d->type, v, false);
		return false;
	}
	if (d->has_min && f < d->min_f)
	{
		*why = psprintf("must be at least %s, received %s", d->min_text, received(v, false));
		return false;
	}
	if (d->has_max && f > d->max_f)
	{
		*why = psprintf("must be at most %s, received %s", d->max_text, received(v, false));
		return false;
	}
	*out = fp_float(f);
	return true;
}

/* BOOLEAN: a JSON boolean, or the text true or false in any case. */
static bool
check_boolean(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const char *s = clean_str(v);

	if (v->type == FP_BOOL)
		*out = fp_bool(v->u.b);
	else if (s && pg_strcasecmp(s, "true") == 0)
		*out = fp_bool(true);
	else if (s && pg_strcasecmp(s, "false") == 0)
		*out = fp_bool(false);
	else
	{
		*why = expected(d->type, v, false);
		return false;
	}
	return true;
}

/* DATE, DATETIME and TIME: parsed, within after and before, normalized to ISO text. */
static bool
check_temporal(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const InputType *t = d->type;
	const char *s = clean_str(v);
	int32		days;
	int			offset;
	int64		x;
	char	   *text;

	if (s == NULL ||
		(t->kind == IK_DATE && !dt_parse_date(s, &days)) ||
		(t->kind == IK_DATETIME && !dt_parse_datetime(s, true, &x, &offset)) ||
		(t->kind == IK_TIME && !dt_parse_time(s, &x)))
	{
		*why = expected(t, v, false);
		return false;
	}
	if (t->kind == IK_DATE)
	{
		x = days;
		text = dt_format_date(days);
	}
	else if (t->kind == IK_DATETIME)
		text = dt_format_datetime(x, 0);
	else
		text = dt_format_time(x);
	if (d->has_after && x < d->after)
	{
		*why = psprintf("must not be before %s, received %s", d->after_text, received(v, false));
		return false;
	}
	if (d->has_before && x > d->before)
	{
		*why = psprintf("must not be after %s, received %s", d->before_text, received(v, false));
		return false;
	}
	*out = fp_cstring(text);
	return true;
}

/* DURATION: ISO 8601 duration text within min and max, normalized. */
static bool
check_duration(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const char *s = clean_str(v);
	int64		i;

	if (s == NULL || !dt_parse_duration(s, &i))
	{
		*why = expected(d->type, v, false);
		return false;
	}
	if (!check_int_range(d, v, i, why))
		return false;
	*out = fp_cstring(dt_format_duration(i));
	return true;
}

/* SELECT: one of the values (any string with allowCustomValue). */
static bool
check_select(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	if (v->type != FP_STRING || (!d->allow_custom && !in_values(d->values, v)))
	{
		if (d->allow_custom)
			*why = psprintf("expected a string, received %s", received(v, false));
		else
			*why = psprintf("must be one of %s, received %s",
							d->values ? fp_to_json(d->values) : "[]", received(v, false));
		return false;
	}
	*out = fp_string(v->u.str.ptr, v->u.str.len);
	return true;
}

/* MULTISELECT: a list (or JSON text of one) of strings, each one of the values. */
static bool
check_multiselect(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const FpValue *list = as_list(v);
	FpValue    *result;

	if (list == NULL)
	{
		*why = psprintf("expected a list of strings, received %s", received(v, false));
		return false;
	}
	result = fp_array(list->u.arr.count);
	for (int k = 0; k < list->u.arr.count; k++)
	{
		const FpValue *item = list->u.arr.items[k];

		if (item->type != FP_STRING)
		{
			*why = psprintf("expected a list of strings, received %s", received(v, false));
			return false;
		}
		if (!d->allow_custom && !in_values(d->values, item))
		{
			*why = psprintf("every item must be one of %s, received %s",
							d->values ? fp_to_json(d->values) : "[]", received(v, false));
			return false;
		}
		fp_append(result, fp_string(item->u.str.ptr, item->u.str.len));
	}
	*out = result;
	return true;
}

/* JSON: any JSON value; a string is taken as JSON text and parsed. */
static bool
check_json(const FpValue *v, FpValue **out, char **why)
{
	if (v->type == FP_STRING)
	{
		char	   *error;
		FpValue    *parsed = fp_parse_json(v->u.str.ptr, v->u.str.len, &error);

		if (parsed == NULL)
		{
			*why = psprintf("expected JSON text, received %s", received(v, false));
			return false;
		}
		*out = parsed;
	}
	else
		*out = fp_copy(v);
	return true;
}

/* URI and EMAIL: text that the matching check accepts. */
static bool
check_text_form(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const char *s = clean_str(v);

	if (s == NULL || !(d->type->kind == IK_URI ? uri_is_valid(s) : email_is_valid(s)))
	{
		*why = expected(d->type, v, false);
		return false;
	}
	*out = fp_cstring(s);
	return true;
}

/* ARRAY: a list (or JSON text of one) whose every item is a valid non-null itemType value. */
static bool
check_array(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	const FpValue *list = as_list(v);
	InputDecl	item_decl;
	FpValue    *result;
	bool		item_secret = d->item_type && d->item_type->kind == IK_SECRET;

	if (d->item_type == NULL)
	{
		*why = pstrdup("its declaration has no valid itemType");
		return false;
	}
	if (list == NULL)
	{
		*why = psprintf("expected a list of %s, received %s", d->item_type->name,
						received(v, item_secret));
		return false;
	}
	memset(&item_decl, 0, sizeof(item_decl));
	item_decl.type = d->item_type;
	item_decl.min_length = -1;
	item_decl.max_length = -1;
	result = fp_array(list->u.arr.count);
	for (int k = 0; k < list->u.arr.count; k++)
	{
		FpValue    *item_out;
		char	   *item_why;

		if (list->u.arr.items[k]->type == FP_NULL ||
			!check_value(&item_decl, list->u.arr.items[k], &item_out, &item_why))
		{
			*why = psprintf("expected a list of %s, received %s", d->item_type->name,
							received(v, item_secret));
			return false;
		}
		fp_append(result, item_out);
	}
	*out = result;
	return true;
}

/*
 * Turn a given value into the input's typed, normalized value (*out), or
 * say why not (*why, the part after "invalid value for input "x": ").
 * v is not null.  Never raises for a bad value.
 */
static bool
check_value(const InputDecl *d, const FpValue *v, FpValue **out, char **why)
{
	switch (d->type->kind)
	{
		case IK_STRING:
		case IK_SECRET:
			return check_string(d, v, out, why);
		case IK_INT:
			return check_int(d, v, out, why);
		case IK_FLOAT:
			return check_float(d, v, out, why);
		case IK_BOOLEAN:
			return check_boolean(d, v, out, why);
		case IK_DATE:
		case IK_DATETIME:
		case IK_TIME:
			return check_temporal(d, v, out, why);
		case IK_DURATION:
			return check_duration(d, v, out, why);
		case IK_SELECT:
			return check_select(d, v, out, why);
		case IK_MULTISELECT:
			return check_multiselect(d, v, out, why);
		case IK_JSON:
			return check_json(v, out, why);
		case IK_URI:
		case IK_EMAIL:
			return check_text_form(d, v, out, why);
		case IK_ARRAY:
			return check_array(d, v, out, why);
	}
	*why = pstrdup("unsupported input type");
	return false;
}

/* ---------------------------------------------------------------------
 * Declarations as a whole
 * ---------------------------------------------------------------------
 */

/* Read every declaration of a list; *n is how many (0 for null or a non-list). */
static InputDecl *
decls_read(const FpValue *decls, const char *path, List **problems, int *n)
{
	InputDecl  *ds;

	*n = 0;
	if (decls == NULL || decls->type != FP_ARRAY)
		return NULL;
	ds = palloc0(sizeof(InputDecl) * Max(decls->u.arr.count, 1));
	for (int i = 0; i < decls->u.arr.count; i++)
		decl_read(decls->u.arr.items[i], path ? path_index(path, i) : "", problems, &ds[i]);
	*n = decls->u.arr.count;
	return ds;
}

/* The declaration whose id is id, or -1. */
static int
decl_find(const InputDecl *ds, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (ds[i].id && strcmp(ds[i].id, id) == 0)
			return i;
	return -1;
}

/* Does some declared id start with prefix followed by a dot (so that prefix is a map of inputs)? */
static bool
decl_is_prefix(const InputDecl *ds, int n, const char *prefix)
{
	size_t		len = strlen(prefix);

	for (int i = 0; i < n; i++)
		if (ds[i].id && strncmp(ds[i].id, prefix, len) == 0 && ds[i].id[len] == '.')
			return true;
	return false;
}

/* Check declarations at deploy time (see inputs.h). */
void
inputs_check_declarations(const FpValue *decls, const char *path, List **problems)
{
	InputDecl  *ds;
	int			n;

	if (decls == NULL || decls->type == FP_NULL)
		return;
	if (decls->type != FP_ARRAY)
	{
		problem_add(problems, decls, path, "must be a list of inputs, not %s", a_type(decls));
		return;
	}
	ds = decls_read(decls, path, problems, &n);

	for (int i = 0; i < n; i++)
	{
		InputDecl  *d = &ds[i];
		const char *idkey;
		const FpValue *idv = d->id ? decl_id_node(d->node, &idkey) : NULL;

		/* ids: unique, and none nested inside another's value */
		for (int j = 0; d->id && j < i; j++)
		{
			const char *a = ds[j].id;
			size_t		la;
			size_t		lb;

			if (a == NULL)
				continue;
			la = strlen(a);
			lb = strlen(d->id);
			if (strcmp(a, d->id) == 0)
			{
				problem_add(problems, idv, path_key(d->path, idkey),
							"duplicate input id \"%s\"", d->id);
				break;
			}
			if ((la < lb && strncmp(a, d->id, la) == 0 && d->id[la] == '.') ||
				(lb < la && strncmp(a, d->id, lb) == 0 && a[lb] == '.'))
			{
				problem_add(problems, idv, path_key(d->path, idkey),
							"input id \"%s\" conflicts with input id \"%s\": one would be nested in the other's value",
							d->id, a);
				break;
			}
		}

		/* defaults, against the input's own type and validation keys */
		if (d->type && d->defaults)
		{
			FpValue    *out;
			char	   *why;

			if (!check_value(d, d->defaults, &out, &why))
				problem_add(problems, d->defaults, path_key(d->path, "defaults"),
							"invalid default for input \"%s\": %s", d->id ? d->id : "?", why);
		}
	}
}

/* Set a value at a dotted id in an object, creating the maps between. */
static void
set_nested(FpValue *obj, const char *id, FpValue *value)
{
	const char *dot;

	while ((dot = strchr(id, '.')) != NULL)
	{
		char	   *part = pnstrdup(id, dot - id);
		FpValue    *next = fp_get(obj, part);

		if (next == NULL || next->type != FP_OBJECT)
		{
			next = fp_object(4);
			fp_set(obj, part, next);
		}
		obj = next;
		id = dot + 1;
	}
	fp_set(obj, id, value);
}

/* What the caller gave, matched to declarations. */
typedef struct Given
{
	const FpValue **value;		/* per declaration; NULL when not given */
	int		   *times;			/* per declaration: how many times given */
	List	   *unknown;		/* char *: keys naming no input, dotted */
} Given;

/*
 * Match the keys of a values object to declarations.  A key naming an
 * input takes its value whole; a key that is the first part of dotted ids
 * (a for a.b) and holds a map is walked into, so {"a": {"b": 1}} gives
 * a.b; anything else is unknown.
 */
static void
match_values(const InputDecl *ds, int n, const FpValue *obj, const char *prefix, Given *g)
{
	for (int i = 0; i < obj->u.obj.count; i++)
	{
		const char *key = obj->u.obj.pairs[i].key;
		const FpValue *v = obj->u.obj.pairs[i].value;
		char	   *full = prefix ? psprintf("%s.%s", prefix, key) : (char *) key;
		int			k = decl_find(ds, n, full);

		if (k >= 0)
		{
			g->times[k]++;
			if (g->value[k] == NULL)
				g->value[k] = v;
		}
		else if (v->type == FP_OBJECT && decl_is_prefix(ds, n, full))
			match_values(ds, n, v, full, g);
		else
			g->unknown = lappend(g->unknown, full);
	}
}

/* Validate values against declarations (see inputs.h). */
FpValue *
inputs_validate(const FpValue *decls, const FpValue *values, List **errors)
{
	int			n;
	InputDecl  *ds = decls_read(decls, NULL, NULL, &n);
	FpValue    *result = fp_object(Max(n, 1));
	List	   *errs = NIL;
	Given		g;
	ListCell   *lc;

	g.value = palloc0(sizeof(FpValue *) * Max(n, 1));
	g.times = palloc0(sizeof(int) * Max(n, 1));
	g.unknown = NIL;

	if (values != NULL && values->type != FP_NULL)
	{
		if (values->type != FP_OBJECT)
		{
			*errors = list_make1(psprintf("inputs must be a JSON object, received %s",
										  received(values, false)));
			return NULL;
		}
		match_values(ds, n, values, NULL, &g);
	}

	for (int i = 0; i < n; i++)
	{
		InputDecl  *d = &ds[i];
		const FpValue *v = g.value[i];
		FpValue    *out;
		char	   *why;

		if (d->id == NULL)
			continue;			/* cannot be named; refused at deploy */
		if (g.times[i] > 1)
		{
			errs = lappend(errs, psprintf("input \"%s\" is given more than once", d->id));
			continue;
		}
		if (v != NULL && v->type == FP_NULL)
			v = NULL;
		if (d->type == NULL)
		{
			if (v != NULL || d->required)
				errs = lappend(errs, psprintf("cannot validate input \"%s\": its declaration is invalid", d->id));
			continue;
		}
		if (v == NULL)
		{
			if (d->defaults)
			{
				if (check_value(d, d->defaults, &out, &why))
					set_nested(result, d->id, out);
				else
					errs = lappend(errs, psprintf("invalid default for input \"%s\": %s", d->id, why));
			}
			else if (d->required)
				errs = lappend(errs, psprintf("missing required input \"%s\"", d->id));
			else
				set_nested(result, d->id, fp_null());	/* as Kestra: present, null */
			continue;
		}
		if (check_value(d, v, &out, &why))
			set_nested(result, d->id, out);
		else
			errs = lappend(errs, psprintf("invalid value for input \"%s\": %s", d->id, why));
	}
	foreach(lc, g.unknown)
		errs = lappend(errs, psprintf("unknown input \"%s\"", (char *) lfirst(lc)));

	if (errs != NIL)
	{
		*errors = errs;
		return NULL;
	}
	*errors = NIL;
	return result;
}

/* The defaults alone (see inputs.h). */
FpValue *
inputs_defaults(const FpValue *decls)
{
	int			n;
	InputDecl  *ds = decls_read(decls, NULL, NULL, &n);
	FpValue    *result = fp_object(Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		FpValue    *out;
		char	   *why;

		if (ds[i].id && ds[i].type && ds[i].defaults &&
			check_value(&ds[i], ds[i].defaults, &out, &why))
			set_nested(result, ds[i].id, out);
	}
	return result;
}

/*
 * Walk values (dotted or nested keys, as match_values does) and, for each
 * SECRET input found, either replace its value by the mask (mask) or
 * collect its strings into *found.
 */
static void
walk_secrets(const InputDecl *ds, int n, FpValue *obj, const char *prefix, bool mask, List **found)
{
	for (int i = 0; i < obj->u.obj.count; i++)
	{
		const char *key = obj->u.obj.pairs[i].key;
		FpValue    *v = obj->u.obj.pairs[i].value;
		char	   *full = prefix ? psprintf("%s.%s", prefix, key) : (char *) key;
		int			k = decl_find(ds, n, full);

		if (k >= 0)
		{
			if (!is_secret(&ds[k]) || v->type == FP_NULL)
				continue;
			if (v->type == FP_ARRAY && ds[k].type->kind == IK_ARRAY)
			{
				for (int j = 0; j < v->u.arr.count; j++)
				{
					FpValue    *item = v->u.arr.items[j];

					if (mask)
						v->u.arr.items[j] = fp_cstring(SECRET_MASK);
					else if (item->type == FP_STRING && item->u.str.len > 0)
						*found = lappend(*found, item->u.str.ptr);
				}
			}
			else if (mask)
				obj->u.obj.pairs[i].value = fp_cstring(SECRET_MASK);
			else if (v->type == FP_STRING && v->u.str.len > 0)
				*found = lappend(*found, v->u.str.ptr);
		}
		else if (v->type == FP_OBJECT && decl_is_prefix(ds, n, full))
			walk_secrets(ds, n, v, full, mask, found);
	}
}

/* True when some declaration is a SECRET (or an ARRAY of SECRET). */
static bool
any_secret(const InputDecl *ds, int n)
{
	for (int i = 0; i < n; i++)
		if (ds[i].id && is_secret(&ds[i]))
			return true;
	return false;
}

/* Values with SECRET inputs masked (see inputs.h). */
FpValue *
inputs_mask_secrets(const FpValue *decls, FpValue *values)
{
	int			n;
	InputDecl  *ds = decls_read(decls, NULL, NULL, &n);
	FpValue    *copy;

	if (values == NULL || values->type != FP_OBJECT || !any_secret(ds, n))
		return values;
	copy = fp_copy(values);
	walk_secrets(ds, n, copy, NULL, true, NULL);
	return copy;
}

/*
 * The SECRET values (see inputs.h).  Empty strings are left out: masking
 * "" would mean nothing, or everything.
 */
List *
inputs_secret_values(const FpValue *decls, const FpValue *values)
{
	int			n;
	InputDecl  *ds = decls_read(decls, NULL, NULL, &n);
	List	   *found = NIL;

	if (values == NULL || values->type != FP_OBJECT || !any_secret(ds, n))
		return NIL;
	walk_secrets(ds, n, (FpValue *) values, NULL, false, &found);
	return found;
}

/* values with its keys in the declarations' order (see inputs.h). */
FpValue *
inputs_in_declared_order(const FpValue *decls, FpValue *values)
{
	FpValue    *ordered;
	int			i;

	if (decls == NULL || decls->type != FP_ARRAY || values == NULL || values->type != FP_OBJECT)
		return values;
	ordered = fp_object(values->u.obj.count);
	for (i = 0; i < decls->u.arr.count; i++)
	{
		const char *id = fp_get_str(decls->u.arr.items[i], "id");
		const char *dot;
		char	   *top;
		FpValue    *v;

		if (id == NULL)
			id = fp_get_str(decls->u.arr.items[i], "name");
		if (id == NULL)
			continue;
		/* a dotted id nests: its first part is the key */
		dot = strchr(id, '.');
		top = dot ? pnstrdup(id, dot - id) : (char *) id;
		if ((v = fp_get(values, top)) != NULL && fp_get(ordered, top) == NULL)
			fp_set(ordered, top, v);
	}
	for (i = 0; i < values->u.obj.count; i++)
		if (fp_get(ordered, values->u.obj.pairs[i].key) == NULL)
			fp_set(ordered, values->u.obj.pairs[i].key, values->u.obj.pairs[i].value);
	return ordered;
}
