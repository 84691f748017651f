/* Which way a session went, from the networks that are ours (--home-net, the
 * HOME_NET of Suricata and the local_nets of Zeek): inbound when the client
 * is outside and the server inside, outbound the other way round, internal
 * when both are inside, external when neither is. Without --home-net there
 * is no direction. */
#ifndef SMTPTLS_DIRECTION_H
#define SMTPTLS_DIRECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

struct session_record;

enum direction {
    DIRECTION_NONE, /* no --home-net */
    DIRECTION_INBOUND,
    DIRECTION_OUTBOUND,
    DIRECTION_INTERNAL,
    DIRECTION_EXTERNAL,
    DIRECTION_COUNT
};

/* The networks, as parsed: the address with its host bits cleared. An IPv4
 * network also holds IPv4-mapped IPv6 addresses (::ffff:192.0.2.1). */
struct home_net {
    unsigned n;
    struct home_prefix {
        uint8_t family; /* 4 or 6 */
        uint8_t bits;
        uint8_t addr[16]; /* IPv4 in the first 4 bytes */
    } nets[LIMIT_HOME_NETS];
};

/* Add the networks of text, "CIDR[,CIDR...]" (an address alone is a /32 or
 * /128; blanks around the commas are allowed), to *h. 0, or -1 with one line
 * in err (without the "smtptls: " prefix) and *h unchanged. */
int home_net_parse(struct home_net *h, const char *text, char *err, size_t errlen);
/* Is the address in one of the networks? family 6 is IPv6, else IPv4. */
bool home_net_contains(const struct home_net *h, uint8_t family, const uint8_t addr[16]);
/* "192.0.2.0/24": network i as text (FMT_ADDR_LEN + 4 fits); its length. */
size_t home_net_text(const struct home_net *h, unsigned i, char *buf, size_t len);

/* The direction of a session; DIRECTION_NONE when h is NULL or empty. */
enum direction direction_of(const struct home_net *h, const struct session_record *r);
/* "inbound"..., NULL for DIRECTION_NONE. */
const char *direction_name(enum direction d);
/* Is the server of a session of this direction ours? */
static inline bool direction_server_inside(enum direction d)
{
    return d == DIRECTION_INBOUND || d == DIRECTION_INTERNAL;
}

#endif
