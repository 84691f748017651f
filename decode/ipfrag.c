#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"

#define FRAG_MAX_DATAGRAM 65535u
#define FRAG_UNITS ((FRAG_MAX_DATAGRAM + 7u) / 8u)

struct datagram {
    uint8_t family, proto;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint64_t first_us;
    uint32_t total; /* known once the last fragment came; 0 before */
    uint32_t size;  /* bytes allocated in data */
    uint8_t *data;
    uint8_t covered[FRAG_UNITS / 8u + 1u]; /* one bit per 8-byte unit */
};

struct ipfrag {
    struct datagram *slots[LIMIT_FRAG_DATAGRAMS];
    uint32_t count;
    uint64_t bytes;
    uint64_t timeout_us;
    uint8_t *done; /* the last reassembled datagram, owned until the next call */
    struct ipfrag_stats stats;
};

struct ipfrag *ipfrag_new(uint64_t timeout_us)
{
    struct ipfrag *f = calloc(1, sizeof *f);
    if (f)
        f->timeout_us = timeout_us;
    return f;
}

static void release(struct ipfrag *f, uint32_t i)
{
    struct datagram *d = f->slots[i];
    f->bytes -= d->size;
    free(d->data);
    free(d);
    f->slots[i] = f->slots[--f->count];
    f->slots[f->count] = NULL;
}

void ipfrag_free(struct ipfrag *f)
{
    if (!f)
        return;
    while (f->count)
        release(f, 0);
    free(f->done);
    free(f);
}

const struct ipfrag_stats *ipfrag_get_stats(const struct ipfrag *f)
{
    return &f->stats;
}

static void expire(struct ipfrag *f, uint64_t now_us)
{
    for (uint32_t i = 0; i < f->count;) {
        if (f->slots[i]->first_us + f->timeout_us < now_us) {
            release(f, i);
            f->stats.timeouts++;
            f->stats.dropped++;
        } else {
            i++;
        }
    }
}

static bool same(const struct datagram *d, const struct ip_info *ip)
{
    return d->family == ip->family && d->id == ip->frag_id && d->proto == ip->proto &&
           memcmp(d->src, ip->src, 16) == 0 && memcmp(d->dst, ip->dst, 16) == 0;
}

static bool complete(const struct datagram *d)
{
    if (!d->total)
        return false;
    uint32_t units = (d->total + 7u) / 8u;
    for (uint32_t u = 0; u < units; u++)
        if (!(d->covered[u / 8u] & (1u << (u % 8u))))
            return false;
    return true;
}

static bool grow(struct ipfrag *f, struct datagram *d, uint32_t need)
{
    if (need <= d->size)
        return true;
    uint32_t size = need < 1500u ? 1500u : need;
    if (size < d->size * 2u)
        size = d->size * 2u;
    if (size > FRAG_MAX_DATAGRAM)
        size = FRAG_MAX_DATAGRAM;
    if (f->bytes + (size - d->size) > LIMIT_FRAG_BYTES_TOTAL)
        return false;
    uint8_t *nd = realloc(d->data, size);
    if (!nd)
        return false;
    f->bytes += size - d->size;
    d->data = nd;
    d->size = size;
    return true;
}

bool ipfrag_add(struct ipfrag *f, const struct ip_info *ip, uint64_t now_us, struct ip_info *whole)
{
    f->stats.fragments++;
    free(f->done);
    f->done = NULL;
    expire(f, now_us);

    uint32_t i = 0;
    while (i < f->count && !same(f->slots[i], ip))
        i++;
    if (i == f->count) {
        if (f->count == LIMIT_FRAG_DATAGRAMS) { /* the oldest makes room */
            uint32_t oldest = 0;
            for (uint32_t k = 1; k < f->count; k++)
                if (f->slots[k]->first_us < f->slots[oldest]->first_us)
                    oldest = k;
            release(f, oldest);
            f->stats.dropped++;
            i = f->count;
        }
        struct datagram *d = calloc(1, sizeof *d);
        if (!d) {
            f->stats.dropped++;
            return false;
        }
        d->family = ip->family;
        d->proto = ip->proto;
        memcpy(d->src, ip->src, 16);
        memcpy(d->dst, ip->dst, 16);
        d->id = ip->frag_id;
        d->first_us = now_us;
        f->slots[f->count++] = d;
    }
    struct datagram *d = f->slots[i];
    uint32_t len = ip->l4_wire_len;
    uint32_t off = ip->frag_offset;
    bool cut = cur_left(&ip->l4) < len;
    bool bad = cut || off + len > FRAG_MAX_DATAGRAM || (ip->more_fragments && len % 8u != 0) ||
               (d->total && off + len > d->total) ||
               (!ip->more_fragments && d->total && off + len != d->total);
    if (bad || !grow(f, d, off + len)) {
        release(f, i);
        f->stats.dropped++;
        return false;
    }
    if (!ip->more_fragments)
        d->total = off + len;
    /* First copy wins: write only units not covered yet. */
    const uint8_t *src = cur_ptr(&ip->l4);
    for (uint32_t u = off / 8u; u * 8u < off + len; u++) {
        uint8_t bit = (uint8_t)(1u << (u % 8u));
        if (d->covered[u / 8u] & bit)
            continue;
        uint32_t a = u * 8u, b = a + 8u < off + len ? a + 8u : off + len;
        memcpy(d->data + a, src + (a - off), b - a);
        d->covered[u / 8u] |= bit;
    }
    if (!complete(d))
        return false;

    *whole = *ip;
    whole->fragment = false;
    whole->more_fragments = false;
    whole->frag_offset = 0;
    whole->l4_wire_len = d->total;
    f->done = d->data;
    d->data = NULL;
    whole->l4 = cur_make(f->done, d->total);
    f->bytes -= d->size;
    d->size = 0;
    release(f, i);
    f->stats.reassembled++;
    return true;
}
