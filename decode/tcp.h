/* TCP header: ports, sequence numbers, flags and the payload, with the
 * payload's wire length so bytes cut by the snapshot length become a gap. */
#ifndef SMTPTLS_TCP_H
#define SMTPTLS_TCP_H

#include <stdint.h>

#include "cursor.h"

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u

struct tcp_seg {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    struct cur payload;   /* captured payload bytes */
    uint32_t payload_len; /* payload length on the wire (>= captured) */
};

/* 0 or an anomaly. wire_len is the transport length the IP header claims. */
int tcp_decode(struct cur l4, uint32_t wire_len, struct tcp_seg *out);

#endif
