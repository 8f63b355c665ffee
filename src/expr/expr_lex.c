/*-------------------------------------------------------------------------
 *
 * expr_lex.c
 *	  The tokens of one expression of the template language: the part of a
 *	  {{ ... }} or {% ... %} between its delimiters, or the #{ ... } part of
 *	  a double-quoted string.
 *
 * As in Pebble, the closing delimiter only counts outside brackets, so
 * {{ {'a': {'b': 1}} }} is one expression; strings are single- or
 * double-quoted, with \\ and the quote itself as the only escapes (other
 * backslashes stay as written); numbers are digits with an optional
 * fraction (a trailing L is allowed, as Pebble's long literals); names are
 * letters, digits and '_' (any non-ASCII character counts as a letter).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "expr_internal.h"

/* State while tokenizing one expression. */
typedef struct Lexer
{
	const char *src;
	int			len;			/* the whole template */
	int			end;			/* where this expression must stop */
	Token	   *toks;
	int			ntoks;
	int			cap;
	ExprSyntaxError *err;
} Lexer;

/* White space inside expressions and for whitespace control. */
bool
expr_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Characters that start a name: ASCII letters, '_', and any non-ASCII byte. */
bool
expr_is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* Characters that continue a name. */
bool
expr_is_name_char(unsigned char c)
{
	return expr_is_name_start(c) || (c >= '0' && c <= '9');
}

/* Record a syntax error at pos (the first one wins). */
static bool
lex_fail(Lexer *lx, int pos, const char *message)
{
	if (lx->err->message == NULL)
	{
		lx->err->message = pstrdup(message);
		lx->err->offset = pos;
	}
	return false;
}

/* Append a token and return it. */
static Token *
add_token(Lexer *lx, TokKind kind, int pos, int len)
{
	Token	   *t;

	if (lx->ntoks == lx->cap)
	{
		lx->cap = lx->cap ? lx->cap * 2 : 16;
		if (lx->toks == NULL)
			lx->toks = palloc(sizeof(Token) * lx->cap);
		else
			lx->toks = repalloc(lx->toks, sizeof(Token) * lx->cap);
	}
	t = &lx->toks[lx->ntoks++];
	memset(t, 0, sizeof(Token));
	t->kind = kind;
	t->pos = pos;
	t->len = len;
	return t;
}

/*
 * Skip the #{ ... } starting at pos (at the '#') inside a double-quoted
 * string; returns the position after its '}', or -1 if it does not close.
 * Brackets and nested strings are skipped so that a '}' in them does not
 * end it.  Iterative, with an explicit bound on nesting.
 */
static int
skip_interpolation(Lexer *lx, int pos)
{
	char		stack[EXPR_MAX_DEPTH];	/* what each open level is: { [ ( ' " */
	int			depth = 0;

	stack[depth++] = '{';
	pos += 2;
	while (pos < lx->end)
	{
		char		c = lx->src[pos];
		char		top = stack[depth - 1];

		if (top == '\'' || top == '"')
		{
			if (c == '\\')
				pos += 2;
			else if (c == top)
			{
				depth--;
				pos++;
			}
			else if (top == '"' && c == '#' && pos + 1 < lx->end && lx->src[pos + 1] == '{')
			{
				if (depth >= EXPR_MAX_DEPTH)
					return -2;
				stack[depth++] = '{';
				pos += 2;
			}
			else
				pos++;
			continue;
		}
		if (c == '\'' || c == '"' || c == '{' || c == '[' || c == '(')
		{
			if (depth >= EXPR_MAX_DEPTH)
				return -2;
			stack[depth++] = c;
		}
		else if (c == '}' || c == ']' || c == ')')
		{
			depth--;
			if (depth == 0)
				return c == '}' ? pos + 1 : -1;
		}
		pos++;
	}
	return -1;
}

/*
 * Scan a string literal at pos (at its quote).  Single-quoted strings and
 * double-quoted ones without #{ are unescaped into the token; double-quoted
 * strings with #{ keep their raw text (without the quotes) for the parser
 * to split.
 */
static bool
lex_string(Lexer *lx, int *pos)
{
	int			start = *pos;
	char		quote = lx->src[start];
	int			p = start + 1;
	bool		interp = false;
	StringInfoData buf;
	Token	   *t;

	initStringInfo(&buf);
	while (p < lx->end && lx->src[p] != quote)
	{
		char		c = lx->src[p];

		if (c == '\\' && p + 1 < lx->end)
		{
			char		next = lx->src[p + 1];

			if (next == quote || next == '\\')
				appendStringInfoChar(&buf, next);
			else
			{
				appendStringInfoChar(&buf, c);
				appendStringInfoChar(&buf, next);
			}
			p += 2;
			continue;
		}
		if (quote == '"' && c == '#' && p + 1 < lx->end && lx->src[p + 1] == '{')
		{
			int			after = skip_interpolation(lx, p);

			if (after == -2)
				return lex_fail(lx, p, "expression nested too deeply");
			if (after < 0)
				return lex_fail(lx, p, "unclosed \"#{\" in a string");
			interp = true;
			p = after;
			continue;
		}
		appendStringInfoChar(&buf, c);
		p++;
	}
	if (p >= lx->end)
		return lex_fail(lx, start, "unterminated string");
	t = add_token(lx, TK_STRING, start, p + 1 - start);
	t->interp = interp;
	if (interp)
	{
		t->str = pnstrdup(lx->src + start + 1, p - start - 1);
		t->slen = p - start - 1;
		pfree(buf.data);
	}
	else
	{
		t->str = buf.data;
		t->slen = buf.len;
	}
	*pos = p + 1;
	return true;
}

/* Scan a number at pos: digits, an optional fraction, an optional L. */
static bool
lex_number(Lexer *lx, int *pos)
{
	int			start = *pos;
	int			p = start;
	bool		is_float = false;
	char	   *text;
	Token	   *t;

	while (p < lx->end && lx->src[p] >= '0' && lx->src[p] <= '9')
		p++;
	if (p + 1 < lx->end && lx->src[p] == '.' &&
		lx->src[p + 1] >= '0' && lx->src[p + 1] <= '9')
	{
		is_float = true;
		p++;
		while (p < lx->end && lx->src[p] >= '0' && lx->src[p] <= '9')
			p++;
	}
	text = pnstrdup(lx->src + start, p - start);
	if (!is_float && p < lx->end && (lx->src[p] == 'L' || lx->src[p] == 'l'))
		p++;
	if (p < lx->end && expr_is_name_char((unsigned char) lx->src[p]))
		return lex_fail(lx, start, "invalid number");
	if (is_float)
	{
		t = add_token(lx, TK_FLOAT, start, p - start);
		t->fval = strtod(text, NULL);
		if (isinf(t->fval))
			return lex_fail(lx, start, "number out of range");
	}
	else
	{
		int64		v = 0;
		const char *c;

		for (c = text; *c; c++)
		{
			if (v > (PG_INT64_MAX - (*c - '0')) / 10)
				return lex_fail(lx, start, "integer out of range");
			v = v * 10 + (*c - '0');
		}
		t = add_token(lx, TK_INT, start, p - start);
		t->ival = v;
	}
	pfree(text);
	*pos = p;
	return true;
}

/* The operator or punctuation at pos, longest match first; TK_END if none. */
static TokKind
match_operator(const char *s, int avail, int *len)
{
	char		c = s[0];
	char		c1 = avail > 1 ? s[1] : '\0';
	char		c2 = avail > 2 ? s[2] : '\0';

	*len = 2;
	if (c == '?' && c1 == '?' && c2 == '?')
	{
		*len = 3;
		return TK_UNDEF_COALESCE;
	}
	if (c == '?' && c1 == '?')
		return TK_COALESCE;
	if (c == '.' && c1 == '.')
		return TK_RANGE;
	if (c == '=' && c1 == '=')
		return TK_EQ;
	if (c == '!' && c1 == '=')
		return TK_NE;
	if (c == '<' && c1 == '=')
		return TK_LE;
	if (c == '>' && c1 == '=')
		return TK_GE;
	*len = 1;
	switch (c)
	{
		case '(':
			return TK_LPAREN;
		case ')':
			return TK_RPAREN;
		case '[':
			return TK_LBRACKET;
		case ']':
			return TK_RBRACKET;
		case '{':
			return TK_LBRACE;
		case '}':
			return TK_RBRACE;
		case ',':
			return TK_COMMA;
		case ':':
			return TK_COLON;
		case '.':
			return TK_DOT;
		case '?':
			return TK_QUESTION;
		case '|':
			return TK_PIPE;
		case '=':
			return TK_ASSIGN;
		case '<':
			return TK_LT;
		case '>':
			return TK_GT;
		case '+':
			return TK_PLUS;
		case '-':
			return TK_MINUS;
		case '*':
			return TK_STAR;
		case '/':
			return TK_SLASH;
		case '%':
			return TK_PERCENT;
		case '~':
			return TK_TILDE;
	}
	*len = 0;
	return TK_END;
}

/*
 * Whether the closing delimiter of the expression starts at pos; *len is its
 * length and *trim whether it has a '-' for whitespace control.
 */
static bool
at_closer(Lexer *lx, int pos, ExprCloser closer, int *len, bool *trim)
{
	const char *s = lx->src + pos;
	int			avail = lx->end - pos;

	*trim = false;
	switch (closer)
	{
		case CLOSE_PRINT:
		case CLOSE_TAG:
			{
				char		first = closer == CLOSE_PRINT ? '}' : '%';

				if (avail >= 3 && s[0] == '-' && s[1] == first && s[2] == '}')
				{
					*trim = true;
					*len = 3;
					return true;
				}
				if (avail >= 2 && s[0] == first && s[1] == '}')
				{
					*len = 2;
					return true;
				}
				return false;
			}
		case CLOSE_INTERP:
			if (avail >= 1 && s[0] == '}')
			{
				*len = 1;
				return true;
			}
			return false;
	}
	return false;
}

/*
 * Tokenize the expression that starts at *pos and ends with closer (at
 * bracket depth 0), not going past end.  On success the tokens (ending
 * with a TK_END at the closer) are in *toks / *ntoks, *pos is after the
 * closer and *trim tells whether the closer asked for whitespace control.
 * On failure err is filled; open_pos is where the opening delimiter was,
 * for the "unclosed" message.
 */
bool
expr_lex(const char *src, int len, int *pos, int end, ExprCloser closer,
		 int open_pos, Token **toks, int *ntoks, bool *trim,
		 ExprSyntaxError *err)
{
	Lexer		lx;
	int			p = *pos;
	int			depth = 0;
	int			opened[EXPR_MAX_DEPTH + 1];	/* where each open bracket is */

	lx.src = src;
	lx.len = len;
	lx.end = end;
	lx.toks = NULL;
	lx.ntoks = 0;
	lx.cap = 0;
	lx.err = err;

	for (;;)
	{
		unsigned char c;
		int			oplen;
		TokKind		kind;

		while (p < end && expr_is_space(src[p]))
			p++;
		if (p >= end)
		{
			if (depth > 0)
				return lex_fail(&lx, opened[depth - 1],
								psprintf("unclosed \"%c\"", src[opened[depth - 1]]));
			switch (closer)
			{
				case CLOSE_PRINT:
					return lex_fail(&lx, open_pos, "unclosed \"{{\"");
				case CLOSE_TAG:
					return lex_fail(&lx, open_pos, "unclosed \"{%\"");
				case CLOSE_INTERP:
					return lex_fail(&lx, open_pos, "unclosed \"#{\"");
			}
		}
		if (depth == 0 && at_closer(&lx, p, closer, &oplen, trim))
		{
			add_token(&lx, TK_END, p, oplen);
			*pos = p + oplen;
			*toks = lx.toks;
			*ntoks = lx.ntoks;
			return true;
		}
		c = (unsigned char) src[p];
		if (expr_is_name_start(c))
		{
			int			start = p;
			Token	   *t;

			while (p < end && expr_is_name_char((unsigned char) src[p]))
				p++;
			t = add_token(&lx, TK_NAME, start, p - start);
			t->str = pnstrdup(src + start, p - start);
			t->slen = p - start;
			continue;
		}
		if (c >= '0' && c <= '9')
		{
			if (!lex_number(&lx, &p))
				return false;
			continue;
		}
		if (c == '\'' || c == '"')
		{
			if (!lex_string(&lx, &p))
				return false;
			continue;
		}
		kind = match_operator(src + p, end - p, &oplen);
		if (kind == TK_END)
		{
			char	   *msg;

			if (c == '!')
				msg = psprintf("unexpected character \"!\" (use \"not\" for negation)");
			else if (c == '&' || c == '^')
				msg = psprintf("unexpected character \"%c\" (use \"and\" or \"or\")", c);
			else if (c >= 0x20 && c < 0x7F)
				msg = psprintf("unexpected character \"%c\"", c);
			else
				msg = psprintf("unexpected character 0x%02x", c);
			return lex_fail(&lx, p, msg);
		}
		if (kind == TK_LPAREN || kind == TK_LBRACKET || kind == TK_LBRACE)
		{
			if (depth >= EXPR_MAX_DEPTH)
				return lex_fail(&lx, p, "expression nested too deeply");
			opened[depth++] = p;
		}
		else if ((kind == TK_RPAREN || kind == TK_RBRACKET || kind == TK_RBRACE) && depth > 0)
		{
			char		open = src[opened[depth - 1]];

			if ((kind == TK_RPAREN && open != '(') || (kind == TK_RBRACKET && open != '[') ||
				(kind == TK_RBRACE && open != '{'))
				return lex_fail(&lx, opened[depth - 1],
								psprintf("unclosed \"%c\"", open));
			depth--;
		}
		add_token(&lx, kind, p, oplen);
		p += oplen;
	}
}

/* A token as the user wrote it, for "unexpected ..." messages. */
const char *
expr_token_text(const char *src, const Token *t)
{
	int			len = t->len;
	const char *s = src + t->pos;

	if (t->kind == TK_END)
		return "end of the expression";
	if (len > 40)
		return psprintf("\"%.*s...\"", expr_char_offset(s, len, 37), s);
	return psprintf("\"%.*s\"", len, s);
}

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
