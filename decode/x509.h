/* The facts of a certificate that the report uses, parsed by OpenSSL's
 * libcrypto (never by hand). */
#ifndef SMTPTLS_X509_H
#define SMTPTLS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "hash.h"

struct x509_summary {
    char subject[LIMIT_X509_NAME], issuer[LIMIT_X509_NAME]; /* RFC 2253, cut to fit */
    int64_t not_before, not_after;                          /* Unix seconds */
    bool self_signed;                   /* issuer = subject and its own key verifies it */
    char key_type[LIMIT_X509_KEY_TYPE]; /* "RSA", "EC", "DSA", "Ed25519", ... */
    uint16_t key_bits;
};

/* 0 on success, -1 when the bytes are not a DER certificate. */
int x509_summarize(const uint8_t *der, size_t len, struct x509_summary *out);

/* Servers show the same certificate session after session, and parsing one
 * costs more than all the rest of a session: a small direct-mapped cache of
 * summaries, keyed by the exact DER bytes, the slot chosen by the keyed
 * hash. */
struct x509_cache;
struct x509_cache *x509_cache_new(const struct hash_key *key);
void x509_cache_free(struct x509_cache *c);
/* x509_summarize through the cache (c may be NULL). */
int x509_summarize_cached(struct x509_cache *c, const uint8_t *der, size_t len,
                          struct x509_summary *out);
/* The OpenSSL (libcrypto) smtptls runs with, as it names itself (for --version). */
const char *x509_openssl_version(void);

#endif
