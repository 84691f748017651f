/* IPv4 and IPv6 headers (options, extension headers, IP-in-IP tunnels) to the
 * transport-layer bytes, clamped to the IP length and to what was captured. */
#ifndef SMTPTLS_IP_H
#define SMTPTLS_IP_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"

#define IP_PROTO_TCP 6u

struct ip_info {
    uint8_t family;           /* 4 or 6 */
    uint8_t proto;            /* transport protocol of the innermost header */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
    struct cur l4;            /* captured transport bytes */
    uint32_t l4_wire_len;     /* transport length the IP header claims */
    bool fragment;            /* a fragment (offset or more-fragments set) */
    bool more_fragments;
    uint32_t frag_offset; /* in bytes */
    uint32_t frag_id;
    unsigned tunnels; /* IP-in-IP headers peeled */
};

/* 0 or an anomaly. ethertype selects IPv4 or IPv6. */
int ip_decode(uint16_t ethertype, struct cur net, struct ip_info *out);

#endif
