#include "tcp.h"

#include "anomaly.h"

int tcp_decode(struct cur l4, uint32_t wire_len, struct tcp_seg *out)
{
    uint8_t off, flags;
    cur_u16(&l4, &out->sport);
    cur_u16(&l4, &out->dport);
    cur_u32(&l4, &out->seq);
    cur_u32(&l4, &out->ack);
    cur_u8(&l4, &off);
    cur_u8(&l4, &flags);
    cur_u16(&l4, &out->window);
    cur_skip(&l4, 4); /* checksum, urgent pointer */
    if (cur_failed(&l4))
        return ANOMALY_TCP_TRUNCATED;
    unsigned hlen = (unsigned)(off >> 4) * 4u;
    if (hlen < 20)
        return ANOMALY_TCP_BAD_OFFSET;
    if (wire_len < hlen)
        return ANOMALY_TCP_BAD_OFFSET;
    if (!cur_skip(&l4, hlen - 20u)) {
        /* Options cut by the snapshot length: the fixed header still tells
         * the segment; its payload is all gap. */
        l4 = cur_make(NULL, 0);
    }
    out->flags = flags;
    out->payload = l4;
    out->payload_len = wire_len - hlen;
    if (cur_left(&out->payload) > out->payload_len)
        cur_truncate(&out->payload, out->payload_len);
    if ((flags & (TCP_SYN | TCP_RST)) == (TCP_SYN | TCP_RST) ||
        (flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN))
        return ANOMALY_TCP_BAD_FLAGS;
    return 0;
}
