/* test-sfid.c: Salesforce id conversion, repair and validation. */
#include <string.h>

#include "sfid.h"
#include "unit.h"

static enum sfid_status
norm(const char *id, char out[SFID_LEN + 1], char why[SFID_WHY_SIZE])
{
	return sfid_normalize(id, strlen(id), out, why);
}

static void
want(const char *name, const char *id, enum sfid_status status, const char *result)
{
	char out[SFID_LEN + 1], why[SFID_WHY_SIZE], label[160];
	enum sfid_status got = norm(id, out, why);

	snprintf(label, sizeof label, "%s status", name);
	CHECK(label, got == status);
	snprintf(label, sizeof label, "%s result", name);
	CHECK_STR(label, out, result);
}

static void
invalid(const char *name, const char *id, size_t len, const char *reason)
{
	char out[SFID_LEN + 1], why[SFID_WHY_SIZE], label[160];

	snprintf(label, sizeof label, "%s status", name);
	CHECK(label, sfid_normalize(id, len, out, why) == SFID_INVALID);
	snprintf(label, sizeof label, "%s reason", name);
	CHECK_STR(label, why, reason);
	snprintf(label, sizeof label, "%s empty output", name);
	CHECK(label, out[0] == '\0');
}

int
main(void)
{
	char suffix[3];

	/*
	 * Known conversions by the algorithm Salesforce documents for the
	 * 18-character, case-safe form of an id: the ID field type in "Field
	 * Types" of the SOAP API Developer Guide
	 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm)
	 * and the Help article "How to convert a 15 character Id to an 18
	 * character Id" (help.salesforce.com).
	 */
	want("vector 003D0000001aH2A", "003D0000001aH2A", SFID_CONVERTED, "003D0000001aH2AIAU");
	want("vector 00D000000000062", "00D000000000062", SFID_CONVERTED, "00D000000000062EAA");
	want("vector AAaAAbbBBBCcCCC", "AAaAAbbBBBCcCCC", SFID_CONVERTED, "AAaAAbbBBBCcCCC123");
	want("vector repair 00d000000000062eaa", "00d000000000062eaa", SFID_REPAIRED,
	    "00D000000000062EAA");

	/* Our own. */
	want("18 already right", "003D0000001aH2AIAU", SFID_VALID, "003D0000001aH2AIAU");
	want("all capitals", "ABCDEFGHIJKLMNO", SFID_CONVERTED, "ABCDEFGHIJKLMNO555");
	want("all lower", "abcdefghijklmno", SFID_CONVERTED, "abcdefghijklmnoAAA");
	want("repair from upper", "003D0000001AH2AIAU", SFID_REPAIRED, "003D0000001aH2AIAU");
	want("repair from lower", "003d0000001ah2aiau", SFID_REPAIRED, "003D0000001aH2AIAU");
	want("repair lower suffix only", "003D0000001aH2Aiau", SFID_REPAIRED,
	    "003D0000001aH2AIAU");
	want("repair mixed wrong case", "00Q5E0000000001eaa", SFID_REPAIRED,
	    "00Q5e0000000001EAA");
	want("null 15", "000000000000000", SFID_NULL, "");
	want("null 18", "000000000000000AAA", SFID_NULL, "");
	want("null 18 lower", "000000000000000aaa", SFID_NULL, "");
	want("zeros but a real suffix is not null", "000000000000001AAA", SFID_VALID,
	    "000000000000001AAA");

	invalid("empty", "", 0, "has 0 characters, expected 15 or 18");
	invalid(
	    "16 characters", "003D0000001aH2AI", 16, "has 16 characters, expected 15 or 18");
	invalid(
	    "19 characters", "003D0000001aH2AIAU1", 19, "has 19 characters, expected 15 or 18");
	invalid("hyphen", "003D0000001a-2A", 15, "character 13 ('-') is not a letter or digit");
	invalid("space", "003D0000001a 2A", 15,
	    "character 13 (byte 0x20) is not a letter or digit");
	invalid("non-ASCII",
	    "003D0000001a\xc3\xa9"
	    "A",
	    15, "character 13 (byte 0xc3) is not a letter or digit");
	invalid("NUL inside", "003D0000001a\0002A", 15,
	    "character 13 (byte 0x00) is not a letter or digit");
	invalid("suffix digit 6", "003D0000001aH2AIA6", 18,
	    "suffix character 18 ('6') is not A-Z or 0-5");
	invalid("suffix marks a digit", "003D0000001aH2AIAV", 18,
	    "suffix IAV marks character 11 ('1') as a capital letter, but it is a digit");
	invalid("zeros with a capital suffix", "000000000000000BAA", 18,
	    "suffix BAA marks character 1 ('0') as a capital letter, but it is a digit");

	/* The id need not be NUL-terminated: only len bytes are read. */
	{
		char out[SFID_LEN + 1], why[SFID_WHY_SIZE];

		CHECK("length bounds the read",
		    sfid_normalize("003D0000001aH2AXXXXXXX", 15, out, why) == SFID_CONVERTED &&
		        strcmp(out, "003D0000001aH2AIAU") == 0);
	}

	sfid_suffix("00Q5e0000000001", suffix);
	CHECK("suffix alone", memcmp(suffix, "EAA", 3) == 0);
	return unit_failed;
}
