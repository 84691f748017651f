/* IPv4 and IPv6 fragment reassembly under a byte cap, a datagram cap and a
 * timeout. Overlapping fragments: the first copy of a byte wins. A fragment
 * cut by the snapshot length dooms its datagram (counted as dropped). */
#ifndef SMTPTLS_IPFRAG_H
#define SMTPTLS_IPFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "ip.h"

struct ipfrag_stats {
    uint64_t fragments;   /* fragments offered */
    uint64_t reassembled; /* datagrams completed */
    uint64_t dropped;     /* datagrams given up: timeout, caps, cut or bad fragments */
    uint64_t timeouts;
};

struct ipfrag;

struct ipfrag *ipfrag_new(uint64_t timeout_us);
void ipfrag_free(struct ipfrag *f);
/* Offer a fragment (ip->fragment set). True when it completes a datagram:
 * *whole then describes it, its transport view valid until the next call. */
bool ipfrag_add(struct ipfrag *f, const struct ip_info *ip, uint64_t now_us, struct ip_info *whole);
const struct ipfrag_stats *ipfrag_get_stats(const struct ipfrag *f);

#endif
