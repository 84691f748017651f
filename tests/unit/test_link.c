/*
 * test_link.c - link layers to the network-layer view (decode/link.h).
 *
 * Frame layouts: IEEE 802.3 (Ethernet II and 802.3 length with LLC/SNAP),
 * IEEE 802.1Q and 802.1ad (0x88A8; 0x9100 pre-standard QinQ), RFC 3032 (MPLS
 * label stack, bottom-of-stack bit), RFC 2516 (PPPoE session), RFC 1661 (PPP,
 * protocol field compression), the tcpdump.org LINKTYPE_* pages for
 * LINUX_SLL (113), LINUX_SLL2 (276), NULL (0), LOOP (108), RAW (12, 101),
 * IPV4 (228), IPV6 (229), PPP (9), C_HDLC (104), NFLOG (239).
 */
#include "link.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "tbuf.h"

/* IPv4 header, 192.0.2.1 -> 198.51.100.25, TCP, total length 20 (no payload):
 * 45 00 00 14 | 00 01 40 00 | 40 06 00 00 | c0 00 02 01 | c6 33 64 19 */
static const uint8_t ip4[] = {0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06,
                              0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x19};

/* First 8 bytes of an IPv6 header (version 6, payload 20, next header TCP,
 * hop limit 64) and the two addresses 2001:db8::1 -> 2001:db8::19. */
static const uint8_t ip6[] = {0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d,
                              0xb8, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
                              0,    0,    0,    0x01, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,
                              0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x19};

/* Ethernet addresses: dst 00:11:22:33:44:55, src 66:77:88:99:aa:bb */
static const uint8_t macs[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                               0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};

enum {
    LT_NULL = 0,
    LT_EN10MB = 1,
    LT_PPP = 9,
    LT_RAW = 12,
    LT_RAW14 = 14,
    LT_PPP_SERIAL = 50,
    LT_RAW101 = 101,
    LT_C_HDLC = 104,
    LT_LOOP = 108,
    LT_SLL = 113,
    LT_USER0 = 147,
    LT_IPV4 = 228,
    LT_IPV6 = 229,
    LT_NFLOG = 239,
    LT_SLL2 = 276
};

/* Decode a heap copy of exactly n bytes; check that a successful view lies
 * inside the frame. *off is where the view starts (or -1). */
static int decode_copy(int lt, const uint8_t *p, size_t n, struct link_out *out, long *off)
{
    uint8_t *copy = tb_dup(p, n);
    int rc = link_decode(lt, cur_make(copy, n), out);
    *off = -1;
    if (rc == 0 && cur_left(&out->net) > 0) {
        const uint8_t *v = cur_ptr(&out->net);
        assert_true(v >= copy && v + cur_left(&out->net) <= copy + n);
        *off = (long)(v - copy);
    } else if (rc == 0) {
        *off = 0;
    }
    free(copy);
    return rc;
}

/* The frame decodes to the IP packet at hdrlen with this ethertype. */
static void expect_net(int lt, const struct tbuf *f, size_t hdrlen, uint16_t ethertype,
                       uint16_t vlan)
{
    struct link_out out;
    long off;
    int rc = decode_copy(lt, f->p, f->len, &out, &off);
    assert_int_equal(rc, 0);
    assert_int_equal(out.ethertype, ethertype);
    assert_int_equal(out.vlan, vlan);
    assert_int_equal(off, (long)hdrlen);
    assert_int_equal(cur_left(&out.net), f->len - hdrlen);
}

static void eth_hdr(struct tbuf *f, unsigned type)
{
    tb_put(f, macs, sizeof macs);
    tb_u16(f, type);
}

static void test_ethernet_ipv4_ipv6_arp(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    eth_hdr(&f, 0x0800);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 14, LINK_ETHERTYPE_IPV4, 0);

    tb_reset(&f);
    eth_hdr(&f, 0x86DD);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_EN10MB, &f, 14, LINK_ETHERTYPE_IPV6, 0);

    /* ARP: not IP, still a success with the frame's ethertype. */
    tb_reset(&f);
    eth_hdr(&f, 0x0806);
    tb_fill(&f, 0, 28);
    expect_net(LT_EN10MB, &f, 14, 0x0806, 0);
    tb_free(&f);
}

static void test_vlan_8021q(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 81 00 | 20 64 (PCP 1, VLAN 100) | 08 00 */
    eth_hdr(&f, 0x8100);
    tb_u16(&f, 0x2064);
    tb_u16(&f, 0x0800);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 18, LINK_ETHERTYPE_IPV4, 100);
    tb_free(&f);
}

static void qinq(unsigned outer_tpid)
{
    struct tbuf f;
    tb_init(&f);
    /* outer TPID | 00 c8 (S-VLAN 200) | 81 00 | 00 64 (C-VLAN 100) | 86 dd */
    eth_hdr(&f, outer_tpid);
    tb_u16(&f, 200);
    tb_u16(&f, 0x8100);
    tb_u16(&f, 100);
    tb_u16(&f, 0x86DD);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_EN10MB, &f, 22, LINK_ETHERTYPE_IPV6, 200); /* outermost VLAN */
    tb_free(&f);
}

static void test_qinq_88a8(void **state)
{
    (void)state;
    qinq(0x88A8);
}

static void test_qinq_9100(void **state)
{
    (void)state;
    qinq(0x9100);
}

static void test_three_stacked_tags(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 88 a8 00 0a | 81 00 00 14 | 81 00 00 1e | 08 00 */
    eth_hdr(&f, 0x88A8);
    tb_u16(&f, 10);
    tb_u16(&f, 0x8100);
    tb_u16(&f, 20);
    tb_u16(&f, 0x8100);
    tb_u16(&f, 30);
    tb_u16(&f, 0x0800);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 26, LINK_ETHERTYPE_IPV4, 10);
    tb_free(&f);
}

static void tags(struct tbuf *f, unsigned n)
{
    tb_reset(f);
    eth_hdr(f, 0x8100);
    for (unsigned i = 0; i < n; i++) {
        tb_u16(f, 1 + i);
        tb_u16(f, i + 1 < n ? 0x8100 : 0x0800);
    }
    tb_put(f, ip4, sizeof ip4);
}

static void test_vlan_too_deep(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    tags(&f, LIMIT_VLAN_TAGS);
    expect_net(LT_EN10MB, &f, 14 + 4 * LIMIT_VLAN_TAGS, LINK_ETHERTYPE_IPV4, 1);

    tags(&f, LIMIT_VLAN_TAGS + 1);
    struct link_out out;
    long off;
    assert_int_equal(decode_copy(LT_EN10MB, f.p, f.len, &out, &off), ANOMALY_VLAN_TOO_DEEP);

    /* A frame that is nothing but tags ends too, never loops. */
    tb_reset(&f);
    eth_hdr(&f, 0x8100);
    for (int i = 0; i < 400; i++) {
        tb_u16(&f, 5);
        tb_u16(&f, 0x8100);
    }
    assert_int_equal(decode_copy(LT_EN10MB, f.p, f.len, &out, &off), ANOMALY_VLAN_TOO_DEEP);
    tb_free(&f);
}

static void test_mpls(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 88 47 | 00 01 40 40 (label 20, S=0, TTL 64) | 00 01 51 40 (label 21, S=1) | IPv4 */
    eth_hdr(&f, 0x8847);
    tb_u32(&f, 0x00014040);
    tb_u32(&f, 0x00015140);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 22, LINK_ETHERTYPE_IPV4, 0);

    /* One label (S=1), IPv6 inside, multicast ethertype 88 48 */
    tb_reset(&f);
    eth_hdr(&f, 0x8848);
    tb_u32(&f, 0x00015140);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_EN10MB, &f, 18, LINK_ETHERTYPE_IPV6, 0);

    /* No bottom-of-stack label before the frame ends */
    tb_reset(&f);
    eth_hdr(&f, 0x8847);
    tb_u32(&f, 0x00014040);
    tb_u32(&f, 0x00014040);
    struct link_out out;
    long off;
    assert_int_equal(decode_copy(LT_EN10MB, f.p, f.len, &out, &off), ANOMALY_LINK_TRUNCATED);

    /* More labels than the cap */
    tb_reset(&f);
    eth_hdr(&f, 0x8847);
    for (int i = 0; i < 40; i++)
        tb_u32(&f, 0x00014040);
    tb_u32(&f, 0x00015140);
    tb_put(&f, ip4, sizeof ip4);
    assert_int_equal(decode_copy(LT_EN10MB, f.p, f.len, &out, &off), ANOMALY_VLAN_TOO_DEEP);
    tb_free(&f);
}

static void test_pppoe_session(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 88 64 | 11 (ver 1 type 1) 00 (session data) 12 34 (session) 00 16 (length) | 00 21 (IP) */
    eth_hdr(&f, 0x8864);
    tb_u8(&f, 0x11);
    tb_u8(&f, 0x00);
    tb_u16(&f, 0x1234);
    tb_u16(&f, 2 + sizeof ip4);
    tb_u16(&f, 0x0021);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 22, LINK_ETHERTYPE_IPV4, 0);

    /* PPP protocol 00 57: IPv6 */
    tb_reset(&f);
    eth_hdr(&f, 0x8864);
    tb_u8(&f, 0x11);
    tb_u8(&f, 0x00);
    tb_u16(&f, 0x1234);
    tb_u16(&f, 2 + sizeof ip6);
    tb_u16(&f, 0x0057);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_EN10MB, &f, 22, LINK_ETHERTYPE_IPV6, 0);

    /* Behind a VLAN tag */
    tb_reset(&f);
    eth_hdr(&f, 0x8100);
    tb_u16(&f, 7);
    tb_u16(&f, 0x8864);
    tb_u8(&f, 0x11);
    tb_u8(&f, 0x00);
    tb_u16(&f, 0x1234);
    tb_u16(&f, 2 + sizeof ip4);
    tb_u16(&f, 0x0021);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 26, LINK_ETHERTYPE_IPV4, 7);
    tb_free(&f);
}

static void test_8023_llc_snap(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* length 00 1c | LLC aa aa 03 | SNAP OUI 00 00 00, type 08 00 */
    eth_hdr(&f, 8 + sizeof ip4);
    tb_u8(&f, 0xAA);
    tb_u8(&f, 0xAA);
    tb_u8(&f, 0x03);
    tb_u8(&f, 0);
    tb_u8(&f, 0);
    tb_u8(&f, 0);
    tb_u16(&f, 0x0800);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_EN10MB, &f, 22, LINK_ETHERTYPE_IPV4, 0);

    /* Plain LLC (spanning tree: 42 42 03): not IP, not an error */
    tb_reset(&f);
    eth_hdr(&f, 38);
    tb_u8(&f, 0x42);
    tb_u8(&f, 0x42);
    tb_u8(&f, 0x03);
    tb_fill(&f, 0, 35);
    struct link_out out;
    long off;
    assert_int_equal(decode_copy(LT_EN10MB, f.p, f.len, &out, &off), 0);
    assert_int_not_equal(out.ethertype, LINK_ETHERTYPE_IPV4);
    assert_int_not_equal(out.ethertype, LINK_ETHERTYPE_IPV6);
    tb_free(&f);
}

static void test_linux_sll(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 00 00 (to us) 00 01 (ARPHRD_ETHER) 00 06 (addr len) 00 11 22 33 44 55 00 00 | 08 00 */
    tb_u16(&f, 0);
    tb_u16(&f, 1);
    tb_u16(&f, 6);
    tb_put(&f, macs, 6);
    tb_u16(&f, 0);
    tb_u16(&f, 0x0800);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_SLL, &f, 16, LINK_ETHERTYPE_IPV4, 0);

    /* SLL carrying an 802.1Q tag (protocol 81 00) */
    tb_reset(&f);
    tb_u16(&f, 0);
    tb_u16(&f, 1);
    tb_u16(&f, 6);
    tb_put(&f, macs, 6);
    tb_u16(&f, 0);
    tb_u16(&f, 0x8100);
    tb_u16(&f, 42);
    tb_u16(&f, 0x86DD);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_SLL, &f, 20, LINK_ETHERTYPE_IPV6, 42);
    tb_free(&f);
}

static void test_linux_sll2(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 86 dd (protocol) 00 00 (reserved) 00 00 00 02 (ifindex) 00 01 (ARPHRD_ETHER)
     * 04 (outgoing) 06 (addr len) 00 11 22 33 44 55 00 00 */
    tb_u16(&f, 0x86DD);
    tb_u16(&f, 0);
    tb_u32(&f, 2);
    tb_u16(&f, 1);
    tb_u8(&f, 4);
    tb_u8(&f, 6);
    tb_put(&f, macs, 6);
    tb_u16(&f, 0);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_SLL2, &f, 20, LINK_ETHERTYPE_IPV6, 0);
    tb_free(&f);
}

static void null_frame(struct tbuf *f, const uint8_t fam[4], const uint8_t *ip, size_t n)
{
    tb_reset(f);
    tb_put(f, fam, 4);
    tb_put(f, ip, n);
}

static void test_null_families_both_byte_orders(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* AF_INET = 2, written by a little-endian host (02 00 00 00) and a big-endian one */
    static const uint8_t le2[4] = {2, 0, 0, 0}, be2[4] = {0, 0, 0, 2};
    null_frame(&f, le2, ip4, sizeof ip4);
    expect_net(LT_NULL, &f, 4, LINK_ETHERTYPE_IPV4, 0);
    null_frame(&f, be2, ip4, sizeof ip4);
    expect_net(LT_NULL, &f, 4, LINK_ETHERTYPE_IPV4, 0);
    /* AF_INET6: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin */
    static const uint8_t fams[] = {10, 24, 28, 30};
    for (size_t i = 0; i < sizeof fams; i++) {
        uint8_t le[4] = {fams[i], 0, 0, 0}, be[4] = {0, 0, 0, fams[i]};
        null_frame(&f, le, ip6, sizeof ip6);
        expect_net(LT_NULL, &f, 4, LINK_ETHERTYPE_IPV6, 0);
        null_frame(&f, be, ip6, sizeof ip6);
        expect_net(LT_NULL, &f, 4, LINK_ETHERTYPE_IPV6, 0);
    }
    /* An unknown family (AF_UNIX = 1): not IP */
    static const uint8_t le1[4] = {1, 0, 0, 0};
    null_frame(&f, le1, ip4, sizeof ip4);
    struct link_out out;
    long off;
    assert_int_equal(decode_copy(LT_NULL, f.p, f.len, &out, &off), 0);
    assert_int_not_equal(out.ethertype, LINK_ETHERTYPE_IPV4);
    tb_free(&f);
}

static void test_loop(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* LOOP: the family in network byte order */
    static const uint8_t be2[4] = {0, 0, 0, 2}, be24[4] = {0, 0, 0, 24};
    null_frame(&f, be2, ip4, sizeof ip4);
    expect_net(LT_LOOP, &f, 4, LINK_ETHERTYPE_IPV4, 0);
    null_frame(&f, be24, ip6, sizeof ip6);
    expect_net(LT_LOOP, &f, 4, LINK_ETHERTYPE_IPV6, 0);
    tb_free(&f);
}

static void test_raw_and_fixed_ip(void **state)
{
    (void)state;
    struct tbuf f4, f6;
    tb_init(&f4);
    tb_init(&f6);
    tb_put(&f4, ip4, sizeof ip4);
    tb_put(&f6, ip6, sizeof ip6);
    static const int raws[] = {LT_RAW, LT_RAW101, LT_RAW14};
    for (size_t i = 0; i < 3; i++) {
        expect_net(raws[i], &f4, 0, LINK_ETHERTYPE_IPV4, 0);
        expect_net(raws[i], &f6, 0, LINK_ETHERTYPE_IPV6, 0);
    }
    expect_net(LT_IPV4, &f4, 0, LINK_ETHERTYPE_IPV4, 0);
    expect_net(LT_IPV6, &f6, 0, LINK_ETHERTYPE_IPV6, 0);
    tb_free(&f4);
    tb_free(&f6);
}

static void test_ppp(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* ff 03 (address, control) 00 21 (IP) */
    tb_u8(&f, 0xFF);
    tb_u8(&f, 0x03);
    tb_u16(&f, 0x0021);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_PPP, &f, 4, LINK_ETHERTYPE_IPV4, 0);
    expect_net(LT_PPP_SERIAL, &f, 4, LINK_ETHERTYPE_IPV4, 0);

    /* ff 03 00 57 (IPv6) */
    tb_reset(&f);
    tb_u8(&f, 0xFF);
    tb_u8(&f, 0x03);
    tb_u16(&f, 0x0057);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_PPP, &f, 4, LINK_ETHERTYPE_IPV6, 0);

    /* Address and control omitted, protocol compressed to 21 (RFC 1661 6.5) */
    tb_reset(&f);
    tb_u8(&f, 0x21);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_PPP, &f, 1, LINK_ETHERTYPE_IPV4, 0);

    /* Address and control omitted, 00 21 */
    tb_reset(&f);
    tb_u16(&f, 0x0021);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_PPP, &f, 2, LINK_ETHERTYPE_IPV4, 0);
    tb_free(&f);
}

static void test_c_hdlc(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 0f (unicast) 00 | 08 00 */
    tb_u8(&f, 0x0F);
    tb_u8(&f, 0x00);
    tb_u16(&f, 0x0800);
    tb_put(&f, ip4, sizeof ip4);
    expect_net(LT_C_HDLC, &f, 4, LINK_ETHERTYPE_IPV4, 0);
    /* 8f (multicast) 00 | 86 dd */
    tb_reset(&f);
    tb_u8(&f, 0x8F);
    tb_u8(&f, 0x00);
    tb_u16(&f, 0x86DD);
    tb_put(&f, ip6, sizeof ip6);
    expect_net(LT_C_HDLC, &f, 4, LINK_ETHERTYPE_IPV6, 0);
    tb_free(&f);
}

static void tlv_le(struct tbuf *f, unsigned type, const void *v, size_t n)
{
    size_t len = 4 + n;
    tb_u8(f, (uint8_t)len);
    tb_u8(f, (uint8_t)(len >> 8));
    tb_u8(f, (uint8_t)type);
    tb_u8(f, (uint8_t)(type >> 8));
    tb_put(f, v, n);
    tb_fill(f, 0, (4u - (len & 3u)) & 3u); /* padding to 4 bytes */
}

static void test_nflog_with_padding(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    /* 02 (AF_INET) 00 (version) 00 05 (resource id)
     * TLV 08 00 01 00: NFULA_PACKET_HDR, 08 00 03 00
     * TLV 07 00 0a 00: NFULA_PREFIX "ab\0" + 1 byte of padding
     * TLV 18 00 09 00: NFULA_PAYLOAD, the IP packet */
    static const uint8_t hdr[] = {0x08, 0x00, 0x03, 0x00};
    tb_u8(&f, 2);
    tb_u8(&f, 0);
    tb_u16(&f, 5);
    tlv_le(&f, 1, hdr, sizeof hdr);
    tlv_le(&f, 10, "ab", 3);
    size_t at = f.len + 4;
    tlv_le(&f, 9, ip4, sizeof ip4);
    struct link_out out;
    long off;
    assert_int_equal(decode_copy(LT_NFLOG, f.p, f.len, &out, &off), 0);
    assert_int_equal(out.ethertype, LINK_ETHERTYPE_IPV4);
    assert_int_equal(off, (long)at);
    assert_int_equal(cur_left(&out.net), sizeof ip4);

    /* AF_INET6, a payload whose length is not a multiple of 4 (44 + 4 = 48: none needed),
     * and a prefix of 5 bytes (len 9, 3 bytes padding) before it */
    tb_reset(&f);
    tb_u8(&f, 10);
    tb_u8(&f, 0);
    tb_u16(&f, 0);
    tlv_le(&f, 10, "abcd", 5);
    at = f.len + 4;
    tlv_le(&f, 9, ip6, sizeof ip6);
    assert_int_equal(decode_copy(LT_NFLOG, f.p, f.len, &out, &off), 0);
    assert_int_equal(out.ethertype, LINK_ETHERTYPE_IPV6);
    assert_int_equal(off, (long)at);
    assert_int_equal(cur_left(&out.net), sizeof ip6);

    /* No payload TLV: nothing to decode, not an error */
    tb_reset(&f);
    tb_u8(&f, 2);
    tb_u8(&f, 0);
    tb_u16(&f, 0);
    tlv_le(&f, 1, hdr, sizeof hdr);
    assert_int_equal(decode_copy(LT_NFLOG, f.p, f.len, &out, &off), 0);
    assert_int_equal(cur_left(&out.net), 0);
    assert_int_not_equal(out.ethertype, LINK_ETHERTYPE_IPV4);

    /* A TLV whose length runs past the frame, and one shorter than its own header */
    static const uint8_t past[] = {2, 0, 0, 0, 0x40, 0x00, 0x09, 0x00, 0x45, 0x00};
    assert_int_equal(decode_copy(LT_NFLOG, past, sizeof past, &out, &off), ANOMALY_LINK_TRUNCATED);
    static const uint8_t tiny[] = {2, 0, 0, 0, 0x02, 0x00, 0x09, 0x00};
    assert_int_equal(decode_copy(LT_NFLOG, tiny, sizeof tiny, &out, &off), ANOMALY_LINK_TRUNCATED);
    tb_free(&f);
}

struct trunc_case {
    int lt;
    const char *what;
    uint8_t bytes[32];
    size_t n;
};

static void test_truncated_frames(void **state)
{
    (void)state;
    static const struct trunc_case cases[] = {
        {LT_EN10MB, "13 bytes of Ethernet", {0}, 13},
        {LT_EN10MB, "802.1Q tag cut", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 5}, 16},
        {LT_EN10MB, "802.3 LLC cut", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0xAA}, 15},
        {LT_EN10MB,
         "SNAP cut",
         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0xAA, 0xAA, 3, 0, 0, 0, 0x08},
         21},
        {LT_EN10MB,
         "PPPoE header cut",
         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x64, 0x11, 0, 0, 1, 0, 2, 0},
         21},
        {LT_EN10MB,
         "MPLS label cut",
         {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x47, 0, 1, 0x51},
         17},
        {LT_SLL, "15 bytes of SLL", {0}, 15},
        {LT_SLL2, "19 bytes of SLL2", {0x08, 0}, 19},
        {LT_NULL, "3 bytes of NULL", {2, 0, 0}, 3},
        {LT_LOOP, "3 bytes of LOOP", {0, 0, 0}, 3},
        {LT_RAW, "empty RAW", {0}, 0},
        {LT_PPP, "empty PPP", {0}, 0},
        {LT_PPP, "PPP protocol cut", {0xFF, 0x03, 0x00}, 3},
        {LT_C_HDLC, "3 bytes of C_HDLC", {0x0F, 0, 0x08}, 3},
        {LT_NFLOG, "3 bytes of NFLOG", {2, 0, 0}, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct link_out out;
        long off;
        int rc = decode_copy(cases[i].lt, cases[i].bytes, cases[i].n, &out, &off);
        if (rc != ANOMALY_LINK_TRUNCATED)
            fail_msg("%s: got %d (%s), want link-truncated", cases[i].what, rc,
                     rc ? anomaly_name((enum anomaly)rc) : "ok");
    }
}

/* Every prefix of every well-formed frame: link-truncated or a view inside
 * the prefix, never a read past it (the copies are exactly sized for ASan). */
static void test_every_prefix(void **state)
{
    (void)state;
    struct tbuf f;
    tb_init(&f);
    struct {
        int lt;
        struct tbuf frame;
    } frames[12];
    size_t nf = 0;
    for (size_t i = 0; i < 12; i++)
        tb_init(&frames[i].frame);

    /* QinQ + IPv4 */
    frames[nf].lt = LT_EN10MB;
    eth_hdr(&frames[nf].frame, 0x88A8);
    tb_u16(&frames[nf].frame, 200);
    tb_u16(&frames[nf].frame, 0x8100);
    tb_u16(&frames[nf].frame, 100);
    tb_u16(&frames[nf].frame, 0x0800);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    /* MPLS */
    frames[nf].lt = LT_EN10MB;
    eth_hdr(&frames[nf].frame, 0x8847);
    tb_u32(&frames[nf].frame, 0x00014040);
    tb_u32(&frames[nf].frame, 0x00015140);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    /* PPPoE */
    frames[nf].lt = LT_EN10MB;
    eth_hdr(&frames[nf].frame, 0x8864);
    tb_u16(&frames[nf].frame, 0x1100);
    tb_u16(&frames[nf].frame, 1);
    tb_u16(&frames[nf].frame, 22);
    tb_u16(&frames[nf].frame, 0x0021);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    /* SNAP */
    frames[nf].lt = LT_EN10MB;
    eth_hdr(&frames[nf].frame, 28);
    tb_u16(&frames[nf].frame, 0xAAAA);
    tb_u32(&frames[nf].frame, 0x03000000);
    tb_u16(&frames[nf].frame, 0x0800);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    /* SLL, SLL2 */
    frames[nf].lt = LT_SLL;
    tb_fill(&frames[nf].frame, 0, 14);
    tb_u16(&frames[nf].frame, 0x0800);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    frames[nf].lt = LT_SLL2;
    tb_u16(&frames[nf].frame, 0x0800);
    tb_fill(&frames[nf].frame, 0, 18);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    /* NULL, PPP, C_HDLC, RAW */
    frames[nf].lt = LT_NULL;
    tb_u32(&frames[nf].frame, 0x18000000);
    tb_put(&frames[nf++].frame, ip6, sizeof ip6);
    frames[nf].lt = LT_PPP;
    tb_u32(&frames[nf].frame, 0xFF030021);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    frames[nf].lt = LT_C_HDLC;
    tb_u32(&frames[nf].frame, 0x0F000800);
    tb_put(&frames[nf++].frame, ip4, sizeof ip4);
    frames[nf].lt = LT_RAW;
    tb_put(&frames[nf++].frame, ip6, sizeof ip6);
    /* NFLOG */
    frames[nf].lt = LT_NFLOG;
    tb_u32(&frames[nf].frame, 0x02000000);
    tlv_le(&frames[nf].frame, 10, "xyz", 4);
    tlv_le(&frames[nf].frame, 9, ip4, sizeof ip4);
    nf++;

    for (size_t i = 0; i < nf; i++) {
        const struct tbuf *fr = &frames[i].frame;
        for (size_t k = 0; k <= fr->len; k++) {
            struct link_out out;
            long off;
            int rc = decode_copy(frames[i].lt, fr->p, k, &out, &off);
            if (rc != 0 && rc != ANOMALY_LINK_TRUNCATED)
                fail_msg("frame %zu prefix %zu: %s", i, k, anomaly_name((enum anomaly)rc));
        }
        tb_free(&frames[i].frame);
    }
    tb_free(&f);
}

static void test_unsupported_link_type(void **state)
{
    (void)state;
    assert_false(link_supported(LT_USER0));
    assert_false(link_supported(-1));
    assert_false(link_supported(100000));
    struct link_out out;
    long off;
    assert_int_equal(decode_copy(LT_USER0, ip4, sizeof ip4, &out, &off), ANOMALY_LINK_UNSUPPORTED);
    assert_int_equal(cur_left(&out.net), 0);

    static const int supported[] = {LT_NULL, LT_EN10MB, LT_PPP,  LT_RAW,  LT_RAW101, LT_C_HDLC,
                                    LT_LOOP, LT_SLL,    LT_SLL2, LT_IPV4, LT_IPV6,   LT_NFLOG};
    for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++)
        assert_true(link_supported(supported[i]));
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
        cmocka_unit_test(test_ethernet_ipv4_ipv6_arp),
        cmocka_unit_test(test_vlan_8021q),
        cmocka_unit_test(test_qinq_88a8),
        cmocka_unit_test(test_qinq_9100),
        cmocka_unit_test(test_three_stacked_tags),
        cmocka_unit_test(test_vlan_too_deep),
        cmocka_unit_test(test_mpls),
        cmocka_unit_test(test_pppoe_session),
        cmocka_unit_test(test_8023_llc_snap),
        cmocka_unit_test(test_linux_sll),
        cmocka_unit_test(test_linux_sll2),
        cmocka_unit_test(test_null_families_both_byte_orders),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_raw_and_fixed_ip),
        cmocka_unit_test(test_ppp),
        cmocka_unit_test(test_c_hdlc),
        cmocka_unit_test(test_nflog_with_padding),
        cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_unsupported_link_type),
    };
    return cmocka_run_group_tests(tests, NULL, free_buffers);
}
