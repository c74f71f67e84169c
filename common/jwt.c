/*
 * jwt.c: the signed assertion of Salesforce's OAuth 2.0 JWT bearer flow:
 * base64url(header) "." base64url(claims) "." base64url(RS256 signature),
 * signed with OpenSSL's libcrypto. The private key is read, used and freed
 * here; it is never copied anywhere else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ealloc.h"
#include "jsonbuf.h"
#include "jwt.h"
#include "mkconf.h"

/* Appends base64url of n bytes (RFC 7515: no padding), from libcrypto's base64. */
static void
add_b64url(struct jsonbuf *b, const unsigned char *p, size_t n)
{
	char *out;
	int len, i;

	jsonbuf_reserve(b, 4 * ((n + 2) / 3) + 1);
	out = b->data + b->len;
	len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	b->len += (size_t)len;
}

static void
crypto_why(char why[JWT_WHY_SIZE], const char *path, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof buf);
		snprintf(why, JWT_WHY_SIZE, "%s: %s: %s", path, what, buf);
	} else {
		snprintf(why, JWT_WHY_SIZE, "%s: %s", path, what);
	}
	ERR_clear_error();
}

/*
 * OpenSSL's passphrase callback: none is given. Without one, OpenSSL asks
 * on the terminal, and a run started from one waits there for good (or,
 * run by cron, fails with a prompt in its log). *asked notes that the key
 * wanted a passphrase, for the message.
 */
static int
no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)asked = 1;
	return -1;
}

/*
 * The key file, by the config file's rules (its owner's only, a regular
 * file: a FIFO is refused at once, never waited on).
 */
static FILE *
open_key(const char *path, char why[JWT_WHY_SIZE])
{
	char cwhy[MKCONF_WHY_SIZE];
	FILE *fp;

	if ((fp = conf_open_private(path, cwhy)) == NULL)
		snprintf(why, JWT_WHY_SIZE, "SALESFORCE_PRIVATE_KEY_FILE %.250s", cwhy);
	return fp;
}

/*
 * The assertion for client iss, user sub and audience aud, good for
 * lifetime seconds, signed with the RSA private key in PEM file key_file,
 * which must not be encrypted. Returns it (the caller frees it), or NULL
 * with why.
 */
char *
jwt_rs256(const char *key_file, const char *iss, const char *sub, const char *aud,
    long lifetime, char why[JWT_WHY_SIZE])
{
	struct jsonbuf b = {0};
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	json_t *claims;
	char *text;
	FILE *fp;
	int asked = 0;

	if ((fp = open_key(key_file, why)) == NULL)
		return NULL;
	key = PEM_read_PrivateKey(fp, NULL, no_passphrase, &asked);
	fclose(fp);
	if (key == NULL && asked) {
		ERR_clear_error();
		snprintf(why, JWT_WHY_SIZE,
		    "%.100s: the key is encrypted (it has a passphrase); it must not be: "
		    "openssl pkey -in KEY -out PLAIN writes it without one (then chmod 600 PLAIN)",
		    key_file);
		return NULL;
	}
	if (key == NULL) {
		crypto_why(why, key_file, "not a PEM private key (without a passphrase)");
		return NULL;
	}
	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		snprintf(
		    why, JWT_WHY_SIZE, "%s: not an RSA key (RS256 signs with RSA)", key_file);
		EVP_PKEY_free(key);
		return NULL;
	}
	add_b64url(&b, (const unsigned char *)"{\"alg\":\"RS256\"}", 15);
	jsonbuf_add(&b, ".", 1);
	claims = json_pack("{s:s, s:s, s:s, s:I}", "iss", iss, "sub", sub, "aud", aud, "exp",
	    (json_int_t)time(NULL) + lifetime);
	text = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	if (text == NULL)
		abort();
	add_b64url(&b, (const unsigned char *)text, strlen(text));
	free(text);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)b.data, b.len) != 1) {
		crypto_why(why, key_file, "cannot sign with this key");
		goto fail;
	}
	sig = emalloc(siglen);
	if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)b.data, b.len) != 1) {
		crypto_why(why, key_file, "cannot sign with this key");
		goto fail;
	}
	jsonbuf_add(&b, ".", 1);
	add_b64url(&b, sig, siglen);
	jsonbuf_add(&b, "", 1);
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return b.data;
fail:
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	jsonbuf_free(&b);
	return NULL;
}
