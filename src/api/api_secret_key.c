/*-------------------------------------------------------------------------
 *
 * api_secret_key.c
 *	  flow_secret_key_rotate(): re-encrypt every stored secret and SECRET
 *	  input value (and the link key, and the queued requests rendered with
 *	  secrets) under the key of flowpg.secret_key_file, in the caller's
 *	  transaction, and say how many values it re-encrypted.  Values stored
 *	  in clear (before a key was configured, or by flowpg 0.1) are
 *	  encrypted; values under flowpg.secret_key_file_previous are opened
 *	  with it and sealed again; a value under any other key stops the whole
 *	  rotation with its error (secret_crypt.h), so nothing is half done.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "audit.h"
#include "db.h"
#include "exec.h"
#include "links.h"
#include "secret_crypt.h"
#include "security.h"
#include "value.h"

PG_FUNCTION_INFO_V1(flow_secret_key_rotate);

static DbQuery q_stale_secrets = DB_QUERY(
	"SELECT namespace, name, value, key_id FROM flowpg.secrets"
	" WHERE key_id IS DISTINCT FROM $1 ORDER BY namespace, name FOR UPDATE",
	1, TEXTOID);

static DbQuery q_update_secret = DB_QUERY(
	"UPDATE flowpg.secrets SET value = $3, key_id = $4 WHERE namespace = $1 AND name = $2",
	4, TEXTOID, TEXTOID, TEXTOID, TEXTOID);

static DbQuery q_stale_execution_secrets = DB_QUERY(
	"SELECT execution_id,"
	" CASE WHEN key_id IS NULL THEN inputs::text ELSE inputs #>> '{}' END, key_id"
	" FROM flowpg.execution_secrets"
	" WHERE key_id IS DISTINCT FROM $1 ORDER BY execution_id FOR UPDATE",
	1, TEXTOID);

static DbQuery q_update_execution_secrets = DB_QUERY(
	"UPDATE flowpg.execution_secrets SET inputs = pg_catalog.to_jsonb($2), key_id = $3"
	" WHERE execution_id = $1",
	3, TEXTOID, TEXTOID, TEXTOID);

/* One stored value not under the current key, as read before re-encrypting it. */
typedef struct StaleRow
{
	char	   *ns;				/* secrets: namespace; execution_secrets: execution id */
	char	   *name;			/* secrets: name; execution_secrets: NULL */
	CryptStored stored;
} StaleRow;

/* The rows that q (a q_stale_* query) finds, copied out of SPI's result. */
static List *
stale_rows(DbQuery *q, const char *key_id, bool named)
{
	Datum		arg = CStringGetTextDatum(key_id);
	uint64		n = db_exec(q, &arg, NULL, false, 0);
	uint64		i;
	List	   *rows = NIL;
	int			col = 1;

	for (i = 0; i < n; i++)
	{
		StaleRow   *r = palloc0(sizeof(StaleRow));

		col = 1;
		r->ns = db_text(i, col++);
		r->name = named ? db_text(i, col++) : NULL;
		r->stored.text = db_text(i, col++);
		r->stored.key_id = db_text(i, col++);
		rows = lappend(rows, r);
	}
	return rows;
}

/* Re-encrypt the secrets not under the current key; returns how many. */
static int64
rotate_secrets(const char *key_id)
{
	ListCell   *lc;
	int64		count = 0;

	foreach(lc, stale_rows(&q_stale_secrets, key_id, true))
	{
		StaleRow   *r = lfirst(lc);
		char	   *aad = crypt_secret_aad(r->ns, r->name);
		char	   *plain = crypt_open(&r->stored, aad,
									   psprintf("secret \"%s\" in namespace \"%s\"", r->name, r->ns));
		CryptStored sealed = crypt_seal(plain, aad);
		Datum		v[4];

		explicit_bzero(plain, strlen(plain));
		v[0] = CStringGetTextDatum(r->ns);
		v[1] = CStringGetTextDatum(r->name);
		v[2] = CStringGetTextDatum(sealed.text);
		v[3] = CStringGetTextDatum(sealed.key_id);
		db_exec(&q_update_secret, v, NULL, false, 0);
		count++;
	}
	return count;
}

/* Re-encrypt the SECRET input values not under the current key; returns how many rows. */
static int64
rotate_execution_secrets(const char *key_id)
{
	ListCell   *lc;
	int64		count = 0;

	foreach(lc, stale_rows(&q_stale_execution_secrets, key_id, false))
	{
		StaleRow   *r = lfirst(lc);
		char	   *aad = crypt_execution_aad(r->ns);
		char	   *plain = crypt_open(&r->stored, aad,
									   psprintf("the SECRET inputs of execution %s", r->ns));
		CryptStored sealed = crypt_seal(plain, aad);
		Datum		v[3];

		explicit_bzero(plain, strlen(plain));
		v[0] = CStringGetTextDatum(r->ns);
		v[1] = CStringGetTextDatum(sealed.text);
		v[2] = CStringGetTextDatum(sealed.key_id);
		db_exec(&q_update_execution_secrets, v, NULL, false, 0);
		count++;
	}
	return count;
}

/*
 * flow_secret_key_rotate(): needs ADMIN on '' (superusers and flowpg_admin
 * members have it) and a configured key; writes an audit row
 * {key_id, secrets, executions, link_keys, requests}; returns how many
 * values it re-encrypted (the link key counts as one, and so does each
 * queued request rendered with secrets).
 */
Datum
flow_secret_key_rotate(PG_FUNCTION_ARGS)
{
	DbScope		scope;
	const char *key_id;
	int64		secrets;
	int64		executions;
	int64		link_keys;
	int64		requests;
	FpValue    *detail = fp_object(5);

	sec_require("", PERM_ADMIN, "rotate the secret key");
	if (!crypt_configured())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("flowpg.secret_key_file is not set"),
				 errdetail("Rotation encrypts every secret with the key of flowpg.secret_key_file."),
				 errhint("Make a key file (openssl rand -hex 32 > FILE; chmod 600 FILE), name it in flowpg.secret_key_file and reload the configuration.")));
	key_id = pstrdup(crypt_current_key_id());

	db_enter(&scope);
	secrets = rotate_secrets(key_id);
	executions = rotate_execution_secrets(key_id);
	link_keys = links_reseal_key(key_id);
	requests = exec_work_reseal(key_id);
	fp_set(detail, "key_id", fp_cstring(key_id));
	fp_set(detail, "secrets", fp_int(secrets));
	fp_set(detail, "executions", fp_int(executions));
	fp_set(detail, "link_keys", fp_int(link_keys));
	fp_set(detail, "requests", fp_int(requests));
	audit_write("secret_key_rotate", "", NULL, NULL, NULL, detail);
	db_leave(&scope);
	PG_RETURN_INT64(secrets + executions + link_keys + requests);
}
