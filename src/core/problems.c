/*-------------------------------------------------------------------------
 *
 * problems.c
 *	  Collecting and raising the problems found in a flow document.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "problems.h"

static void problem_addv(List **problems, int line, int col, const char *path,
						 const char *fmt, va_list args) pg_attribute_printf(5, 0);

/* Append one problem; fmt and args make the message. */
static void
problem_addv(List **problems, int line, int col, const char *path,
			 const char *fmt, va_list args)
{
	FlowProblem *p = palloc0(sizeof(FlowProblem));
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&buf, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	p->line = line;
	p->col = col;
	p->path = pstrdup(path ? path : "");
	p->message = buf.data;
	*problems = lappend(*problems, p);
}

/* Record a problem at a node (see problems.h). */
void
problem_add(List **problems, const FpValue *node, const char *path, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	problem_addv(problems, node ? node->line : 0, node ? node->col : 0, path, fmt, args);
	va_end(args);
}

/* Record a problem at the position of a key (falling back to the map's). */
void
problem_add_key(List **problems, const FpValue *obj, const char *key, const char *path,
				const char *fmt,...)
{
	FpPair	   *pair = fp_get_pair(obj, key);
	va_list		args;
	int			line = obj ? obj->line : 0;
	int			col = obj ? obj->col : 0;

	if (pair && pair->key_line > 0)
	{
		line = pair->key_line;
		col = pair->key_col;
	}
	va_start(args, fmt);
	problem_addv(problems, line, col, path, fmt, args);
	va_end(args);
}

/* Record a problem at a line and column. */
void
problem_add_at(List **problems, int line, int col, const char *path, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	problem_addv(problems, line, col, path, fmt, args);
	va_end(args);
}

/* The path of a key under path. */
char *
path_key(const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		return pstrdup(key);
	return psprintf("%s.%s", path, key);
}

/* The path of a list item under path. */
char *
path_index(const char *path, int index)
{
	return psprintf("%s[%d]", path ? path : "", index);
}

/*
 * Raise the first problem.  The message carries the position so that it
 * shows in any client; the detail says how many more there are, pointing to
 * flow_validate for the full list.
 */
void
problems_raise(List *problems, const char *what)
{
	FlowProblem *p = linitial(problems);
	int			more = list_length(problems) - 1;
	char	   *where;

	if (p->line > 0 && p->path[0] != '\0')
		where = psprintf(" at line %d, column %d (%s)", p->line, p->col, p->path);
	else if (p->line > 0)
		where = psprintf(" at line %d, column %d", p->line, p->col);
	else if (p->path[0] != '\0')
		where = psprintf(" at %s", p->path);
	else
		where = "";

	ereport(ERROR,
			(errcode(p->syntax ? ERRCODE_SYNTAX_ERROR : ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s%s: %s", what, where, p->message),
			 more > 0 ? errdetail_plural("%d more problem was found; flow_validate() lists them all.",
										 "%d more problems were found; flow_validate() lists them all.",
										 more, more) : 0));
}
