/* sfid.c: Salesforce record ids: 15 to 18 characters, case repair, validation. */
#include <stdio.h>
#include <string.h>

#include "sfid.h"

/*
 * The suffix encodes, for each 5-character chunk of the 15, which
 * characters are capital letters: bit j for character j of the chunk.
 * ASCII ranges only: locale case rules must not touch an id.
 */
static const char suffix_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

static int
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

void
sfid_suffix(const char id15[15], char suffix[3])
{
	int chunk, j, bits;

	for (chunk = 0; chunk < 3; chunk++) {
		bits = 0;
		for (j = 0; j < 5; j++)
			if (is_upper((unsigned char)id15[chunk * 5 + j]))
				bits |= 1 << j;
		suffix[chunk] = suffix_alphabet[bits];
	}
}

/* The 5 case bits one suffix character stands for, or -1. */
static int
suffix_bits(unsigned char c)
{
	if (is_lower(c))
		c = (unsigned char)(c - 'a' + 'A');
	if (is_upper(c))
		return c - 'A';
	if (c >= '0' && c <= '5')
		return 26 + (c - '0');
	return -1;
}

static void
describe_char(char *dst, size_t size, unsigned char c)
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(dst, size, "'%c'", c);
	else
		snprintf(dst, size, "byte 0x%02x", c);
}

/*
 * Writes the 18-character form of id (len bytes) to out, NUL-terminated.
 * An 18-character id is trusted for its suffix: the letters take the case
 * the suffix gives them. On SFID_INVALID, why says what is wrong and out
 * is empty; on SFID_NULL, out is empty.
 */
enum sfid_status
sfid_normalize(const char *id, size_t len, char out[SFID_LEN + 1], char why[SFID_WHY_SIZE])
{
	const unsigned char *u = (const unsigned char *)id;
	char shown[16];
	size_t i;
	int chunk, j, bits, changed;

	out[0] = '\0';
	why[0] = '\0';
	if (len != 15 && len != 18) {
		snprintf(why, SFID_WHY_SIZE, "has %zu characters, expected 15 or 18", len);
		return SFID_INVALID;
	}
	for (i = 0; i < len; i++) {
		if (!is_upper(u[i]) && !is_lower(u[i]) && !is_digit(u[i])) {
			describe_char(shown, sizeof shown, u[i]);
			snprintf(why, SFID_WHY_SIZE,
			    "character %zu (%s) is not a letter or digit", i + 1, shown);
			return SFID_INVALID;
		}
	}
	for (i = 0; i < 15 && id[i] == '0'; i++)
		;
	if (i == 15 && (len == 15 || (suffix_bits(u[15]) == 0 && suffix_bits(u[16]) == 0 &&
	                                 suffix_bits(u[17]) == 0)))
		return SFID_NULL;

	if (len == 15) {
		memcpy(out, id, 15);
		sfid_suffix(out, out + 15);
		out[SFID_LEN] = '\0';
		return SFID_CONVERTED;
	}

	changed = 0;
	for (chunk = 0; chunk < 3; chunk++) {
		if ((bits = suffix_bits(u[15 + chunk])) < 0) {
			describe_char(shown, sizeof shown, u[15 + chunk]);
			snprintf(why, SFID_WHY_SIZE,
			    "suffix character %d (%s) is not A-Z or 0-5", 16 + chunk, shown);
			out[0] = '\0';
			return SFID_INVALID;
		}
		out[15 + chunk] = suffix_alphabet[bits];
		changed |= out[15 + chunk] != id[15 + chunk];
		for (j = 0; j < 5; j++) {
			i = (size_t)(chunk * 5 + j);
			if (is_digit(u[i])) {
				if (bits & (1 << j)) {
					snprintf(why, SFID_WHY_SIZE,
					    "suffix %.3s marks character %zu ('%c') as a capital "
					    "letter, but it is a digit",
					    id + 15, i + 1, id[i]);
					out[0] = '\0';
					return SFID_INVALID;
				}
				out[i] = id[i];
			} else if (bits & (1 << j)) {
				out[i] = (char)(is_lower(u[i]) ? u[i] - 'a' + 'A' : u[i]);
			} else {
				out[i] = (char)(is_upper(u[i]) ? u[i] - 'A' + 'a' : u[i]);
			}
			changed |= out[i] != id[i];
		}
	}
	out[SFID_LEN] = '\0';
	return changed ? SFID_REPAIRED : SFID_VALID;
}
