/*
 * test_tcp.c - TCP header to segment (decode/tcp.h).
 *
 * RFC 9293 3.1: fixed 20-byte header, data offset in 32-bit words (minimum 5),
 * options up to 40 bytes; the payload's wire length is the IP transport length
 * minus the header, whatever the capture kept.
 */
#include "tcp.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "tbuf.h"

static void hdr(struct tbuf *b, unsigned doff, unsigned flags)
{
    tb_u16(b, 40000);      /* source port */
    tb_u16(b, 25);         /* destination port: SMTP */
    tb_u32(b, 0x01020304); /* sequence */
    tb_u32(b, 0x0A0B0C0D); /* acknowledgement */
    tb_u8(b, (doff & 0x0F) << 4);
    tb_u8(b, flags);
    tb_u16(b, 65535); /* window */
    tb_u16(b, 0);     /* checksum */
    tb_u16(b, 0);     /* urgent pointer */
}

static int decode(const struct tbuf *b, size_t caplen, uint32_t wire, struct tcp_seg *out,
                  long *off)
{
    uint8_t *copy = tb_dup(b->p, caplen);
    memset(out, 0xA5, sizeof *out);
    int rc = tcp_decode(cur_make(copy, caplen), wire, out);
    *off = -1;
    if (rc == 0 && cur_left(&out->payload)) {
        const uint8_t *v = cur_ptr(&out->payload);
        assert_true(v >= copy && v + cur_left(&out->payload) <= copy + caplen);
        *off = (long)(v - copy);
    }
    free(copy);
    return rc;
}

static const char ehlo[] = "EHLO client.example.org\r\n";

static void test_basic_segment(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    hdr(&b, 5, TCP_PSH | TCP_ACK);
    tb_str(&b, ehlo);
    struct tcp_seg t;
    long off;
    assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), 0);
    assert_int_equal(t.sport, 40000);
    assert_int_equal(t.dport, 25);
    assert_int_equal(t.seq, 0x01020304);
    assert_int_equal(t.ack, 0x0A0B0C0D);
    assert_int_equal(t.flags, TCP_PSH | TCP_ACK);
    assert_int_equal(t.window, 65535);
    assert_int_equal(off, 20);
    assert_int_equal(cur_left(&t.payload), strlen(ehlo));
    assert_int_equal(t.payload_len, strlen(ehlo));
    tb_free(&b);
}

static void test_options(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* data offset 8: MSS 1460 (02 04 05 b4), SACK permitted (04 02), NOP,
     * window scale 7 (03 03 07), NOP, NOP */
    hdr(&b, 8, TCP_SYN);
    static const uint8_t opts[] = {2, 4, 5, 0xb4, 4, 2, 1, 3, 3, 7, 1, 1};
    tb_put(&b, opts, sizeof opts);
    struct tcp_seg t;
    long off;
    assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), 0);
    assert_int_equal(t.flags, TCP_SYN);
    assert_int_equal(cur_left(&t.payload), 0);
    assert_int_equal(t.payload_len, 0);

    /* data offset 15 (60 bytes) with payload after the options */
    tb_reset(&b);
    hdr(&b, 15, TCP_ACK);
    tb_fill(&b, 1, 40); /* NOPs */
    tb_str(&b, ehlo);
    assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), 0);
    assert_int_equal(off, 60);
    assert_int_equal(t.payload_len, strlen(ehlo));
    tb_free(&b);
}

static void test_data_offset_below_5(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    for (unsigned d = 0; d < 5; d++) {
        tb_reset(&b);
        hdr(&b, d, TCP_ACK);
        tb_str(&b, ehlo);
        struct tcp_seg t;
        long off;
        assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), ANOMALY_TCP_BAD_OFFSET);
    }
    tb_free(&b);
}

static void test_header_longer_than_wire(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* data offset 6 (24 bytes) but the IP header says 23 bytes of TCP */
    hdr(&b, 6, TCP_ACK);
    tb_fill(&b, 1, 4);
    struct tcp_seg t;
    long off;
    assert_int_equal(decode(&b, b.len, 23, &t, &off), ANOMALY_TCP_BAD_OFFSET);
    /* exactly the header */
    assert_int_equal(decode(&b, b.len, 24, &t, &off), 0);
    assert_int_equal(t.payload_len, 0);
    tb_free(&b);
}

static void test_payload_clamped_to_wire_length(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* 25 payload bytes captured, the IP length says 20 of them are TCP's */
    hdr(&b, 5, TCP_ACK);
    tb_str(&b, ehlo);
    struct tcp_seg t;
    long off;
    assert_int_equal(decode(&b, b.len, 40, &t, &off), 0);
    assert_int_equal(t.payload_len, 20);
    assert_int_equal(cur_left(&t.payload), 20);
    tb_free(&b);
}

static void test_snaplen_cut_payload(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* 1000 payload bytes on the wire, 10 captured */
    hdr(&b, 5, TCP_ACK);
    tb_put(&b, "MAIL FROM:", 10);
    struct tcp_seg t;
    long off;
    assert_int_equal(decode(&b, b.len, 1020, &t, &off), 0);
    assert_int_equal(t.payload_len, 1000);
    assert_int_equal(cur_left(&t.payload), 10);
    assert_true(cur_left(&t.payload) < t.payload_len);
    tb_free(&b);
}

static void test_options_cut_by_snaplen(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* data offset 10 (40 bytes), 30 captured: the segment is known, its
     * payload is all beyond the capture */
    hdr(&b, 10, TCP_ACK | TCP_PSH);
    tb_fill(&b, 1, 20);
    tb_str(&b, ehlo);
    struct tcp_seg t;
    long off;
    int rc = decode(&b, 30, (uint32_t)b.len, &t, &off);
    assert_int_equal(rc, 0);
    assert_int_equal(t.seq, 0x01020304);
    assert_int_equal(t.payload_len, strlen(ehlo));
    assert_int_equal(cur_left(&t.payload), 0);
    tb_free(&b);
}

static void test_bad_flag_combinations(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct tcp_seg t;
    long off;
    hdr(&b, 5, TCP_SYN | TCP_RST);
    assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), ANOMALY_TCP_BAD_FLAGS);
    tb_reset(&b);
    hdr(&b, 5, TCP_SYN | TCP_FIN | TCP_ACK);
    assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), ANOMALY_TCP_BAD_FLAGS);
    /* SYN+ACK, FIN+ACK, RST+ACK are fine */
    static const unsigned ok[] = {TCP_SYN | TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST | TCP_ACK, TCP_RST,
                                  0};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        tb_reset(&b);
        hdr(&b, 5, ok[i]);
        assert_int_equal(decode(&b, b.len, (uint32_t)b.len, &t, &off), 0);
        assert_int_equal(t.flags, ok[i]);
    }
    tb_free(&b);
}

static void test_truncated_fixed_header(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    hdr(&b, 5, TCP_ACK);
    struct tcp_seg t;
    long off;
    assert_int_equal(decode(&b, 19, 20, &t, &off), ANOMALY_TCP_TRUNCATED);
    assert_int_equal(decode(&b, 0, 20, &t, &off), ANOMALY_TCP_TRUNCATED);
    tb_free(&b);
}

static void test_every_prefix(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    hdr(&b, 8, TCP_ACK | TCP_PSH);
    tb_fill(&b, 1, 12);
    tb_str(&b, ehlo);
    for (size_t k = 0; k <= b.len; k++) {
        struct tcp_seg t;
        long off;
        int rc = decode(&b, k, (uint32_t)b.len, &t, &off);
        if (k < 20) {
            assert_int_equal(rc, ANOMALY_TCP_TRUNCATED);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(t.payload_len, strlen(ehlo));
        assert_int_equal(cur_left(&t.payload), k > 32 ? k - 32 : 0);
    }
    tb_free(&b);
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
        cmocka_unit_test(test_basic_segment),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_data_offset_below_5),
        cmocka_unit_test(test_header_longer_than_wire),
        cmocka_unit_test(test_payload_clamped_to_wire_length),
        cmocka_unit_test(test_snaplen_cut_payload),
        cmocka_unit_test(test_options_cut_by_snaplen),
        cmocka_unit_test(test_bad_flag_combinations),
        cmocka_unit_test(test_truncated_fixed_header),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, free_buffers);
}
