/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Looking secrets and kv entries up through the namespace hierarchy.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "db.h"
#include "miscadmin.h"
#include "secret_crypt.h"
#include "security.h"
#include "store.h"
#include "value_jsonb.h"

static DbQuery secret_lookup = DB_QUERY(
	"SELECT namespace, value, key_id FROM flowpg.secrets WHERE namespace = ANY ($1) AND name = $2"
	" ORDER BY length(namespace) DESC LIMIT 1",
	2, TEXTARRAYOID, TEXTOID);

/* the same in a 0.1 database not yet updated: no key_id, values in clear */
static DbQuery secret_lookup_01 = DB_QUERY(
	"SELECT namespace, value, NULL::text FROM flowpg.secrets WHERE namespace = ANY ($1) AND name = $2"
	" ORDER BY length(namespace) DESC LIMIT 1",
	2, TEXTARRAYOID, TEXTOID);

static DbQuery kv_lookup = DB_QUERY(
	"SELECT value FROM flowpg.kv WHERE namespace = ANY ($1) AND key = $2"
	" ORDER BY length(namespace) DESC LIMIT 1",
	2, TEXTARRAYOID, TEXTOID);

/* namespace, then each parent (a.b.c -> a.b -> a), then "". */
List *
store_namespace_chain(const char *namespace)
{
	List	   *chain = NIL;
	char	   *ns = pstrdup(namespace);

	while (ns[0] != '\0')
	{
		char	   *dot = strrchr(ns, '.');

		chain = lappend(chain, pstrdup(ns));
		if (dot == NULL)
			break;
		*dot = '\0';
	}
	chain = lappend(chain, pstrdup(""));
	return chain;
}

/* The namespace chain as a text[] Datum. */
static Datum
chain_array(const char *namespace)
{
	return db_text_array(store_namespace_chain(namespace));
}

/* The nearest secret called name, or NULL; decrypted when stored encrypted (see secret_crypt.h). */
char *
store_secret_lookup(const char *namespace, const char *name)
{
	Datum		values[2];
	char	   *found_ns;
	CryptStored stored;

	values[0] = chain_array(namespace);
	values[1] = CStringGetTextDatum(name);
	if (db_exec(crypt_schema_has_key_ids() ? &secret_lookup : &secret_lookup_01,
				values, NULL, true, 1) == 0)
		return NULL;
	found_ns = db_text(0, 1);
	stored.text = db_text(0, 2);
	stored.key_id = db_text(0, 3);
	return crypt_open(&stored, crypt_secret_aad(found_ns, name),
					  psprintf("secret \"%s\" in namespace \"%s\"", name, found_ns));
}

/* The nearest kv entry called key, or NULL. */
FpValue *
store_kv_lookup(const char *namespace, const char *key)
{
	Datum		values[2];

	values[0] = chain_array(namespace);
	values[1] = CStringGetTextDatum(key);
	/* not read-only: a fresh snapshot sees what a kv.Set task wrote earlier in this step */
	if (db_exec(&kv_lookup, values, NULL, false, 1) == 0)
		return NULL;
	return db_json(0, 1);
}

/* secret() for an expression hook (see store.h). */
char *
store_expr_secret(const char *namespace, const char *name, char **error)
{
	char	   *value = store_secret_lookup(namespace, name);

	if (value == NULL)
		*error = psprintf("secret \"%s\" not found in namespace \"%s\" or its parents",
						  name, namespace);
	return value;
}

/* secret() with a namespace for an expression hook (see store.h). */
char *
store_expr_secret_in(const char *flow_ns, const char *role, const char *ns, const char *name,
					 bool *denied, char **error)
{
	*denied = false;
	if (!sec_namespace_covers(ns, flow_ns))
	{
		Oid			roleid = role ? get_role_oid(role, true) : GetUserId();

		if (!OidIsValid(roleid) || !sec_role_has_permission(roleid, ns, PERM_ADMIN))
		{
			*denied = true;
			*error = psprintf("permission denied to read secrets of namespace \"%s\" from namespace \"%s\": role \"%s\" needs the ADMIN permission there",
							  ns, flow_ns, role ? role : GetUserNameFromId(GetUserId(), false));
			return NULL;
		}
	}
	return store_expr_secret(ns, name, error);
}

/* kv() for an expression hook (see store.h). */
FpValue *
store_expr_kv(const char *namespace, const char *key, char **error)
{
	FpValue    *value = store_kv_lookup(namespace, key);

	if (value == NULL)
		*error = psprintf("kv key \"%s\" not found in namespace \"%s\" or its parents",
						  key, namespace);
	return value;
}

/* ---------------------------------------------------------------------
 * One entry of flowpg.kv, by its exact namespace (flow_kv_* and the KV tasks)
 * ---------------------------------------------------------------------
 */

static DbQuery q_kv_insert = DB_QUERY(
	"INSERT INTO flowpg.kv (namespace, key, value, updated_at, updated_by)"
	" VALUES ($1, $2, $3, pg_catalog.now(), $4) ON CONFLICT (namespace, key) DO NOTHING",
	4, TEXTOID, TEXTOID, JSONBOID, NAMEOID);

static DbQuery q_kv_upsert = DB_QUERY(
	"INSERT INTO flowpg.kv (namespace, key, value, updated_at, updated_by)"
	" VALUES ($1, $2, $3, pg_catalog.now(), $4)"
	" ON CONFLICT (namespace, key) DO UPDATE"
	" SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
	4, TEXTOID, TEXTOID, JSONBOID, NAMEOID);

static DbQuery q_kv_select = DB_QUERY(
	"SELECT value FROM flowpg.kv WHERE namespace = $1 AND key = $2",
	2, TEXTOID, TEXTOID);

static DbQuery q_kv_delete = DB_QUERY(
	"DELETE FROM flowpg.kv WHERE namespace = $1 AND key = $2",
	2, TEXTOID, TEXTOID);

/* Write an entry (see store.h). */
bool
store_kv_write(const char *namespace, const char *key, Datum value, const char *by, bool replace)
{
	Datum		v[4];

	v[0] = CStringGetTextDatum(namespace);
	v[1] = CStringGetTextDatum(key);
	v[2] = value;
	v[3] = DirectFunctionCall1(namein, CStringGetDatum(by));
	return db_exec(replace ? &q_kv_upsert : &q_kv_insert, v, NULL, false, 0) > 0;
}

/* Read an entry (see store.h). */
Jsonb *
store_kv_read(const char *namespace, const char *key)
{
	Datum		v[2];
	bool		isnull;
	Datum		d;

	v[0] = CStringGetTextDatum(namespace);
	v[1] = CStringGetTextDatum(key);
	/* not read-only: a fresh snapshot sees a write earlier in this transaction's statement */
	if (db_exec(&q_kv_select, v, NULL, false, 1) != 1)
		return NULL;
	d = db_datum(0, 1, &isnull);
	return isnull ? NULL : DatumGetJsonbPCopy(d);
}

/* Delete an entry (see store.h). */
bool
store_kv_remove(const char *namespace, const char *key)
{
	Datum		v[2];

	v[0] = CStringGetTextDatum(namespace);
	v[1] = CStringGetTextDatum(key);
	return db_exec(&q_kv_delete, v, NULL, false, 0) > 0;
}
