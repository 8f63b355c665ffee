/*-------------------------------------------------------------------------
 *
 * store.h
 *	  Secrets and the key-value store, looked up through the namespace
 *	  hierarchy: the namespace itself, each parent, then the global
 *	  namespace ''.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_STORE_H
#define FLOWPG_STORE_H

#include "utils/jsonb.h"
#include "value.h"

/* The secret's value, or NULL when no namespace on the way up has it.  Needs a DbScope. */
extern char *store_secret_lookup(const char *namespace, const char *name);

/* The key's value, or NULL when no namespace on the way up has it.  Needs a DbScope. */
extern FpValue *store_kv_lookup(const char *namespace, const char *key);

/*
 * secret('NAME') and kv('KEY') as every expression hook answers them: the
 * value, or NULL with *error "secret "NAME" not found in namespace "NS" or
 * its parents" (kv: "kv key ...").  Needs a DbScope.
 */
extern char *store_expr_secret(const char *namespace, const char *name, char **error);
extern FpValue *store_expr_kv(const char *namespace, const char *key, char **error);

/*
 * secret('NAME', 'NS') for a render in namespace flow_ns on behalf of role
 * (a role name; NULL: the current user): NAME is looked up in NS, then its
 * parents.  NS on flow_ns's own way up (flow_ns, a parent, '') is what
 * secret('NAME') reaches anyway; any other NS needs ADMIN on it for role,
 * else NULL, *denied and *error "permission denied ...", whether or not
 * the secret exists.  Needs a DbScope.
 */
extern char *store_expr_secret_in(const char *flow_ns, const char *role, const char *ns,
								  const char *name, bool *denied, char **error);

/*
 * One entry of flowpg.kv by its exact namespace, as flow_kv_* and the KV
 * tasks use it (permissions are the caller's to check; needs a DbScope).
 * store_kv_write stores value (jsonb) by role "by", replacing an entry
 * there only when replace; false when it did not write.  store_kv_read
 * gives a copy of the value, or NULL.  store_kv_remove: false when there
 * was no entry.
 */
extern bool store_kv_write(const char *namespace, const char *key, Datum value, const char *by,
						   bool replace);
extern Jsonb *store_kv_read(const char *namespace, const char *key);
extern bool store_kv_remove(const char *namespace, const char *key);

/* The namespaces to search for namespace: itself, its parents, then "" (a List of char *). */
extern List *store_namespace_chain(const char *namespace);

#endif							/* FLOWPG_STORE_H */
