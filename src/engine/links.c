/*-------------------------------------------------------------------------
 *
 * links.c
 *	  Signing and verifying the tokens of approval links (see links.h), and
 *	  the database's link key in flowpg.link_keys.
 *
 * The payload of a token (version 1), in network byte order:
 *
 *	  1 byte	version (1)
 *	  8 bytes	the database's tag: random, made with the first key and kept
 *				across rotations, so that a token of another database is told
 *				apart from a forged one
 *	  4 bytes	the key generation
 *	  8 bytes	the expiry (a PostgreSQL timestamp: microseconds since 2000)
 *	  4 bytes	the flow revision
 *	  2 bytes	the attempt of the pause's task run
 *	  1 byte	length of the execution id, then the id
 *	  2 bytes	length of the task id, then the id
 *
 * and the token is base64url(payload) "." base64url(HMAC-SHA256(key,
 * payload)), without padding, so that it needs no escaping in a URL.  The
 * HMAC is PostgreSQL's own (common/hmac.h), the key and the tag come from
 * pg_strong_random.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/base64.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "db.h"
#include "exec.h"
#include "flowpg.h"
#include "links.h"
#include "secret_crypt.h"
#include "security.h"

#define LINK_VERSION 1
#define LINK_TAG_LEN 8
#define LINK_KEY_LEN 32
#define LINK_MAC_LEN PG_SHA256_DIGEST_LENGTH
#define LINK_FIXED_LEN (1 + LINK_TAG_LEN + 4 + 8 + 4 + 2)
#define LINK_MAX_TOKEN 4096		/* characters: longer is no token of ours */

/* The database's key, as read from flowpg.link_keys. */
typedef struct LinkKey
{
	uint8		tag[LINK_TAG_LEN];
	int32		generation;
	uint8		key[LINK_KEY_LEN];
} LinkKey;

static DbQuery q_key_read = DB_QUERY(
	"SELECT tag, generation, key, key_id FROM flowpg.link_keys",
	0);

static DbQuery q_key_lock = DB_QUERY(
	"SELECT tag, generation, key, key_id FROM flowpg.link_keys FOR UPDATE",
	0);

static DbQuery q_key_create = DB_QUERY(
	"INSERT INTO flowpg.link_keys (tag, generation, key, key_id, created_by)"
	" VALUES ($1, 1, $2, $3, $4) ON CONFLICT DO NOTHING",
	4, BYTEAOID, TEXTOID, TEXTOID, NAMEOID);

static DbQuery q_key_rotate = DB_QUERY(
	"UPDATE flowpg.link_keys SET generation = $1, key = $2, key_id = $3,"
	" created_at = pg_catalog.now(), created_by = $4 RETURNING generation",
	4, INT4OID, TEXTOID, TEXTOID, NAMEOID);

static DbQuery q_key_reseal = DB_QUERY(
	"UPDATE flowpg.link_keys SET key = $1, key_id = $2",
	2, TEXTOID, TEXTOID);

/* A bytea Datum of len bytes. */
static Datum
bytea_datum(const uint8 *data, int len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return PointerGetDatum(b);
}

/* Copy a bytea column of exactly len bytes into out (a stored key of another size is corrupt). */
static void
bytea_column(int col, uint8 *out, int len)
{
	bool		isnull;
	bytea	   *b = DatumGetByteaPP(db_datum(0, col, &isnull));

	if (isnull || VARSIZE_ANY_EXHDR(b) != (Size) len)
		elog(ERROR, "flowpg.link_keys holds a malformed key");
	memcpy(out, VARDATA_ANY(b), len);
}

/* The value of one lower-case hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The associated data that binds a sealed key to its row: the database's
 * tag and the key's generation, so that a sealed key copied to another
 * database or generation does not open.
 */
static char *
key_aad(const uint8 *tag, int32 generation)
{
	char		hex[2 * LINK_TAG_LEN + 1];
	int			i;

	for (i = 0; i < LINK_TAG_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", tag[i]);
	return psprintf("flowpg.link_keys/%s/%d", hex, generation);
}

/*
 * The stored form of key for the row of tag and generation: 64 hex digits,
 * sealed under flowpg.secret_key_file when it is set (secret_crypt.h).
 */
static CryptStored
key_seal(const uint8 *key, const uint8 *tag, int32 generation)
{
	char		hex[2 * LINK_KEY_LEN + 1];
	CryptStored stored;
	int			i;

	for (i = 0; i < LINK_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	stored = crypt_seal(hex, key_aad(tag, generation));
	explicit_bzero(hex, sizeof(hex));
	return stored;
}

/*
 * Open the key stored in row 0 of the result (columns key and key_id) into
 * k->key; k->tag and k->generation are read already.  A key that cannot be
 * opened raises the errors of crypt_open, never a wrong key.
 */
static void
key_open(LinkKey *k)
{
	CryptStored stored;
	char	   *hex;
	int			i;

	stored.text = db_text(0, 3);
	stored.key_id = db_text(0, 4);
	if (stored.text == NULL)
		elog(ERROR, "flowpg.link_keys holds a malformed key");
	hex = crypt_open(&stored, key_aad(k->tag, k->generation), "the approval link key");
	if (strlen(hex) != 2 * LINK_KEY_LEN)
		elog(ERROR, "flowpg.link_keys holds a malformed key");
	for (i = 0; i < LINK_KEY_LEN; i++)
	{
		int			hi = hex_value(hex[2 * i]);
		int			lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			elog(ERROR, "flowpg.link_keys holds a malformed key");
		k->key[i] = (uint8) (hi << 4 | lo);
	}
	explicit_bzero(hex, strlen(hex));
}

/* Read the row that q (q_key_read or q_key_lock) finds into k; false when there is none. */
static bool
key_fetch(DbQuery *q, LinkKey *k, bool open)
{
	if (db_exec(q, NULL, NULL, false, 1) == 0)
		return false;
	bytea_column(1, k->tag, LINK_TAG_LEN);
	k->generation = db_int4(0, 2);
	if (open)
		key_open(k);
	return true;
}

/* Read the database's key; false when there is none yet.  Needs a DbScope. */
static bool
key_read(LinkKey *k)
{
	return key_fetch(&q_key_read, k, true);
}

/* Random bytes from the operating system's strong source. */
static void
strong_random(uint8 *buf, int len)
{
	if (!pg_strong_random(buf, len))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes for an approval link key")));
}

/* Datum and null flag of a key id (NULL: stored in clear). */
static Datum
key_id_datum(const CryptStored *stored, char *null)
{
	*null = stored->key_id == NULL ? 'n' : ' ';
	return stored->key_id == NULL ? (Datum) 0 : CStringGetTextDatum(stored->key_id);
}

/*
 * The database's key, created on first use.  Two transactions creating it
 * at once both insert; the second's insert waits for the first and does
 * nothing, and both then read the one that won.
 */
static void
key_get(LinkKey *k)
{
	Datum		values[4];
	char		nulls[5] = "    ";
	CryptStored stored;

	if (key_read(k))
		return;
	strong_random(k->tag, LINK_TAG_LEN);
	strong_random(k->key, LINK_KEY_LEN);
	stored = key_seal(k->key, k->tag, 1);
	values[0] = bytea_datum(k->tag, LINK_TAG_LEN);
	values[1] = CStringGetTextDatum(stored.text);
	values[2] = key_id_datum(&stored, &nulls[2]);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(sec_actor()));
	(void) db_exec(&q_key_create, values, nulls, false, 0);
	if (!key_read(k))
		elog(ERROR, "the approval link key was created but cannot be read");
}

/*
 * Rotate the key (see links.h).  The key it replaces is not opened, so a
 * database whose link key cannot be opened any more (its key file lost)
 * gets a new one.
 */
int32
links_rotate_key(void)
{
	LinkKey		k;
	uint8		key[LINK_KEY_LEN];
	Datum		values[4];
	char		nulls[5] = "    ";
	CryptStored stored;
	int32		generation;

	if (!key_fetch(&q_key_lock, &k, false))
		key_get(&k);
	strong_random(key, LINK_KEY_LEN);
	stored = key_seal(key, k.tag, k.generation + 1);
	values[0] = Int32GetDatum(k.generation + 1);
	values[1] = CStringGetTextDatum(stored.text);
	values[2] = key_id_datum(&stored, &nulls[2]);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(sec_actor()));
	if (db_exec(&q_key_rotate, values, nulls, false, 0) != 1)
		elog(ERROR, "the approval link key disappeared while it was rotated");
	generation = db_int4(0, 1);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(&k, sizeof(k));
	return generation;
}

/* Seal the key again under the current secret key (see links.h). */
int
links_reseal_key(const char *key_id)
{
	LinkKey		k;
	char	   *stored_id;
	CryptStored stored;
	Datum		values[2];

	if (!key_fetch(&q_key_lock, &k, false))
		return 0;
	stored_id = db_text(0, 4);
	if (stored_id != NULL && strcmp(stored_id, key_id) == 0)
		return 0;
	key_open(&k);
	stored = key_seal(k.key, k.tag, k.generation);
	explicit_bzero(&k, sizeof(k));
	if (stored.key_id == NULL)
		elog(ERROR, "the approval link key could not be sealed: no secret key is configured");
	values[0] = CStringGetTextDatum(stored.text);
	values[1] = CStringGetTextDatum(stored.key_id);
	(void) db_exec(&q_key_reseal, values, NULL, false, 0);
	return 1;
}

/* HMAC-SHA256 of data under key, into mac. */
static void
link_mac(const uint8 *key, const uint8 *data, size_t len, uint8 *mac)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, LINK_KEY_LEN) < 0 ||
		pg_hmac_update(ctx, data, len) < 0 ||
		pg_hmac_final(ctx, mac, LINK_MAC_LEN) < 0)
	{
		char	   *error = pstrdup(pg_hmac_error(ctx));

		pg_hmac_free(ctx);
		elog(ERROR, "could not compute the HMAC of an approval link: %s", error);
	}
	pg_hmac_free(ctx);
}

/* Append len bytes as unpadded base64url. */
static void
append_base64url(StringInfo buf, const uint8 *data, int len)
{
	int			enclen = pg_b64_enc_len(len);
	char	   *enc = palloc(enclen + 1);
	int			n = pg_b64_encode((const char *) data, len, enc, enclen);
	int			i;

	if (n < 0)
		elog(ERROR, "could not encode an approval link");
	for (i = 0; i < n && enc[i] != '='; i++)
		appendStringInfoChar(buf, enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i]);
}

/*
 * Decode unpadded base64url text of len characters into a palloc'd buffer;
 * its length in *outlen.  NULL when the text is not base64url.
 */
static uint8 *
decode_base64url(const char *text, int len, int *outlen)
{
	char	   *std;
	uint8	   *out;
	int			padded = len + (4 - len % 4) % 4;
	int			i;

	if (len == 0 || len % 4 == 1)
		return NULL;
	std = palloc(padded + 1);
	for (i = 0; i < len; i++)
	{
		char		c = text[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return NULL;
		std[i] = c;
	}
	for (; i < padded; i++)
		std[i] = '=';
	std[padded] = '\0';
	out = palloc(pg_b64_dec_len(padded) + 1);
	*outlen = pg_b64_decode(std, padded, (char *) out, pg_b64_dec_len(padded));
	return *outlen < 0 ? NULL : out;
}

static void
put_u16(StringInfo buf, uint32 v)
{
	appendStringInfoChar(buf, (char) ((v >> 8) & 0xFF));
	appendStringInfoChar(buf, (char) (v & 0xFF));
}

static void
put_u32(StringInfo buf, uint32 v)
{
	put_u16(buf, v >> 16);
	put_u16(buf, v & 0xFFFF);
}

static void
put_u64(StringInfo buf, uint64 v)
{
	put_u32(buf, (uint32) (v >> 32));
	put_u32(buf, (uint32) (v & 0xFFFFFFFF));
}

static uint32
get_u16(const uint8 *p)
{
	return ((uint32) p[0] << 8) | p[1];
}

static uint32
get_u32(const uint8 *p)
{
	return (get_u16(p) << 16) | get_u16(p + 2);
}

static uint64
get_u64(const uint8 *p)
{
	return ((uint64) get_u32(p) << 32) | get_u32(p + 4);
}

/* Sign a token for tok with k. */
static char *
link_sign(const LinkKey *k, const LinkToken *tok)
{
	StringInfoData payload;
	StringInfoData out;
	uint8		mac[LINK_MAC_LEN];
	size_t		elen = strlen(tok->execution_id);
	size_t		tlen = strlen(tok->task_id);

	initStringInfo(&payload);
	appendStringInfoChar(&payload, LINK_VERSION);
	appendBinaryStringInfo(&payload, (const char *) k->tag, LINK_TAG_LEN);
	put_u32(&payload, (uint32) k->generation);
	put_u64(&payload, (uint64) tok->expires_at);
	put_u32(&payload, (uint32) tok->revision);
	put_u16(&payload, (uint32) tok->attempt);
	appendStringInfoChar(&payload, (char) elen);
	appendBinaryStringInfo(&payload, tok->execution_id, elen);
	put_u16(&payload, (uint32) tlen);
	appendBinaryStringInfo(&payload, tok->task_id, tlen);

	link_mac(k->key, (const uint8 *) payload.data, payload.len, mac);
	initStringInfo(&out);
	append_base64url(&out, (const uint8 *) payload.data, payload.len);
	appendStringInfoChar(&out, '.');
	append_base64url(&out, mac, LINK_MAC_LEN);
	return out.data;
}

/*
 * The attempt of run that a link rendered now decides: the current one
 * while the task run is under way (in its onPause), the next one when it
 * has ended or waits to be restarted, the first when it does not exist yet.
 */
static int32
link_attempt(const TaskRun *run)
{
	int			count;

	if (run == NULL)
		return 1;
	count = run->attempts->u.arr.count;
	if (state_is_terminal(run->state) || run->state == ST_RESTARTED)
		return count + 1;
	return Max(count, 1);
}

/* The render hook of appLink() (see links.h). */
char *
links_render_token(void *arg, const FpValue *vars, char **error)
{
	Execution  *e = arg;
	const char *task_id = fp_get_str(fp_get(vars, "task"), "id");
	FlowNode   *node;
	TaskRun    *run;
	LinkToken	tok;
	LinkKey		k;
	TimestampTz now = GetCurrentTimestamp();
	char	   *token;

	if (task_id == NULL || (node = flow_model_node(e->flow, task_id)) == NULL ||
		node->link_pause == NULL)
		return NULL;			/* no pause in context: an unsigned link */
	if (strlen(e->id) > 255 || strlen(node->link_pause->id) > 65535)
	{
		*error = psprintf("the id of task \"%s\" is too long for an approval link", node->link_pause->id);
		return NULL;
	}

	run = exec_find_run(e, node->link_pause->id);
	memset(&tok, 0, sizeof(tok));
	tok.execution_id = e->id;
	tok.task_id = (char *) node->link_pause->id;
	tok.revision = e->revision;
	tok.attempt = link_attempt(run);
	tok.expires_at = now + (int64) flowpg_link_ttl_s * USECS_PER_SEC;
	if (run && run->state == ST_PAUSED && run->due_at != 0 && run->due_at < tok.expires_at)
		tok.expires_at = run->due_at;

	key_get(&k);
	token = link_sign(&k, &tok);
	explicit_bzero(&k, sizeof(k));
	return token;
}

/* Verify a token (see links.h). */
LinkVerdict
links_verify(const char *token, LinkToken *tok, char **why)
{
	const char *dot = strchr(token, '.');
	size_t		len = strlen(token);
	uint8	   *payload;
	uint8	   *mac;
	int			plen;
	int			mlen;
	int			elen;
	int			tlen;
	uint8		expected[LINK_MAC_LEN];
	LinkKey		k;
	bool		matches;

	memset(tok, 0, sizeof(LinkToken));
	if (len > LINK_MAX_TOKEN || dot == NULL || strchr(dot + 1, '.') != NULL)
	{
		*why = pstrdup("A token is two base64url parts joined by a period.");
		return LINK_MALFORMED;
	}
	payload = decode_base64url(token, dot - token, &plen);
	mac = decode_base64url(dot + 1, len - (dot + 1 - token), &mlen);
	if (payload == NULL || mac == NULL)
	{
		*why = pstrdup("A token is two base64url parts joined by a period.");
		return LINK_MALFORMED;
	}
	if (plen < 1 || payload[0] != LINK_VERSION)
	{
		*why = pstrdup("The token is of no version this flowpg knows.");
		return LINK_MALFORMED;
	}
	if (mlen != LINK_MAC_LEN || plen < LINK_FIXED_LEN + 1 ||
		plen < LINK_FIXED_LEN + 1 + (elen = payload[LINK_FIXED_LEN]) + 2 ||
		plen != LINK_FIXED_LEN + 1 + elen + 2 +
		(tlen = (int) get_u16(payload + LINK_FIXED_LEN + 1 + elen)) ||
		elen == 0 || tlen == 0)
	{
		*why = pstrdup("The token is truncated or has parts of the wrong length.");
		return LINK_MALFORMED;
	}

	if (!key_read(&k) || memcmp(k.tag, payload + 1, LINK_TAG_LEN) != 0)
	{
		*why = pstrdup("The token was signed by the link key of a different database.");
		return LINK_FOREIGN;
	}
	tok->generation = (int32) get_u32(payload + 1 + LINK_TAG_LEN);
	if (tok->generation < k.generation)
	{
		*why = psprintf("The token was signed with key generation %d; the key has been rotated since and is now generation %d.",
						tok->generation, k.generation);
		explicit_bzero(&k, sizeof(k));
		return LINK_ROTATED;
	}
	link_mac(k.key, payload, plen, expected);
	matches = tok->generation == k.generation &&
		timingsafe_bcmp(expected, mac, LINK_MAC_LEN) == 0;
	explicit_bzero(&k, sizeof(k));
	if (!matches)
	{
		*why = pstrdup("The token was not signed with this database's link key: it was altered or made up.");
		return LINK_FORGED;
	}

	tok->expires_at = (TimestampTz) get_u64(payload + 1 + LINK_TAG_LEN + 4);
	tok->revision = (int32) get_u32(payload + 1 + LINK_TAG_LEN + 4 + 8);
	tok->attempt = (int32) get_u16(payload + 1 + LINK_TAG_LEN + 4 + 8 + 4);
	tok->execution_id = pnstrdup((const char *) payload + LINK_FIXED_LEN + 1, elen);
	tok->task_id = pnstrdup((const char *) payload + LINK_FIXED_LEN + 1 + elen + 2, tlen);
	if (strlen(tok->execution_id) != (size_t) elen || strlen(tok->task_id) != (size_t) tlen)
	{
		/* signed by us, so it cannot happen: ids hold no NUL */
		*why = pstrdup("The token names an id with a NUL character.");
		return LINK_MALFORMED;
	}
	return LINK_VALID;
}
