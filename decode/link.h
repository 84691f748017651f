/* Link layers: from a captured frame to the network-layer bytes. A table maps
 * each supported link type to its decoder; an unsupported type is refused when
 * the capture is opened (link_supported), not per packet. */
#ifndef SMTPTLS_LINK_H
#define SMTPTLS_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly.h"
#include "cursor.h"

#define LINK_TYPE_ETHERNET 1 /* DLT_EN10MB */
#define LINK_ETHERTYPE_IPV4 0x0800u
#define LINK_ETHERTYPE_IPV6 0x86DDu

struct link_out {
    struct cur net;     /* network-layer bytes, within the captured frame */
    uint16_t ethertype; /* LINK_ETHERTYPE_IPV4/IPV6, or what the frame said */
    uint16_t vlan;      /* outermost VLAN id, 0 if none */
};

/* Link type numbers as pcap_datalink() returns them. */
bool link_supported(int linktype);

/* 0 on success; otherwise the anomaly that stopped decoding (the packet is
 * counted and skipped). Non-IP frames succeed with another ethertype. */
int link_decode(int linktype, struct cur frame, struct link_out *out);

#endif
