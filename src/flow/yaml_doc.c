/*-------------------------------------------------------------------------
 *
 * yaml_doc.c
 *	  libyaml events -> an FpValue tree that remembers the line and column
 *	  of every node.
 *
 * Scalars follow the YAML 1.2 core schema: plain true/false are booleans,
 * null, ~ and the empty scalar are null, integers and decimals are numbers,
 * anything else is a string; quoted and block scalars are always strings
 * (so yes/no/on/off stay strings).  Anchors and aliases are resolved by
 * sharing the anchored subtree, with a cap on the expanded size against
 * alias bombs; `<<` merge keys are honoured; duplicate keys are an error.
 *
 * libyaml allocates with malloc and reports errors through its parser
 * struct, so nothing here raises while libyaml owns memory: problems are
 * collected and the parser is always deleted before returning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <yaml.h>

#include "miscadmin.h"

#include "problems.h"
#include "yaml_doc.h"

#define YAML_MAX_DEPTH		200		/* nesting of lists and maps */
#define YAML_MAX_NODES		200000	/* nodes after expanding aliases */

typedef struct Anchor
{
	char	   *name;
	FpValue    *value;
	int			size;			/* nodes in the subtree, for the alias cap */
} Anchor;

typedef struct Frame
{
	FpValue    *container;		/* FP_ARRAY or FP_OBJECT being filled */
	char	   *anchor;			/* anchor to record when it closes, or NULL */
	int			start_nodes;	/* node count when it opened */
	FpValue    *pending_key;	/* mapping: the key waiting for its value */
	bool		pending_merge;	/* mapping: the pending key was a plain << */
	List	   *merges;			/* mapping: values of << keys, merged at the end */
} Frame;

typedef struct Builder
{
	Frame		stack[YAML_MAX_DEPTH + 1];
	int			depth;			/* -1 when no container is open */
	List	   *anchors;
	int			nodes;
	FpValue    *root;
	bool		have_root;
	List	  **problems;
	bool		failed;
} Builder;

/* Whether s is one or more decimal digits. */
static bool
is_decimal_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char) *s))
			return false;
	return true;
}

/*
 * Resolve a plain scalar by the YAML 1.2 core schema.
 */
static FpValue *
plain_scalar(const char *s, int len)
{
	const char *p = s;
	char	   *end;

	if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
		return fp_null();
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
		return fp_bool(true);
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
		return fp_bool(false);

	/* integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+ */
	if (*p == '-' || *p == '+')
		p++;
	if (is_decimal_digits(p))
	{
		long long	i;

		errno = 0;
		i = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return fp_int((int64) i);
		return fp_float(strtod(s, NULL));	/* too big for int64 */
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x'))
	{
		long long	i;

		errno = 0;
		i = strtoll(s + 2, &end, s[1] == 'o' ? 8 : 16);
		if (errno == 0 && *end == '\0' && end != s + 2)
			return fp_int((int64) i);
	}

	/* decimals: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (isdigit((unsigned char) *p) || (*p == '.' && isdigit((unsigned char) p[1])))
	{
		bool		ok = true;
		const char *q = p;

		while (isdigit((unsigned char) *q))
			q++;
		if (*q == '.')
		{
			q++;
			while (isdigit((unsigned char) *q))
				q++;
		}
		if (*q == 'e' || *q == 'E')
		{
			q++;
			if (*q == '-' || *q == '+')
				q++;
			if (!isdigit((unsigned char) *q))
				ok = false;
			while (isdigit((unsigned char) *q))
				q++;
		}
		if (ok && *q == '\0')
			return fp_float(strtod(s, NULL));
	}
	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 || strcmp(p, ".INF") == 0)
		return fp_float(s[0] == '-' ? -INFINITY : INFINITY);
	if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)
		return fp_float(NAN);

	return fp_string(s, len);
}

/* A scalar event as a value, honouring quoting and the few core tags. */
static FpValue *
scalar_value(yaml_event_t *ev)
{
	const char *s = (const char *) ev->data.scalar.value;
	int			len = (int) ev->data.scalar.length;
	const char *tag = (const char *) ev->data.scalar.tag;
	FpValue    *v;

	if (tag != NULL && strcmp(tag, YAML_STR_TAG) == 0)
		v = fp_string(s, len);
	else if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
	{
		v = fp_string(s, len);
		switch (ev->data.scalar.style)
		{
			case YAML_SINGLE_QUOTED_SCALAR_STYLE:
				v->u.str.style = '\'';
				break;
			case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
				v->u.str.style = '"';
				break;
			case YAML_LITERAL_SCALAR_STYLE:
				v->u.str.style = '|';
				break;
			default:
				v->u.str.style = '>';
				break;
		}
	}
	else
		v = plain_scalar(s, len);
	return v;
}

/* The text of a scalar used as a map key (keys are always strings). */
static char *
key_text(FpValue *k)
{
	if (k->type == FP_STRING)
		return k->u.str.ptr;
	if (k->type == FP_NULL)
		return "null";
	return fp_to_json(k);
}

/* Record a syntax problem (only the first one: libyaml stops there too). */
static void
builder_fail(Builder *b, int line, int col, const char *msg)
{
	if (!b->failed)
	{
		problem_add_at(b->problems, line, col, "", "%s", msg);
		((FlowProblem *) llast(*b->problems))->syntax = true;
	}
	b->failed = true;
}

/*
 * Attach a finished value (scalar, alias or closed container) to the open
 * container, or make it the document root.
 */
static void
builder_attach(Builder *b, FpValue *v, bool plain_merge_key)
{
	Frame	   *f;

	if (b->depth < 0)
	{
		b->root = v;
		b->have_root = true;
		return;
	}
	f = &b->stack[b->depth];
	if (f->container->type == FP_ARRAY)
	{
		fp_append(f->container, v);
		return;
	}
	if (f->pending_key == NULL)
	{
		if (v->type == FP_ARRAY || v->type == FP_OBJECT)
		{
			builder_fail(b, v->line, v->col, "a map key must be a scalar");
			return;
		}
		f->pending_key = v;
		f->pending_merge = plain_merge_key;
		return;
	}
	if (f->pending_merge)
	{
		f->merges = lappend(f->merges, v);
	}
	else
	{
		char	   *key = key_text(f->pending_key);

		if (fp_get(f->container, key) != NULL)
		{
			char	   *msg = psprintf("duplicate key \"%s\"", key);

			builder_fail(b, f->pending_key->line, f->pending_key->col, msg);
			return;
		}
		fp_set(f->container, key, v);
		{
			FpPair	   *pair = fp_get_pair(f->container, key);

			pair->key_line = f->pending_key->line;
			pair->key_col = f->pending_key->col;
		}
	}
	f->pending_key = NULL;
	f->pending_merge = false;
}

/* Apply `<<` merges to a closed mapping: keys already present win. */
static void
apply_merges(Builder *b, Frame *f)
{
	ListCell   *lc;

	foreach(lc, f->merges)
	{
		FpValue    *m = lfirst(lc);
		int			n = (m->type == FP_ARRAY) ? m->u.arr.count : 1;
		int			i,
					j;

		for (i = 0; i < n; i++)
		{
			FpValue    *src = (m->type == FP_ARRAY) ? m->u.arr.items[i] : m;

			if (src->type != FP_OBJECT)
			{
				builder_fail(b, src->line, src->col, "a << merge key needs a map or a list of maps");
				return;
			}
			for (j = 0; j < src->u.obj.count; j++)
				if (fp_get(f->container, src->u.obj.pairs[j].key) == NULL)
					fp_set(f->container, src->u.obj.pairs[j].key, src->u.obj.pairs[j].value);
		}
	}
}

/* Remember an anchored value (with its size, for the alias cap). */
static void
record_anchor(Builder *b, const char *name, FpValue *v, int size)
{
	Anchor	   *a = palloc(sizeof(Anchor));

	a->name = pstrdup(name);
	a->value = v;
	a->size = size;
	b->anchors = lcons(a, b->anchors);	/* newest first: redefinitions win */
}

/* A sequence or mapping starts: push a frame for it. */
static void
open_container(Builder *b, yaml_event_t *ev, FpValue *c, const char *anchor)
{
	Frame	   *f;

	c->line = (int) ev->start_mark.line + 1;
	c->col = (int) ev->start_mark.column + 1;
	if (b->depth + 1 >= YAML_MAX_DEPTH)
	{
		builder_fail(b, c->line, c->col, "the document is nested too deeply");
		return;
	}
	f = &b->stack[++b->depth];
	memset(f, 0, sizeof(Frame));
	f->container = c;
	f->anchor = anchor ? pstrdup(anchor) : NULL;
	f->start_nodes = b->nodes;
}

/* A sequence or mapping ends: apply merges, record its anchor, attach it. */
static void
close_container(Builder *b)
{
	Frame	   *f = &b->stack[b->depth];
	FpValue    *c = f->container;

	if (c->type == FP_OBJECT && f->merges != NIL)
		apply_merges(b, f);
	if (f->anchor)
		record_anchor(b, f->anchor, c, b->nodes - f->start_nodes + 1);
	b->depth--;
	builder_attach(b, c, false);
}

/*
 * Turn the parser's events into b's tree until the document ends or b
 * fails.  *have_event says whether ev holds an event to free (should this
 * raise, the caller frees it and the parser, which libyaml allocated).
 */
static void
build_document(yaml_parser_t *parser, yaml_event_t *ev, volatile bool *have_event, Builder *b)
{
	int			documents = 0;
	bool		done = false;

	while (!done && !b->failed)
	{
		int			line,
					col;

		CHECK_FOR_INTERRUPTS();
		if (!yaml_parser_parse(parser, ev))
		{
			const char *problem = parser->problem ? parser->problem : "invalid YAML";
			char	   *msg;

			if (parser->context)
				msg = psprintf("%s %s", problem, parser->context);
			else
				msg = pstrdup(problem);
			builder_fail(b, (int) parser->problem_mark.line + 1,
						 (int) parser->problem_mark.column + 1, msg);
			break;
		}
		*have_event = true;
		line = (int) ev->start_mark.line + 1;
		col = (int) ev->start_mark.column + 1;

		switch (ev->type)
		{
			case YAML_STREAM_END_EVENT:
				done = true;
				break;
			case YAML_DOCUMENT_START_EVENT:
				if (++documents > 1)
					builder_fail(b, line, col, "a flow is a single YAML document");
				break;
			case YAML_SCALAR_EVENT:
				{
					FpValue    *v = scalar_value(ev);
					bool		merge = (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
										 strcmp((char *) ev->data.scalar.value, "<<") == 0);

					v->line = line;
					v->col = col;
					b->nodes++;
					if (ev->data.scalar.anchor)
						record_anchor(b, (char *) ev->data.scalar.anchor, v, 1);
					/* only a key position can hold a merge marker */
					if (merge && !(b->depth >= 0 &&
								   b->stack[b->depth].container->type == FP_OBJECT &&
								   b->stack[b->depth].pending_key == NULL))
						merge = false;
					builder_attach(b, v, merge);
					break;
				}
			case YAML_ALIAS_EVENT:
				{
					const char *name = (const char *) ev->data.alias.anchor;
					ListCell   *lc;
					Anchor	   *found = NULL;

					foreach(lc, b->anchors)
					{
						Anchor	   *a = lfirst(lc);

						if (strcmp(a->name, name) == 0)
						{
							found = a;
							break;
						}
					}
					if (found == NULL)
					{
						char	   *msg = psprintf("unknown anchor \"%s\"", name);

						builder_fail(b, line, col, msg);
						break;
					}
					b->nodes += found->size;
					if (b->nodes > YAML_MAX_NODES)
					{
						builder_fail(b, line, col, "the document expands to too many nodes through aliases");
						break;
					}
					builder_attach(b, found->value, false);
					break;
				}
			case YAML_SEQUENCE_START_EVENT:
				b->nodes++;
				open_container(b, ev, fp_array(4), (char *) ev->data.sequence_start.anchor);
				break;
			case YAML_MAPPING_START_EVENT:
				b->nodes++;
				open_container(b, ev, fp_object(4), (char *) ev->data.mapping_start.anchor);
				break;
			case YAML_SEQUENCE_END_EVENT:
			case YAML_MAPPING_END_EVENT:
				close_container(b);
				break;
			default:
				break;
		}
		if (b->nodes > YAML_MAX_NODES)
			builder_fail(b, line, col, "the document has too many nodes");
		yaml_event_delete(ev);
		*have_event = false;
	}
}

/*
 * Parse one YAML document.  Returns the root value (with positions), or
 * NULL after appending a syntax problem.  An empty document yields a null.
 */
FpValue *
yaml_parse(const char *src, int len, List **problems)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	Builder		b;
	volatile bool have_event = false;

	memset(&b, 0, sizeof(b));
	b.depth = -1;
	b.problems = problems;

	/* a UTF-8 byte order mark, as some editors write, is no content */
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
	{
		src += 3;
		len -= 3;
	}
	if (!yaml_parser_initialize(&parser))
		elog(ERROR, "could not initialize the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *) src, (size_t) len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	/* a cancel, or running out of memory, must not leak what libyaml holds */
	PG_TRY();
	{
		build_document(&parser, &ev, &have_event, &b);
	}
	PG_FINALLY();
	{
		if (have_event)
			yaml_event_delete(&ev);
		yaml_parser_delete(&parser);
	}
	PG_END_TRY();

	if (b.failed)
		return NULL;
	if (!b.have_root)
		return fp_null();
	return b.root;
}
