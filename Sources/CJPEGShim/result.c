#include "te_internal.h"

#include <stdio.h>
#include <stdlib.h>

te_result te_make_result(int status, const char *message) {
    te_result r;
    r.status = status;
    r.message[0] = 0;
    if (message != NULL) {
        snprintf(r.message, sizeof r.message, "%s", message);
    }
    return r;
}

void te_free(void *pointer) {
    free(pointer);
}
