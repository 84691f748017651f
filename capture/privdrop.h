/* Drop root privileges after the capture is open: to the named user, or when
 * none is named and we run as root, to "nobody". */
#ifndef SMTPTLS_PRIVDROP_H
#define SMTPTLS_PRIVDROP_H

#include <stddef.h>

/* 0 on success (or nothing to do); -1 with a one-line message in err. */
int privdrop(const char *user, char *err, size_t errlen);

#endif
