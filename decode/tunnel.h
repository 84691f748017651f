/* Tunnels that carry a whole packet: GRE (IP, or Ethernet for transparent
 * bridging and ERSPAN), VXLAN (UDP 4789, Ethernet) and GTP-U (UDP 2152, IP).
 * Cloud traffic mirroring (VXLAN, GRE) and mobile cores (GTP) deliver mail
 * traffic this way. */
#ifndef SMTPTLS_TUNNEL_H
#define SMTPTLS_TUNNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "ip.h"

struct tunnel_inner {
    struct cur bytes;
    bool ethernet;      /* bytes are an Ethernet frame; else an IP packet */
    uint16_t ethertype; /* for an IP packet: LINK_ETHERTYPE_IPV4/IPV6 */
};

/* True when ip carries a tunnel whose inner packet is in *out. */
bool tunnel_decap(const struct ip_info *ip, struct tunnel_inner *out);

#endif
