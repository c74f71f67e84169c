/* sfid.h: Salesforce record ids: 15 to 18 characters, case repair, validation. */
#ifndef MSI_SFID_H
#define MSI_SFID_H

#include <stddef.h>

#define SFID_LEN 18

enum sfid_status {
	SFID_VALID,     /* already a correct 18-character id */
	SFID_CONVERTED, /* a 15-character id, now with its suffix */
	SFID_REPAIRED,  /* 18 characters whose letters had lost their case */
	SFID_NULL,      /* 000000000000000(AAA): "no reference" */
	SFID_INVALID    /* not an id; the reason is in why */
};

/* Room for any reason sfid_normalize writes. */
#define SFID_WHY_SIZE 128

enum sfid_status sfid_normalize(
    const char *id, size_t len, char out[SFID_LEN + 1], char why[SFID_WHY_SIZE]);
void sfid_suffix(const char id15[15], char suffix[3]);

#endif
