/* JA3 and JA3S TLS fingerprints (Salesforce's definition): the decimal
 * fields of the hellos, GREASE values (RFC 8701) removed, hashed with MD5
 * by OpenSSL's libcrypto. */
#ifndef SMTPTLS_FINGERPRINT_H
#define SMTPTLS_FINGERPRINT_H

#include <stdbool.h>
#include <stdint.h>

#include "tls.h"

/* The MD5 implementation fetched once (OpenSSL 3 fetches are not free). */
struct fingerprint;
struct fingerprint *fingerprint_new(void);
void fingerprint_free(struct fingerprint *f);

bool fingerprint_is_grease(uint16_t v);
/* 32 hex digits and a NUL into hex; "" when it cannot be computed. f may be
 * NULL (slower). */
void fingerprint_ja3(struct fingerprint *f, const struct tls_client_hello *ch, char hex[33]);
void fingerprint_ja3s(struct fingerprint *f, const struct tls_server_hello *sh, char hex[33]);

#endif
