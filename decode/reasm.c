#include "reasm.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"

struct reasm_seg {
    struct reasm_seg *next;
    uint32_t seq;
    uint32_t len;    /* sequence space covered */
    uint32_t caplen; /* bytes present; the rest (len - caplen) is a gap */
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

static void emit_gap(struct reasm_dir *d, struct reasm_global *g, int dir, uint64_t n,
                     const struct reasm_sink *sink, void *ctx)
{
    if (n == 0)
        return;
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
 * part before next_seq was delivered already and is skipped. */
static void deliver_range(struct reasm_dir *d, struct reasm_global *g, int dir, uint32_t seq,
                          const uint8_t *p, uint32_t caplen, uint32_t len,
                          const struct reasm_sink *sink, void *ctx)
{
    uint32_t skip = d->next_seq - seq;
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

/* Deliver held segments that now touch next_seq. */
static void drain(struct reasm_dir *d, struct reasm_global *g, int dir,
                  const struct reasm_sink *sink, void *ctx)
{
    while (d->held && !d->stopped && seq_le(d->held->seq, d->next_seq)) {
        struct reasm_seg *s = d->held;
        d->held = s->next;
        deliver_range(d, g, dir, s->seq, s->data, s->caplen, s->len, sink, ctx);
        seg_free(d, g, s);
        d->wait_packets = 0;
    }
    if (d->stopped)
        drop_held(d, g);
}

/* The first hole is declared lost: skip to the first held segment. */
static void skip_hole(struct reasm_dir *d, struct reasm_global *g, int dir,
                      const struct reasm_sink *sink, void *ctx)
{
    if (!d->held)
        return;
    uint32_t hole = d->held->seq - d->next_seq;
    d->next_seq = d->held->seq;
    emit_gap(d, g, dir, hole, sink, ctx);
    d->wait_packets = 0;
    drain(d, g, dir, sink, ctx);
}

static struct reasm_seg *seg_new(uint32_t seq, const uint8_t *p, uint32_t caplen, uint32_t len)
{
    struct reasm_seg *s = malloc(sizeof *s + caplen);
    if (!s)
        return NULL;
    s->next = NULL;
    s->seq = seq;
    s->len = len;
    s->caplen = caplen;
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

/* Hold [seq, seq+len) (caplen present), keeping what is held already where
 * they overlap. Returns false when a cap refused bytes. */
static bool hold(struct reasm_dir *d, struct reasm_global *g, uint32_t seq, const uint8_t *p,
                 uint32_t caplen, uint32_t len)
{
    struct reasm_seg **link = &d->held;
    while (len > 0) {
        while (*link && seq_le((*link)->seq + (*link)->len, seq))
            link = &(*link)->next;
        struct reasm_seg *next = *link;
        uint32_t take = len;
        if (next && seq_lt(next->seq, seq + len)) {
            if (seq_le(next->seq, seq)) {
                /* The start is covered by next: compare, then move past it. */
                uint32_t covered = next->seq + next->len - seq;
                if (covered > len)
                    covered = len;
                if (overlap_conflicts(next, seq, p, caplen, seq, seq + covered)) {
                    d->conflicts++;
                    g->conflicts++;
                }
                seq += covered;
                len -= covered;
                if (caplen > covered) {
                    p += covered;
                    caplen -= covered;
                } else {
                    p += caplen;
                    caplen = 0;
                }
                continue;
            }
            take = next->seq - seq;
        }
        uint32_t cap_take = caplen < take ? caplen : take;
        if (d->held_bytes + cap_take > LIMIT_REASM_HELD_PER_DIR ||
            d->held_segs >= LIMIT_REASM_HELD_SEGS_PER_DIR ||
            g->held_bytes + cap_take > LIMIT_REASM_HELD_TOTAL) {
            g->held_cap_hits++;
            return false;
        }
        struct reasm_seg *s = seg_new(seq, p, cap_take, take);
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
        seq += take;
        len -= take;
        p += cap_take;
        caplen -= cap_take;
    }
    return true;
}

void reasm_segment(struct reasm_conn *rc, struct reasm_global *g, int dir,
                   const struct reasm_in *in, const struct reasm_sink *sink, void *ctx)
{
    struct reasm_dir *d = &rc->dir[dir];
    uint32_t seq = in->seq;

    if (in->syn) {
        if (!d->started || (!d->syn_seen && d->delivered == 0)) {
            d->next_seq = seq + 1u;
            d->started = 1;
        }
        d->syn_seen = 1;
        seq += 1u; /* SYN occupies one sequence number; data may follow */
    }
    if (!d->started) {
        if (in->len == 0 && !in->fin)
            return;
        d->next_seq = seq; /* joined mid-stream */
        d->started = 1;
    }
    if (in->fin) {
        d->fin_seen = 1;
        d->fin_seq = seq + in->len;
    }

    if (d->stopped) {
        if (seq_lt(d->next_seq, seq + in->len))
            d->next_seq = seq + in->len;
    } else if (in->len > 0) {
        uint32_t end = seq + in->len;
        if (seq_le(end, d->next_seq)) {
            d->retransmitted++;
        } else if (seq_le(seq, d->next_seq) && !d->held) {
            deliver_range(d, g, dir, seq, in->data, in->caplen, in->len, sink, ctx);
        } else if (seq_le(seq, d->next_seq)) {
            deliver_range(d, g, dir, seq, in->data, in->caplen, in->len, sink, ctx);
            d->wait_packets = 0;
            drain(d, g, dir, sink, ctx);
        } else if (seq - d->next_seq > LIMIT_REASM_WINDOW) {
            g->out_of_window++;
        } else {
            while (!hold(d, g, seq, in->data, in->caplen, in->len) && d->held && !d->stopped)
                skip_hole(d, g, dir, sink, ctx); /* cap hit: the oldest hole is lost */
            if (!d->stopped && !d->held && seq_lt(d->next_seq, seq)) {
                /* Nothing held could make room: give up on the hole before us. */
                emit_gap(d, g, dir, seq - d->next_seq, sink, ctx);
                d->next_seq = seq;
                deliver_range(d, g, dir, seq, in->data, in->caplen, in->len, sink, ctx);
            }
        }
    }

    /* A hole that stays open for many packets is loss, not reordering. */
    for (int i = 0; i < 2; i++) {
        struct reasm_dir *x = &rc->dir[i];
        if (x->held && !x->stopped && ++x->wait_packets > LIMIT_REASM_WAIT_PACKETS)
            skip_hole(x, g, i, sink, ctx);
    }

    if (d->fin_seen && !d->finished && !d->held && seq_le(d->fin_seq, d->next_seq))
        d->finished = 1;
}

void reasm_flush(struct reasm_conn *rc, struct reasm_global *g, const struct reasm_sink *sink,
                 void *ctx)
{
    for (int i = 0; i < 2; i++) {
        struct reasm_dir *d = &rc->dir[i];
        while (d->held && !d->stopped)
            skip_hole(d, g, i, sink, ctx);
        drop_held(d, g);
    }
}

void reasm_stop(struct reasm_conn *rc, struct reasm_global *g, int dir)
{
    rc->dir[dir].stopped = 1;
    drop_held(&rc->dir[dir], g);
}

void reasm_release(struct reasm_conn *rc, struct reasm_global *g)
{
    drop_held(&rc->dir[0], g);
    drop_held(&rc->dir[1], g);
}
