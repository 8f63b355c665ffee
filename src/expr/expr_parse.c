/*-------------------------------------------------------------------------
 *
 * expr_parse.c
 *	  Parsing templates into trees: literal text, {{ expressions }},
 *	  {% tags %} (if/elseif/else/endif, for/else/endfor, block/endblock,
 *	  raw/verbatim) and
 *	  {# comments #}, with Pebble's whitespace control ({{- -}}, {%- -%}).
 *
 * Expressions are parsed by precedence climbing with Pebble's operator
 * precedences (SPEC section 3), loosest first:
 *
 *	  ? :  (only at the top of an expression, as in Pebble)
 *	  or 10, and 15, is [not] / contains 20, == != < > <= >= equals in isIn
 *	  notIn 30,
 *	  + - 40, * / % 60, | 100, ~ 110, ?? ??? .. 120,
 *	  unary not - + 500, then postfix . [ ] and calls.
 *
 * Filters, functions and tests are looked up at compile time, so a typo
 * (| uppper) or a wrong argument list is a syntax error with its offset,
 * found when the flow is deployed rather than when it runs.  The depth of
 * every tree is bounded (EXPR_MAX_DEPTH): neither this parser nor the
 * evaluator can recurse deeper than that, whatever the input.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifndef FRONTEND
#include "miscadmin.h"
#endif

#include "expr_internal.h"

/* Deepest nesting of {% if %} and {% for %} tags. */
#define EXPR_MAX_TAG_DEPTH 100

/* Which closing tags may end the body being parsed. */
#define STOP_ELSEIF		0x01
#define STOP_ELSE		0x02
#define STOP_ENDIF		0x04
#define STOP_ENDFOR		0x08
#define STOP_ENDBLOCK	0x10

/* The tag that ended a body. */
typedef struct StopInfo
{
	int			which;			/* one STOP_* bit, or 0 at the end of the template */
	int			start;			/* source range of that tag */
	int			end;
	ENode	   *cond;			/* {% elseif cond %} */
	char	   *name;			/* {% endblock name %}: the name, or "" */
} StopInfo;

typedef struct Parser
{
	const char *src;
	int			len;
	ExprSyntaxError *err;
	Token	   *toks;			/* tokens of the expression being parsed */
	int			ntoks;
	int			cur;
	int			depth;			/* recursion of parse_expr */
	int			tag_depth;		/* nesting of if and for */
	bool		trim_next;		/* the last delimiter ended with '-' */
	Template   *t;				/* the template being parsed (its blocks) */
} Parser;

static void *parse_fail(Parser *P, int pos, const char *fmt,...) pg_attribute_printf(3, 4);
static ENode *parse_expr(Parser *P, int minprec);
static bool parse_body(Parser *P, int *pos, TBody *body, int stops, StopInfo *stop);

/* Record a syntax error at pos (the first one wins); returns NULL. */
static void *
parse_fail(Parser *P, int pos, const char *fmt,...)
{
	if (P->err->message == NULL)
	{
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
		P->err->message = buf.data;
		P->err->offset = pos;
	}
	return NULL;
}

/* The current token. */
static Token *
cur(Parser *P)
{
	return &P->toks[P->cur];
}

/* The token after the current one (or the closing one). */
static Token *
peek(Parser *P)
{
	return P->cur + 1 < P->ntoks ? &P->toks[P->cur + 1] : &P->toks[P->cur];
}

/* Move to the next token (never past the TK_END that closes the expression). */
static void
advance(Parser *P)
{
	if (P->toks[P->cur].kind != TK_END)
		P->cur++;
}

/* Whether t is the name word (a keyword such as and, or, is, not, in). */
static bool
is_word(const Token *t, const char *word)
{
	return t->kind == TK_NAME && strcmp(t->str, word) == 0;
}

/* Consume a token of kind, or fail with "expected what". */
static bool
expect(Parser *P, TokKind kind, const char *what)
{
	Token	   *t = cur(P);

	if (t->kind != kind)
	{
		parse_fail(P, t->pos, "expected %s but found %s", what, expr_token_text(P->src, t));
		return false;
	}
	advance(P);
	return true;
}

/* A new node of kind at pos. */
static ENode *
new_node(ENodeKind kind, int pos)
{
	ENode	   *n = palloc0(sizeof(ENode));

	n->kind = kind;
	n->pos = pos;
	return n;
}

/* The height of a subtree, 0 for none. */
static int
child_depth(const ENode *n)
{
	return n ? n->depth : 0;
}

/*
 * Compute the height of a finished node and refuse trees deeper than
 * EXPR_MAX_DEPTH, so that evaluating it cannot recurse without bound
 * (a ~ b ~ c ~ ... builds a left-deep chain without any parenthesis).
 */
static ENode *
finish(Parser *P, ENode *n)
{
	int			d = Max(Max(child_depth(n->a), child_depth(n->b)), child_depth(n->c));
	int			i;

	for (i = 0; i < n->nitems; i++)
	{
		if (n->items)
			d = Max(d, child_depth(n->items[i]));
		if (n->keys)
			d = Max(d, child_depth(n->keys[i]));
	}
	n->depth = d + 1;
	if (n->depth > EXPR_MAX_DEPTH)
		return parse_fail(P, n->pos, "expression nested too deeply (more than %d levels)",
						  EXPR_MAX_DEPTH);
	return n;
}

/* A literal node holding v. */
static ENode *
literal(Parser *P, FpValue *v, int pos)
{
	ENode	   *n = new_node(EN_LITERAL, pos);

	n->value = v;
	return finish(P, n);
}

/*
 * Parse an argument list "(a, b, name = c)" for builtin fn into nparams
 * slots, positional arguments first, as Pebble allows.  The current token
 * is the "(".
 */
static ENode **
parse_args(Parser *P, const ExprBuiltin *fn)
{
	ENode	  **slots = palloc0(sizeof(ENode *) * Max(fn->nparams, 1));
	int			npos = 0;
	bool		named_seen = false;
	int			count = 0;
	int			open = cur(P)->pos;
	int			i;

	if (!expect(P, TK_LPAREN, "\"(\""))
		return NULL;
	while (cur(P)->kind != TK_RPAREN)
	{
		Token	   *t;
		int			slot;
		ENode	   *value;

		if (count > 0 && !expect(P, TK_COMMA, "\",\" or \")\""))
			return NULL;
		t = cur(P);
		if (t->kind == TK_NAME && peek(P)->kind == TK_ASSIGN)
		{
			for (slot = 0; slot < fn->nparams; slot++)
				if (strcmp(fn->params[slot], t->str) == 0)
					break;
			if (slot == fn->nparams)
				return parse_fail(P, t->pos, "%s \"%s\" has no argument \"%s\"",
								  expr_builtin_kind_name(fn->kind), fn->name, t->str);
			if (slots[slot] != NULL)
				return parse_fail(P, t->pos, "argument \"%s\" of %s \"%s\" is given twice",
								  t->str, expr_builtin_kind_name(fn->kind), fn->name);
			named_seen = true;
			advance(P);
			advance(P);
		}
		else
		{
			if (named_seen)
				return parse_fail(P, t->pos,
								  "positional arguments must come before named arguments");
			if (npos >= fn->nparams)
				return parse_fail(P, t->pos, "too many arguments for %s \"%s\" (it takes %d)",
								  expr_builtin_kind_name(fn->kind), fn->name, fn->nparams);
			slot = npos++;
		}
		value = parse_expr(P, 0);
		if (value == NULL)
			return NULL;
		slots[slot] = value;
		count++;
	}
	advance(P);
	for (i = 0; i < fn->nrequired; i++)
		if (slots[i] == NULL)
			return parse_fail(P, open, "%s \"%s\" needs the argument \"%s\"",
							  expr_builtin_kind_name(fn->kind), fn->name, fn->params[i]);
	return slots;
}

/* The builtin of kind named by the current token, with its arguments; node is filled in. */
static ENode *
parse_invocation(Parser *P, ENode *n, ExprBuiltinKind kind)
{
	Token	   *t = cur(P);
	const ExprBuiltin *fn;

	if (t->kind != TK_NAME)
		return parse_fail(P, t->pos, "expected the name of a %s but found %s",
						  expr_builtin_kind_name(kind), expr_token_text(P->src, t));
	fn = expr_find_builtin(kind, t->str);
	if (fn == NULL)
		return parse_fail(P, t->pos, "unknown %s \"%s\"", expr_builtin_kind_name(kind), t->str);
	advance(P);
	n->fn = fn;
	n->nitems = fn->nparams;
	if (cur(P)->kind == TK_LPAREN)
	{
		n->items = parse_args(P, fn);
		if (n->items == NULL)
			return NULL;
	}
	else
	{
		if (fn->nrequired > 0)
			return parse_fail(P, t->pos, "%s \"%s\" needs the argument \"%s\"",
							  expr_builtin_kind_name(kind), fn->name, fn->params[0]);
		n->items = palloc0(sizeof(ENode *) * Max(fn->nparams, 1));
	}
	return finish(P, n);
}

/* [a, b, ...], folded into a literal when every item is one. */
static ENode *
parse_list(Parser *P)
{
	ENode	   *n = new_node(EN_LIST, cur(P)->pos);
	int			cap = 4;
	bool		constant = true;
	int			i;

	advance(P);
	n->items = palloc(sizeof(ENode *) * cap);
	while (cur(P)->kind != TK_RBRACKET)
	{
		ENode	   *item;

		if (n->nitems > 0 && !expect(P, TK_COMMA, "\",\" or \"]\""))
			return NULL;
		if ((item = parse_expr(P, 0)) == NULL)
			return NULL;
		if (n->nitems == cap)
		{
			cap *= 2;
			n->items = repalloc(n->items, sizeof(ENode *) * cap);
		}
		n->items[n->nitems++] = item;
		constant = constant && item->kind == EN_LITERAL;
	}
	advance(P);
	if (constant)
	{
		FpValue    *v = fp_array(n->nitems);

		for (i = 0; i < n->nitems; i++)
			fp_append(v, n->items[i]->value);
		return literal(P, v, n->pos);
	}
	return finish(P, n);
}

/*
 * {k: v, 'k2': v2, (expr): v3}.  A bare name before ':' is the key itself
 * (Pebble would look it up as a variable); a number key becomes its text.
 * Folded into a literal when every key and value is constant.
 */
static ENode *
parse_map(Parser *P)
{
	ENode	   *n = new_node(EN_MAP, cur(P)->pos);
	int			cap = 4;
	bool		constant = true;
	int			i;

	advance(P);
	n->items = palloc(sizeof(ENode *) * cap);
	n->keys = palloc(sizeof(ENode *) * cap);
	while (cur(P)->kind != TK_RBRACE)
	{
		Token	   *t;
		ENode	   *key;
		ENode	   *value;

		if (n->nitems > 0 && !expect(P, TK_COMMA, "\",\" or \"}\""))
			return NULL;
		t = cur(P);
		if ((t->kind == TK_NAME || (t->kind == TK_STRING && !t->interp)) &&
			peek(P)->kind == TK_COLON)
		{
			key = literal(P, fp_string(t->str, t->slen), t->pos);
			advance(P);
		}
		else if ((t->kind == TK_INT || t->kind == TK_FLOAT) && peek(P)->kind == TK_COLON)
		{
			key = literal(P, fp_string(P->src + t->pos, t->len), t->pos);
			advance(P);
		}
		else
			key = parse_expr(P, 0);
		if (key == NULL || !expect(P, TK_COLON, "\":\""))
			return NULL;
		if ((value = parse_expr(P, 0)) == NULL)
			return NULL;
		if (n->nitems == cap)
		{
			cap *= 2;
			n->items = repalloc(n->items, sizeof(ENode *) * cap);
			n->keys = repalloc(n->keys, sizeof(ENode *) * cap);
		}
		n->keys[n->nitems] = key;
		n->items[n->nitems++] = value;
		constant = constant && key->kind == EN_LITERAL && key->value->type == FP_STRING &&
			value->kind == EN_LITERAL;
	}
	advance(P);
	if (constant)
	{
		char	  **keys = palloc(sizeof(char *) * Max(n->nitems, 1));
		FpValue   **values = palloc(sizeof(FpValue *) * Max(n->nitems, 1));

		for (i = 0; i < n->nitems; i++)
		{
			keys[i] = n->keys[i]->value->u.str.ptr;
			values[i] = n->items[i]->value;
		}
		return literal(P, expr_make_object(keys, values, n->nitems), n->pos);
	}
	return finish(P, n);
}

/*
 * A double-quoted string with #{ expression } parts, as Pebble allows:
 * "Hello #{name}!" is "Hello " ~ name ~ "!".  A string that is a single
 * #{ } part is that expression, with its type.
 */
static ENode *
parse_interpolated(Parser *P, Token *t)
{
	int			start = t->pos + 1;
	int			end = t->pos + t->len - 1;
	int			p = start;
	ENode	   *result = NULL;
	StringInfoData lit;

	initStringInfo(&lit);
	while (p <= end)
	{
		ENode	   *part = NULL;

		if (p < end && P->src[p] == '\\' && p + 1 < end)
		{
			char		next = P->src[p + 1];

			if (next == '"' || next == '\\')
				appendStringInfoChar(&lit, next);
			else
				appendBinaryStringInfo(&lit, P->src + p, 2);
			p += 2;
			continue;
		}
		if (p < end && !(P->src[p] == '#' && p + 1 < end && P->src[p + 1] == '{'))
		{
			appendStringInfoChar(&lit, P->src[p]);
			p++;
			continue;
		}
		/* at a #{ or at the end: flush the literal text first */
		if (lit.len > 0)
		{
			part = literal(P, fp_string(lit.data, lit.len), p);
			resetStringInfo(&lit);
		}
		else if (p < end)
		{
			/* the expression part */
			Token	   *saved_toks = P->toks;
			int			saved_ntoks = P->ntoks;
			int			saved_cur = P->cur;
			int			open = p;
			bool		trim;

			p += 2;
			if (!expr_lex(P->src, P->len, &p, end, CLOSE_INTERP, open,
						  &P->toks, &P->ntoks, &trim, P->err))
				return NULL;
			P->cur = 0;
			part = parse_expr(P, 0);
			if (part != NULL && cur(P)->kind != TK_END)
				part = parse_fail(P, cur(P)->pos, "unexpected %s", expr_token_text(P->src, cur(P)));
			if (part == NULL)
				return NULL;
			P->toks = saved_toks;
			P->ntoks = saved_ntoks;
			P->cur = saved_cur;
		}
		else
			break;
		if (part == NULL)
			return NULL;
		if (result == NULL)
			result = part;
		else
		{
			ENode	   *cat = new_node(EN_BINARY, part->pos);

			cat->op = OP_CONCAT;
			cat->a = result;
			cat->b = part;
			if ((result = finish(P, cat)) == NULL)
				return NULL;
		}
	}
	if (result == NULL)
		result = literal(P, fp_string("", 0), t->pos);
	return result;
}

/* Whether t is an operator word, which cannot be a variable. */
static bool
is_reserved(const Token *t)
{
	return is_word(t, "and") || is_word(t, "or") || is_word(t, "is") ||
		is_word(t, "contains") || is_word(t, "equals") || is_word(t, "not");
}

/* A primary expression: literal, variable, call, (expr), [list] or {map}. */
static ENode *
parse_primary(Parser *P)
{
	Token	   *t = cur(P);
	ENode	   *n;

	switch (t->kind)
	{
		case TK_INT:
			advance(P);
			return literal(P, fp_int(t->ival), t->pos);
		case TK_FLOAT:
			advance(P);
			return literal(P, fp_float(t->fval), t->pos);
		case TK_STRING:
			advance(P);
			if (t->interp)
				return parse_interpolated(P, t);
			return literal(P, fp_string(t->str, t->slen), t->pos);
		case TK_NAME:
			if (is_word(t, "true") || is_word(t, "TRUE"))
			{
				advance(P);
				return literal(P, fp_bool(true), t->pos);
			}
			if (is_word(t, "false") || is_word(t, "FALSE"))
			{
				advance(P);
				return literal(P, fp_bool(false), t->pos);
			}
			if (is_word(t, "null") || is_word(t, "NULL") ||
				is_word(t, "none") || is_word(t, "NONE"))
			{
				advance(P);
				return literal(P, fp_null(), t->pos);
			}
			if (peek(P)->kind == TK_LPAREN)
			{
				n = new_node(EN_CALL, t->pos);
				return parse_invocation(P, n, EB_FUNCTION);
			}
			if (is_reserved(t))
				return parse_fail(P, t->pos, "unexpected %s", expr_token_text(P->src, t));
			advance(P);
			n = new_node(EN_VAR, t->pos);
			n->name = t->str;
			n->namelen = t->slen;
			return finish(P, n);
		case TK_LPAREN:
			advance(P);
			if ((n = parse_expr(P, 0)) == NULL)
				return NULL;
			if (!expect(P, TK_RPAREN, "\")\""))
				return NULL;
			return n;
		case TK_LBRACKET:
			return parse_list(P);
		case TK_LBRACE:
			return parse_map(P);
		case TK_END:
			return parse_fail(P, t->pos, "expected an expression but found %s",
							  expr_token_text(P->src, t));
		default:
			return parse_fail(P, t->pos, "unexpected %s", expr_token_text(P->src, t));
	}
}

/* Attribute access and subscripts after a primary: a.b, a['b-c'], a[0]. */
static ENode *
parse_postfix(Parser *P, ENode *node)
{
	while (node != NULL)
	{
		Token	   *t = cur(P);
		ENode	   *n;

		if (t->kind == TK_DOT)
		{
			Token	   *name;

			advance(P);
			name = cur(P);
			if (name->kind != TK_NAME)
				return parse_fail(P, name->pos, "expected an attribute name after \".\" but found %s",
								  expr_token_text(P->src, name));
			advance(P);
			if (cur(P)->kind == TK_LPAREN)
				return parse_fail(P, name->pos, "method calls such as \".%s()\" are not supported",
								  name->str);
			n = new_node(EN_ATTR, name->pos);
			n->a = node;
			n->name = name->str;
			n->namelen = name->slen;
			node = finish(P, n);
		}
		else if (t->kind == TK_LBRACKET)
		{
			ENode	   *index;

			advance(P);
			if ((index = parse_expr(P, 0)) == NULL)
				return NULL;
			if (!expect(P, TK_RBRACKET, "\"]\""))
				return NULL;
			if (index->kind == EN_LITERAL && index->value->type == FP_STRING &&
				(int) strlen(index->value->u.str.ptr) == index->value->u.str.len)
			{
				/* a['key'] is a.key */
				n = new_node(EN_ATTR, index->pos);
				n->name = index->value->u.str.ptr;
				n->namelen = index->value->u.str.len;
			}
			else
			{
				n = new_node(EN_INDEX, t->pos);
				n->b = index;
			}
			n->a = node;
			node = finish(P, n);
		}
		else
			break;
	}
	return node;
}

/*
 * The precedence of the binary operator at t, or -1 if t is none; *kind
 * and *op tell what node it makes.
 */
static int
binary_prec(const Token *t, ENodeKind *kind, int *op)
{
	*kind = EN_BINARY;
	switch (t->kind)
	{
		case TK_NAME:
			if (is_word(t, "or"))
			{
				*kind = EN_OR;
				return 10;
			}
			if (is_word(t, "and"))
			{
				*kind = EN_AND;
				return 15;
			}
			if (is_word(t, "is"))
			{
				*kind = EN_TEST;
				return 20;
			}
			if (is_word(t, "contains"))
			{
				*op = OP_CONTAINS;
				return 20;
			}
			if (is_word(t, "equals"))
			{
				*op = OP_EQ;
				return 30;
			}
			/* Kestra's in, isIn and notIn, which bind as the comparisons do */
			if (is_word(t, "in") || is_word(t, "isIn"))
			{
				*op = OP_IN;
				return 30;
			}
			if (is_word(t, "notIn"))
			{
				*op = OP_NOT_IN;
				return 30;
			}
			return -1;
		case TK_EQ:
			*op = OP_EQ;
			return 30;
		case TK_NE:
			*op = OP_NE;
			return 30;
		case TK_LT:
			*op = OP_LT;
			return 30;
		case TK_GT:
			*op = OP_GT;
			return 30;
		case TK_LE:
			*op = OP_LE;
			return 30;
		case TK_GE:
			*op = OP_GE;
			return 30;
		case TK_PLUS:
			*op = OP_ADD;
			return 40;
		case TK_MINUS:
			*op = OP_SUB;
			return 40;
		case TK_STAR:
			*op = OP_MUL;
			return 60;
		case TK_SLASH:
			*op = OP_DIV;
			return 60;
		case TK_PERCENT:
			*op = OP_MOD;
			return 60;
		case TK_PIPE:
			*kind = EN_FILTER;
			return 100;
		case TK_TILDE:
			*op = OP_CONCAT;
			return 110;
		case TK_COALESCE:
			*kind = EN_COALESCE;
			return 120;
		case TK_UNDEF_COALESCE:
			*kind = EN_UNDEF_COALESCE;
			return 120;
		case TK_RANGE:
			*op = OP_RANGE;
			return 120;
		default:
			return -1;
	}
}

/* Unary minus of a number literal, folded at compile time. */
static ENode *
fold_negative(Parser *P, ENode *operand, int pos)
{
	FpValue    *v = operand->value;

	if (v->type == FP_INT)
		return literal(P, fp_int(-v->u.i), pos);
	return literal(P, fp_float(-v->u.f), pos);
}

/*
 * Parse an expression whose binary operators bind at least as tightly as
 * minprec (precedence climbing).  At minprec 0 a trailing "? b : c" makes
 * a ternary, as in Pebble.
 */
static ENode *
parse_expr(Parser *P, int minprec)
{
	Token	   *t = cur(P);
	ENode	   *left;

#ifndef FRONTEND
	if (stack_is_too_deep())
		return parse_fail(P, t->pos, "expression nested too deeply");
#endif
	if (++P->depth > EXPR_MAX_DEPTH)
		return parse_fail(P, t->pos, "expression nested too deeply (more than %d levels)",
						  EXPR_MAX_DEPTH);

	if (is_word(t, "not") || t->kind == TK_MINUS || t->kind == TK_PLUS)
	{
		ENode	   *operand;
		ENodeKind	kind = is_word(t, "not") ? EN_NOT : t->kind == TK_MINUS ? EN_NEG : EN_POS;

		advance(P);
		if ((operand = parse_expr(P, 500)) == NULL)
			return NULL;
		if (kind == EN_NEG && operand->kind == EN_LITERAL &&
			(operand->value->type == FP_INT || operand->value->type == FP_FLOAT))
			left = fold_negative(P, operand, t->pos);
		else
		{
			left = new_node(kind, t->pos);
			left->a = operand;
			left = finish(P, left);
		}
	}
	else
		left = parse_postfix(P, parse_primary(P));

	while (left != NULL)
	{
		ENodeKind	kind;
		int			op = 0;
		int			prec;
		ENode	   *n;

		t = cur(P);
		prec = binary_prec(t, &kind, &op);
		if (prec < 0 || prec < minprec)
			break;
		advance(P);
		n = new_node(kind, t->pos);
		n->a = left;
		n->op = op;
		if (kind == EN_FILTER)
			left = parse_invocation(P, n, EB_FILTER);
		else if (kind == EN_TEST)
		{
			if (is_word(cur(P), "not"))
			{
				n->op = 1;
				advance(P);
			}
			left = parse_invocation(P, n, EB_TEST);
		}
		else
		{
			if ((n->b = parse_expr(P, prec + 1)) == NULL)
				return NULL;
			left = finish(P, n);
		}
	}
	if (left == NULL)
		return NULL;

	if (minprec == 0 && cur(P)->kind == TK_QUESTION)
	{
		ENode	   *n = new_node(EN_TERNARY, cur(P)->pos);

		advance(P);
		n->a = left;
		if ((n->b = parse_expr(P, 0)) == NULL)
			return NULL;
		if (!expect(P, TK_COLON, "\":\" of the \"? :\" operator"))
			return NULL;
		if ((n->c = parse_expr(P, 0)) == NULL)
			return NULL;
		left = finish(P, n);
	}
	P->depth--;
	return left;
}

/*
 * Tokenize the expression at *pos up to closer and parse it whole; *pos
 * moves past the closer and P->trim_next records its '-'.
 */
static ENode *
parse_delimited(Parser *P, int *pos, ExprCloser closer, int open)
{
	ENode	   *e;
	bool		trim;

	if (!expr_lex(P->src, P->len, pos, P->len, closer, open, &P->toks, &P->ntoks,
				  &trim, P->err))
		return NULL;
	P->cur = 0;
	e = parse_expr(P, 0);
	if (e != NULL && cur(P)->kind != TK_END)
		return parse_fail(P, cur(P)->pos, "unexpected %s", expr_token_text(P->src, cur(P)));
	P->trim_next = trim;
	return e;
}

/* Expect nothing but the closing %} of a tag at *pos. */
static bool
parse_tag_end(Parser *P, int *pos, int open)
{
	bool		trim;

	if (!expr_lex(P->src, P->len, pos, P->len, CLOSE_TAG, open, &P->toks, &P->ntoks,
				  &trim, P->err))
		return false;
	if (P->toks[0].kind != TK_END)
	{
		parse_fail(P, P->toks[0].pos, "expected \"%%}\" but found %s",
				   expr_token_text(P->src, &P->toks[0]));
		return false;
	}
	P->trim_next = trim;
	return true;
}

/* Add a node to a body. */
static void
body_add(TBody *body, TNode *node)
{
	if (body->n == body->cap)
	{
		body->cap = body->cap ? body->cap * 2 : 4;
		if (body->items == NULL)
			body->items = palloc(sizeof(TNode *) * body->cap);
		else
			body->items = repalloc(body->items, sizeof(TNode *) * body->cap);
	}
	body->items[body->n++] = node;
}

/* A new template node of kind starting at start. */
static TNode *
new_tnode(TNodeKind kind, int start)
{
	TNode	   *n = palloc0(sizeof(TNode));

	n->kind = kind;
	n->start = start;
	return n;
}

/* Add text [start, end) to body, unless empty. */
static void
add_text(TBody *body, const char *src, int start, int end)
{
	TNode	   *n;

	if (end <= start)
		return;
	n = new_tnode(TN_TEXT, start);
	n->end = end;
	n->text = src + start;
	n->len = end - start;
	body_add(body, n);
}

/* The position of the next "{{", "{%" or "{#" at or after pos, or len. */
static int
find_open(Parser *P, int pos)
{
	while (pos + 1 < P->len)
	{
		const char *brace = memchr(P->src + pos, '{', P->len - pos - 1);
		char		next;

		if (brace == NULL)
			break;
		pos = brace - P->src;
		next = P->src[pos + 1];
		if (next == '{' || next == '%' || next == '#')
			return pos;
		pos++;
	}
	return P->len;
}

/*
 * {% raw %}...{% endraw %} (or verbatim/endverbatim): everything up to the
 * matching end tag is text.  *pos is after the opening tag's name.
 */
static bool
parse_raw(Parser *P, int *pos, TBody *body, int open, const char *endname)
{
	bool		ltrim;
	int			p;
	int			namelen = strlen(endname);

	if (!parse_tag_end(P, pos, open))
		return false;
	ltrim = P->trim_next;
	P->trim_next = false;
	for (p = *pos; (p = find_open(P, p)) < P->len; p++)
	{
		int			q = p + 2;
		bool		rtrim = false;
		int			text_start = *pos;
		int			text_end = p;

		if (P->src[p + 1] != '%')
			continue;
		if (q < P->len && P->src[q] == '-')
		{
			rtrim = true;
			q++;
		}
		while (q < P->len && expr_is_space(P->src[q]))
			q++;
		if (P->len - q < namelen || memcmp(P->src + q, endname, namelen) != 0 ||
			(q + namelen < P->len && expr_is_name_char((unsigned char) P->src[q + namelen])))
			continue;
		q += namelen;
		if (!parse_tag_end(P, &q, p))
			return false;
		if (ltrim)
			while (text_start < text_end && expr_is_space(P->src[text_start]))
				text_start++;
		if (rtrim)
			while (text_end > text_start && expr_is_space(P->src[text_end - 1]))
				text_end--;
		add_text(body, P->src, text_start, text_end);
		*pos = q;
		return true;
	}
	parse_fail(P, open, "missing {%% %s %%}", endname);
	return false;
}

/* {% if cond %} ... {% endif %}; *pos is after "if". */
static bool
parse_if(Parser *P, int *pos, TBody *body, int open)
{
	TNode	   *n = new_tnode(TN_IF, open);
	int			cap = 2;
	ENode	   *cond;
	int			start = open;

	n->branches = palloc0(sizeof(TBranch) * cap);
	if ((cond = parse_delimited(P, pos, CLOSE_TAG, open)) == NULL)
		return false;
	n->end = *pos;
	for (;;)
	{
		StopInfo	stop;
		TBranch    *br;

		if (n->nbranches == cap)
		{
			cap *= 2;
			n->branches = repalloc(n->branches, sizeof(TBranch) * cap);
		}
		br = &n->branches[n->nbranches++];
		memset(br, 0, sizeof(TBranch));
		br->cond = cond;
		br->start = start;
		br->end = *pos;
		if (!parse_body(P, pos, &br->body, STOP_ELSEIF | STOP_ELSE | STOP_ENDIF, &stop))
			return false;
		if (stop.which == STOP_ELSEIF)
		{
			cond = stop.cond;
			start = stop.start;
			continue;
		}
		if (stop.which == STOP_ELSE)
		{
			n->has_else = true;
			if (!parse_body(P, pos, &n->else_body, STOP_ENDIF, &stop))
				return false;
		}
		if (stop.which != STOP_ENDIF)
		{
			parse_fail(P, open, "missing {%% endif %%}");
			return false;
		}
		break;
	}
	body_add(body, n);
	return true;
}

/* {% for x in expr %} or {% for k, v in expr %} ... {% endfor %}; *pos is after "for". */
static bool
parse_for(Parser *P, int *pos, TBody *body, int open)
{
	TNode	   *n = new_tnode(TN_FOR, open);
	bool		trim;
	Token	   *t;
	StopInfo	stop;

	if (!expr_lex(P->src, P->len, pos, P->len, CLOSE_TAG, open, &P->toks, &P->ntoks,
				  &trim, P->err))
		return false;
	P->cur = 0;
	t = cur(P);
	if (t->kind != TK_NAME || is_reserved(t) || is_word(t, "in"))
	{
		parse_fail(P, t->pos, "expected a loop variable but found %s", expr_token_text(P->src, t));
		return false;
	}
	n->var1 = t->str;
	advance(P);
	if (cur(P)->kind == TK_COMMA)
	{
		advance(P);
		t = cur(P);
		if (t->kind != TK_NAME || is_reserved(t) || is_word(t, "in"))
		{
			parse_fail(P, t->pos, "expected a loop variable but found %s", expr_token_text(P->src, t));
			return false;
		}
		n->var2 = t->str;
		advance(P);
	}
	if (!is_word(cur(P), "in"))
	{
		parse_fail(P, cur(P)->pos, "expected \"in\" but found %s", expr_token_text(P->src, cur(P)));
		return false;
	}
	advance(P);
	if ((n->expr = parse_expr(P, 0)) == NULL)
		return false;
	if (cur(P)->kind != TK_END)
	{
		parse_fail(P, cur(P)->pos, "unexpected %s", expr_token_text(P->src, cur(P)));
		return false;
	}
	P->trim_next = trim;
	n->end = *pos;
	if (!parse_body(P, pos, &n->body, STOP_ELSE | STOP_ENDFOR, &stop))
		return false;
	if (stop.which == STOP_ELSE)
	{
		n->has_else = true;
		if (!parse_body(P, pos, &n->else_body, STOP_ENDFOR, &stop))
			return false;
	}
	if (stop.which != STOP_ENDFOR)
	{
		parse_fail(P, open, "missing {%% endfor %%}");
		return false;
	}
	body_add(body, n);
	return true;
}

/*
 * The name of a block tag at *pos ({% block name %}, a name or a quoted
 * string, as Pebble takes it), up to its %}; with optional, nothing at all
 * is allowed too (the name after endblock) and gives "".  NULL on error.
 */
static char *
parse_block_name(Parser *P, int *pos, int open, bool optional)
{
	bool		trim;
	Token	   *t;
	char	   *name;

	if (!expr_lex(P->src, P->len, pos, P->len, CLOSE_TAG, open, &P->toks, &P->ntoks,
				  &trim, P->err))
		return NULL;
	t = &P->toks[0];
	if (t->kind == TK_END && optional)
		name = "";
	else if (t->kind == TK_NAME || (t->kind == TK_STRING && !t->interp && t->slen > 0))
	{
		name = pnstrdup(t->str, t->kind == TK_NAME ? strlen(t->str) : (size_t) t->slen);
		t++;
	}
	else
	{
		parse_fail(P, t->pos, "expected a block name but found %s", expr_token_text(P->src, t));
		return NULL;
	}
	if (t->kind != TK_END)
	{
		parse_fail(P, t->pos, "expected \"%%}\" but found %s", expr_token_text(P->src, t));
		return NULL;
	}
	P->trim_next = trim;
	return name;
}

/*
 * {% block name %} ... {% endblock [name] %}: without template
 * inheritance, Pebble renders a block's body where it stands; block('name')
 * renders it again.  Two blocks of one name are an error, as in Pebble.
 * *pos is after "block".
 */
static bool
parse_block(Parser *P, int *pos, TBody *body, int open)
{
	TNode	   *n = new_tnode(TN_BLOCK, open);
	StopInfo	stop;
	int			i;

	if ((n->var1 = parse_block_name(P, pos, open, false)) == NULL)
		return false;
	n->end = *pos;
	for (i = 0; i < P->t->nblocks; i++)
		if (strcmp(P->t->blocks[i]->var1, n->var1) == 0)
		{
			parse_fail(P, open, "block \"%s\" is defined twice", n->var1);
			return false;
		}
	P->t->blocks = P->t->nblocks == 0 ? palloc(sizeof(TNode *) * 4) :
		(P->t->nblocks % 4 == 0 ? repalloc(P->t->blocks, sizeof(TNode *) * (P->t->nblocks + 4)) :
		 P->t->blocks);
	P->t->blocks[P->t->nblocks++] = n;
	if (!parse_body(P, pos, &n->body, STOP_ENDBLOCK, &stop))
		return false;
	if (stop.which != STOP_ENDBLOCK)
	{
		parse_fail(P, open, "missing {%% endblock %%}");
		return false;
	}
	if (stop.name[0] != '\0' && strcmp(stop.name, n->var1) != 0)
	{
		parse_fail(P, stop.start, "{%% endblock %s %%} closes the block \"%s\"", stop.name, n->var1);
		return false;
	}
	body_add(body, n);
	return true;
}

/* What parse_tag found: an error, a tag parsed into the body, or one of the stops. */
typedef enum TagResult
{
	TAG_FAILED,
	TAG_PARSED,
	TAG_STOP
} TagResult;

/*
 * Parse the tag "{%" at open (p: just after "{%" or "{%-") into body; a
 * closing tag in stops is described in *stop instead.  *pos: after the tag.
 */
static TagResult
parse_tag(Parser *P, int open, int p, int *pos, TBody *body, int stops, StopInfo *stop)
{
	int			name_start;
	char	   *name;

	while (p < P->len && expr_is_space(P->src[p]))
		p++;
	name_start = p;
	while (p < P->len && expr_is_name_char((unsigned char) P->src[p]))
		p++;
	if (p == name_start)
	{
		if (p >= P->len)
			parse_fail(P, open, "unclosed \"{%%\"");
		else
			parse_fail(P, name_start, "expected a tag name after \"{%%\"");
		return TAG_FAILED;
	}
	name = pnstrdup(P->src + name_start, p - name_start);
	if (strcmp(name, "if") == 0)
	{
		if (!parse_if(P, &p, body, open))
			return TAG_FAILED;
	}
	else if (strcmp(name, "for") == 0)
	{
		if (!parse_for(P, &p, body, open))
			return TAG_FAILED;
	}
	else if (strcmp(name, "block") == 0)
	{
		if (!parse_block(P, &p, body, open))
			return TAG_FAILED;
	}
	else if (strcmp(name, "endblock") == 0 && (stops & STOP_ENDBLOCK))
	{
		stop->which = STOP_ENDBLOCK;
		stop->start = open;
		if ((stop->name = parse_block_name(P, &p, open, true)) == NULL)
			return TAG_FAILED;
		stop->end = p;
		*pos = p;
		return TAG_STOP;
	}
	else if (strcmp(name, "raw") == 0 || strcmp(name, "verbatim") == 0)
	{
		if (!parse_raw(P, &p, body, open,
					   name[0] == 'r' ? "endraw" : "endverbatim"))
			return TAG_FAILED;
	}
	else if (strcmp(name, "elseif") == 0 && (stops & STOP_ELSEIF))
	{
		stop->which = STOP_ELSEIF;
		stop->start = open;
		if ((stop->cond = parse_delimited(P, &p, CLOSE_TAG, open)) == NULL)
			return TAG_FAILED;
		stop->end = p;
		*pos = p;
		return TAG_STOP;
	}
	else if ((strcmp(name, "else") == 0 && (stops & STOP_ELSE)) ||
			 (strcmp(name, "endif") == 0 && (stops & STOP_ENDIF)) ||
			 (strcmp(name, "endfor") == 0 && (stops & STOP_ENDFOR)))
	{
		stop->which = name[1] == 'l' ? STOP_ELSE :
			name[3] == 'i' ? STOP_ENDIF : STOP_ENDFOR;
		stop->start = open;
		if (!parse_tag_end(P, &p, open))
			return TAG_FAILED;
		stop->end = p;
		*pos = p;
		return TAG_STOP;
	}
	else if (strcmp(name, "elseif") == 0 || strcmp(name, "else") == 0 ||
			 strcmp(name, "endif") == 0 || strcmp(name, "endfor") == 0 ||
			 strcmp(name, "endraw") == 0 || strcmp(name, "endverbatim") == 0 ||
			 strcmp(name, "endblock") == 0)
	{
		parse_fail(P, name_start, "unexpected tag \"%s\"", name);
		return TAG_FAILED;
	}
	else
	{
		parse_fail(P, name_start, "unknown tag \"%s\"", name);
		return TAG_FAILED;
	}
	*pos = p;
	return TAG_PARSED;
}

/* Skip the comment "{#" at open (p: just after "{#" or "{#-"); *pos: after it. */
static bool
parse_comment(Parser *P, int open, int p, int *pos)
{
	int			q = p;

	while (q + 1 < P->len && !(P->src[q] == '#' && P->src[q + 1] == '}'))
		q++;
	if (q + 1 >= P->len)
	{
		parse_fail(P, open, "unclosed comment");
		return false;
	}
	P->trim_next = q > p && P->src[q - 1] == '-';
	*pos = q + 2;
	return true;
}

/*
 * Parse template text from *pos into body until the end of the template or
 * one of the closing tags in stops, which is then described in *stop.
 */
static bool
parse_body(Parser *P, int *pos, TBody *body, int stops, StopInfo *stop)
{
	memset(stop, 0, sizeof(StopInfo));
	if (++P->tag_depth > EXPR_MAX_TAG_DEPTH)
	{
		parse_fail(P, *pos, "tags nested too deeply (more than %d levels)", EXPR_MAX_TAG_DEPTH);
		return false;
	}
	for (;;)
	{
		int			open = find_open(P, *pos);
		int			text_start = *pos;
		int			text_end = open;
		int			p;
		char		kind;

		if (P->trim_next)
		{
			while (text_start < text_end && expr_is_space(P->src[text_start]))
				text_start++;
			P->trim_next = false;
		}
		if (open >= P->len)
		{
			add_text(body, P->src, text_start, text_end);
			*pos = P->len;
			break;
		}
		kind = P->src[open + 1];
		p = open + 2;
		if (p < P->len && P->src[p] == '-')
		{
			p++;
			while (text_end > text_start && expr_is_space(P->src[text_end - 1]))
				text_end--;
		}
		add_text(body, P->src, text_start, text_end);

		if (kind == '{')
		{
			TNode	   *n = new_tnode(TN_OUTPUT, open);

			if ((n->expr = parse_delimited(P, &p, CLOSE_PRINT, open)) == NULL)
				return false;
			n->end = p;
			body_add(body, n);
			*pos = p;
		}
		else if (kind == '#')
		{
			if (!parse_comment(P, open, p, pos))
				return false;
		}
		else
		{
			TagResult	r = parse_tag(P, open, p, pos, body, stops, stop);

			if (r == TAG_FAILED)
				return false;
			if (r == TAG_STOP)
				break;
		}
	}
	P->tag_depth--;
	return true;
}

/* Whether n is text made only of white space. */
static bool
is_blank_text(const TNode *n)
{
	int			i;

	if (n->kind != TN_TEXT)
		return false;
	for (i = 0; i < n->len; i++)
		if (!expr_is_space(n->text[i]))
			return false;
	return true;
}

/*
 * Parse a whole template (src, len bytes) into a Template allocated in the
 * current memory context; NULL with err filled on a syntax error.
 */
Template *
expr_parse_template(const char *src, int len, ExprSyntaxError *err)
{
	Template   *t = palloc0(sizeof(Template));
	Parser		P;
	StopInfo	stop;
	int			pos = 0;
	int			i;
	TNode	   *single = NULL;

	t->src = pnstrdup(src, len);
	t->len = len;
	err->message = NULL;
	err->offset = 0;

	memset(&P, 0, sizeof(P));
	P.src = t->src;
	P.len = len;
	P.err = err;
	P.t = t;

	if (!expr_is_template(src, len))
	{
		t->plain = true;
		add_text(&t->body, t->src, 0, len);
		return t;
	}
	if (!parse_body(&P, &pos, &t->body, 0, &stop))
	{
		if (err->message == NULL)
		{
			err->message = pstrdup("invalid template");
			err->offset = pos;
		}
		return NULL;
	}

	/* exactly one {{ }}, perhaps with white space around it, keeps its type */
	for (i = 0; i < t->body.n; i++)
	{
		TNode	   *n = t->body.items[i];

		if (is_blank_text(n))
			continue;
		if (n->kind != TN_OUTPUT || single != NULL)
		{
			single = NULL;
			break;
		}
		single = n;
	}
	t->single = single;
	return t;
}
