/*
 * test_ip.c - IPv4 and IPv6 to the transport bytes (decode/ip.h).
 *
 * Normative layouts: RFC 791 (IPv4 header, IHL, total length, fragment
 * field), RFC 8200 (IPv6 header, extension header chain, fragment header),
 * RFC 6946 (an atomic fragment is a whole packet), RFC 4302 (AH length in
 * 4-octet units minus 2), RFC 2003 / RFC 4213 (IPv4 and IPv6 in IPv4).
 */
#include "ip.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "caps.h"
#include "link.h"
#include "tbuf.h"

static const uint8_t a4[4] = {192, 0, 2, 1};     /* 192.0.2.1 */
static const uint8_t b4[4] = {198, 51, 100, 25}; /* 198.51.100.25 */
static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x19};

/* IPv4 header: IHL words (options are NOPs ending in EOL), total length,
 * flags+fragment offset field, protocol. */
static void v4(struct tbuf *b, unsigned ihl, unsigned total, unsigned frag, unsigned proto,
               const uint8_t src[4], const uint8_t dst[4])
{
    tb_u8(b, 0x40 | (ihl & 0x0F));
    tb_u8(b, 0);
    tb_u16(b, total);
    tb_u16(b, 0x1234); /* identification */
    tb_u16(b, frag);
    tb_u8(b, 64);
    tb_u8(b, proto);
    tb_u16(b, 0);
    tb_put(b, src, 4);
    tb_put(b, dst, 4);
    if (ihl > 5) {
        tb_fill(b, 0x01, (ihl - 5) * 4 - 1); /* NOP ... */
        tb_u8(b, 0x00);                      /* EOL */
    }
}

static void v6(struct tbuf *b, unsigned plen, unsigned next, const uint8_t src[16],
               const uint8_t dst[16])
{
    tb_u32(b, 0x60000000);
    tb_u16(b, plen);
    tb_u8(b, next);
    tb_u8(b, 64);
    tb_put(b, src, 16);
    tb_put(b, dst, 16);
}

/* A generic extension header (hop-by-hop, routing, destination options) of
 * 8 * (len8 + 1) bytes. */
static void ext(struct tbuf *b, unsigned next, unsigned len8)
{
    tb_u8(b, next);
    tb_u8(b, len8);
    tb_u8(b, 0x01); /* PadN over the rest */
    tb_u8(b, (uint8_t)(len8 * 8 + 4));
    tb_fill(b, 0, len8 * 8 + 4);
}

/* A 20-byte TCP header stand-in: "TCPHEADER..." */
static void l4(struct tbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tb_u8(b, (uint8_t)('A' + i % 26));
}

/* Decode an exactly-sized heap copy; the l4 view must lie inside it. *off is
 * where it starts. */
static int decode(uint16_t et, const struct tbuf *b, size_t n, struct ip_info *out, long *off)
{
    uint8_t *copy = tb_dup(b->p, n);
    memset(out, 0xA5, sizeof *out);
    int rc = ip_decode(et, cur_make(copy, n), out);
    *off = -1;
    if (rc == 0) {
        size_t left = cur_left(&out->l4);
        if (left) {
            const uint8_t *v = cur_ptr(&out->l4);
            assert_true(v >= copy && v + left <= copy + n);
            *off = (long)(v - copy);
        }
    }
    free(copy);
    return rc;
}

static void test_ipv4_basic(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    v4(&b, 5, 40, 0x4000 /* DF */, 6, a4, b4);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.family, 4);
    assert_int_equal(ip.proto, IP_PROTO_TCP);
    assert_memory_equal(ip.src, a4, 4);
    assert_memory_equal(ip.dst, b4, 4);
    static const uint8_t zero[12] = {0};
    assert_memory_equal(ip.src + 4, zero, 12);
    assert_memory_equal(ip.dst + 4, zero, 12);
    assert_int_equal(off, 20);
    assert_int_equal(cur_left(&ip.l4), 20);
    assert_int_equal(ip.l4_wire_len, 20);
    assert_false(ip.fragment);
    assert_int_equal(ip.tunnels, 0);
    tb_free(&b);
}

static void test_ipv4_options(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* IHL 6: 01 01 01 00 (NOP NOP NOP EOL) */
    v4(&b, 6, 44, 0, 6, a4, b4);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(off, 24);
    assert_int_equal(cur_left(&ip.l4), 20);
    assert_int_equal(ip.l4_wire_len, 20);

    /* IHL 15: 40 bytes of options, the largest header */
    tb_reset(&b);
    v4(&b, 15, 80, 0, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(off, 60);
    assert_int_equal(ip.l4_wire_len, 20);

    /* IHL 15 but only 40 bytes captured: the options are cut */
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, 40, &ip, &off), ANOMALY_IP_TRUNCATED);
    tb_free(&b);
}

static void test_ipv4_ihl_below_5(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    for (unsigned ihl = 0; ihl < 5; ihl++) {
        tb_reset(&b);
        v4(&b, ihl, 40, 0, 6, a4, b4);
        l4(&b, 20);
        struct ip_info ip;
        long off;
        assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off),
                         ANOMALY_IP_BAD_HEADER_LEN);
    }
    tb_free(&b);
}

static void test_ip_bad_version(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    v6(&b, 20, 6, a6, b6);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    /* IPv6 bytes under the IPv4 ethertype, and the other way round */
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), ANOMALY_IP_BAD_VERSION);
    tb_reset(&b);
    v4(&b, 5, 60, 0, 6, a4, b4);
    l4(&b, 40);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), ANOMALY_IP_BAD_VERSION);
    /* ARP's ethertype is no IP */
    assert_int_not_equal(decode(0x0806, &b, b.len, &ip, &off), 0);
    tb_free(&b);
}

static void test_ipv4_total_length_edges(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;

    /* total 19 < header 20 */
    v4(&b, 5, 19, 0, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), ANOMALY_IP_BAD_TOTAL_LEN);
    /* IHL 6 (24 bytes), total 23 */
    tb_reset(&b);
    v4(&b, 6, 23, 0, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), ANOMALY_IP_BAD_TOTAL_LEN);
    /* total == header: no transport bytes */
    tb_reset(&b);
    v4(&b, 5, 20, 0, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(cur_left(&ip.l4), 0);
    assert_int_equal(ip.l4_wire_len, 0);
    /* total == header + 1 */
    tb_reset(&b);
    v4(&b, 5, 21, 0, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(cur_left(&ip.l4), 1);
    assert_int_equal(ip.l4_wire_len, 1);
    tb_free(&b);
}

static void test_ipv4_total_length_zero_is_tso(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* Total length 0: a TSO/GRO super-packet as captured on the sender; the
     * captured length is the packet. */
    v4(&b, 5, 0, 0, 6, a4, b4);
    l4(&b, 3000);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(off, 20);
    assert_int_equal(cur_left(&ip.l4), 3000);
    assert_int_equal(ip.l4_wire_len, 3000);
    tb_free(&b);
}

static void test_ipv4_padding_trimmed(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* A 40-byte packet in a minimum-size Ethernet frame: 6 bytes of padding */
    v4(&b, 5, 40, 0, 6, a4, b4);
    l4(&b, 20);
    tb_fill(&b, 0, 6);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(cur_left(&ip.l4), 20);
    assert_int_equal(ip.l4_wire_len, 20);
    tb_free(&b);
}

static void test_ipv4_snaplen_cut(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* 1500 bytes on the wire, 60 captured */
    v4(&b, 5, 1500, 0, 6, a4, b4);
    l4(&b, 40);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(cur_left(&ip.l4), 40);
    assert_int_equal(ip.l4_wire_len, 1480);
    tb_free(&b);
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    /* First fragment: MF, offset 0 */
    v4(&b, 5, 40, 0x2000, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_true(ip.fragment);
    assert_true(ip.more_fragments);
    assert_int_equal(ip.frag_offset, 0);
    assert_int_equal(ip.frag_id, 0x1234);
    /* Last fragment: offset 185 * 8 = 1480, no MF */
    tb_reset(&b);
    v4(&b, 5, 40, 185, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_true(ip.fragment);
    assert_false(ip.more_fragments);
    assert_int_equal(ip.frag_offset, 1480);
    /* DF alone is not a fragment */
    tb_reset(&b);
    v4(&b, 5, 40, 0x4000, 6, a4, b4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_false(ip.fragment);
    assert_false(ip.more_fragments);
    tb_free(&b);
}

static void test_ipv4_truncated_header(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    v4(&b, 5, 40, 0, 6, a4, b4);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, 19, &ip, &off), ANOMALY_IP_TRUNCATED);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, 0, &ip, &off), ANOMALY_IP_TRUNCATED);
    tb_free(&b);
}

static void test_ipv6_basic(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    v6(&b, 20, 6, a6, b6);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.family, 6);
    assert_int_equal(ip.proto, 6);
    assert_memory_equal(ip.src, a6, 16);
    assert_memory_equal(ip.dst, b6, 16);
    assert_int_equal(off, 40);
    assert_int_equal(ip.l4_wire_len, 20);
    assert_false(ip.fragment);
    assert_int_equal(ip.tunnels, 0);
    tb_free(&b);
}

static void test_ipv6_extension_chain(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* hop-by-hop (8) -> routing (24) -> destination options (8) -> TCP (20) */
    v6(&b, 8 + 24 + 8 + 20, 0, a6, b6);
    ext(&b, 43, 0);
    ext(&b, 60, 2);
    ext(&b, 6, 0);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.proto, 6);
    assert_int_equal(off, 80);
    assert_int_equal(cur_left(&ip.l4), 20);
    assert_int_equal(ip.l4_wire_len, 20);
    assert_false(ip.fragment);
    tb_free(&b);
}

static void frag_hdr(struct tbuf *b, unsigned next, unsigned offflags, uint32_t id)
{
    tb_u8(b, next);
    tb_u8(b, 0);
    tb_u16(b, offflags);
    tb_u32(b, id);
}

static void test_ipv6_fragment_header(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    /* First fragment: offset 0, M = 1 */
    v6(&b, 8 + 20, 44, a6, b6);
    frag_hdr(&b, 6, 0x0001, 0xDEADBEEF);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_true(ip.fragment);
    assert_true(ip.more_fragments);
    assert_int_equal(ip.frag_offset, 0);
    assert_int_equal(ip.frag_id, 0xDEADBEEF);
    /* Last fragment: offset 185 (1480 bytes), M = 0 */
    tb_reset(&b);
    v6(&b, 8 + 20, 44, a6, b6);
    frag_hdr(&b, 6, 185u << 3, 7);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_true(ip.fragment);
    assert_false(ip.more_fragments);
    assert_int_equal(ip.frag_offset, 1480);
    tb_free(&b);
}

static void test_ipv6_atomic_fragment_is_whole(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* RFC 6946: offset 0 and M = 0 is a whole packet behind a fragment header */
    v6(&b, 8 + 20, 44, a6, b6);
    frag_hdr(&b, 6, 0, 99);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_false(ip.fragment);
    assert_false(ip.more_fragments);
    assert_int_equal(ip.proto, 6);
    assert_int_equal(off, 48);
    assert_int_equal(ip.l4_wire_len, 20);
    tb_free(&b);
}

static void test_ipv6_later_fragment_payload_not_parsed_as_headers(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* A non-first fragment (offset 8, M = 0) whose fragmentable part began
     * with a destination options header (RFC 8200 4.5: next header names the
     * first header of the fragmentable part). The bytes after the fragment
     * header are the middle of the original payload, here "ABCDEFGH...",
     * not a header: the packet is a fragment, not a malformed chain. */
    v6(&b, 8 + 20, 44, a6, b6);
    frag_hdr(&b, 60, 8u, 5);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    int rc = decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off);
    assert_int_equal(rc, 0);
    assert_true(ip.fragment);
    assert_int_equal(ip.frag_offset, 8);
    tb_free(&b);
}

static void test_ipv6_ah(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* AH: next 06, payload len 4 ((4 + 2) * 4 = 24 bytes), reserved, SPI,
     * sequence, 12-byte ICV */
    v6(&b, 24 + 20, 51, a6, b6);
    tb_u8(&b, 6);
    tb_u8(&b, 4);
    tb_u16(&b, 0);
    tb_u32(&b, 0x100);
    tb_u32(&b, 1);
    tb_fill(&b, 0xCC, 12);
    l4(&b, 20);
    struct ip_info ip;
    long off;
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.proto, 6);
    assert_int_equal(off, 64);
    assert_int_equal(ip.l4_wire_len, 20);
    tb_free(&b);
}

static void chain(struct tbuf *b, unsigned n)
{
    tb_reset(b);
    v6(b, n * 8 + 20, n ? 60 : 6, a6, b6);
    for (unsigned i = 0; i < n; i++)
        ext(b, i + 1 < n ? 60 : 6, 0);
    l4(b, 20);
}

static void test_ipv6_too_many_extension_headers(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    chain(&b, LIMIT_IP6_EXT_HEADERS);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.proto, 6);
    assert_int_equal(off, 40 + 8 * LIMIT_IP6_EXT_HEADERS);
    chain(&b, LIMIT_IP6_EXT_HEADERS + 1);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), ANOMALY_IP6_BAD_EXT);
    /* A long chain of headers ends too, never loops */
    chain(&b, 200);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), ANOMALY_IP6_BAD_EXT);
    tb_free(&b);
}

static void test_ipv6_ext_beyond_payload_length(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    /* payload length 8, a 16-byte hop-by-hop header: the header claims more
     * than the packet holds */
    v6(&b, 8, 0, a6, b6);
    ext(&b, 6, 1);
    l4(&b, 20);
    int rc = decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off);
    assert_int_equal(rc, ANOMALY_IP6_BAD_EXT);
    /* payload length exactly the header: no transport bytes */
    tb_reset(&b);
    v6(&b, 16, 0, a6, b6);
    ext(&b, 6, 1);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.l4_wire_len, 0);
    assert_int_equal(cur_left(&ip.l4), 0);
    /* The header cut by the capture */
    tb_reset(&b);
    v6(&b, 16 + 20, 0, a6, b6);
    ext(&b, 6, 1);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, 50, &ip, &off), ANOMALY_IP_TRUNCATED);
    tb_free(&b);
}

static void test_ipv6_payload_length_edges(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    /* payload length 0: jumbogram or GSO, the capture is the packet */
    v6(&b, 0, 6, a6, b6);
    l4(&b, 2000);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.l4_wire_len, 2000);
    assert_int_equal(cur_left(&ip.l4), 2000);
    /* padding after the payload is trimmed */
    tb_reset(&b);
    v6(&b, 20, 6, a6, b6);
    l4(&b, 26);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(cur_left(&ip.l4), 20);
    assert_int_equal(ip.l4_wire_len, 20);
    /* cut by the snapshot length */
    tb_reset(&b);
    v6(&b, 1400, 6, a6, b6);
    l4(&b, 30);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(cur_left(&ip.l4), 30);
    assert_int_equal(ip.l4_wire_len, 1400);
    /* 39 bytes of header */
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, 39, &ip, &off), ANOMALY_IP_TRUNCATED);
    tb_free(&b);
}

static void test_tunnels_peeled(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    static const uint8_t c4[4] = {10, 0, 0, 1}, d4[4] = {10, 0, 0, 2};
    /* IPv4 in IPv4 (protocol 4): the inner addresses are the flow's */
    v4(&b, 5, 60, 0, 4, a4, b4);
    v4(&b, 5, 40, 0, 6, c4, d4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.tunnels, 1);
    assert_int_equal(ip.family, 4);
    assert_int_equal(ip.proto, 6);
    assert_memory_equal(ip.src, c4, 4);
    assert_memory_equal(ip.dst, d4, 4);
    assert_int_equal(off, 40);
    assert_int_equal(ip.l4_wire_len, 20);

    /* IPv6 in IPv4 (protocol 41) */
    tb_reset(&b);
    v4(&b, 5, 80, 0, 41, a4, b4);
    v6(&b, 20, 6, a6, b6);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.tunnels, 1);
    assert_int_equal(ip.family, 6);
    assert_memory_equal(ip.src, a6, 16);
    assert_int_equal(off, 60);

    /* IPv4 in IPv6 (next header 4) */
    tb_reset(&b);
    v6(&b, 40, 4, a6, b6);
    v4(&b, 5, 40, 0, 6, c4, d4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV6, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.tunnels, 1);
    assert_int_equal(ip.family, 4);
    assert_memory_equal(ip.src, c4, 4);
    assert_memory_equal(ip.src + 4, (const uint8_t[12]){0}, 12);

    /* A fragmented outer packet is not peeled: it is a fragment */
    tb_reset(&b);
    v4(&b, 5, 60, 0x2000, 4, a4, b4);
    v4(&b, 5, 40, 0, 6, c4, d4);
    l4(&b, 20);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_true(ip.fragment);
    assert_int_equal(ip.tunnels, 0);
    tb_free(&b);
}

static void nest(struct tbuf *b, unsigned tunnels)
{
    tb_reset(b);
    for (unsigned i = 0; i <= tunnels; i++)
        v4(b, 5, 20 * (tunnels - i + 1) + 20, 0, i < tunnels ? 4 : 6, a4, b4);
    l4(b, 20);
}

static void test_tunnel_nesting_limit(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    struct ip_info ip;
    long off;
    nest(&b, LIMIT_IP_NESTING);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), 0);
    assert_int_equal(ip.tunnels, LIMIT_IP_NESTING);
    assert_int_equal(ip.proto, 6);
    assert_int_equal(ip.l4_wire_len, 20);
    nest(&b, LIMIT_IP_NESTING + 1);
    assert_int_equal(decode(LINK_ETHERTYPE_IPV4, &b, b.len, &ip, &off), ANOMALY_IP_TOO_DEEP);
    tb_free(&b);
}

/* Every prefix: truncated or a transport view inside the prefix, and the
 * transport wire length never depends on how much was captured. */
static void every_prefix(uint16_t et, const struct tbuf *b)
{
    struct ip_info full;
    long off;
    assert_int_equal(decode(et, b, b->len, &full, &off), 0);
    for (size_t k = 0; k < b->len; k++) {
        struct ip_info ip;
        int rc = decode(et, b, k, &ip, &off);
        if (rc == 0) {
            assert_int_equal(ip.l4_wire_len, full.l4_wire_len);
            assert_int_equal(ip.proto, full.proto);
            assert_true(cur_left(&ip.l4) <= cur_left(&full.l4));
        } else if (rc != ANOMALY_IP_TRUNCATED) {
            fail_msg("prefix %zu: %s", k, anomaly_name((enum anomaly)rc));
        }
    }
}

static void test_every_prefix(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    v4(&b, 7, 48, 0, 6, a4, b4);
    l4(&b, 20);
    every_prefix(LINK_ETHERTYPE_IPV4, &b);

    tb_reset(&b);
    v6(&b, 8 + 24 + 8 + 24 + 20, 0, a6, b6);
    ext(&b, 43, 0);
    ext(&b, 44, 2);
    frag_hdr(&b, 51, 0, 3);
    tb_u8(&b, 6); /* AH, 24 bytes */
    tb_u8(&b, 4);
    tb_fill(&b, 0, 22);
    l4(&b, 20);
    every_prefix(LINK_ETHERTYPE_IPV6, &b);

    tb_reset(&b);
    v4(&b, 5, 80, 0, 41, a4, b4);
    v6(&b, 20, 6, a6, b6);
    l4(&b, 20);
    every_prefix(LINK_ETHERTYPE_IPV4, &b);
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
        cmocka_unit_test(test_ipv4_basic),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_ihl_below_5),
        cmocka_unit_test(test_ip_bad_version),
        cmocka_unit_test(test_ipv4_total_length_edges),
        cmocka_unit_test(test_ipv4_total_length_zero_is_tso),
        cmocka_unit_test(test_ipv4_padding_trimmed),
        cmocka_unit_test(test_ipv4_snaplen_cut),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv4_truncated_header),
        cmocka_unit_test(test_ipv6_basic),
        cmocka_unit_test(test_ipv6_extension_chain),
        cmocka_unit_test(test_ipv6_fragment_header),
        cmocka_unit_test(test_ipv6_atomic_fragment_is_whole),
        cmocka_unit_test(test_ipv6_later_fragment_payload_not_parsed_as_headers),
        cmocka_unit_test(test_ipv6_ah),
        cmocka_unit_test(test_ipv6_too_many_extension_headers),
        cmocka_unit_test(test_ipv6_ext_beyond_payload_length),
        cmocka_unit_test(test_ipv6_payload_length_edges),
        cmocka_unit_test(test_tunnels_peeled),
        cmocka_unit_test(test_tunnel_nesting_limit),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, free_buffers);
}
