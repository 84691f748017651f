/* One frame through link_decode, ip_decode and tcp_decode. Input: the first
 * byte picks one of the supported link types (link_supported), the rest is
 * the frame, copied into an exactly-sized heap buffer. Properties: every view
 * a decoder returns lies within the view it was given (so within the frame);
 * captured bytes never exceed the lengths the headers claim; an empty frame
 * never decodes as a non-IP frame (there is no header to say so); errors are
 * anomalies. */
#include "fuzz.h"

#include "anomaly.h"
#include "ip.h"
#include "caps.h"
#include "link.h"
#include "tcp.h"

static int types[64];
static size_t ntypes;

static void find_types(void)
{
    if (ntypes)
        return;
    for (int lt = 0; lt < 1024 && ntypes < sizeof types / sizeof types[0]; lt++)
        if (link_supported(lt))
            types[ntypes++] = lt;
    FUZZ_CHECK(ntypes > 0);
}

/* child is within parent (an empty view may point anywhere, or nowhere). */
static void within(const struct cur *child, const uint8_t *p, size_t n)
{
    FUZZ_CHECK(!cur_failed(child));
    size_t len = cur_left(child);
    if (len == 0)
        return;
    const uint8_t *c = cur_ptr(child);
    FUZZ_CHECK(c != NULL && p != NULL);
    FUZZ_CHECK((uintptr_t)c >= (uintptr_t)p);
    FUZZ_CHECK((uintptr_t)c - (uintptr_t)p <= n);
    FUZZ_CHECK(len <= n - (size_t)((uintptr_t)c - (uintptr_t)p));
    (void)fuzz_digest(0, c, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    find_types();
    int lt = types[data[0] % ntypes];
    size_t n = size - 1;
    uint8_t *frame = fuzz_dup(data + 1, n);

    struct link_out lo;
    int rc = link_decode(lt, cur_make(frame, n), &lo);
    if (rc != 0) {
        FUZZ_CHECK(rc > 0 && rc < ANOMALY_COUNT);
        goto out;
    }
    within(&lo.net, frame, n);
    FUZZ_CHECK(lo.vlan <= 0x0FFFu);
    bool ip = lo.ethertype == LINK_ETHERTYPE_IPV4 || lo.ethertype == LINK_ETHERTYPE_IPV6;
    /* An empty frame decodes only where there is no link header (raw IPv4,
     * IPv6), for the IP layer to find truncated; never as a non-IP frame. */
    if (n == 0)
        FUZZ_CHECK(ip);
    if (!ip)
        goto out;

    struct ip_info info;
    rc = ip_decode(lo.ethertype, lo.net, &info);
    if (rc != 0) {
        FUZZ_CHECK(rc > 0 && rc < ANOMALY_COUNT);
        goto out;
    }
    within(&info.l4, cur_ptr(&lo.net), cur_left(&lo.net));
    FUZZ_CHECK(info.family == 4 || info.family == 6);
    FUZZ_CHECK(cur_left(&info.l4) <= info.l4_wire_len);
    FUZZ_CHECK(info.tunnels <= LIMIT_IP_NESTING);
    if (info.family == 4) {
        static const uint8_t zero[12];
        FUZZ_CHECK(memcmp(info.src + 4, zero, 12) == 0 && memcmp(info.dst + 4, zero, 12) == 0);
    }
    if (!info.fragment)
        FUZZ_CHECK(!info.more_fragments && info.frag_offset == 0);
    if (info.fragment || info.proto != IP_PROTO_TCP)
        goto out;

    struct tcp_seg t;
    rc = tcp_decode(info.l4, info.l4_wire_len, &t);
    if (rc != 0) {
        FUZZ_CHECK(rc > 0 && rc < ANOMALY_COUNT);
        goto out;
    }
    within(&t.payload, cur_ptr(&info.l4), cur_left(&info.l4));
    FUZZ_CHECK(cur_left(&t.payload) <= t.payload_len);
    FUZZ_CHECK(t.payload_len <= info.l4_wire_len);
out:
    free(frame);
    return 0;
}
