/* jwt.h: the signed assertion of Salesforce's OAuth 2.0 JWT bearer flow. */
#ifndef MSI_JWT_H
#define MSI_JWT_H

#include <stddef.h>

#define JWT_WHY_SIZE 300

char *jwt_rs256(const char *key_file, const char *iss, const char *sub, const char *aud,
    long lifetime, char why[JWT_WHY_SIZE]);

#endif
