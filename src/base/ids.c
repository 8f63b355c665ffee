/*-------------------------------------------------------------------------
 *
 * ids.c
 *	  Name checks and random ids.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "ids.h"

#define ID_LENGTH 22			/* 22 base-62 digits hold 130 random bits */

/* ASCII letter or digit. */
static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ASCII lower-case letter or digit. */
static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * s matches first-character class then rest-character class (alnum plus
 * the extra punctuation), with at most maxlen bytes (0 = no limit).
 */
static bool
matches(const char *s, bool lower, const char *extra, const char *first_extra, int maxlen)
{
	int			n = 0;

	if (s == NULL || *s == '\0')
		return false;
	if (!(lower ? is_lower_alnum(*s) : is_alnum(*s)) &&
		!(first_extra && strchr(first_extra, *s)))
		return false;
	for (; *s; s++, n++)
	{
		if (lower ? is_lower_alnum(*s) : is_alnum(*s))
			continue;
		if (strchr(extra, *s) == NULL)
			return false;
	}
	return maxlen == 0 || n <= maxlen;
}

/* A flow id: ^[a-zA-Z0-9][a-zA-Z0-9._-]*, at most 100 characters. */
bool
id_is_flow_id(const char *s)
{
	return matches(s, false, "._-", NULL, 100);
}

/*
 * A namespace: ^[a-z0-9][a-z0-9._-]*, at most 150 characters, whose
 * dot-separated parts are not empty ("team.", "team..x" are no namespaces:
 * a grant on them would cover nothing anyone could name, and "team." would
 * look like a parent of "team.x" without being one).
 */
bool
id_is_namespace(const char *s)
{
	size_t		len = strlen(s);

	if (!matches(s, true, "._-", NULL, 150))
		return false;
	return strstr(s, "..") == NULL && s[len - 1] != '.';
}

/* A task id: ^[a-zA-Z0-9][a-zA-Z0-9_-]*. */
bool
id_is_task_id(const char *s)
{
	return matches(s, false, "_-", NULL, 0);
}

/* An input id: ^[a-zA-Z0-9][.a-zA-Z0-9_-]* (dots nest). */
bool
id_is_input_id(const char *s)
{
	return matches(s, false, "._-", NULL, 0);
}

/* A secret name or kv key: ^[a-zA-Z0-9_][a-zA-Z0-9._-]*, at most 255 characters. */
bool
id_is_key(const char *s)
{
	return matches(s, false, "._-", "_", 255);
}

/* Raise 22023 for a malformed namespace argument. */
void
id_check_namespace_arg(const char *ns, bool allow_global)
{
	if (allow_global && ns[0] == '\0')
		return;
	if (!id_is_namespace(ns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid namespace \"%s\"", ns),
				 errdetail("A namespace is lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 150 characters, with no empty part between dots%s.",
						   allow_global ? "; '' is the global namespace" : "")));
}

/* A random 22-character base-62 id from the server's strong random source. */
char *
id_new(void)
{
	static const char digits[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char bytes[ID_LENGTH];
	char	   *id = palloc(ID_LENGTH + 1);
	int			i;

	/* bytes >= 248 would bias the digit choice; redraw them */
	if (!pg_strong_random(bytes, sizeof(bytes)))
		elog(ERROR, "could not generate a random id");
	for (i = 0; i < ID_LENGTH; i++)
	{
		while (bytes[i] >= 248)
		{
			if (!pg_strong_random(&bytes[i], 1))
				elog(ERROR, "could not generate a random id");
		}
		id[i] = digits[bytes[i] % 62];
	}
	id[ID_LENGTH] = '\0';
	return id;
}
