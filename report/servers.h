/* What each server endpoint (an address and port) showed before, for the
 * findings that need a server's history: whether it advertised STARTTLS in
 * an earlier session (stripping), and how many sessions without STARTTLS
 * came before its first advertisement (told only at the end). Rows found
 * through the keyed hash (hash.h) and the shared index (table.h). Bounded:
 * past LIMIT_SERVERS endpoints, the rest share one "other" row, which is
 * never judged by history. The report's server table is peers.h: servers by
 * name. */
#ifndef SMTPTLS_SERVERS_H
#define SMTPTLS_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "hash.h"

struct session_record;

struct server_stats {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
    bool other; /* the overflow row */
    uint64_t sessions;
    uint64_t offered, not_offered;
    uint64_t not_offered_before_offer; /* sessions without STARTTLS before it was first seen */
};

struct servers;

struct servers *servers_new(const struct hash_key *key);
void servers_free(struct servers *s);
/* The row of a server, created on first use (the overflow row when full).
 * Rows stay where they are while the table lives. */
struct server_stats *servers_get(struct servers *s, uint8_t family, const uint8_t addr[16],
                                 uint16_t port);
/* Count a finished session in its server's row: stripped says whether it
 * was judged a STARTTLS stripping (which is not "before the first offer"). */
void servers_add(struct server_stats *s, const struct session_record *r, bool withheld,
                 bool stripped);
/* Sessions without STARTTLS to servers that offered it only later. */
uint64_t servers_stripped_late(const struct servers *s);

#endif
