/*-------------------------------------------------------------------------
 *
 * api_store.c
 *	  SQL functions for secrets and the key-value store:
 *	  flow_secret_set, flow_secret_delete, flow_kv_set, flow_kv_get,
 *	  flow_kv_delete.  Each needs ADMIN on the namespace ('' is global) and
 *	  writes an audit row; secret values never appear in the audit log.
 *	  Secret values are stored encrypted when flowpg.secret_key_file is set
 *	  (secret_crypt.h), else in clear with a WARNING.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "audit.h"
#include "db.h"
#include "ids.h"
#include "secret_crypt.h"
#include "security.h"
#include "store.h"
#include "value.h"

PG_FUNCTION_INFO_V1(flow_secret_set);
PG_FUNCTION_INFO_V1(flow_secret_delete);
PG_FUNCTION_INFO_V1(flow_kv_set);
PG_FUNCTION_INFO_V1(flow_kv_get);
PG_FUNCTION_INFO_V1(flow_kv_delete);

static DbQuery secret_upsert = DB_QUERY(
	"INSERT INTO flowpg.secrets (namespace, name, value, updated_at, updated_by, key_id)"
	" VALUES ($1, $2, $3, now(), $4, $5)"
	" ON CONFLICT (namespace, name) DO UPDATE"
	" SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,"
	" key_id = EXCLUDED.key_id",
	5, TEXTOID, TEXTOID, TEXTOID, NAMEOID, TEXTOID);

/* the same in a 0.1 database not yet updated (secret_crypt.h): in clear, no key_id */
static DbQuery secret_upsert_01 = DB_QUERY(
	"INSERT INTO flowpg.secrets (namespace, name, value, updated_at, updated_by)"
	" VALUES ($1, $2, $3, now(), $4)"
	" ON CONFLICT (namespace, name) DO UPDATE"
	" SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
	4, TEXTOID, TEXTOID, TEXTOID, NAMEOID);

static DbQuery secret_delete = DB_QUERY(
	"DELETE FROM flowpg.secrets WHERE namespace = $1 AND name = $2",
	2, TEXTOID, TEXTOID);

/* Check the namespace and key arguments and the caller's ADMIN permission. */
static void
check_store_args(const char *ns, const char *key, const char *what, const char *action)
{
	id_check_namespace_arg(ns, true);
	if (!id_is_key(key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", what, key),
				 errdetail("A %s is letters, digits, '.', '_' and '-', starting with a letter, a digit or '_', at most 255 characters.",
						   what)));
	sec_require(ns, PERM_ADMIN, action);
}

/* An audit detail naming one key. */
static FpValue *
key_detail(const char *field, const char *key)
{
	FpValue    *d = fp_object(1);

	fp_set(d, field, fp_cstring(key));
	return d;
}

/* flow_secret_set(namespace, name, value): create or replace a secret. */
Datum
flow_secret_set(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *plain = text_to_cstring(PG_GETARG_TEXT_PP(2));
	DbScope		scope;
	Datum		values[5];
	char		nulls[5] = "     ";
	CryptStored stored;
	bool		has_key_ids;

	check_store_args(ns, name, "secret name", "set secrets");
	has_key_ids = crypt_schema_has_key_ids();
	if (has_key_ids)
		stored = crypt_seal(plain, crypt_secret_aad(ns, name));
	else
	{
		stored.text = pstrdup(plain);
		stored.key_id = NULL;
	}
	explicit_bzero(plain, strlen(plain));
	if (stored.key_id == NULL)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("secret \"%s\" is stored in clear", name),
				 has_key_ids ?
				 errdetail("No key file is configured, so a dump, a backup or the data files hold the value as it is.") :
				 errdetail("The extension is still at version 0.1 here (ALTER EXTENSION flowpg UPDATE), so a dump, a backup or the data files hold the value as it is."),
				 errhint("Set flowpg.secret_key_file to a key file (openssl rand -hex 32 > FILE; chmod 600 FILE) and reload; flow_secret_key_rotate() then encrypts the values stored before.")));
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = CStringGetTextDatum(stored.text);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(sec_actor()));
	if (stored.key_id)
		values[4] = CStringGetTextDatum(stored.key_id);
	else
		nulls[4] = 'n';

	db_enter(&scope);
	db_exec(has_key_ids ? &secret_upsert : &secret_upsert_01, values, nulls, false, 0);
	audit_write("secret_set", ns, NULL, NULL, NULL, key_detail("name", name));
	db_leave(&scope);
	PG_RETURN_VOID();
}

/* flow_secret_delete(namespace, name): remove a secret (42704 if there is none). */
Datum
flow_secret_delete(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	DbScope		scope;
	Datum		values[2];

	check_store_args(ns, name, "secret name", "delete secrets");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);

	db_enter(&scope);
	if (db_exec(&secret_delete, values, NULL, false, 0) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("secret \"%s\" does not exist in namespace \"%s\"", name, ns)));
	audit_write("secret_delete", ns, NULL, NULL, NULL, key_detail("name", name));
	db_leave(&scope);
	PG_RETURN_VOID();
}

/* flow_kv_set(namespace, key, value jsonb): create or replace a kv entry. */
Datum
flow_kv_set(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	DbScope		scope;

	check_store_args(ns, key, "key", "set kv entries");
	db_enter(&scope);
	(void) store_kv_write(ns, key, PG_GETARG_DATUM(2), sec_actor(), true);
	audit_write("kv_set", ns, NULL, NULL, NULL, key_detail("key", key));
	db_leave(&scope);
	PG_RETURN_VOID();
}

/* flow_kv_get(namespace, key): the entry's value, or NULL if there is none. */
Datum
flow_kv_get(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	DbScope		scope;
	Jsonb	   *value;

	check_store_args(ns, key, "key", "read kv entries");
	db_enter(&scope);
	value = store_kv_read(ns, key);
	db_leave(&scope);
	if (value == NULL)
		PG_RETURN_NULL();
	PG_RETURN_JSONB_P(value);
}

/* flow_kv_delete(namespace, key): remove an entry (42704 if there is none). */
Datum
flow_kv_delete(PG_FUNCTION_ARGS)
{
	char	   *ns = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	DbScope		scope;

	check_store_args(ns, key, "key", "delete kv entries");
	db_enter(&scope);
	if (!store_kv_remove(ns, key))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("key \"%s\" does not exist in namespace \"%s\"", key, ns)));
	audit_write("kv_delete", ns, NULL, NULL, NULL, key_detail("key", key));
	db_leave(&scope);
	PG_RETURN_VOID();
}
