/* Numbers and names of IANA's TLS registries (versions, alerts, supported
 * groups): the one set of TLS constants, for the decoder and the report. */
#ifndef SMTPTLS_TLS_NAMES_H
#define SMTPTLS_TLS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_VERSION_SSL2 0x0002u
#define TLS_VERSION_SSL3 0x0300u
#define TLS_VERSION_TLS10 0x0301u
#define TLS_VERSION_TLS11 0x0302u
#define TLS_VERSION_TLS12 0x0303u
#define TLS_VERSION_TLS13 0x0304u

/* TLS 1.3 or one of its drafts. */
bool tls_is_13(uint16_t version);
/* SSLv2, SSLv3, TLSv1 or TLSv1.1: versions RFC 8996 and RFC 7568 retired. */
bool tls_version_obsolete(uint16_t version);
/* "TLSv1.2", "TLSv1.3-draft18", ...; "0xNNNN" for other values; NULL for 0.
 * buf holds at least 24 bytes. */
const char *tls_version_name(uint16_t v, char *buf, size_t len);
/* RFC 8446 6 and the IANA TLS Alerts registry; "unknown" for others. */
const char *tls_alert_name(uint8_t desc);
/* The Supported Groups registry name, or "0xNNNN" written into buf (at least 7 bytes). */
const char *tls_group_name(uint16_t group, char *buf, size_t len);

#endif
