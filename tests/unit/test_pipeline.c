/*
 * test_pipeline.c - the pipeline's clock and the order of its records
 * (decode/pipeline.h: pipeline_tick, pipeline_closed_until, order_us,
 * pipeline_stats_add).
 *
 * Contract under test: without packets, pipeline_tick moves the clock and
 * closes a finished session once its 5 s linger is over, and an idle one
 * once its idle timeout is; the clock never moves back; every record still
 * to come has an order_us at least pipeline_closed_until; at the end of
 * input the mark is UINT64_MAX and the remaining records are due last;
 * counters add up, high-water marks keep the larger.
 */
#include "pipeline.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "caps.h"

#define DLT_RAW 12 /* the frame is the IPv4 packet */
#define S 1000000ull

struct sink {
    size_t n;
    struct session_record last;
};

static void on_record(void *ctx, const struct session_record *r)
{
    struct sink *s = ctx;
    s->n++;
    s->last = *r;
}

static struct pipeline *new_pipeline(struct sink *s, uint64_t idle_s)
{
    static const uint16_t ports[] = {25};
    struct pipeline_config cfg = {
        .max_flows = 64,
        .idle_timeout_us = idle_s * S,
        .smtp_ports = ports,
        .nsmtp_ports = 1,
        .ndpi = PIPELINE_NDPI_OFF,
    };
    memset(s, 0, sizeof *s);
    struct pipeline *pl = pipeline_new(&cfg, on_record, s);
    assert_non_null(pl);
    return pl;
}

enum { SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08 };

/* One IPv4/TCP packet, client 10.0.0.1:40000 <-> server 10.0.0.2:25. */
static void send_tcp(struct pipeline *pl, uint64_t ts, bool from_client, uint32_t seq, uint32_t ack,
                     uint8_t flags, const char *payload)
{
    uint8_t b[256];
    size_t plen = payload ? strlen(payload) : 0;
    size_t len = 20 + 20 + plen;
    memset(b, 0, 40);
    b[0] = 0x45;
    b[2] = (uint8_t)(len >> 8);
    b[3] = (uint8_t)len;
    b[8] = 64;
    b[9] = 6;
    uint8_t c[4] = {10, 0, 0, 1}, sv[4] = {10, 0, 0, 2};
    memcpy(b + 12, from_client ? c : sv, 4);
    memcpy(b + 16, from_client ? sv : c, 4);
    uint16_t sport = from_client ? 40000 : 25, dport = from_client ? 25 : 40000;
    uint8_t *t = b + 20;
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    for (int i = 0; i < 4; i++) {
        t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
        t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    t[12] = 5 << 4;
    t[13] = flags;
    t[14] = 0xff;
    if (plen)
        memcpy(t + 20, payload, plen);
    struct packet p = {ts, (uint32_t)len, (uint32_t)len, DLT_RAW, b};
    pipeline_packet(pl, &p);
}

/* A short plaintext session; with fin, it ends with FIN both ways at t0 + 5 ms. */
static void session(struct pipeline *pl, uint64_t t0, bool fin)
{
    const char *banner = "220 mx ESMTP\r\n", *ehlo = "EHLO c\r\n", *reply = "250 mx\r\n";
    uint32_t c = 1000, s = 5000;
    send_tcp(pl, t0, true, c, 0, SYN, NULL);
    send_tcp(pl, t0 + 1000, false, s, c + 1, SYN | ACK, NULL);
    send_tcp(pl, t0 + 2000, true, c + 1, s + 1, ACK, NULL);
    send_tcp(pl, t0 + 3000, false, s + 1, c + 1, PSH | ACK, banner);
    s += (uint32_t)strlen(banner);
    send_tcp(pl, t0 + 3500, true, c + 1, s + 1, PSH | ACK, ehlo);
    c += (uint32_t)strlen(ehlo);
    send_tcp(pl, t0 + 4000, false, s + 1, c + 1, PSH | ACK, reply);
    s += (uint32_t)strlen(reply);
    if (!fin)
        return;
    send_tcp(pl, t0 + 4500, true, c + 1, s + 1, FIN | ACK, NULL);
    send_tcp(pl, t0 + 5000, false, s + 1, c + 2, FIN | ACK, NULL);
}

static void test_tick_closes_after_linger_without_packets(void **state)
{
    (void)state;
    struct sink s;
    struct pipeline *pl = new_pipeline(&s, 300);
    uint64_t t0 = 1000 * S, end = t0 + 5000;
    session(pl, t0, true);
    assert_int_equal(s.n, 0);
    pipeline_tick(pl, end + LIMIT_CLOSE_LINGER_US - 1000);
    assert_int_equal(s.n, 0); /* still lingering */
    assert_int_equal(pipeline_closed_until(pl), end + LIMIT_CLOSE_LINGER_US - 1000);
    pipeline_tick(pl, end + LIMIT_CLOSE_LINGER_US - 5000); /* backwards: nothing */
    assert_int_equal(pipeline_closed_until(pl), end + LIMIT_CLOSE_LINGER_US - 1000);
    pipeline_tick(pl, end + LIMIT_CLOSE_LINGER_US + LIMIT_EXPIRY_TICK_US);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.order_us, end + LIMIT_CLOSE_LINGER_US); /* mark + linger */
    assert_true(s.last.order_us <= pipeline_closed_until(pl));
    assert_int_equal(s.last.end_us, end);
    pipeline_finish(pl);
    assert_int_equal(s.n, 1);
    assert_int_equal(pipeline_closed_until(pl), UINT64_MAX);
    pipeline_free(pl);
}

static void test_tick_closes_idle_sessions(void **state)
{
    (void)state;
    struct sink s;
    struct pipeline *pl = new_pipeline(&s, 60);
    uint64_t t0 = 2000 * S;
    session(pl, t0, false);
    pipeline_tick(pl, t0 + 59 * S);
    assert_int_equal(s.n, 0);
    uint64_t later = t0 + 62 * S;
    pipeline_tick(pl, later);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.order_us, later); /* closed by this pass */
    assert_int_equal(pipeline_closed_until(pl), later);
    pipeline_free(pl);
}

static void test_end_of_input_comes_last(void **state)
{
    (void)state;
    struct sink s;
    struct pipeline *pl = new_pipeline(&s, 300);
    session(pl, 3000 * S, false);
    pipeline_finish(pl);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.order_us, UINT64_MAX);
    assert_int_equal(pipeline_closed_until(pl), UINT64_MAX);
    pipeline_free(pl);
}

/* Offline nothing ticks: the same packets give the record only at the end. */
static void test_packets_alone_keep_time(void **state)
{
    (void)state;
    struct sink s;
    struct pipeline *pl = new_pipeline(&s, 300);
    session(pl, 4000 * S, true);
    assert_int_equal(s.n, 0);
    pipeline_finish(pl);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.order_us, 4000 * S + 5000 + LIMIT_CLOSE_LINGER_US);
    pipeline_free(pl);
}

static void test_stats_add(void **state)
{
    (void)state;
    struct pipeline_stats a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.packets = 10;
    a.held_peak = 700;
    a.decode_errors[1] = 2;
    b.packets = 5;
    b.held_peak = 300;
    b.decode_errors[1] = 3;
    b.sessions = 4;
    pipeline_stats_add(&a, &b);
    assert_int_equal(a.packets, 15);
    assert_int_equal(a.sessions, 4);
    assert_int_equal(a.held_peak, 700); /* a high-water mark: the larger */
    assert_int_equal(a.decode_errors[1], 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_closes_after_linger_without_packets),
        cmocka_unit_test(test_tick_closes_idle_sessions),
        cmocka_unit_test(test_end_of_input_comes_last),
        cmocka_unit_test(test_packets_alone_keep_time),
        cmocka_unit_test(test_stats_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
