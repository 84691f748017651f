/* TCP stream reassembly, per connection (two directions). Delivers each
 * direction's bytes once and in order to a sink: data, or a gap of N bytes
 * the capture did not hold. In-order segments are delivered straight from the
 * packet (no copy); out-of-order ones are copied and held under caps.
 *
 * Policies:
 * - Overlaps: the first copy of a byte wins. A later copy that differs is
 *   counted as a conflict; it is compared with held bytes and with the last
 *   LIMIT_REASM_TAIL bytes delivered.
 * - Causal order across directions: a segment is delivered only once the
 *   peer's bytes it acknowledges have been delivered, so a reply is never
 *   seen before the command it answers, however the capture ordered them.
 * - Loss: a hole (or a wait for the peer) that lasts LIMIT_REASM_WAIT_PACKETS
 *   packets of the connection, or that a held-bytes cap cuts short, becomes a
 *   gap; so does everything still missing at the end.
 * The reassembler knows nothing of SMTP or TLS. */
#ifndef SMTPTLS_REASM_H
#define SMTPTLS_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"
#include "caps.h"

struct reasm_seg;

struct reasm_dir {
    struct reasm_seg *held; /* sorted by sequence, non-overlapping */
    uint8_t *tail;          /* last bytes delivered, for overlap checks */
    uint32_t next_seq;      /* next byte to deliver */
    uint32_t max_seq;       /* highest sequence end seen */
    uint32_t fin_seq;
    uint32_t held_bytes;
    uint16_t held_segs;
    uint16_t wait_packets; /* packets seen while this direction is stuck */
    uint8_t tail_len;
    uint8_t started : 1, syn_seen : 1, fin_seen : 1, finished : 1, stopped : 1;
    uint64_t delivered; /* bytes delivered, gaps included */
    uint32_t gaps;
    uint64_t gap_bytes;
    uint32_t conflicts;
    uint32_t retransmitted; /* segments whose bytes were all delivered before */
};

struct reasm_conn {
    struct reasm_dir dir[2];
};

/* Global accounting over all connections. */
struct reasm_global {
    uint64_t held_bytes, held_peak;
    uint64_t gaps, gap_bytes, conflicts, out_of_window, held_cap_hits;
};

struct reasm_sink {
    /* p is valid for the call only. */
    void (*data)(void *ctx, int dir, const uint8_t *p, size_t n);
    void (*gap)(void *ctx, int dir, uint64_t n);
    /* Something the connection's counters (and reasm_global's) just counted:
     * a conflicting overlap, a segment a held-bytes cap refused or one too far
     * ahead to hold. Informational: nothing is delivered or dropped by it. */
    void (*anomaly)(void *ctx, int dir, enum anomaly a);
};

/* One segment as decoded from a packet. */
struct reasm_in {
    uint32_t seq;
    uint32_t ack;        /* acknowledgement number, when has_ack */
    const uint8_t *data; /* captured payload */
    uint32_t caplen;     /* captured payload bytes */
    uint32_t len;        /* payload bytes on the wire (>= caplen) */
    bool syn, fin, has_ack;
};

void reasm_segment(struct reasm_conn *rc, struct reasm_global *g, int dir,
                   const struct reasm_in *in, const struct reasm_sink *sink, void *ctx);
/* Deliver everything held, declaring the holes gaps (end of connection). */
void reasm_flush(struct reasm_conn *rc, struct reasm_global *g, const struct reasm_sink *sink,
                 void *ctx);
/* The consumer wants no more bytes of this direction: drop what is held and
 * only follow sequence numbers from now on. Safe inside a sink callback. */
void reasm_stop(struct reasm_conn *rc, struct reasm_global *g, int dir);
/* Free everything the connection holds. */
void reasm_release(struct reasm_conn *rc, struct reasm_global *g);

#endif
