/*-------------------------------------------------------------------------
 *
 * secret_crypt.c
 *	  Sealing and opening the values of secrets and SECRET inputs with
 *	  AES-256-GCM (OpenSSL's libcrypto).
 *
 * The key is 32 bytes, written in a file as 64 hexadecimal digits
 * (openssl rand -hex 32), named by flowpg.secret_key_file; during a
 * rotation the key before it is named by flowpg.secret_key_file_previous.
 * Like ssl_key_file, a key file must be a regular file owned by the
 * server's user with no group or world access (or owned by root with no
 * world access).  The files are read again in every transaction that needs
 * them (and at most once in it), so a reload that names a new file takes
 * effect at once.
 *
 * A sealed value is base64 of: a format byte (1), a random 96-bit nonce,
 * the ciphertext and the 128-bit tag.  The associated data name the row
 * (table, namespace and name, or execution id), so a ciphertext copied to
 * another row does not open.  A key's id is the first 8 bytes of SHA-256
 * over a fixed label and the key, in hex; it is stored beside each value,
 * so a value sealed under another key is reported as such instead of
 * failing as if it were altered.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/base64.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/proc.h"

#include "db.h"
#include "flowpg.h"
#include "secret_crypt.h"

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define FORMAT_V1 1
#define KEY_ID_LEN 16			/* hex digits */

/* A key read from a file. */
typedef struct CryptKey
{
	bool		loaded;			/* a file was named and read */
	uint8		bytes[KEY_LEN];
	char		id[KEY_ID_LEN + 1];
} CryptKey;

/* The keys read in the current transaction (see keys_for_transaction). */
static CryptKey current_key;
static CryptKey previous_key;
static LocalTransactionId keys_lxid = InvalidLocalTransactionId;

/* ERROR XX000: a call into libcrypto itself failed (not a wrong key or a bad value). */
static void
openssl_failed(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not %s with OpenSSL", what)));
}

/* The id of key: 8 bytes of SHA-256("flowpg secret key id" || key), in hex. */
static void
key_id_of(const uint8 *key, char *id)
{
	static const char label[] = "flowpg secret key id";
	uint8		digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int			i;

	if (ctx == NULL ||
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
		EVP_DigestUpdate(ctx, label, sizeof(label) - 1) != 1 ||
		EVP_DigestUpdate(ctx, key, KEY_LEN) != 1 ||
		EVP_DigestFinal_ex(ctx, digest, &dlen) != 1)
	{
		EVP_MD_CTX_free(ctx);
		openssl_failed("compute a key id");
	}
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < KEY_ID_LEN / 2; i++)
		snprintf(id + 2 * i, 3, "%02x", digest[i]);
	id[KEY_ID_LEN] = '\0';
}

/* The value of one hex digit, or -1. */
static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read the key file path (named by setting) into key: ERROR F0000 when it
 * cannot be opened, is not a regular file, is group or world accessible, or
 * does not hold 64 hex digits.
 */
static void
read_key_file(const char *setting, const char *path, CryptKey *key)
{
	struct stat st;
	FILE	   *f;
	char		buf[256];
	size_t		len;
	int			i;

	if (stat(path, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not access secret key file \"%s\": %m", path),
				 errhint("%s names it; make one with: openssl rand -hex 32 > FILE; chmod 600 FILE", setting)));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("secret key file \"%s\" is not a regular file", path)));
	if (st.st_uid != geteuid() && st.st_uid != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("secret key file \"%s\" must be owned by the database user or root", path)));
	if ((st.st_uid == geteuid() && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) ||
		(st.st_uid == 0 && (st.st_mode & S_IRWXO) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("secret key file \"%s\" has group or world access", path),
				 errdetail("Only the server may read the key: no access for others, and for the group only when root owns the file."),
				 errhint("chmod 600 \"%s\"", path)));

	f = AllocateFile(path, "r");
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open secret key file \"%s\": %m", path)));
	len = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f))
	{
		int			save_errno = errno;

		FreeFile(f);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read secret key file \"%s\": %m", path)));
	}
	FreeFile(f);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
					   buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (len != 2 * KEY_LEN)
		goto bad;
	for (i = 0; i < KEY_LEN; i++)
	{
		int			hi = hex_digit(buf[2 * i]);
		int			lo = hex_digit(buf[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		key->bytes[i] = (uint8) (hi << 4 | lo);
	}
	explicit_bzero(buf, sizeof(buf));
	key_id_of(key->bytes, key->id);
	key->loaded = true;
	return;

bad:
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(key, sizeof(*key));
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("secret key file \"%s\" does not hold a key", path),
			 errdetail("A key file holds 64 hexadecimal digits (a 256-bit key) and nothing else but a final newline."),
			 errhint("Make one with: openssl rand -hex 32 > FILE; chmod 600 FILE")));
}

/* Read the configured key files, once per transaction. */
static void
keys_for_transaction(void)
{
	if (keys_lxid == MyProc->lxid && keys_lxid != InvalidLocalTransactionId)
		return;
	explicit_bzero(&current_key, sizeof(current_key));
	explicit_bzero(&previous_key, sizeof(previous_key));
	keys_lxid = InvalidLocalTransactionId;
	if (flowpg_secret_key_file != NULL && flowpg_secret_key_file[0] != '\0')
		read_key_file("flowpg.secret_key_file", flowpg_secret_key_file, &current_key);
	if (flowpg_secret_key_file_previous != NULL && flowpg_secret_key_file_previous[0] != '\0')
		read_key_file("flowpg.secret_key_file_previous", flowpg_secret_key_file_previous,
					  &previous_key);
	keys_lxid = MyProc->lxid;
}

/* Whether the extension is newer than 0.1, so its tables have key_id (see secret_crypt.h). */
bool
crypt_schema_has_key_ids(void)
{
	return !db_schema_is_0_1();
}

/* Whether flowpg.secret_key_file names a key file (see secret_crypt.h). */
bool
crypt_configured(void)
{
	return flowpg_secret_key_file != NULL && flowpg_secret_key_file[0] != '\0';
}

/* The current key's id, or NULL (see secret_crypt.h). */
const char *
crypt_current_key_id(void)
{
	keys_for_transaction();
	return current_key.loaded ? current_key.id : NULL;
}

/* The associated data of a secret (see secret_crypt.h). */
char *
crypt_secret_aad(const char *namespace, const char *name)
{
	return psprintf("flowpg.secrets/%s/%s", namespace, name);
}

/* The associated data of an execution's SECRET inputs (see secret_crypt.h). */
char *
crypt_execution_aad(const char *execution_id)
{
	return psprintf("flowpg.execution_secrets/%s", execution_id);
}

/* Seal plain under the current key, or keep it in clear without one (see secret_crypt.h). */
CryptStored
crypt_seal(const char *plain, const char *aad)
{
	CryptStored result;
	int			plen = strlen(plain);
	int			rawlen = 1 + NONCE_LEN + plen + TAG_LEN;
	uint8	   *raw;
	EVP_CIPHER_CTX *ctx;
	int			outl = 0;
	int			finl = 0;
	int			enclen;

	keys_for_transaction();
	if (!current_key.loaded)
	{
		result.text = pstrdup(plain);
		result.key_id = NULL;
		return result;
	}

	raw = palloc(rawlen);
	raw[0] = FORMAT_V1;
	if (!pg_strong_random(raw + 1, NONCE_LEN))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce")));
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
		EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
		EVP_EncryptInit_ex(ctx, NULL, NULL, current_key.bytes, raw + 1) != 1 ||
		EVP_EncryptUpdate(ctx, NULL, &outl, (const uint8 *) aad, strlen(aad)) != 1 ||
		EVP_EncryptUpdate(ctx, raw + 1 + NONCE_LEN, &outl, (const uint8 *) plain, plen) != 1 ||
		EVP_EncryptFinal_ex(ctx, raw + 1 + NONCE_LEN + outl, &finl) != 1 ||
		outl + finl != plen ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, raw + 1 + NONCE_LEN + plen) != 1)
	{
		EVP_CIPHER_CTX_free(ctx);
		openssl_failed("encrypt a secret");
	}
	EVP_CIPHER_CTX_free(ctx);

	enclen = pg_b64_enc_len(rawlen);
	result.text = palloc(enclen + 1);
	enclen = pg_b64_encode((const char *) raw, rawlen, result.text, enclen);
	if (enclen < 0)
		elog(ERROR, "could not encode a sealed secret");
	result.text[enclen] = '\0';
	result.key_id = pstrdup(current_key.id);
	pfree(raw);
	return result;
}

/* ERROR XX001: the stored value of what does not open under its own key. */
static void
not_this_row(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("%s could not be decrypted", what),
			 errdetail("Its stored ciphertext was altered or belongs to another row.")));
}

/* Open a stored value (see secret_crypt.h). */
char *
crypt_open(const CryptStored *stored, const char *aad, const char *what)
{
	const CryptKey *key;
	int			tlen = strlen(stored->text);
	uint8	   *raw;
	int			rawlen;
	int			plen;
	char	   *plain;
	EVP_CIPHER_CTX *ctx;
	int			outl = 0;
	int			finl = 0;
	int			ok;

	if (stored->key_id == NULL)
		return pstrdup(stored->text);

	keys_for_transaction();
	if (current_key.loaded && strcmp(stored->key_id, current_key.id) == 0)
		key = &current_key;
	else if (previous_key.loaded && strcmp(stored->key_id, previous_key.id) == 0)
		key = &previous_key;
	else if (!current_key.loaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is encrypted and flowpg.secret_key_file is not set", what),
				 errdetail("It was encrypted with the key of id %s.", stored->key_id),
				 errhint("Set flowpg.secret_key_file to the file of that key and reload the configuration.")));
	else
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s was encrypted with another key", what),
				 errdetail("It was encrypted with the key of id %s; flowpg.secret_key_file holds the key of id %s.",
						   stored->key_id, current_key.id),
				 errhint("Name the key it was encrypted with in flowpg.secret_key_file_previous (and run flow_secret_key_rotate()), or in flowpg.secret_key_file.")));

	raw = palloc(pg_b64_dec_len(tlen) + 1);
	rawlen = pg_b64_decode(stored->text, tlen, (char *) raw, pg_b64_dec_len(tlen));
	if (rawlen < 1 + NONCE_LEN + TAG_LEN || raw[0] != FORMAT_V1)
		not_this_row(what);
	plen = rawlen - 1 - NONCE_LEN - TAG_LEN;
	plain = palloc(plen + 1);

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
		EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
		EVP_DecryptInit_ex(ctx, NULL, NULL, key->bytes, raw + 1) != 1 ||
		EVP_DecryptUpdate(ctx, NULL, &outl, (const uint8 *) aad, strlen(aad)) != 1 ||
		EVP_DecryptUpdate(ctx, (uint8 *) plain, &outl, raw + 1 + NONCE_LEN, plen) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, raw + 1 + NONCE_LEN + plen) != 1)
	{
		EVP_CIPHER_CTX_free(ctx);
		openssl_failed("decrypt a secret");
	}
	ok = EVP_DecryptFinal_ex(ctx, (uint8 *) plain + outl, &finl);
	EVP_CIPHER_CTX_free(ctx);
	pfree(raw);
	if (ok != 1 || outl + finl != plen)
	{
		explicit_bzero(plain, plen + 1);
		not_this_row(what);
	}
	plain[plen] = '\0';
	if (strlen(plain) != (size_t) plen)
		not_this_row(what);
	return plain;
}
