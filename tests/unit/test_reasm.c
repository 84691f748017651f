/*
 * test_reasm.c - TCP stream reassembly (decode/reasm.h).
 *
 * RFC 9293 3.4 (sequence space, wrap-around comparisons, SYN and FIN occupy
 * one number each). Contract under test, from reasm.h: each direction's bytes
 * are delivered once and in order, or declared a gap; the first copy of a
 * byte wins and differing copies are counted; a hole becomes a gap at flush,
 * after LIMIT_REASM_WAIT_PACKETS packets, or when the held-bytes cap is hit;
 * a stopped direction delivers nothing more; a segment is not delivered
 * before the peer bytes it acknowledges.
 */
#include "reasm.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "prng.h"
#include "recorder.h"

struct rs {
    struct reasm_conn rc;
    struct reasm_global g;
    struct recorder r;
    const struct reasm_sink *sink;
    void *ctx;
};

static void rs_init(struct rs *s)
{
    memset(s, 0, sizeof *s);
    rec_init(&s->r);
    s->sink = &rec_reasm_sink;
    s->ctx = &s->r;
}

static void rs_free(struct rs *s)
{
    reasm_release(&s->rc, &s->g);
    assert_int_equal(s->g.held_bytes, 0);
    rec_free(&s->r);
}

struct segopt {
    bool syn, fin, has_ack;
    uint32_t ack;
    uint32_t caplen; /* 0: all of len */
};

static void seg_ex(struct rs *s, int dir, uint32_t seq, const void *data, uint32_t len,
                   const struct segopt *o)
{
    uint32_t caplen = o && o->caplen ? o->caplen : len;
    uint8_t *copy = tb_dup(data, caplen);
    struct reasm_in in = {
        .seq = seq,
        .data = copy,
        .caplen = caplen,
        .len = len,
        .syn = o && o->syn,
        .fin = o && o->fin,
        .has_ack = o && o->has_ack,
        .ack = o ? o->ack : 0,
    };
    reasm_segment(&s->rc, &s->g, dir, &in, s->sink, s->ctx);
    free(copy);
    assert_true(s->rc.dir[0].held_bytes <= LIMIT_REASM_HELD_PER_DIR);
    assert_true(s->rc.dir[1].held_bytes <= LIMIT_REASM_HELD_PER_DIR);
}

static void seg(struct rs *s, int dir, uint32_t seq, const char *text)
{
    seg_ex(s, dir, seq, text, (uint32_t)strlen(text), NULL);
}

static void syn(struct rs *s, int dir, uint32_t isn)
{
    struct segopt o = {.syn = true};
    seg_ex(s, dir, isn, "", 0, &o);
}

static void assert_stream(struct rs *s, int dir, const char *want)
{
    const struct tbuf *b = &s->r.stream[dir];
    size_t n = strlen(want);
    if (b->len != n || (n && memcmp(b->p, want, n) != 0))
        fail_msg("stream %d: got %zu bytes \"%.*s\", want \"%s\"", dir, b->len, (int)b->len,
                 b->p ? (const char *)b->p : "", want);
}

static void test_in_order(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1001, "hello ");
    seg(&s, 0, 1007, "world");
    assert_stream(&s, 0, "hello world");
    assert_string_equal(rec_text(&s.r), "DATA 0 11\n");
    assert_int_equal(s.rc.dir[0].gaps, 0);
    assert_int_equal(s.rc.dir[0].delivered, 11);
    rs_free(&s);
}

static void test_syn_with_data(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    /* TCP Fast Open: data on the SYN starts at ISN + 1 */
    struct segopt o = {.syn = true};
    seg_ex(&s, 0, 5000, "EHLO", 4, &o);
    seg(&s, 0, 5005, " x\r\n");
    assert_stream(&s, 0, "EHLO x\r\n");
    rs_free(&s);
}

static void test_out_of_order_held_then_delivered(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1012, "!");
    seg(&s, 0, 1007, "world");
    assert_stream(&s, 0, "");
    assert_int_equal(s.rc.dir[0].held_bytes, 6);
    seg(&s, 0, 1001, "hello ");
    assert_stream(&s, 0, "hello world!");
    assert_int_equal(s.rc.dir[0].held_bytes, 0);
    assert_int_equal(s.g.held_bytes, 0);
    assert_int_equal(s.rc.dir[0].gaps, 0);
    rs_free(&s);
}

static void test_retransmission_delivered_once(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1001, "hello");
    seg(&s, 0, 1001, "hello");
    seg(&s, 0, 1003, "llo");
    seg(&s, 0, 1006, " you");
    assert_stream(&s, 0, "hello you");
    assert_true(s.rc.dir[0].retransmitted >= 2);
    assert_int_equal(s.rc.dir[0].conflicts, 0);
    /* A late copy of delivered bytes that differs is a conflict; the first
     * copy stands */
    seg(&s, 0, 1001, "HELLO");
    assert_stream(&s, 0, "hello you");
    assert_int_equal(s.rc.dir[0].conflicts, 1);
    assert_int_equal(s.g.conflicts, 1);
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_OVERLAP_CONFLICT], 1);
    rs_free(&s);
}

static void test_overlap_equal_bytes(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    /* overlapping what was delivered */
    seg(&s, 0, 1001, "hello");
    seg(&s, 0, 1004, "lo world");
    assert_stream(&s, 0, "hello world");
    /* overlapping what is held */
    seg(&s, 0, 1016, "sky");    /* held: 1016..1018 */
    seg(&s, 0, 1014, "a sky!"); /* held, overlaps the held copy with the same bytes */
    seg(&s, 0, 1012, ", ");     /* fills the hole */
    assert_stream(&s, 0, "hello world, a sky!");
    assert_int_equal(s.rc.dir[0].conflicts, 0);
    assert_int_equal(s.rc.dir[0].gaps, 0);
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_OVERLAP_CONFLICT], 0);
    rs_free(&s);
}

static void test_overlap_different_bytes_first_wins(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1006, "world");  /* held */
    seg(&s, 0, 1006, "WORLD!"); /* differs where it overlaps; one more byte */
    assert_int_equal(s.rc.dir[0].conflicts, 1);
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_OVERLAP_CONFLICT], 1);
    seg(&s, 0, 1001, "hello");
    assert_stream(&s, 0, "helloworld!");
    assert_int_equal(s.g.conflicts, 1);
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_OVERLAP_CONFLICT], 1);
    rs_free(&s);
}

static void test_sequence_wrap(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    /* ISN 0xFFFFFF00: 512 bytes from 0xFFFFFF01 cross 0 after 255 bytes,
     * sent as 8 segments of 64 in a scrambled order */
    uint8_t data[512];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)('A' + i % 26);
    syn(&s, 0, 0xFFFFFF00u);
    static const int order[] = {3, 1, 7, 0, 5, 2, 6, 4};
    for (int i = 0; i < 8; i++) {
        uint32_t off = (uint32_t)order[i] * 64u;
        seg_ex(&s, 0, 0xFFFFFF01u + off, data + off, 64, NULL);
    }
    assert_int_equal(s.r.stream[0].len, 512);
    assert_memory_equal(s.r.stream[0].p, data, 512);
    assert_int_equal(s.rc.dir[0].gaps, 0);
    assert_int_equal(s.rc.dir[0].next_seq, 0xFFFFFF01u + 512u);
    rs_free(&s);
}

static void test_hole_becomes_gap_at_flush(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1001, "abcde");
    seg(&s, 0, 1011, "klmno"); /* 1006..1010 never comes */
    assert_string_equal(rec_text(&s.r), "DATA 0 5\n");
    reasm_flush(&s.rc, &s.g, s.sink, s.ctx);
    assert_string_equal(rec_text(&s.r), "DATA 0 5\nGAP 0 5\nDATA 0 5\n");
    assert_int_equal(s.rc.dir[0].gaps, 1);
    assert_int_equal(s.rc.dir[0].gap_bytes, 5);
    assert_int_equal(s.g.gap_bytes, 5);
    assert_int_equal(s.rc.dir[0].delivered, 15);
    assert_int_equal(s.g.held_bytes, 0);
    rs_free(&s);
}

static void test_hole_becomes_gap_after_wait_packets(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1011, "0123456789"); /* hole 1001..1010 */
    unsigned later = 0;
    uint32_t seq = 1021;
    /* Until a little before the limit the hole is only reordering */
    for (; later + 2 < LIMIT_REASM_WAIT_PACKETS; later++, seq += 10)
        seg(&s, 0, seq, "abcdefghij");
    assert_int_equal(s.rc.dir[0].gaps, 0);
    assert_int_equal(s.r.stream[0].len, 0);
    /* Within a packet or two of the limit it is loss */
    for (; later < LIMIT_REASM_WAIT_PACKETS + 1 && s.rc.dir[0].gaps == 0; later++, seq += 10)
        seg(&s, 0, seq, "abcdefghij");
    assert_int_equal(s.rc.dir[0].gaps, 1);
    assert_int_equal(s.rc.dir[0].gap_bytes, 10);
    /* everything held after the hole came out, in order */
    assert_int_equal(s.r.stream[0].len, (size_t)(seq - 1011));
    assert_memory_equal(s.r.stream[0].p, "0123456789abcdefghij", 20);
    /* the late bytes of the hole are now a retransmission */
    seg(&s, 0, 1001, "LATELATE!!");
    assert_int_equal(s.r.stream[0].len, (size_t)(seq - 1011));
    rs_free(&s);
}

static void test_snaplen_cut_segment(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    /* 100 bytes on the wire, 40 captured */
    char data[41] = "0123456789012345678901234567890123456789";
    struct segopt o = {.caplen = 40};
    seg_ex(&s, 0, 1001, data, 100, &o);
    seg(&s, 0, 1101, "next");
    assert_string_equal(rec_text(&s.r), "DATA 0 40\nGAP 0 60\nDATA 0 4\n");
    assert_int_equal(s.rc.dir[0].gap_bytes, 60);
    assert_int_equal(s.rc.dir[0].delivered, 104);

    /* The same, held out of order first */
    rec_reset(&s.r);
    seg_ex(&s, 0, 1115, data, 100, &o);
    seg(&s, 0, 1105, "0123456789");
    assert_string_equal(rec_text(&s.r), "DATA 0 50\nGAP 0 60\n");
    rs_free(&s);
}

static void test_midstream_start_without_syn(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    /* a bare ACK says nothing about where the stream is */
    seg_ex(&s, 0, 4000, "", 0, NULL);
    seg(&s, 0, 5000, "MAIL FROM:<a@b>\r\n");
    assert_stream(&s, 0, "MAIL FROM:<a@b>\r\n");
    /* bytes before the join point are old, not a hole */
    seg(&s, 0, 4990, "0123456789");
    assert_stream(&s, 0, "MAIL FROM:<a@b>\r\n");
    assert_int_equal(s.rc.dir[0].gaps, 0);
    seg(&s, 0, 5017, "RCPT TO:<c@d>\r\n");
    assert_stream(&s, 0, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
    rs_free(&s);
}

static void test_held_bytes_cap_forces_gap(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    enum { SEG = 20000, NSEG = 16 };
    uint8_t *data = malloc(SEG * NSEG);
    for (size_t i = 0; i < SEG * NSEG; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    syn(&s, 0, 1000);
    /* hole 1001..1100, then 16 segments of 20000 bytes: more than the cap */
    uint32_t base = 1101;
    size_t capped_at = 0;
    for (size_t i = 0; i < NSEG; i++) {
        seg_ex(&s, 0, base + (uint32_t)(i * SEG), data + i * SEG, SEG, NULL);
        assert_true(s.g.held_bytes <= LIMIT_REASM_HELD_PER_DIR);
        if (!capped_at && s.rc.dir[0].gaps) {
            capped_at = i;
            /* the hole was given up and everything up to and including
             * this segment is in order: delivered now */
            if (s.r.stream[0].len != (i + 1) * SEG)
                fail_msg("after the cap at segment %zu: %zu bytes delivered, want %zu", i,
                         s.r.stream[0].len, (i + 1) * (size_t)SEG);
        }
    }
    assert_true(capped_at > 0);
    assert_true(capped_at * SEG <= LIMIT_REASM_HELD_PER_DIR + SEG);
    assert_true(s.g.held_peak <= LIMIT_REASM_HELD_PER_DIR);
    assert_true(s.g.held_cap_hits > 0);
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_HELD_CAP], s.g.held_cap_hits);
    reasm_flush(&s.rc, &s.g, s.sink, s.ctx);
    assert_int_equal(s.rc.dir[0].gaps, 1);
    assert_int_equal(s.rc.dir[0].gap_bytes, 100);
    assert_int_equal(s.r.stream[0].len, SEG * NSEG);
    assert_memory_equal(s.r.stream[0].p, data, SEG * NSEG);
    free(data);
    rs_free(&s);
}

static void test_out_of_window_not_held(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1001 + LIMIT_REASM_WINDOW + 1000, "far away");
    assert_int_equal(s.rc.dir[0].held_bytes, 0);
    assert_int_equal(s.g.out_of_window, 1);
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_OUT_OF_WINDOW], 1);
    seg(&s, 0, 1001, "near");
    assert_stream(&s, 0, "near");
    assert_int_equal(s.r.anomalies[ANOMALY_REASM_OUT_OF_WINDOW], 1);
    rs_free(&s);
}

static void test_stop_discards_and_ignores(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    seg(&s, 0, 1001, "abc");
    seg(&s, 0, 1010, "held bytes");
    assert_true(s.g.held_bytes > 0);
    reasm_stop(&s.rc, &s.g, 0);
    assert_int_equal(s.rc.dir[0].held_bytes, 0);
    assert_int_equal(s.g.held_bytes, 0);
    seg(&s, 0, 1004, "filler");
    seg(&s, 0, 1020, "more");
    reasm_flush(&s.rc, &s.g, s.sink, s.ctx);
    assert_string_equal(rec_text(&s.r), "DATA 0 3\n");
    /* the other direction goes on */
    syn(&s, 1, 7000);
    seg(&s, 1, 7001, "250 ok\r\n");
    assert_stream(&s, 1, "250 ok\r\n");
    rs_free(&s);
}

/* A sink that stops its direction from inside the data callback, as the
 * pipeline does once a session is established. */
struct stopper {
    struct rs *s;
    size_t calls;
};

static void stop_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    struct stopper *st = ctx;
    st->calls++;
    rec_reasm_sink.data(&st->s->r, dir, p, n);
    reasm_stop(&st->s->rc, &st->s->g, dir);
}

static void stop_gap(void *ctx, int dir, uint64_t n)
{
    struct stopper *st = ctx;
    rec_reasm_sink.gap(&st->s->r, dir, n);
}

static void stop_anomaly(void *ctx, int dir, enum anomaly a)
{
    struct stopper *st = ctx;
    rec_reasm_sink.anomaly(&st->s->r, dir, a);
}

static void test_stop_inside_callback(void **state)
{
    (void)state;
    static const struct reasm_sink stopping = {stop_data, stop_gap, stop_anomaly};
    struct rs s;
    rs_init(&s);
    struct stopper st = {&s, 0};
    s.sink = &stopping;
    s.ctx = &st;
    syn(&s, 0, 1000);
    seg(&s, 0, 1006, "second"); /* held */
    seg(&s, 0, 1012, "third");  /* held */
    seg(&s, 0, 1001, "first");  /* delivered; the sink stops; the held ones are dropped */
    assert_int_equal(st.calls, 1);
    assert_stream(&s, 0, "first");
    assert_int_equal(s.g.held_bytes, 0);
    seg(&s, 0, 1017, "fourth");
    reasm_flush(&s.rc, &s.g, s.sink, s.ctx);
    assert_int_equal(st.calls, 1);
    assert_string_equal(rec_text(&s.r), "DATA 0 5\n");
    rs_free(&s);
}

/* A sink that keeps each anomaly with its direction. */
struct told {
    struct rs *s;
    unsigned n;
    int dir[8];
    enum anomaly a[8];
};

static void told_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    struct told *t = ctx;
    rec_reasm_sink.data(&t->s->r, dir, p, n);
}

static void told_gap(void *ctx, int dir, uint64_t n)
{
    struct told *t = ctx;
    rec_reasm_sink.gap(&t->s->r, dir, n);
}

static void told_anomaly(void *ctx, int dir, enum anomaly a)
{
    struct told *t = ctx;
    if (t->n < 8) {
        t->dir[t->n] = dir;
        t->a[t->n] = a;
    }
    t->n++;
}

/* Each anomaly the counters count is told to the sink once, with its
 * direction, as it happens: a conflict with held bytes and with delivered
 * bytes, a segment too far ahead, a held-bytes cap. */
static void test_anomalies_told_to_sink(void **state)
{
    (void)state;
    static const struct reasm_sink telling = {told_data, told_gap, told_anomaly};
    struct rs s;
    rs_init(&s);
    struct told t = {.s = &s};
    s.sink = &telling;
    s.ctx = &t;
    syn(&s, 0, 1000);
    syn(&s, 1, 5000);
    seg(&s, 1, 5010, "later"); /* held: a hole before it */
    seg(&s, 1, 5010, "LATER"); /* differs from the held copy */
    assert_int_equal(t.n, 1);
    assert_int_equal(t.dir[0], 1);
    assert_int_equal(t.a[0], ANOMALY_REASM_OVERLAP_CONFLICT);
    seg(&s, 0, 1001, "hello");
    seg(&s, 0, 1001, "HELLO"); /* differs from the delivered copy */
    assert_int_equal(t.n, 2);
    assert_int_equal(t.dir[1], 0);
    assert_int_equal(t.a[1], ANOMALY_REASM_OVERLAP_CONFLICT);
    seg(&s, 0, 1006 + LIMIT_REASM_WINDOW + 1, "far away");
    assert_int_equal(t.n, 3);
    assert_int_equal(t.dir[2], 0);
    assert_int_equal(t.a[2], ANOMALY_REASM_OUT_OF_WINDOW);
    assert_int_equal(s.g.conflicts, 2);
    assert_int_equal(s.g.out_of_window, 1);
    assert_int_equal(s.g.held_cap_hits, 0);

    /* Held segments fill the per-direction cap behind a hole: the next one
     * is refused, the hole given up, and the sink told of the refusal. */
    enum { SEG = 16384 };
    uint8_t *data = calloc(1, SEG);
    assert_non_null(data);
    uint32_t at = 5100;
    for (unsigned i = 0; s.g.held_cap_hits == 0; i++) {
        assert_true(i <= LIMIT_REASM_HELD_PER_DIR / SEG);
        seg_ex(&s, 1, at, data, SEG, NULL);
        at += SEG;
    }
    free(data);
    assert_int_equal(s.g.held_cap_hits, 1);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.dir[3], 1);
    assert_int_equal(t.a[3], ANOMALY_REASM_HELD_CAP);
    rs_free(&s);
}

static void test_fin_finishes_after_hole_filled(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    syn(&s, 0, 1000);
    struct segopt fin = {.fin = true};
    seg_ex(&s, 0, 1006, "QUIT\r\n", 6, &fin); /* FIN with a hole before it */
    assert_false(s.rc.dir[0].finished);
    seg(&s, 0, 1001, "NOOP ");
    assert_stream(&s, 0, "NOOP QUIT\r\n");
    assert_true(s.rc.dir[0].finished);
    rs_free(&s);
}

/* Causal order: the capture put the server's reply before the client's
 * command it acknowledges; the command is delivered first. */
static void test_reply_not_delivered_before_its_command(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    const uint32_t c = 100, v = 900000;
    struct segopt o = {.syn = true};
    seg_ex(&s, 0, c, "", 0, &o); /* client SYN */
    o.has_ack = true;
    o.ack = c + 1;
    seg_ex(&s, 1, v, "", 0, &o); /* server SYN-ACK */
    struct segopt a = {.has_ack = true, .ack = c + 1};
    seg_ex(&s, 1, v + 1, "220 hi\r\n", 8, &a);
    /* reply to EHLO, acknowledging the client's 8 bytes, captured first */
    a.ack = c + 1 + 8;
    seg_ex(&s, 1, v + 9, "250 ok\r\n", 8, &a);
    a.ack = v + 9;
    seg_ex(&s, 0, c + 1, "EHLO x\r\n", 8, &a);
    assert_string_equal(rec_text(&s.r), "DATA 1 8\nDATA 0 8\nDATA 1 8\n");
    assert_stream(&s, 1, "220 hi\r\n250 ok\r\n");
    rs_free(&s);
}

static void test_reply_to_lost_command_still_delivered(void **state)
{
    (void)state;
    struct rs s;
    rs_init(&s);
    const uint32_t c = 100, v = 900000;
    struct segopt o = {.syn = true};
    seg_ex(&s, 0, c, "", 0, &o);
    o.has_ack = true;
    o.ack = c + 1;
    seg_ex(&s, 1, v, "", 0, &o);
    /* the client's 8-byte command was never captured; the reply acknowledges it */
    struct segopt a = {.has_ack = true, .ack = c + 9};
    seg_ex(&s, 1, v + 1, "250 ok\r\n", 8, &a);
    reasm_flush(&s.rc, &s.g, s.sink, s.ctx);
    assert_stream(&s, 1, "250 ok\r\n");
    rs_free(&s);
}

/* Random segmentation of a stream, duplicates and overlapping re-sends,
 * shuffled: the same bytes as in order, no gap, no conflict. */
static void test_random_permutations(void **state)
{
    (void)state;
    enum { N = 3000 };
    uint8_t data[N];
    for (size_t i = 0; i < N; i++)
        data[i] = (uint8_t)(i * 31 + (i >> 5));
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct prng rng = prng_seed(seed);
        struct {
            uint32_t off, len;
        } segs[80];
        size_t ns = 0;
        for (uint32_t off = 0; off < N;) {
            uint32_t len = (uint32_t)prng_range(&rng, 1, 200);
            if (len > N - off)
                len = N - off;
            segs[ns].off = off;
            segs[ns].len = len;
            ns++;
            off += len;
        }
        size_t base = ns;
        for (int d = 0; d < 8 && ns < 62; d++) /* exact duplicates */
            segs[ns++] = segs[prng_range(&rng, 0, base - 1)];
        for (int d = 0; d < 6 && ns < 62; d++) { /* overlapping re-segmentations */
            uint32_t off = (uint32_t)prng_range(&rng, 0, N - 2);
            uint32_t len = (uint32_t)prng_range(&rng, 1, 300);
            if (len > N - off)
                len = N - off;
            segs[ns].off = off;
            segs[ns].len = len;
            ns++;
        }
        size_t idx[80];
        for (size_t i = 0; i < ns; i++)
            idx[i] = i;
        prng_shuffle(&rng, idx, ns);

        struct rs s;
        rs_init(&s);
        uint32_t isn = 0xFFFFF000u + (uint32_t)seed * 17u; /* the stream crosses 2^32 */
        syn(&s, 0, isn);
        for (size_t i = 0; i < ns; i++) {
            uint32_t off = segs[idx[i]].off, len = segs[idx[i]].len;
            seg_ex(&s, 0, isn + 1 + off, data + off, len, NULL);
        }
        reasm_flush(&s.rc, &s.g, s.sink, s.ctx);
        if (s.r.stream[0].len != N || memcmp(s.r.stream[0].p, data, N) != 0 ||
            s.rc.dir[0].gaps != 0 || s.rc.dir[0].conflicts != 0)
            fail_msg("seed %llu (%zu segments): %zu bytes, %u gaps, %u conflicts",
                     (unsigned long long)seed, ns, s.r.stream[0].len, s.rc.dir[0].gaps,
                     s.rc.dir[0].conflicts);
        rs_free(&s);
    }
}

static int free_buffers(void **state)
{
    (void)state;
    tb_free_all();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_syn_with_data),
        cmocka_unit_test(test_out_of_order_held_then_delivered),
        cmocka_unit_test(test_retransmission_delivered_once),
        cmocka_unit_test(test_overlap_equal_bytes),
        cmocka_unit_test(test_overlap_different_bytes_first_wins),
        cmocka_unit_test(test_sequence_wrap),
        cmocka_unit_test(test_hole_becomes_gap_at_flush),
        cmocka_unit_test(test_hole_becomes_gap_after_wait_packets),
        cmocka_unit_test(test_snaplen_cut_segment),
        cmocka_unit_test(test_midstream_start_without_syn),
        cmocka_unit_test(test_held_bytes_cap_forces_gap),
        cmocka_unit_test(test_out_of_window_not_held),
        cmocka_unit_test(test_stop_discards_and_ignores),
        cmocka_unit_test(test_stop_inside_callback),
        cmocka_unit_test(test_anomalies_told_to_sink),
        cmocka_unit_test(test_fin_finishes_after_hole_filled),
        cmocka_unit_test(test_reply_not_delivered_before_its_command),
        cmocka_unit_test(test_reply_to_lost_command_still_delivered),
        cmocka_unit_test(test_random_permutations),
    };
    return cmocka_run_group_tests(tests, NULL, free_buffers);
}
