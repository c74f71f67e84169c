/*
 * base64.c: base64 and base64url, as JWTs, signatures and result locators
 * use them, on libcrypto's EVP_EncodeBlock and EVP_DecodeBlock: only the
 * URL alphabet and the padding are handled here.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ealloc.h"
#include "sim.h"

/* Writes the encoding of the n bytes at in to out (room for 4 * (n + 2) / 3 + 1 bytes),
 * NUL-terminated; url: the URL alphabet; pad: '=' to a multiple of 4. Returns its length. */
size_t
b64_encode(const unsigned char *in, size_t n, int url, int pad, char *out)
{
	size_t o = (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n), i;

	if (!pad)
		while (o > 0 && out[o - 1] == '=')
			o--;
	out[o] = '\0';
	if (url)
		for (i = 0; i < o; i++)
			out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return o;
}

/* Decodes n characters of either alphabet, padded or not, into out (room for 3 * n / 4
 * bytes). Returns 0, or -1 for anything that is not base64. */
int
b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen)
{
	char *std;
	unsigned char *buf;
	size_t i, m, pad;
	int got;

	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -1;
	pad = (4 - n % 4) % 4;
	std = emalloc(n + pad + 1);
	for (i = 0; i < n; i++) {
		if (in[i] == '=') /* padding only at the end */
			goto bad;
		std[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	}
	memset(std + n, '=', pad);
	std[n + pad] = '\0';
	m = (n + pad) / 4 * 3;
	buf = emalloc(m + 1);
	/* EVP_DecodeBlock keeps the padding's zero bytes: they are cut below */
	if ((got = EVP_DecodeBlock(buf, (const unsigned char *)std, (int)(n + pad))) < 0 ||
	    (size_t)got != m) {
		free(buf);
		goto bad;
	}
	memcpy(out, buf, m - pad);
	*outlen = m - pad;
	free(buf);
	free(std);
	return 0;
bad:
	free(std);
	return -1;
}
