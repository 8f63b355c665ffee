/*-------------------------------------------------------------------------
 *
 * secret_crypt.h
 *	  Secrets at rest: values that flowpg stores for secrets and SECRET
 *	  inputs are sealed with AES-256-GCM under the key of
 *	  flowpg.secret_key_file, bound to their row by associated data, and
 *	  stored with the id of the key that sealed them.  Without a key file
 *	  values are stored in clear (key id NULL).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWPG_SECRET_CRYPT_H
#define FLOWPG_SECRET_CRYPT_H

/* A value as stored: its text, and the id of the key that sealed it (NULL: in clear). */
typedef struct CryptStored
{
	char	   *text;
	char	   *key_id;
} CryptStored;

/*
 * Whether the installed extension's tables have key_id columns: false in a
 * 0.1 database not yet updated (ALTER EXTENSION flowpg UPDATE) that the new
 * library already serves; its values are then read and written in clear,
 * as 0.1 did.
 */
extern bool crypt_schema_has_key_ids(void);

/* Whether flowpg.secret_key_file names a key file. */
extern bool crypt_configured(void);

/*
 * The id of the current key (16 hex digits), or NULL when no key file is
 * configured.  ERROR (F0000) when the file is named but unusable.
 */
extern const char *crypt_current_key_id(void);

/*
 * The stored form of plain for the row that aad names: sealed under the
 * current key, or plain itself (key_id NULL) when no key is configured.
 */
extern CryptStored crypt_seal(const char *plain, const char *aad);

/*
 * The value that crypt_seal stored for the row aad names; what names it in
 * errors (e.g. secret "S" in namespace "ns").  A value in clear comes back
 * as it is; a sealed one is opened with the current key or with
 * flowpg.secret_key_file_previous, whichever sealed it.  ERROR 55000 when
 * neither did (or none is configured), XX001 when the ciphertext does not
 * belong to this row or was altered: never a wrong value.
 */
extern char *crypt_open(const CryptStored *stored, const char *aad, const char *what);

/* The associated data of a row of flowpg.secrets and of flowpg.execution_secrets. */
extern char *crypt_secret_aad(const char *namespace, const char *name);
extern char *crypt_execution_aad(const char *execution_id);

#endif							/* FLOWPG_SECRET_CRYPT_H */
