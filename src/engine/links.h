/*-------------------------------------------------------------------------
 *
 * links.h
 *	  Signed approval links: the tokens appLink() puts in the links of
 *	  approval messages, and the per-database key that signs them.
 *
 * A token names one pause: an execution, a task id (an execution has one
 * task run per task), the flow revision and the attempt of that task run,
 * with an expiry.  It is base64url(payload) "." base64url(HMAC-SHA256(key,
 * payload)), signed with the key of flowpg.link_keys, which no role can
 * read (and which is sealed like a secret when flowpg.secret_key_file is
 * set, secret_crypt.h).  A token grants nothing by itself: whoever uses it is checked as
 * flow_resume checks them.  What it adds is that a link cannot be made up
 * (a page behind a forged link shows nothing), that it ends (its expiry,
 * the pause's end, a key rotation), and that it names the one pause it
 * decides.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_LINKS_H
#define FLOWPG_LINKS_H

#include "datatype/timestamp.h"

#include "value.h"

/* What a token says, once verified. */
typedef struct LinkToken
{
	int32		generation;		/* of the key that signed it */
	TimestampTz expires_at;
	int32		revision;		/* of the execution's flow */
	int32		attempt;		/* of the pause's task run that the link decides */
	char	   *execution_id;
	char	   *task_id;
} LinkToken;

/* The outcome of verifying a token. */
typedef enum LinkVerdict
{
	LINK_VALID,
	LINK_MALFORMED,				/* not a token, or a truncated one */
	LINK_FORGED,				/* its signature does not verify */
	LINK_FOREIGN,				/* signed by another database */
	LINK_ROTATED				/* signed with a key that has been rotated away */
} LinkVerdict;

/*
 * The ExprEnv.link_token hook of renders in an execution (arg is the
 * Execution): the token of the pause in context of the rendering task
 * (vars' task.id), or NULL when there is none.  Creates the database's key
 * on first use.  Needs a DbScope.
 */
extern char *links_render_token(void *arg, const FpValue *vars, char **error);

/*
 * Verify a token.  LINK_VALID fills *tok; any other verdict sets *why to a
 * sentence for an error detail.  Changes nothing.  Needs a DbScope.
 */
extern LinkVerdict links_verify(const char *token, LinkToken *tok, char **why);

/*
 * Replace the database's key with a new one of the next generation (the
 * first key when there is none yet), so that every link signed before
 * fails as rotated.  Returns the new generation.  Needs a DbScope; the
 * caller checks the permission.
 */
extern int32 links_rotate_key(void);

/*
 * For flow_secret_key_rotate(): seal the database's link key again under
 * the current key of flowpg.secret_key_file (key_id, its id) when it is in
 * clear or under another key (flowpg.secret_key_file_previous).  Returns 1
 * when it did, 0 when there is no key or it is sealed under key_id already.
 * A key that cannot be opened raises the errors of crypt_open
 * (secret_crypt.h).  Needs a DbScope; the caller checks the permission.
 */
extern int	links_reseal_key(const char *key_id);

#endif							/* FLOWPG_LINKS_H */
