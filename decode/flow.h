/* Flow table: one entry per TCP connection (both directions), found through
 * the keyed hash (hash.h) and the shared index (table.h), entries in
 * fixed-size chunks with a free list, idle expiry and longest-idle eviction
 * in O(1) through two ordered lists. The table owns the entries; callers own
 * what they store in the user area and release it in the close callback,
 * which runs exactly once per flow. */
#ifndef SMTPTLS_FLOW_H
#define SMTPTLS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"

/* A packet's addressing, as seen on the wire. */
struct flow_tuple {
    uint8_t family;           /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
    uint16_t sport, dport;
};

enum flow_close_reason {
    FLOW_CLOSE_FINISHED, /* FIN both ways or RST, after a short linger */
    FLOW_CLOSE_IDLE,     /* no packet for the idle timeout */
    FLOW_CLOSE_EVICTED,  /* table full: the longest-idle flow made room */
    FLOW_CLOSE_REUSED,   /* a new connection took the same four-tuple */
    FLOW_CLOSE_END,      /* end of input */
};

typedef void (*flow_close_fn)(void *ctx, void *user, enum flow_close_reason why);

struct flow_table;

struct flow_stats {
    uint64_t created, closed, evicted, expired, max_active;
};

struct flow_table *flow_table_create(size_t user_size, uint32_t max_flows, uint64_t idle_timeout_us,
                                     uint64_t linger_us, const struct hash_key *key,
                                     flow_close_fn close, void *close_ctx);
/* Closes every remaining flow (FLOW_CLOSE_END) and frees the table. */
void flow_table_destroy(struct flow_table *ft);

/* Find or create the flow of t. *dir is 0 when t.src is the flow's first
 * endpoint (the one that created it), 1 otherwise. The user area of a new
 * flow is zeroed and *created set. Returns NULL only when memory runs out. */
void *flow_lookup(struct flow_table *ft, const struct flow_tuple *t, uint64_t now_us, int *dir,
                  bool *created);

/* From the close callback of an evicted flow: remember its key (the newest
 * LIMIT_FLOWS_GONE are kept), so that a flow made later for the rest of its
 * connection is known for what it is. */
void flow_remember_evicted(struct flow_table *ft, const void *user);
/* Was a flow with the key of this new one remembered as evicted? Then this
 * is the rest of that connection; it is forgotten once asked. */
bool flow_resumes_evicted(struct flow_table *ft, const void *user);

/* Endpoint i (0 = creator) of the flow owning user. */
void flow_endpoint(const struct flow_table *ft, const void *user, int i, uint8_t addr[16],
                   uint16_t *port, uint8_t *family);

/* The owner has all it needs from the flow: when the table is full, it is
 * evicted before the flows idle as long that still have something to show. */
void flow_mark_settled(struct flow_table *ft, void *user);
/* Ask for the flow to be closed once the linger time has passed. */
void flow_mark_closing(struct flow_table *ft, void *user, uint64_t now_us);
/* Close now. */
void flow_close_now(struct flow_table *ft, void *user, enum flow_close_reason why);
/* Close flows idle for longer than the timeout or done lingering. */
void flow_expire(struct flow_table *ft, uint64_t now_us);
/* Close every flow (end of input) without freeing the table. */
void flow_close_all(struct flow_table *ft);

uint32_t flow_table_active(const struct flow_table *ft);
const struct flow_stats *flow_table_stats(const struct flow_table *ft);
/* Bytes the table needs per flow, for sizing --max-flows. */
size_t flow_entry_size(size_t user_size);

#endif
