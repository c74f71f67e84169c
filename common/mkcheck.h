/* mkcheck.h: --check of the tools that call Marketo: the token and each object's describe. */
#ifndef MSI_MKCHECK_H
#define MSI_MKCHECK_H

#include <stdio.h>

#include <jansson.h>

#include "mkclient.h"
#include "objects.h"

int mkcheck_token(struct mkclient *mk, FILE *out);
json_t *mkcheck_describe(
    struct mkclient *mk, enum mkto_object o, const char *lookup, FILE *out);

#endif
