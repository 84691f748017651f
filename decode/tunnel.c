#include "tunnel.h"

#include "link.h"

enum {
    PROTO_GRE = 47,
    PROTO_UDP = 17,
    PORT_VXLAN = 4789,
    PORT_GTPU = 2152,
    GRE_TEB = 0x6558,       /* transparent Ethernet bridging */
    GRE_ERSPAN_II = 0x88BE, /* 8-byte ERSPAN header, then Ethernet */
    GRE_ERSPAN_III = 0x22EB,
    GRE_PPP = 0x880B,
};

static bool ip_version(struct cur c, struct tunnel_inner *out)
{
    uint8_t b;
    if (!cur_peek(&c, 0, &b) || ((b >> 4) != 4 && (b >> 4) != 6))
        return false;
    out->bytes = c;
    out->ethernet = false;
    out->ethertype = (b >> 4) == 4 ? LINK_ETHERTYPE_IPV4 : LINK_ETHERTYPE_IPV6;
    return true;
}

/* PPTP: payload length and call id, sequence and acknowledgement numbers
 * when flagged, then a PPP frame (address and control often left out). */
static bool pptp(struct cur c, uint16_t flags, struct tunnel_inner *out)
{
    uint8_t a, b;
    uint16_t proto;
    size_t opt = 4u + ((flags & 0x1000u) ? 4u : 0u) + ((flags & 0x0080u) ? 4u : 0u);
    if (!cur_skip(&c, opt))
        return false;
    if (cur_peek(&c, 0, &a) && cur_peek(&c, 1, &b) && a == 0xFF && b == 0x03)
        cur_skip(&c, 2);
    if (!cur_peek(&c, 0, &a))
        return false;
    if (a & 1) {
        cur_skip(&c, 1);
        proto = a;
    } else if (!cur_u16(&c, &proto)) {
        return false;
    }
    if (proto != 0x0021 && proto != 0x0057)
        return false;
    return ip_version(c, out);
}

/* RFC 2784/2890: flags and version, protocol, then checksum, key and
 * sequence number words when their flags say so. */
static bool gre(struct cur c, struct tunnel_inner *out)
{
    uint16_t flags, proto;
    cur_u16(&c, &flags);
    cur_u16(&c, &proto);
    if (cur_failed(&c))
        return false;
    if ((flags & 7u) == 1u && proto == GRE_PPP) /* RFC 2637: PPTP's enhanced GRE */
        return pptp(c, flags, out);
    if ((flags & 7u) != 0)
        return false;
    size_t opt = ((flags & 0x8000u) ? 4u : 0u) + ((flags & 0x2000u) ? 4u : 0u) +
                 ((flags & 0x1000u) ? 4u : 0u);
    if (!cur_skip(&c, opt))
        return false;
    switch (proto) {
    case LINK_ETHERTYPE_IPV4:
    case LINK_ETHERTYPE_IPV6:
        out->bytes = c;
        out->ethernet = false;
        out->ethertype = proto;
        return true;
    case GRE_ERSPAN_II:
        if (!cur_skip(&c, 8))
            return false;
        /* fall through */
    case GRE_TEB:
        out->bytes = c;
        out->ethernet = true;
        return true;
    case GRE_ERSPAN_III:
        if (!cur_skip(&c, 12))
            return false;
        out->bytes = c;
        out->ethernet = true;
        return true;
    default:
        return false;
    }
}

/* 3GPP TS 29.281: GTPv1-U G-PDU (type 255) carrying an IP packet. */
static bool gtpu(struct cur c, struct tunnel_inner *out)
{
    uint8_t flags, type, next;
    cur_u8(&c, &flags);
    cur_u8(&c, &type);
    cur_skip(&c, 6); /* length, TEID */
    if (cur_failed(&c) || (flags >> 5) != 1 || !(flags & 0x10u) || type != 255)
        return false;
    if (flags & 0x07u) { /* sequence number, N-PDU, next extension header type */
        cur_skip(&c, 3);
        cur_u8(&c, &next);
        for (unsigned n = 0; next && n < 8u && !cur_failed(&c); n++) {
            uint8_t len4;
            cur_u8(&c, &len4);
            if (len4 == 0 || !cur_skip(&c, (size_t)len4 * 4u - 2u))
                return false;
            cur_u8(&c, &next);
        }
        if (cur_failed(&c) || next)
            return false;
    }
    return ip_version(c, out);
}

/* RFC 7348: flags (I set), reserved, VNI, reserved; then Ethernet. */
static bool vxlan(struct cur c, struct tunnel_inner *out)
{
    uint8_t flags;
    if (!cur_u8(&c, &flags) || !(flags & 0x08u) || !cur_skip(&c, 7))
        return false;
    out->bytes = c;
    out->ethernet = true;
    return true;
}

bool tunnel_decap(const struct ip_info *ip, struct tunnel_inner *out)
{
    struct cur c = ip->l4;
    if (ip->fragment)
        return false;
    if (ip->proto == PROTO_GRE)
        return gre(c, out);
    if (ip->proto != PROTO_UDP)
        return false;
    uint16_t sport, dport;
    cur_u16(&c, &sport);
    cur_u16(&c, &dport);
    if (!cur_skip(&c, 4))
        return false;
    if (dport == PORT_VXLAN)
        return vxlan(c, out);
    if (dport == PORT_GTPU || sport == PORT_GTPU)
        return gtpu(c, out);
    return false;
}
