/*-------------------------------------------------------------------------
 *
 * expr_internal.h
 *	  What the files of the template language share: tokens, the syntax
 *	  tree of expressions and templates, the evaluation state, and the
 *	  helpers each file exports to the others.
 *
 * The pieces are:
 *	  expr_lex.c	tokens of one expression, up to its closing delimiter
 *	  expr_parse.c	templates ({{ }}, {% %}, {# #}, text) and expressions
 *					(precedence climbing) into the trees below
 *	  expr_eval.c	evaluating expression trees, rendering templates, and
 *					the public functions of expr.h
 *	  expr_ops.c	operators: arithmetic, comparison, equality, contains,
 *					text forms, truthiness
 *	  expr_funcs.c	the tables of filters, functions and tests
 *	  expr_text.c	UTF-8: decoding, case mapping, slugs
 *
 * Everything here uses only palloc, StringInfo and psprintf (plus memory
 * contexts and stack checks under #ifndef FRONTEND), so the fuzzer can
 * build it outside the server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_EXPR_INTERNAL_H
#define FLOWPG_EXPR_INTERNAL_H

#include "expr.h"

/* Deepest nesting of expressions plus tags accepted at compile time. */
#define EXPR_MAX_DEPTH			200

/* Most elements range() (and the .. operator) may produce. */
#define EXPR_MAX_RANGE			100000

/* Output limit when ExprEnv.max_output is 0. */
#define EXPR_DEFAULT_MAX_OUTPUT	(16 * 1024 * 1024)

/* Longest quotation of the source in an error message, in bytes. */
#define EXPR_MAX_QUOTE			400

/* ---------------------------------------------------------------------
 * Tokens (expr_lex.c)
 * ---------------------------------------------------------------------
 */
typedef enum TokKind
{
	TK_END,						/* the closing delimiter of the expression */
	TK_NAME,
	TK_INT,
	TK_FLOAT,
	TK_STRING,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACKET,
	TK_RBRACKET,
	TK_LBRACE,
	TK_RBRACE,
	TK_COMMA,
	TK_COLON,
	TK_DOT,
	TK_QUESTION,
	TK_PIPE,
	TK_ASSIGN,
	TK_EQ,
	TK_NE,
	TK_LT,
	TK_GT,
	TK_LE,
	TK_GE,
	TK_PLUS,
	TK_MINUS,
	TK_STAR,
	TK_SLASH,
	TK_PERCENT,
	TK_TILDE,
	TK_COALESCE,				/* ?? */
	TK_UNDEF_COALESCE,			/* ??? */
	TK_RANGE					/* .. */
} TokKind;

typedef struct Token
{
	TokKind		kind;
	int			pos;			/* byte offset in the template */
	int			len;			/* bytes of source */
	int64		ival;			/* TK_INT */
	double		fval;			/* TK_FLOAT */
	char	   *str;			/* TK_NAME (NUL-terminated), TK_STRING value */
	int			slen;
	bool		interp;			/* TK_STRING: double-quoted with #{ } parts */
} Token;

/* What ends an expression. */
typedef enum ExprCloser
{
	CLOSE_PRINT,				/* }} or -}} */
	CLOSE_TAG,					/* %} or -%} */
	CLOSE_INTERP				/* } of a #{ } inside a string */
} ExprCloser;

/* ---------------------------------------------------------------------
 * Expression trees (expr_parse.c builds them, expr_eval.c walks them)
 * ---------------------------------------------------------------------
 */
typedef enum ENodeKind
{
	EN_LITERAL,					/* value */
	EN_VAR,						/* name */
	EN_ATTR,					/* a.name */
	EN_INDEX,					/* a[b] */
	EN_LIST,					/* [items] */
	EN_MAP,						/* {keys: items} */
	EN_NOT,						/* not a */
	EN_NEG,						/* -a */
	EN_POS,						/* +a */
	EN_AND,						/* a and b */
	EN_OR,						/* a or b */
	EN_BINARY,					/* a op b */
	EN_TERNARY,					/* a ? b : c */
	EN_COALESCE,				/* a ?? b: b when a is undefined or null */
	EN_UNDEF_COALESCE,			/* a ??? b: b when a is undefined */
	EN_TEST,					/* a is [not] fn(items) */
	EN_FILTER,					/* a | fn(items) */
	EN_CALL						/* fn(items) */
} ENodeKind;

typedef enum EBinOp
{
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
	OP_CONCAT,
	OP_CONTAINS,
	OP_IN,						/* Kestra's in / isIn */
	OP_NOT_IN,					/* Kestra's notIn */
	OP_RANGE
} EBinOp;

typedef struct ExprBuiltin ExprBuiltin;
typedef struct ENode ENode;

struct ENode
{
	ENodeKind	kind;
	int			op;				/* EBinOp; for EN_TEST, 1 when negated */
	int			pos;			/* byte offset in the template */
	int			depth;			/* height of this subtree */
	ENode	   *a;
	ENode	   *b;
	ENode	   *c;
	ENode	  **items;			/* list items, map values, argument slots */
	ENode	  **keys;			/* map keys */
	int			nitems;
	char	   *name;			/* EN_VAR, EN_ATTR (NUL-terminated) */
	int			namelen;
	FpValue    *value;			/* EN_LITERAL */
	const ExprBuiltin *fn;		/* EN_TEST, EN_FILTER, EN_CALL */
};

/* ---------------------------------------------------------------------
 * Template trees
 * ---------------------------------------------------------------------
 */
typedef struct TNode TNode;

typedef struct TBody
{
	TNode	  **items;
	int			n;
	int			cap;
} TBody;

typedef enum TNodeKind
{
	TN_TEXT,
	TN_OUTPUT,					/* {{ expr }} */
	TN_IF,						/* {% if %} ... {% elseif %} ... {% else %} ... {% endif %} */
	TN_FOR,						/* {% for a[, b] in expr %} ... {% else %} ... {% endfor %} */
	TN_BLOCK					/* {% block name %} ... {% endblock %}: its body, in place */
} TNodeKind;

/* One condition of an if, with the source range of its tag. */
typedef struct TBranch
{
	ENode	   *cond;
	int			start;
	int			end;
	TBody		body;
} TBranch;

struct TNode
{
	TNodeKind	kind;
	int			start;			/* source range of the {{ }} or opening tag */
	int			end;
	const char *text;			/* TN_TEXT */
	int			len;
	ENode	   *expr;			/* TN_OUTPUT; TN_FOR: what is iterated */
	TBranch    *branches;		/* TN_IF */
	int			nbranches;
	char	   *var1;			/* TN_FOR; TN_BLOCK: its name */
	char	   *var2;			/* TN_FOR, or NULL */
	TBody		body;			/* TN_FOR, TN_BLOCK */
	TBody		else_body;		/* TN_IF, TN_FOR */
	bool		has_else;
};

struct Template
{
	char	   *src;			/* a copy of the source */
	int			len;
	TBody		body;
	TNode	   *single;			/* the only {{ }} of a typed template, or NULL */
	bool		plain;			/* no template syntax at all */
	TNode	  **blocks;			/* the {% block %} tags, for block('name') */
	int			nblocks;
};

/* ---------------------------------------------------------------------
 * Evaluation state (expr_eval.c)
 * ---------------------------------------------------------------------
 */

/* Variables bound by the enclosing {% for %} tags. */
typedef struct ExprScope
{
	struct ExprScope *up;
	const char *name1;
	FpValue    *value1;
	const char *name2;
	FpValue    *value2;
	FpValue    *loop;			/* loop.index, loop.first, ... */
} ExprScope;

typedef struct EvalState
{
	ExprEnv    *env;
	const Template *t;
	int			qstart;			/* the {{ }} or tag that is being evaluated */
	int			qend;
	ExprScope  *scope;
	int64		steps;			/* work done so far, against max_steps */
	int64		max_steps;
	int64		made;			/* bytes of strings built, against max_made */
	int64		max_made;
	int			max_output;
	int64		out_used;		/* bytes rendered so far by this call */
	bool		failed;			/* an error is pending */
	bool		undefined;		/* ... and it is an undefined name */
	char	   *message;		/* the error (without the quotation) */
	void	   *err_cxt;		/* MemoryContext for error messages (server) */
	int			render_depth;	/* render() and block() calls in progress */
} EvalState;

/* Deepest nesting of render() and block() calls (and passes of a recursive render()). */
#define EXPR_MAX_RENDER_DEPTH	10

/* expr_lex.c */
extern bool expr_is_space(char c);
extern bool expr_is_name_start(unsigned char c);
extern bool expr_is_name_char(unsigned char c);
extern bool expr_lex(const char *src, int len, int *pos, int end, ExprCloser closer,
					 int open_pos, Token **toks, int *ntoks, bool *trim,
					 ExprSyntaxError *err);
extern const char *expr_token_text(const char *src, const Token *t);

/* expr_parse.c */
extern Template *expr_parse_template(const char *src, int len, ExprSyntaxError *err);

/* expr_eval.c */
extern FpValue *expr_eval(EvalState *st, const ENode *n);
extern FpValue *expr_render_template(EvalState *st, Template *t);
extern FpValue *expr_render_block(EvalState *st, const char *name);

/* expr_runtime.c (below every other expr file) */
extern int64 expr_step_base;
extern FpValue *expr_fail(EvalState *st, const char *fmt,...) pg_attribute_printf(2, 3);
extern FpValue *expr_undefined(EvalState *st, const char *name, int len);
extern void expr_clear_error(EvalState *st);
extern bool expr_charge(EvalState *st, int64 steps);
extern FpValue *expr_take_string(EvalState *st, StringInfo buf);
extern FpValue *expr_new_string(EvalState *st, const char *s, int len);
extern FpValue *expr_bool(bool b);
extern FpValue *expr_null(void);
extern FpValue *expr_make_object(char **keys, FpValue **values, int n);
extern void expr_pair_append(FpValue *obj, char *key, FpValue *value);

/* expr_ops.c */
extern FpValue *expr_binary(EvalState *st, EBinOp op, FpValue *a, FpValue *b);
extern FpValue *expr_negate(EvalState *st, FpValue *v, bool minus);
extern bool expr_equal(EvalState *st, const FpValue *a, const FpValue *b, bool *result);
extern FpValue *expr_range(EvalState *st, FpValue *start, FpValue *end, FpValue *step);
extern bool expr_append_text(EvalState *st, StringInfo buf, const FpValue *v, int64 limit);
extern bool expr_append_json(EvalState *st, StringInfo buf, const FpValue *v, int64 limit);
extern bool expr_text_of(EvalState *st, const FpValue *v, const char **s, int *len);
extern bool expr_int_arg(EvalState *st, const FpValue *v, const char *what, int64 *result);
extern const char *expr_type_name(const FpValue *v);
extern FpValue *expr_copy(EvalState *st, const FpValue *v);

/* expr_funcs.c */
typedef enum ExprBuiltinKind
{
	EB_FILTER,
	EB_FUNCTION,
	EB_TEST
} ExprBuiltinKind;

/*
 * A filter, function or test.  input is NULL for functions; for filters and
 * tests flagged lenient it is NULL when the input was undefined.  args has
 * nparams slots in the order of params, NULL for an optional argument not
 * given.  Returns the result, or NULL after expr_fail().
 */
typedef FpValue *(*ExprImpl) (EvalState *st, const ENode *n, FpValue *input, FpValue **args);

#define EXPR_MAX_PARAMS 6

struct ExprBuiltin
{
	const char *name;
	ExprBuiltinKind kind;
	int			nrequired;
	int			nparams;
	const char *params[EXPR_MAX_PARAMS];
	bool		lenient;		/* an undefined input is no error (default, defined, null) */
	ExprImpl	impl;
};

extern const ExprBuiltin *expr_find_builtin(ExprBuiltinKind kind, const char *name);
extern const char *expr_builtin_kind_name(ExprBuiltinKind kind);

/* expr_text.c */
extern int	expr_utf8_decode(const char *s, int len, int32 *cp);
extern void expr_utf8_encode(StringInfo buf, int32 cp);
extern int	expr_char_count(const char *s, int len);
extern int	expr_char_offset(const char *s, int len, int nchars);
extern int	expr_clip(const char *s, int len, int max);
extern bool expr_is_java_space(int32 cp);

typedef enum ExprCase
{
	CASE_UPPER,
	CASE_LOWER,
	CASE_CAPITALIZE,
	CASE_TITLE
} ExprCase;

extern void expr_change_case(StringInfo buf, const char *s, int len, ExprCase mode);
extern void expr_slugify(StringInfo buf, const char *s, int len);

#endif							/* FLOWPG_EXPR_INTERNAL_H */
