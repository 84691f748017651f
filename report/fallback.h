/* The client-server pairs whose last session's TLS handshake failed, for
 * the tls-fallback-cleartext finding: a client that retries in clear right
 * after. At most LIMIT_FALLBACK_PAIRS are remembered, the oldest forgotten
 * first, found through the keyed hash (hash.h) and the shared index
 * (table.h): what is answered never depends on the hash key. */
#ifndef SMTPTLS_FALLBACK_H
#define SMTPTLS_FALLBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "hash.h"

struct session_record;
struct fallback;

struct fallback *fallback_new(const struct hash_key *key);
void fallback_free(struct fallback *fb);
/* Session r of its pair (client, server and port) ended; failed says that
 * its handshake failed, and it is remembered. True, with the start of that
 * failed session in *failed_us, when the pair's previous session was a
 * remembered failure: only the next session of a pair can be its retry. */
bool fallback_next(struct fallback *fb, const struct session_record *r, bool failed,
                   uint64_t *failed_us);

#endif
