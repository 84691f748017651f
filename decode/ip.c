#include "ip.h"

#include <string.h>

#include "anomaly.h"
#include "caps.h"
#include "link.h"

enum {
    IPPROTO_HOPOPTS_ = 0,
    IPPROTO_IPIP_ = 4,
    IPPROTO_IPV6_ = 41,
    IPPROTO_ROUTING_ = 43,
    IPPROTO_FRAGMENT_ = 44,
    IPPROTO_AH_ = 51,
    IPPROTO_DSTOPTS_ = 60,
    IPPROTO_MH_ = 135,
};

static int ipv4_header(struct cur c, struct ip_info *out)
{
    uint8_t vihl, proto;
    uint16_t total, id, frag;
    const uint8_t *src, *dst;
    size_t caplen = cur_left(&c);

    cur_u8(&c, &vihl);
    cur_skip(&c, 1);
    cur_u16(&c, &total);
    cur_u16(&c, &id);
    cur_u16(&c, &frag);
    cur_skip(&c, 1);
    cur_u8(&c, &proto);
    cur_skip(&c, 2);
    cur_span(&c, 4, &src);
    cur_span(&c, 4, &dst);
    if (cur_failed(&c))
        return ANOMALY_IP_TRUNCATED;
    if ((vihl >> 4) != 4)
        return ANOMALY_IP_BAD_VERSION;
    unsigned hlen = (vihl & 0x0Fu) * 4u;
    if (hlen < 20)
        return ANOMALY_IP_BAD_HEADER_LEN;
    if (!cur_skip(&c, hlen - 20u))
        return ANOMALY_IP_TRUNCATED;
    /* Total length 0 is TSO/GRO: the frame is the packet. */
    size_t wire = total ? total : caplen;
    if (wire < hlen)
        return ANOMALY_IP_BAD_TOTAL_LEN;
    cur_truncate(&c, wire - hlen); /* drop Ethernet padding */

    out->family = 4;
    out->proto = proto;
    memset(out->src, 0, sizeof out->src);
    memset(out->dst, 0, sizeof out->dst);
    memcpy(out->src, src, 4);
    memcpy(out->dst, dst, 4);
    out->l4 = c;
    out->l4_wire_len = (uint32_t)(wire - hlen);
    out->frag_offset = (uint32_t)(frag & 0x1FFFu) * 8u;
    out->more_fragments = (frag & 0x2000u) != 0;
    out->fragment = out->frag_offset != 0 || out->more_fragments;
    out->frag_id = id;
    return 0;
}

static int ipv6_header(struct cur c, struct ip_info *out)
{
    uint32_t vtcfl;
    uint16_t plen;
    uint8_t next;
    const uint8_t *src, *dst;

    cur_u32(&c, &vtcfl);
    cur_u16(&c, &plen);
    cur_u8(&c, &next);
    cur_skip(&c, 1);
    cur_span(&c, 16, &src);
    cur_span(&c, 16, &dst);
    if (cur_failed(&c))
        return ANOMALY_IP_TRUNCATED;
    if ((vtcfl >> 28) != 6)
        return ANOMALY_IP_BAD_VERSION;
    /* Payload length 0 is a jumbogram or GSO: trust the capture. */
    size_t wire = plen ? plen : cur_left(&c);
    cur_truncate(&c, wire);

    out->family = 6;
    memcpy(out->src, src, 16);
    memcpy(out->dst, dst, 16);
    out->fragment = false;
    out->more_fragments = false;
    out->frag_offset = 0;
    out->frag_id = 0;

    for (unsigned hops = 0;; hops++) {
        if (hops > LIMIT_IP6_EXT_HEADERS)
            return ANOMALY_IP6_BAD_EXT;
        switch (next) {
        case IPPROTO_HOPOPTS_:
        case IPPROTO_ROUTING_:
        case IPPROTO_DSTOPTS_:
        case IPPROTO_MH_: {
            uint8_t nh, len8;
            cur_u8(&c, &nh);
            cur_u8(&c, &len8);
            size_t body = (size_t)len8 * 8u + 6u;
            if (cur_failed(&c))
                return ANOMALY_IP_TRUNCATED;
            if (wire < body + 2u)
                return ANOMALY_IP6_BAD_EXT; /* runs past the payload length */
            if (!cur_skip(&c, body))
                return ANOMALY_IP_TRUNCATED;
            wire -= body + 2u;
            next = nh;
            continue;
        }
        case IPPROTO_AH_: {
            uint8_t nh, len4;
            cur_u8(&c, &nh);
            cur_u8(&c, &len4);
            size_t body = ((size_t)len4 + 2u) * 4u - 2u;
            if (cur_failed(&c))
                return ANOMALY_IP_TRUNCATED;
            if (wire < body + 2u)
                return ANOMALY_IP6_BAD_EXT;
            if (!cur_skip(&c, body))
                return ANOMALY_IP_TRUNCATED;
            wire -= body + 2u;
            next = nh;
            continue;
        }
        case IPPROTO_FRAGMENT_: {
            uint8_t nh;
            uint16_t offflags;
            uint32_t id;
            cur_u8(&c, &nh);
            cur_skip(&c, 1);
            cur_u16(&c, &offflags);
            cur_u32(&c, &id);
            if (cur_failed(&c))
                return ANOMALY_IP_TRUNCATED;
            if (wire < 8)
                return ANOMALY_IP6_BAD_EXT;
            wire -= 8;
            out->frag_offset = (uint32_t)(offflags & 0xFFF8u);
            out->more_fragments = (offflags & 1u) != 0;
            /* An atomic fragment (offset 0, no more) is a whole packet (RFC 6946). */
            out->fragment = out->frag_offset != 0 || out->more_fragments;
            out->frag_id = id;
            next = nh;
            if (out->frag_offset != 0) { /* a later fragment: what follows is payload */
                out->proto = next;
                out->l4 = c;
                out->l4_wire_len = (uint32_t)wire;
                return 0;
            }
            continue;
        }
        default:
            out->proto = next;
            out->l4 = c;
            out->l4_wire_len = (uint32_t)wire;
            return 0;
        }
    }
}

int ip_decode(uint16_t ethertype, struct cur net, struct ip_info *out)
{
    int rc;
    out->tunnels = 0;
    for (;;) {
        if (ethertype == LINK_ETHERTYPE_IPV4)
            rc = ipv4_header(net, out);
        else if (ethertype == LINK_ETHERTYPE_IPV6)
            rc = ipv6_header(net, out);
        else
            return ANOMALY_IP_BAD_VERSION;
        if (rc)
            return rc;
        if (out->fragment || (out->proto != IPPROTO_IPIP_ && out->proto != IPPROTO_IPV6_))
            return 0;
        if (++out->tunnels > LIMIT_IP_NESTING)
            return ANOMALY_IP_TOO_DEEP;
        ethertype = out->proto == IPPROTO_IPIP_ ? LINK_ETHERTYPE_IPV4 : LINK_ETHERTYPE_IPV6;
        net = out->l4;
    }
}
