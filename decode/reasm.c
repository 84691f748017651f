#include "reasm.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"

struct reasm_seg {
    struct reasm_seg *next;
    uint32_t seq;
    uint32_t len;    /* sequence space covered */
    uint32_t caplen; /* bytes present; the rest (len - caplen) is a gap */
    uint32_t ack;
    bool has_ack;
    uint8_t data[];
};

static bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

/* The peer's acknowledgements count the FIN as one sequence number. */
static uint32_t acked_upto(const struct reasm_dir *d)
{
    return d->next_seq + (d->fin_seen && d->next_seq == d->fin_seq ? 1u : 0u);
}

/* May bytes sent with this acknowledgement be delivered now? Only when the
 * peer's bytes it acknowledges have been. */
static bool gate_open(const struct reasm_conn *rc, int dir, bool has_ack, uint32_t ack)
{
    const struct reasm_dir *o = &rc->dir[!dir];
    if (!has_ack || !o->started || o->stopped)
        return true;
    uint32_t upto = acked_upto(o);
    if (seq_le(ack, upto))
        return true;
    return ack - upto > LIMIT_REASM_WINDOW; /* not a plausible acknowledgement */
}

static void tail_forget(struct reasm_dir *d)
{
    d->tail_len = 0;
}

static void tail_keep(struct reasm_dir *d, const uint8_t *p, uint32_t n)
{
    if (!d->tail) {
        d->tail = malloc(LIMIT_REASM_TAIL);
        if (!d->tail)
            return;
    }
    if (n >= LIMIT_REASM_TAIL) {
        memcpy(d->tail, p + n - LIMIT_REASM_TAIL, LIMIT_REASM_TAIL);
        d->tail_len = LIMIT_REASM_TAIL;
        return;
    }
    uint32_t keep = d->tail_len + n > LIMIT_REASM_TAIL ? LIMIT_REASM_TAIL - n : d->tail_len;
    memmove(d->tail, d->tail + d->tail_len - keep, keep);
    memcpy(d->tail + keep, p, n);
    d->tail_len = (uint8_t)(keep + n);
}

static void conflict(struct reasm_dir *d, struct reasm_global *g, int dir,
                     const struct reasm_sink *sink, void *ctx)
{
    d->conflicts++;
    g->conflicts++;
    sink->anomaly(ctx, dir, ANOMALY_REASM_OVERLAP_CONFLICT);
}

static void held_cap_hit(struct reasm_global *g, int dir, const struct reasm_sink *sink, void *ctx)
{
    g->held_cap_hits++;
    sink->anomaly(ctx, dir, ANOMALY_REASM_HELD_CAP);
}

/* Compare bytes [seq, seq+caplen) of a late copy with the delivered tail. */
static void check_against_tail(struct reasm_dir *d, struct reasm_global *g, int dir, uint32_t seq,
                               const uint8_t *p, uint32_t caplen, const struct reasm_sink *sink,
                               void *ctx)
{
    if (!d->tail_len || !caplen)
        return;
    uint32_t tail_start = d->next_seq - d->tail_len;
    uint32_t a = seq_lt(seq, tail_start) ? tail_start : seq;
    uint32_t b = seq + caplen;
    if (seq_lt(d->next_seq, b))
        b = d->next_seq;
    if (!seq_lt(a, b))
        return;
    if (memcmp(d->tail + (a - tail_start), p + (a - seq), b - a) != 0)
        conflict(d, g, dir, sink, ctx);
}

static void emit_gap(struct reasm_dir *d, struct reasm_global *g, int dir, uint64_t n,
                     const struct reasm_sink *sink, void *ctx)
{
    if (n == 0)
        return;
    tail_forget(d);
    d->gaps++;
    d->gap_bytes += n;
    d->delivered += n;
    g->gaps++;
    g->gap_bytes += n;
    sink->gap(ctx, dir, n);
}

static void emit_data(struct reasm_dir *d, int dir, const uint8_t *p, uint32_t n,
                      const struct reasm_sink *sink, void *ctx)
{
    if (n == 0)
        return;
    tail_keep(d, p, n);
    d->delivered += n;
    sink->data(ctx, dir, p, n);
}

static void seg_free(struct reasm_dir *d, struct reasm_global *g, struct reasm_seg *s)
{
    d->held_bytes -= s->caplen;
    d->held_segs--;
    g->held_bytes -= s->caplen;
    free(s);
}

static void drop_held(struct reasm_dir *d, struct reasm_global *g)
{
    while (d->held) {
        struct reasm_seg *s = d->held;
        d->held = s->next;
        seg_free(d, g, s);
    }
}

/* Deliver [seq, seq+len) of which the first caplen bytes are present; the
 * part before next_seq was delivered already: it is compared, not repeated. */
static void deliver_range(struct reasm_dir *d, struct reasm_global *g, int dir, uint32_t seq,
                          const uint8_t *p, uint32_t caplen, uint32_t len,
                          const struct reasm_sink *sink, void *ctx)
{
    uint32_t skip = d->next_seq - seq;
    if (skip > 0)
        check_against_tail(d, g, dir, seq, p, caplen, sink, ctx);
    if (skip >= len)
        return;
    d->next_seq = seq + len;
    if (skip < caplen) {
        emit_data(d, dir, p + skip, caplen - skip, sink, ctx);
        if (d->stopped)
            return;
        emit_gap(d, g, dir, len - caplen, sink, ctx);
    } else {
        emit_gap(d, g, dir, len - skip, sink, ctx);
    }
}

static void deliver_head(struct reasm_dir *d, struct reasm_global *g, int dir,
                         const struct reasm_sink *sink, void *ctx)
{
    struct reasm_seg *s = d->held;
    d->held = s->next;
    deliver_range(d, g, dir, s->seq, s->data, s->caplen, s->len, sink, ctx);
    seg_free(d, g, s);
    d->wait_packets = 0;
}

/* Deliver held segments of one direction that touch next_seq and whose
 * acknowledgement gate is open. True when something was delivered. */
static bool drain(struct reasm_conn *rc, struct reasm_global *g, int dir,
                  const struct reasm_sink *sink, void *ctx)
{
    struct reasm_dir *d = &rc->dir[dir];
    bool progress = false;
    while (d->held && !d->stopped && seq_le(d->held->seq, d->next_seq) &&
           gate_open(rc, dir, d->held->has_ack, d->held->ack)) {
        deliver_head(d, g, dir, sink, ctx);
        progress = true;
    }
    if (d->stopped)
        drop_held(d, g);
    return progress;
}

static void drain_all(struct reasm_conn *rc, struct reasm_global *g, const struct reasm_sink *sink,
                      void *ctx)
{
    bool a, b;
    do {
        a = drain(rc, g, 0, sink, ctx);
        b = drain(rc, g, 1, sink, ctx);
    } while (a || b);
}

/* Bring direction dir to target: deliver what it holds, gaps for the rest,
 * ignoring its own acknowledgement gate (the wait is over). */
static void advance_to(struct reasm_conn *rc, struct reasm_global *g, int dir, uint32_t target,
                       const struct reasm_sink *sink, void *ctx)
{
    struct reasm_dir *d = &rc->dir[dir];
    while (!d->stopped && seq_lt(acked_upto(d), target)) {
        if (d->held && seq_le(d->held->seq, d->next_seq)) {
            deliver_head(d, g, dir, sink, ctx);
            continue;
        }
        uint32_t to = d->held && seq_lt(d->held->seq, target) ? d->held->seq : target;
        if (d->fin_seen && seq_lt(d->fin_seq, to) && seq_le(d->next_seq, d->fin_seq))
            to = d->fin_seq; /* the FIN's own number is no byte */
        if (to == d->next_seq)
            break;
        emit_gap(d, g, dir, to - d->next_seq, sink, ctx);
        d->next_seq = to;
    }
}

/* A direction has been stuck too long (or a cap says so): the hole before
 * its first held segment is lost, or the peer bytes it waits for are. */
static void force_progress(struct reasm_conn *rc, struct reasm_global *g, int dir,
                           const struct reasm_sink *sink, void *ctx)
{
    struct reasm_dir *d = &rc->dir[dir];
    struct reasm_seg *h = d->held;
    d->wait_packets = 0;
    if (!h || d->stopped)
        return;
    if (seq_lt(d->next_seq, h->seq)) {
        emit_gap(d, g, dir, h->seq - d->next_seq, sink, ctx);
        d->next_seq = h->seq;
    } else if (!gate_open(rc, dir, h->has_ack, h->ack)) {
        advance_to(rc, g, !dir, h->ack, sink, ctx);
    }
    drain_all(rc, g, sink, ctx);
}

static struct reasm_seg *seg_new(uint32_t seq, const uint8_t *p, uint32_t caplen, uint32_t len,
                                 const struct reasm_in *in)
{
    struct reasm_seg *s = malloc(sizeof *s + caplen);
    if (!s)
        return NULL;
    s->next = NULL;
    s->seq = seq;
    s->len = len;
    s->caplen = caplen;
    s->ack = in->ack;
    s->has_ack = in->has_ack;
    if (caplen)
        memcpy(s->data, p, caplen);
    return s;
}

/* Compare the bytes both copies hold in [from, to). */
static bool overlap_conflicts(const struct reasm_seg *old, uint32_t seq, const uint8_t *p,
                              uint32_t caplen, uint32_t from, uint32_t to)
{
    uint32_t old_end = old->seq + old->caplen, new_end = seq + caplen;
    uint32_t a = from, b = to;
    if (seq_lt(old_end, b))
        b = old_end;
    if (seq_lt(new_end, b))
        b = new_end;
    if (!seq_lt(a, b))
        return false;
    return memcmp(old->data + (a - old->seq), p + (a - seq), b - a) != 0;
}

static void advance_in(uint32_t n, uint32_t *seq, uint32_t *len, const uint8_t **p,
                       uint32_t *caplen)
{
    *seq += n;
    *len -= n;
    uint32_t k = *caplen < n ? *caplen : n;
    if (k) /* no arithmetic on a NULL view */
        *p += k;
    *caplen -= k;
}

/* Hold [seq, seq+len) (caplen present), keeping what is held already where
 * they overlap. Returns false when a cap refused bytes (what fitted is kept). */
static bool hold(struct reasm_dir *d, struct reasm_global *g, int dir, const struct reasm_in *in,
                 const struct reasm_sink *sink, void *ctx)
{
    uint32_t seq = in->seq + (in->syn ? 1u : 0u), len = in->len, caplen = in->caplen;
    const uint8_t *p = in->data;
    if (seq_lt(seq, d->next_seq)) { /* the front was delivered already */
        uint32_t old = d->next_seq - seq;
        check_against_tail(d, g, dir, seq, p, caplen, sink, ctx);
        advance_in(old, &seq, &len, &p, &caplen);
    }
    struct reasm_seg **link = &d->held;
    while (len > 0) {
        while (*link && seq_le((*link)->seq + (*link)->len, seq))
            link = &(*link)->next;
        struct reasm_seg *next = *link;
        uint32_t take = len;
        if (next && seq_lt(next->seq, seq + len)) {
            if (seq_le(next->seq, seq)) {
                /* Covered by what is held: compare, then move past it. */
                uint32_t covered = next->seq + next->len - seq;
                if (covered > len)
                    covered = len;
                if (overlap_conflicts(next, seq, p, caplen, seq, seq + covered))
                    conflict(d, g, dir, sink, ctx);
                advance_in(covered, &seq, &len, &p, &caplen);
                continue;
            }
            take = next->seq - seq;
        }
        uint32_t cap_take = caplen < take ? caplen : take;
        if (d->held_bytes + cap_take > LIMIT_REASM_HELD_PER_DIR ||
            d->held_segs >= LIMIT_REASM_HELD_SEGS_PER_DIR ||
            g->held_bytes + cap_take > LIMIT_REASM_HELD_TOTAL) {
            held_cap_hit(g, dir, sink, ctx);
            return false;
        }
        struct reasm_seg *s = seg_new(seq, p, cap_take, take, in);
        if (!s)
            return false;
        s->next = next;
        *link = s;
        link = &s->next;
        d->held_bytes += cap_take;
        d->held_segs++;
        g->held_bytes += cap_take;
        if (g->held_bytes > g->held_peak)
            g->held_peak = g->held_bytes;
        advance_in(take, &seq, &len, &p, &caplen);
    }
    return true;
}

static void data_segment(struct reasm_conn *rc, struct reasm_global *g, int dir,
                         const struct reasm_in *in, uint32_t seq, const struct reasm_sink *sink,
                         void *ctx)
{
    struct reasm_dir *d = &rc->dir[dir];
    uint32_t end = seq + in->len;
    if (seq_le(end, d->next_seq)) {
        d->retransmitted++;
        check_against_tail(d, g, dir, seq, in->data, in->caplen, sink, ctx);
        return;
    }
    if (seq_lt(d->next_seq, seq) && seq - d->next_seq > LIMIT_REASM_WINDOW) {
        g->out_of_window++;
        sink->anomaly(ctx, dir, ANOMALY_REASM_OUT_OF_WINDOW);
        return;
    }
    if (!d->held && seq_le(seq, d->next_seq) && gate_open(rc, dir, in->has_ack, in->ack)) {
        deliver_range(d, g, dir, seq, in->data, in->caplen, in->len, sink, ctx);
        return;
    }
    /* Out of order, behind held bytes, or waiting for the peer: copy. When a
     * cap refuses, the oldest wait ends first; if nothing is held to make
     * room, the bytes before this segment are given up. */
    for (unsigned tries = 0; !hold(d, g, dir, in, sink, ctx); tries++) {
        if (d->stopped)
            return;
        if (tries > LIMIT_REASM_HELD_SEGS_PER_DIR) {
            held_cap_hit(g, dir, sink, ctx); /* cannot happen; never loop for ever */
            return;
        }
        if (d->held) {
            force_progress(rc, g, dir, sink, ctx);
            continue;
        }
        if (seq_lt(d->next_seq, seq)) {
            emit_gap(d, g, dir, seq - d->next_seq, sink, ctx);
            d->next_seq = seq;
        }
        deliver_range(d, g, dir, seq, in->data, in->caplen, in->len, sink, ctx);
        return;
    }
}

void reasm_segment(struct reasm_conn *rc, struct reasm_global *g, int dir,
                   const struct reasm_in *in, const struct reasm_sink *sink, void *ctx)
{
    struct reasm_dir *d = &rc->dir[dir];
    uint32_t seq = in->seq;

    if (in->syn) {
        /* A later SYN (or SYN-ACK) with another sequence number replaces an
         * earlier one as long as no data came: the last one is the real one. */
        if (!d->started || (d->delivered == 0 && !d->held)) {
            d->next_seq = seq + 1u;
            d->max_seq = d->next_seq;
            d->started = 1;
        }
        d->syn_seen = 1;
        seq += 1u; /* the SYN occupies one sequence number; data may follow */
    }
    if (!d->started) {
        if (in->len == 0 && !in->fin)
            return;        /* a bare ACK tells nothing of where the stream is */
        d->next_seq = seq; /* joined mid-stream */
        d->max_seq = seq;
        d->started = 1;
    }
    if (seq_lt(d->max_seq, seq + in->len))
        d->max_seq = seq + in->len;
    if (in->fin && !d->fin_seen) {
        d->fin_seen = 1;
        d->fin_seq = seq + in->len;
    }

    if (d->stopped) {
        if (seq_lt(d->next_seq, seq + in->len))
            d->next_seq = seq + in->len;
    } else if (in->len > 0) {
        struct reasm_in adj = *in;
        adj.seq = seq;
        adj.syn = false;
        data_segment(rc, g, dir, &adj, seq, sink, ctx);
    }
    if (rc->dir[0].held || rc->dir[1].held)
        drain_all(rc, g, sink, ctx);

    /* A direction stuck for many packets has lost something, or waits for
     * peer bytes that were lost. */
    for (int i = 0; i < 2; i++) {
        struct reasm_dir *x = &rc->dir[i];
        if (x->held && !x->stopped && ++x->wait_packets > LIMIT_REASM_WAIT_PACKETS)
            force_progress(rc, g, i, sink, ctx);
    }
    for (int i = 0; i < 2; i++) {
        struct reasm_dir *x = &rc->dir[i];
        /* A stopped direction delivers nothing more: its FIN ends it. */
        if (x->fin_seen && !x->finished &&
            (x->stopped || (!x->held && seq_le(x->fin_seq, x->next_seq))))
            x->finished = 1;
    }
}

void reasm_flush(struct reasm_conn *rc, struct reasm_global *g, const struct reasm_sink *sink,
                 void *ctx)
{
    drain_all(rc, g, sink, ctx);
    for (unsigned round = 0; round < 2 * LIMIT_REASM_HELD_SEGS_PER_DIR + 4; round++) {
        int i = rc->dir[0].held && !rc->dir[0].stopped   ? 0
                : rc->dir[1].held && !rc->dir[1].stopped ? 1
                                                         : -1;
        if (i < 0)
            break;
        struct reasm_seg *h = rc->dir[i].held;
        force_progress(rc, g, i, sink, ctx);
        if (rc->dir[i].held == h && !rc->dir[i].stopped) {
            /* Blocked on a peer that cannot move: deliver regardless. */
            struct reasm_dir *d = &rc->dir[i];
            if (seq_lt(d->next_seq, h->seq)) {
                emit_gap(d, g, i, h->seq - d->next_seq, sink, ctx);
                d->next_seq = h->seq;
            }
            deliver_head(d, g, i, sink, ctx);
        }
    }
    drop_held(&rc->dir[0], g);
    drop_held(&rc->dir[1], g);
}

void reasm_stop(struct reasm_conn *rc, struct reasm_global *g, int dir)
{
    struct reasm_dir *d = &rc->dir[dir];
    d->stopped = 1;
    if (seq_lt(d->next_seq, d->max_seq))
        d->next_seq = d->max_seq; /* what is held counts as consumed */
    drop_held(d, g);
    free(d->tail);
    d->tail = NULL;
    d->tail_len = 0;
}

void reasm_release(struct reasm_conn *rc, struct reasm_global *g)
{
    for (int i = 0; i < 2; i++) {
        drop_held(&rc->dir[i], g);
        free(rc->dir[i].tail);
        rc->dir[i].tail = NULL;
        rc->dir[i].tail_len = 0;
    }
}
