/* form.h: the simulators' form bodies (application/x-www-form-urlencoded), decoded. */
#ifndef MSI_SIM_FORM_H
#define MSI_SIM_FORM_H

#include <stddef.h>

#include <jansson.h>

json_t *form_params(const char *form, size_t len);

#endif
