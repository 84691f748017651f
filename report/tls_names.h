/* Names from IANA's TLS Supported Groups registry. */
#ifndef SMTPTLS_TLS_NAMES_H
#define SMTPTLS_TLS_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* The registry name, or "0xNNNN" written into buf (at least 7 bytes). */
const char *tls_group_name(uint16_t group, char *buf, size_t len);

#endif
