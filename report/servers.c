#include "servers.h"

#include <stdlib.h>
#include <string.h>

#include "tls_names.h"

struct servers {
    struct server_stats **slots; /* open addressing, LIMIT_SERVERS * 2 */
    uint32_t mask, count;
    struct server_stats other;
};

struct servers *servers_new(void)
{
    struct servers *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->mask = 1024u - 1u;
    s->slots = calloc(s->mask + 1u, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->other.other = true;
    s->other.worst = GRADE_UNKNOWN;
    return s;
}

void servers_free(struct servers *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i <= s->mask; i++)
        free(s->slots[i]);
    free(s->slots);
    free(s);
}

static uint32_t hash(uint8_t family, const uint8_t addr[16], uint16_t port)
{
    uint32_t h = 2166136261u ^ family;
    for (int i = 0; i < 16; i++)
        h = (h ^ addr[i]) * 16777619u;
    h = (h ^ (port >> 8)) * 16777619u;
    return (h ^ (port & 0xFFu)) * 16777619u;
}

static bool grow(struct servers *s)
{
    uint32_t ncap = (s->mask + 1u) * 2u;
    struct server_stats **n = calloc(ncap, sizeof *n);
    if (!n)
        return false;
    for (uint32_t i = 0; i <= s->mask; i++) {
        struct server_stats *e = s->slots[i];
        if (!e)
            continue;
        uint32_t pos = hash(e->family, e->addr, e->port) & (ncap - 1u);
        while (n[pos])
            pos = (pos + 1u) & (ncap - 1u);
        n[pos] = e;
    }
    free(s->slots);
    s->slots = n;
    s->mask = ncap - 1u;
    return true;
}

struct server_stats *servers_get(struct servers *s, uint8_t family, const uint8_t addr[16],
                                 uint16_t port)
{
    uint32_t pos = hash(family, addr, port) & s->mask;
    for (struct server_stats *e; (e = s->slots[pos]) != NULL; pos = (pos + 1u) & s->mask)
        if (e->family == family && e->port == port && memcmp(e->addr, addr, 16) == 0)
            return e;
    if (s->count >= LIMIT_SERVERS)
        return &s->other;
    if ((s->count + 1u) * 2u > s->mask + 1u) {
        if (!grow(s))
            return &s->other;
        return servers_get(s, family, addr, port);
    }
    struct server_stats *e = calloc(1, sizeof *e);
    if (!e)
        return &s->other;
    e->family = family;
    memcpy(e->addr, addr, 16);
    e->port = port;
    e->worst = GRADE_UNKNOWN;
    s->slots[pos] = e;
    s->count++;
    return e;
}

static int by_sessions(const void *x, const void *y)
{
    const struct server_stats *a = *(struct server_stats *const *)x;
    const struct server_stats *b = *(struct server_stats *const *)y;
    if (a->other != b->other)
        return a->other ? 1 : -1;
    if (a->sessions != b->sessions)
        return a->sessions > b->sessions ? -1 : 1;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    int c = memcmp(a->addr, b->addr, 16);
    if (c)
        return c;
    return (a->port > b->port) - (a->port < b->port);
}

int servers_sorted(const struct servers *s, struct server_stats ***out, size_t *nout)
{
    size_t n = s->count + (s->other.sessions ? 1u : 0u);
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return 0;
    struct server_stats **v = calloc(n, sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    for (uint32_t i = 0; i <= s->mask; i++)
        if (s->slots[i])
            v[k++] = s->slots[i];
    if (s->other.sessions)
        v[k++] = (struct server_stats *)&s->other;
    if (k > 1)
        qsort(v, k, sizeof *v, by_sessions);
    *out = v;
    *nout = k;
    return 0;
}

int server_version_bit(uint16_t version)
{
    switch (version) {
    case TLS_VERSION_SSL2:
        return SV_SSL2;
    case TLS_VERSION_SSL3:
        return SV_SSL3;
    case TLS_VERSION_TLS10:
        return SV_TLS10;
    case TLS_VERSION_TLS11:
        return SV_TLS11;
    case TLS_VERSION_TLS12:
        return SV_TLS12;
    case TLS_VERSION_TLS13:
        return SV_TLS13;
    default:
        return SV_OTHER;
    }
}

const char *server_version_name(int bit)
{
    static const char *const names[SV_COUNT] = {"SSLv2",   "SSLv3",   "TLSv1", "TLSv1.1",
                                                "TLSv1.2", "TLSv1.3", "other"};
    return bit >= 0 && bit < SV_COUNT ? names[bit] : "other";
}
