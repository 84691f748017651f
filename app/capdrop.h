/* Live capture started without root but with capabilities (the service's
 * CAP_NET_RAW, ambient): once the interface is open none is needed any more,
 * so all are given up, as tcpdump does with libcap-ng. Root is left to the
 * privilege drop (capture/privdrop.h), whose setuid clears them. */
#ifndef SMTPTLS_CAPDROP_H
#define SMTPTLS_CAPDROP_H

#include <stddef.h>

/* Clear the ambient, inheritable, effective and permitted sets of a process
 * that is not root, and check that they stay empty. 0 (also when there was
 * nothing to drop, or for root), or -1 with one line in err. */
int capdrop_all(char *err, size_t errlen);

#endif
