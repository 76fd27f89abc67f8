#ifndef THINKEDIT_CODECS_INTERNAL_H
#define THINKEDIT_CODECS_INTERNAL_H

#include "thinkedit_codecs.h"

/// A result with `message` copied (and cut to fit); NULL means no message.
te_result te_make_result(int status, const char *message);

#endif
