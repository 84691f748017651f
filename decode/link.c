#include "link.h"

#include <stddef.h>

#include "caps.h"

/* libpcap DLT_* values; the numbers are fixed by the pcap format (LINKTYPE_*
 * registry), written out so decode/ does not need pcap.h. */
enum {
    DLT_NULL_ = 0,
    DLT_EN10MB_ = 1,
    DLT_PPP_ = 9,
    DLT_RAW_ = 12,
    DLT_RAW_OPENBSD_ = 14,
    DLT_PPP_SERIAL_ = 50,
    DLT_LINKTYPE_RAW_ = 101,
    DLT_C_HDLC_ = 104,
    DLT_LOOP_ = 108,
    DLT_LINUX_SLL_ = 113,
    DLT_IPV4_ = 228,
    DLT_IPV6_ = 229,
    DLT_NFLOG_ = 239,
    DLT_PKTAP_ = 258,
    DLT_LINUX_SLL2_ = 276,
};

enum {
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88A8,
    ETH_QINQ_OLD1 = 0x9100,
    ETH_QINQ_OLD2 = 0x9200,
    ETH_MPLS_UC = 0x8847,
    ETH_MPLS_MC = 0x8848,
    ETH_PPPOE_SESSION = 0x8864,
    ETH_VNTAG = 0x8926,
};

static int from_ip_version(struct cur frame, struct link_out *out)
{
    uint8_t b;
    if (!cur_peek(&frame, 0, &b))
        return ANOMALY_LINK_TRUNCATED;
    out->net = frame;
    out->ethertype = (b >> 4) == 4 ? LINK_ETHERTYPE_IPV4 : (b >> 4) == 6 ? LINK_ETHERTYPE_IPV6 : 0;
    return 0;
}

static uint16_t ppp_to_ethertype(uint16_t proto)
{
    switch (proto) {
    case 0x0021:
        return LINK_ETHERTYPE_IPV4;
    case 0x0057:
        return LINK_ETHERTYPE_IPV6;
    default:
        return 0;
    }
}

/* After an ethertype: tags, MPLS and PPPoE until an IP payload (or not). */
static int ether_payload(struct cur c, uint16_t type, struct link_out *out)
{
    unsigned tags = 0;
    for (;;) {
        switch (type) {
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD1:
        case ETH_QINQ_OLD2: {
            uint16_t tci;
            if (++tags > LIMIT_VLAN_TAGS)
                return ANOMALY_VLAN_TOO_DEEP;
            cur_u16(&c, &tci);
            cur_u16(&c, &type);
            if (cur_failed(&c))
                return ANOMALY_LINK_TRUNCATED;
            if (out->vlan == 0)
                out->vlan = tci & 0x0FFF;
            continue;
        }
        case ETH_VNTAG:
            cur_skip(&c, 4);
            cur_u16(&c, &type);
            if (cur_failed(&c))
                return ANOMALY_LINK_TRUNCATED;
            if (++tags > LIMIT_VLAN_TAGS)
                return ANOMALY_VLAN_TOO_DEEP;
            continue;
        case ETH_MPLS_UC:
        case ETH_MPLS_MC: {
            uint32_t label = 0;
            unsigned n = 0;
            do {
                if (!cur_u32(&c, &label))
                    return ANOMALY_LINK_TRUNCATED;
                if (++n > LIMIT_VLAN_TAGS)
                    return ANOMALY_VLAN_TOO_DEEP;
            } while (!(label & 0x100));
            return from_ip_version(c, out);
        }
        case ETH_PPPOE_SESSION: {
            uint16_t proto;
            cur_skip(&c, 6);
            cur_u16(&c, &proto);
            if (cur_failed(&c))
                return ANOMALY_LINK_TRUNCATED;
            out->net = c;
            out->ethertype = ppp_to_ethertype(proto);
            return 0;
        }
        default:
            out->net = c;
            out->ethertype = type;
            return 0;
        }
    }
}

static int decode_ethernet(struct cur c, struct link_out *out)
{
    uint16_t type;
    cur_skip(&c, 12);
    cur_u16(&c, &type);
    if (cur_failed(&c))
        return ANOMALY_LINK_TRUNCATED;
    if (type <= 1500) { /* 802.3 length: LLC, SNAP carries an ethertype */
        const uint8_t *llc;
        if (!cur_span(&c, 3, &llc))
            return ANOMALY_LINK_TRUNCATED;
        if (llc[0] != 0xAA || llc[1] != 0xAA || llc[2] != 0x03) {
            out->ethertype = 0;
            out->net = c;
            return 0;
        }
        cur_skip(&c, 3);
        cur_u16(&c, &type);
        if (cur_failed(&c))
            return ANOMALY_LINK_TRUNCATED;
    }
    return ether_payload(c, type, out);
}

/* BSD loopback: a 4-byte address family, host order (NULL) or network order (LOOP).
 * AF_INET6 differs between systems: 10 Linux, 24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin. */
static int decode_null_family(struct cur c, struct link_out *out, bool big_endian)
{
    uint32_t fam;
    if (big_endian)
        cur_u32(&c, &fam);
    else
        cur_u32le(&c, &fam);
    if (cur_failed(&c))
        return ANOMALY_LINK_TRUNCATED;
    if (!big_endian && (fam & 0xFFFF0000u) && !(fam & 0xFFFFu))
        fam >>= 24; /* written on a big-endian host */
    if (fam == 2)
        out->ethertype = LINK_ETHERTYPE_IPV4;
    else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        out->ethertype = LINK_ETHERTYPE_IPV6;
    else
        out->ethertype = 0;
    out->net = c;
    return 0;
}

static int decode_null(struct cur c, struct link_out *out)
{
    return decode_null_family(c, out, false);
}

static int decode_loop(struct cur c, struct link_out *out)
{
    return decode_null_family(c, out, true);
}

static int decode_raw(struct cur c, struct link_out *out)
{
    return from_ip_version(c, out);
}

static int decode_ipv4_only(struct cur c, struct link_out *out)
{
    out->net = c;
    out->ethertype = LINK_ETHERTYPE_IPV4;
    return 0;
}

static int decode_ipv6_only(struct cur c, struct link_out *out)
{
    out->net = c;
    out->ethertype = LINK_ETHERTYPE_IPV6;
    return 0;
}

static int decode_sll(struct cur c, struct link_out *out)
{
    uint16_t proto;
    cur_skip(&c, 14);
    cur_u16(&c, &proto);
    if (cur_failed(&c))
        return ANOMALY_LINK_TRUNCATED;
    return ether_payload(c, proto, out);
}

static int decode_sll2(struct cur c, struct link_out *out)
{
    uint16_t proto;
    cur_u16(&c, &proto);
    cur_skip(&c, 18);
    if (cur_failed(&c))
        return ANOMALY_LINK_TRUNCATED;
    return ether_payload(c, proto, out);
}

static int decode_chdlc(struct cur c, struct link_out *out);

static int decode_ppp(struct cur c, struct link_out *out)
{
    uint8_t a, b;
    uint16_t proto;
    /* Cisco HDLC framing in a PPP capture, as libpcap's PPP_SERIAL allows:
     * address 0x0F (unicast) or 0x8F (broadcast), control 0. */
    if (cur_peek(&c, 0, &a) && cur_peek(&c, 1, &b) && (a == 0x0F || a == 0x8F) && b == 0)
        return decode_chdlc(c, out);
    if (cur_peek(&c, 0, &a) && cur_peek(&c, 1, &b) && a == 0xFF && b == 0x03)
        cur_skip(&c, 2);
    if (!cur_peek(&c, 0, &a))
        return ANOMALY_LINK_TRUNCATED;
    if (a & 1) { /* protocol field compressed to one byte */
        cur_skip(&c, 1);
        proto = a;
    } else if (!cur_u16(&c, &proto)) {
        return ANOMALY_LINK_TRUNCATED;
    }
    out->net = c;
    out->ethertype = ppp_to_ethertype(proto);
    return 0;
}

static int decode_chdlc(struct cur c, struct link_out *out)
{
    uint16_t type;
    cur_skip(&c, 2);
    cur_u16(&c, &type);
    if (cur_failed(&c))
        return ANOMALY_LINK_TRUNCATED;
    out->net = c;
    out->ethertype = type;
    return 0;
}

/* NFLOG: family, version, resource id, then TLVs (little-endian length and
 * type, 4-byte aligned); type 9 NFULA_PAYLOAD holds the IP packet. */
static int decode_nflog(struct cur c, struct link_out *out)
{
    uint8_t family;
    cur_u8(&c, &family);
    cur_skip(&c, 3);
    if (cur_failed(&c))
        return ANOMALY_LINK_TRUNCATED;
    while (cur_left(&c) >= 4) {
        uint16_t len, type;
        struct cur val;
        cur_u16le(&c, &len);
        cur_u16le(&c, &type);
        if (len < 4 || !cur_sub(&c, len - 4u, &val))
            return ANOMALY_LINK_TRUNCATED;
        if ((type & 0x7FFF) == 9) {
            out->net = val;
            out->ethertype = family == 2    ? LINK_ETHERTYPE_IPV4
                             : family == 10 ? LINK_ETHERTYPE_IPV6
                                            : 0;
            return 0;
        }
        size_t pad = (4u - (len & 3u)) & 3u;
        if (pad > cur_left(&c))
            break;
        cur_skip(&c, pad);
    }
    out->net = cur_make(NULL, 0);
    out->ethertype = 0;
    return 0;
}

static int decode_pktap(struct cur c, struct link_out *out);

struct link_entry {
    int linktype;
    int (*decode)(struct cur c, struct link_out *out);
};

static const struct link_entry link_table[] = {
    {DLT_EN10MB_, decode_ethernet},  /* Ethernet */
    {DLT_NULL_, decode_null},        /* BSD loopback */
    {DLT_LOOP_, decode_loop},        /* OpenBSD loopback */
    {DLT_RAW_, decode_raw},          /* raw IP */
    {DLT_RAW_OPENBSD_, decode_raw},  /* raw IP (OpenBSD number) */
    {DLT_LINKTYPE_RAW_, decode_raw}, /* raw IP (pcap file number) */
    {DLT_IPV4_, decode_ipv4_only},   /* raw IPv4 */
    {DLT_IPV6_, decode_ipv6_only},   /* raw IPv6 */
    {DLT_LINUX_SLL_, decode_sll},    /* Linux cooked */
    {DLT_LINUX_SLL2_, decode_sll2},  /* Linux cooked v2 */
    {DLT_PPP_, decode_ppp},          /* PPP */
    {DLT_PPP_SERIAL_, decode_ppp},   /* PPP in HDLC framing */
    {DLT_C_HDLC_, decode_chdlc},     /* Cisco HDLC */
    {DLT_NFLOG_, decode_nflog},      /* Linux NFLOG */
    {DLT_PKTAP_, decode_pktap},      /* Apple PKTAP */
};

static const struct link_entry *link_find(int linktype)
{
    for (size_t i = 0; i < sizeof link_table / sizeof link_table[0]; i++)
        if (link_table[i].linktype == linktype)
            return &link_table[i];
    return NULL;
}

bool link_supported(int linktype)
{
    return link_find(linktype) != NULL;
}

int link_decode(int linktype, struct cur frame, struct link_out *out)
{
    const struct link_entry *e = link_find(linktype);
    out->net = cur_make(NULL, 0);
    out->ethertype = 0;
    out->vlan = 0;
    if (!e)
        return ANOMALY_LINK_UNSUPPORTED;
    return e->decode(frame, out);
}

/* Apple's PKTAP: a little-endian header length and the inner frame's link
 * type, then that frame (which must not be PKTAP again). */
static int decode_pktap(struct cur c, struct link_out *out)
{
    uint32_t hlen, inner;
    struct cur h = c;
    cur_u32le(&h, &hlen);
    cur_u32le(&h, &inner);
    if (cur_failed(&h) || hlen < 8 || !cur_skip(&c, hlen))
        return ANOMALY_LINK_TRUNCATED;
    const struct link_entry *e = link_find((int)inner);
    if (!e || e->decode == decode_pktap) {
        out->net = cur_make(NULL, 0);
        out->ethertype = 0;
        return 0;
    }
    return e->decode(c, out);
}
