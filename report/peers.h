/* The server and client tables: peers grouped by the name the wire shows
 * for them, with the addresses they were seen at.
 *
 * A server is named by, best first: the first word of its greeting (220),
 * then of its reply to EHLO or HELO, then the CN of its certificate, then
 * the SNI the client asked for; failing all, its address. The greeting and
 * the EHLO reply come first because they are the server's own words (its
 * configured host name, Postfix's myhostname), in clear in every session
 * that speaks SMTP, so that the same server gets one row whether a session
 * stayed plaintext, went to TLS or failed, and a probe that reads only the
 * banner is named too. The certificate is seen only up to TLS 1.2 and often
 * names a service shared by several machines; the SNI is the client's claim
 * of what it meant to reach, which many MTAs do not send. Only a word that
 * looks like a host name counts (letters, digits, '-', '_', '*', with a dot,
 * or an address literal in brackets): "220 ESMTP ready" names nothing. A
 * server row is a name and a port: 25, 465 and 587 get their own rows, as
 * their advice differs.
 *
 * A client is named by its HELO or EHLO argument (any word of those
 * characters, a dot not needed: "localhost" and "ylmf-pc" are what spam
 * robots say), else by its address. Names are kept in lower case.
 *
 * A session that shows no name (implicit TLS under TLS 1.3, a connection
 * closed before the banner) counts under the name that its address (and
 * port, for a server) had in other sessions: a row made for the address
 * alone is merged into the named row as soon as a session names it. A
 * gateway hears from too many clients to remember every address: for
 * clients, the first LIMIT_PEER_ADDRS addresses of each name are followed.
 *
 * Bounded: past LIMIT_PEERS rows, the rest share one "other" row. */
#ifndef SMTPTLS_PEERS_H
#define SMTPTLS_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "grade.h"
#include "hash.h"

struct session_record;
struct verdict;

enum peer_source { /* where a peer's name came from, best first */
                   PEER_FROM_GREETING,
                   PEER_FROM_EHLO,
                   PEER_FROM_CERT,
                   PEER_FROM_SNI,
                   PEER_FROM_HELO,
                   PEER_FROM_ADDRESS,
                   PEER_SOURCE_COUNT
};

enum peer_version { /* bits of peer_stats.versions */
                    PV_SSL2,
                    PV_SSL3,
                    PV_TLS10,
                    PV_TLS11,
                    PV_TLS12,
                    PV_TLS13,
                    PV_OTHER,
                    PV_COUNT
};
#define PV_OBSOLETE (1u << PV_SSL2 | 1u << PV_SSL3 | 1u << PV_TLS10 | 1u << PV_TLS11)

struct peer_addr {
    uint8_t family;
    uint8_t addr[16];
};

struct peer_stats {
    char name[LIMIT_PEER_NAME]; /* lower case; the address text for PEER_FROM_ADDRESS */
    uint16_t port;              /* servers; 0 for clients */
    uint8_t source;             /* enum peer_source: the best one its sessions gave */
    bool other;                 /* the overflow row */
    bool merged;                /* an address row merged into a named one: empty */
    uint8_t naddrs;
    bool more_addrs; /* more addresses than were kept */
    struct peer_addr addrs[LIMIT_PEER_ADDRS];
    uint64_t sessions, encrypted, plaintext, failed, unknown, probes;
    uint64_t offered;         /* sessions whose EHLO reply listed STARTTLS */
    uint64_t clear;           /* plaintext sessions that were not probes: stayed in clear */
    uint64_t envelope, auth;  /* sessions that sent the envelope, AUTH in clear */
    uint64_t messages;        /* messages delivered in clear */
    uint64_t weak;            /* sessions whose cipher was graded weak or insecure */
    uint64_t inside, outside; /* sessions where this peer was inside, outside --home-net */
    uint64_t findings;        /* sessions with at least one finding */
    uint8_t versions;         /* bitmask of enum peer_version */
    uint8_t nciphers;
    bool more_ciphers;
    uint32_t ciphers[LIMIT_SERVER_CIPHERS]; /* session_record.cipher_key values */
    enum grade worst;
    /* What the recommendations count: the sessions with a side of ours,
     * which is all of them without --home-net and none of the external. */
    struct peer_advice {
        uint64_t sessions;
        uint64_t inside, outside;     /* of them, with the peer in --home-net or not */
        uint64_t clear, auth, failed; /* as above */
        uint8_t versions;
        enum grade worst;
    } adv;
};

struct peers;

struct peers *peers_new(const struct hash_key *key);
void peers_free(struct peers *p);

/* The name of a session's server, of its client: written into buf (at least
 * LIMIT_PEER_NAME bytes, NUL-terminated), where it came from returned. */
enum peer_source peers_server_name(const struct session_record *r, char *buf);
enum peer_source peers_client_name(const struct session_record *r, char *buf);

enum peer_role { PEER_SERVER, PEER_CLIENT };

/* Count one session in the row of its server or its client (by role), made
 * on first use (the overflow row when the table is full); inside: that peer
 * is in --home-net (ignored without one: direction NONE). */
void peers_add(struct peers *p, enum peer_role role, const struct session_record *r,
               const struct verdict *v, bool inside);

/* All rows with sessions by sessions (most first), then name and port,
 * "other" last, in *out (caller frees; NULL when none) and their number in
 * *n. 0, or -1 when out of memory. */
int peers_sorted(const struct peers *p, struct peer_stats ***out, size_t *n);

const char *peer_source_name(enum peer_source s);
int peer_version_bit(uint16_t version);
const char *peer_version_name(int bit);

#endif
