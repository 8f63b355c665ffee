/*-------------------------------------------------------------------------
 *
 * fuzz_expr.c
 *	  libFuzzer harness for the template language: the lexer, parser and
 *	  renderer (src/expr/expr_*.c) and the JSON parser of src/base/value.c, built
 *	  outside the server against PostgreSQL's frontend libpgcommon and
 *	  libpgport, with address and undefined-behaviour sanitizers.
 *
 * An input is a template, optionally followed by a NUL byte and a JSON
 * context; without one, a context shaped like the executions of the
 * approval guide is used.  For each input the harness parses the input as
 * JSON, compiles the template, renders it (and a value tree holding it)
 * and checks the invariants of expr.h: a syntax error has a message and an
 * offset inside the template, a failed render has a message, a successful
 * one a value.  Any crash, sanitizer report or broken invariant is a bug.
 *
 * This file also holds the stand-ins for what the expression code needs
 * from the server:
 *
 *	- palloc and friends, tracked per input and all freed after it, so
 *	  that millions of inputs run in bounded memory (PostgreSQL's own
 *	  frontend palloc is plain malloc, and the expression code, like the
 *	  server code, frees by memory context rather than piece by piece);
 *	- dt_zone_offset for fixed offsets only (datetime_zone.c, which reads
 *	  the time zone database, is server-only).
 *
 * Built and run by test/fuzz/run (see README.md, Development).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "datetime.h"
#include "expr.h"
#include "expr_internal.h"
#include "value.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int			LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---------------------------------------------------------------------
 * palloc, tracked: every block is on a list and freed after each input.
 * ---------------------------------------------------------------------
 */
typedef struct Block
{
	struct Block *prev;
	struct Block *next;
	size_t		size;
	size_t		pad;			/* keeps the payload 16-byte aligned */
} Block;

static Block blocks = {&blocks, &blocks, 0, 0};
static size_t live_bytes = 0;

/* Allocations beyond this are refused (as the server's 1 GB MaxAllocSize, but smaller). */
#define FUZZ_MAX_ALLOC ((size_t) 256 * 1024 * 1024)

/* A tracked block of size bytes (zeroed if zero); aborts past FUZZ_MAX_ALLOC. */
static void *
block_alloc(size_t size, bool zero)
{
	Block	   *b;

	if (size > FUZZ_MAX_ALLOC)
	{
		fprintf(stderr, "fuzz_expr: invalid allocation of %zu bytes\n", size);
		abort();
	}
	b = zero ? calloc(1, sizeof(Block) + size) : malloc(sizeof(Block) + size);
	if (b == NULL)
		abort();
	b->size = size;
	b->next = blocks.next;
	b->prev = &blocks;
	blocks.next->prev = b;
	blocks.next = b;
	live_bytes += size;
	return b + 1;
}

/* Take b off the list of live blocks. */
static void
block_unlink(Block *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
	live_bytes -= b->size;
}

/* Free everything allocated since the last call. */
static void
free_all(void)
{
	while (blocks.next != &blocks)
	{
		Block	   *b = blocks.next;

		block_unlink(b);
		free(b);
	}
}

/* The frontend palloc family, on tracked blocks. */
void *
palloc(Size size)
{
	return block_alloc(size, false);
}

void *
palloc0(Size size)
{
	return block_alloc(size, true);
}

void *
palloc_extended(Size size, int flags)
{
	return block_alloc(size, (flags & MCXT_ALLOC_ZERO) != 0);
}

void
pfree(void *pointer)
{
	Block	   *b = (Block *) pointer - 1;

	block_unlink(b);
	free(b);
}

void *
repalloc(void *pointer, Size size)
{
	Block	   *b = (Block *) pointer - 1;
	Block	   *n;

	if (size > FUZZ_MAX_ALLOC)
	{
		fprintf(stderr, "fuzz_expr: invalid reallocation of %zu bytes\n", (size_t) size);
		abort();
	}
	block_unlink(b);
	n = realloc(b, sizeof(Block) + size);
	if (n == NULL)
		abort();
	n->size = size;
	n->next = blocks.next;
	n->prev = &blocks;
	blocks.next->prev = n;
	blocks.next = n;
	live_bytes += size;
	return n + 1;
}

char *
pstrdup(const char *in)
{
	size_t		len = strlen(in);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len + 1);
	return out;
}

char *
pnstrdup(const char *in, Size size)
{
	size_t		len = strnlen(in, size);
	char	   *out = palloc(len + 1);

	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

/* ---------------------------------------------------------------------
 * Time zones: fixed offsets only outside the server.
 * ---------------------------------------------------------------------
 */
bool
dt_zone_offset(const char *zone, int64 usec, int *offset_sec)
{
	(void) usec;
	return dt_fixed_zone_offset(zone, offset_sec);
}

/* ---------------------------------------------------------------------
 * The environment of a render
 * ---------------------------------------------------------------------
 */
static const char default_context[] =
"{\"flow\": {\"id\": \"vacation_approval\", \"namespace\": \"hr.operations\", \"revision\": 3},"
" \"execution\": {\"id\": \"23F2KgSYm3uCfHJ00DvNxY\", \"startDate\": \"2024-01-02T03:04:05.123456Z\","
"   \"state\": \"RUNNING\"},"
" \"inputs\": {\"employee\": \"Zoë\", \"start_date\": \"2024-07-01\", \"end_date\": \"2024-07-14\","
"   \"n\": 42, \"f\": 1.5, \"b\": true, \"none\": null, \"empty\": \"\", \"list\": [1, 2, 3],"
"   \"words\": [\"a\", \"b\"], \"map\": {\"a\": \"x\", \"b-c\": null, \"n\": {\"deep\": [true]}}},"
" \"outputs\": {\"await_decision\": {\"onResume\": {\"approved\": false, \"reason\": \"Over budget\"},"
"   \"resumed\": {\"by\": \"alice\", \"on\": \"2024-01-03T10:00:00Z\", \"to\": \"SUCCESS\"}}},"
" \"labels\": {\"system\": {\"username\": \"bob\"}, \"team\": \"hr\"},"
" \"vars\": {\"x\": 1, \"s\": \"Hello\"},"
" \"task\": {\"id\": \"log\", \"type\": \"io.kestra.plugin.core.log.Log\"},"
" \"taskrun\": {\"id\": \"7sFQ2c\", \"startDate\": \"2024-01-02T03:04:06Z\", \"attemptsCount\": 0},"
" \"trigger\": {}}";

static int	secrets_noted;

/* secret(): two known names, an error for others. */
static char *
fuzz_secret(void *arg, const char *name, char **error)
{
	(void) arg;
	if (strcmp(name, "SLACK_HR_WEBHOOK") == 0 || strcmp(name, "A") == 0)
		return pstrdup("https://hooks.example/s3cr3t");
	*error = psprintf("secret \"%s\" not found", name);
	return NULL;
}

/* kv(): two known keys, an error for others. */
static FpValue *
fuzz_kv(void *arg, const char *key, char **error)
{
	char	   *err = NULL;

	(void) arg;
	if (strcmp(key, "HR_API_ENDPOINT") == 0)
		return fp_cstring("https://hr.example/api");
	if (strcmp(key, "K") == 0)
		return fp_parse_json("{\"k\": [1, 2.5, null]}", 21, &err);
	*error = psprintf("kv \"%s\" not found", key);
	return NULL;
}

/* note_secret: must be told of a real value. */
static void
fuzz_note_secret(void *arg, const char *value)
{
	(void) arg;
	if (value == NULL)
		abort();
	secrets_noted++;
}

/* Abort with a message: an invariant of expr.h does not hold. */
static void
broken(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_expr: broken invariant: %s\ninput (%zu bytes): %.*s\n",
			what, size, (int) Min(size, 2000), (const char *) data);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	/* a smaller budget of steps than the server's keeps each run short */
	expr_step_base = 100000;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *) data;
	const char *nul;
	int			len;
	char	   *jerr = NULL;
	FpValue    *vars = NULL;
	ExprSyntaxError err;
	Template   *t;
	ExprEnv		env;
	char	   *error = NULL;
	FpValue    *r;
	FpValue    *tree;
	FpValue    *bad = NULL;

	if (size > 1024 * 1024)
		return 0;

	/* the JSON parser on the whole input */
	(void) fp_parse_json(src, (int) size, &jerr);

	nul = memchr(src, '\0', size);
	len = nul ? (int) (nul - src) : (int) size;
	if (nul != NULL)
	{
		jerr = NULL;
		vars = fp_parse_json(nul + 1, (int) (size - len - 1), &jerr);
		if (vars == NULL && jerr == NULL)
			broken("fp_parse_json failed without a message", data, size);
	}
	if (vars == NULL || vars->type != FP_OBJECT)
		vars = fp_parse_json(default_context, sizeof(default_context) - 1, &jerr);
	if (vars == NULL)
		abort();

	memset(&env, 0, sizeof(env));
	env.vars = vars;
	env.secret = fuzz_secret;
	env.kv = fuzz_kv;
	env.note_secret = fuzz_note_secret;
	env.app_url = "http://localhost:8080/";
	env.now = INT64CONST(1719835200123456);	/* 2024-07-01T12:00:00.123456Z */
	env.max_output = 64 * 1024;

	/* compile */
	err.message = NULL;
	err.offset = -1;
	t = expr_compile(src, len, &err);
	if (t == NULL)
	{
		if (err.message == NULL || err.offset < 0 || err.offset > len)
			broken("syntax error without a message or with an offset outside the template",
				   data, size);
	}
	else
	{
		r = expr_render(t, &env, &error);
		if (r == NULL && error == NULL)
			broken("render failed without a message", data, size);
		if (r != NULL)
		{
			(void) expr_truthy(r);
			if (r->type == FP_STRING && r->u.str.len > env.max_output)
				broken("output longer than max_output", data, size);
		}
	}

	/* the same template inside a value tree, compiled and rendered as task properties are */
	tree = fp_array(2);
	fp_append(tree, fp_string(src, len));
	fp_append(tree, fp_object(1));
	fp_set(tree->u.arr.items[1], "k", fp_string(src, len));
	err.message = NULL;
	if (!expr_compile_value(tree, &err, &bad))
	{
		if (bad == NULL || err.message == NULL)
			broken("expr_compile_value failed without a message or a node", data, size);
	}
	else
	{
		char	   *text;

		error = NULL;
		text = expr_render_text(tree, &env, &error);
		if (text == NULL && error == NULL)
			broken("render of a value failed without a message", data, size);
	}

	free_all();
	return 0;
}
