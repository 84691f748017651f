/* Per-server statistics (a server is an address and port), for the
 * per-server table and for findings that need a server's history: rows
 * found through the keyed hash (hash.h) and the shared index (table.h),
 * counted from each finished session and what was judged of it. Bounded:
 * past LIMIT_SERVERS servers, the rest share one "other" row. */
#ifndef SMTPTLS_SERVERS_H
#define SMTPTLS_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "grade.h"
#include "hash.h"

struct session_record;

enum server_version { /* bits of server_stats.versions */
                      SV_SSL2,
                      SV_SSL3,
                      SV_TLS10,
                      SV_TLS11,
                      SV_TLS12,
                      SV_TLS13,
                      SV_OTHER,
                      SV_COUNT
};

struct server_stats {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
    bool other; /* the overflow row */
    uint64_t sessions, encrypted, plaintext, failed, unknown;
    uint64_t offered, not_offered;
    uint64_t not_offered_before_offer; /* sessions without STARTTLS before it was first seen */
    uint8_t versions;                  /* bitmask of enum server_version */
    uint8_t nciphers;
    bool more_ciphers;
    uint32_t ciphers[LIMIT_SERVER_CIPHERS]; /* session_record.cipher_key values */
    enum grade worst;
    uint64_t findings; /* sessions with at least one finding */
};

struct servers;

struct servers *servers_new(const struct hash_key *key);
void servers_free(struct servers *s);
/* The row of a server, created on first use (the overflow row when full).
 * Rows stay where they are while the table lives. */
struct server_stats *servers_get(struct servers *s, uint8_t family, const uint8_t addr[16],
                                 uint16_t port);
/* Count a finished session in its server's row: grade is that of its
 * cipher, with_findings whether anything was found, stripped whether it was
 * judged a STARTTLS stripping (which is not "before the first offer"). */
void servers_add(struct server_stats *s, const struct session_record *r, enum grade grade,
                 bool with_findings, bool stripped);
/* Sessions without STARTTLS to servers that offered it only later. */
uint64_t servers_stripped_late(const struct servers *s);
/* All rows, sorted by sessions (most first), then address, in *out (caller
 * frees; NULL when none) and their number in *n. 0, or -1 when out of memory. */
int servers_sorted(const struct servers *s, struct server_stats ***out, size_t *n);

int server_version_bit(uint16_t version);
const char *server_version_name(int bit);

#endif
