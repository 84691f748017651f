#include "servers.h"

#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "table.h"
#include "tls_names.h"

_Static_assert(LIMIT_SERVERS % LIMIT_SERVER_CHUNK == 0, "whole chunks of rows");

struct servers {
    struct hash_key key;
    struct table index; /* hash of (family, address, port) -> row number */
    struct server_stats *chunks[LIMIT_SERVERS / LIMIT_SERVER_CHUNK];
    uint32_t count;
    struct server_stats other;
};

struct servers *servers_new(const struct hash_key *key)
{
    struct servers *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (table_init(&s->index, LIMIT_SERVERS) < 0) {
        free(s);
        return NULL;
    }
    s->key = *key;
    s->other.other = true;
    s->other.worst = GRADE_UNKNOWN;
    return s;
}

void servers_free(struct servers *s)
{
    if (!s)
        return;
    for (size_t c = 0; c < sizeof s->chunks / sizeof s->chunks[0]; c++)
        free(s->chunks[c]);
    table_free(&s->index);
    free(s);
}

static struct server_stats *row(const struct servers *s, uint32_t id)
{
    return &s->chunks[id / LIMIT_SERVER_CHUNK][id % LIMIT_SERVER_CHUNK];
}

static uint32_t hash(const struct servers *s, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    uint8_t k[16 + 2 + 1];
    memcpy(k, addr, 16);
    k[16] = (uint8_t)(port >> 8);
    k[17] = (uint8_t)port;
    k[18] = family;
    return (uint32_t)hash_bytes(&s->key, k, sizeof k);
}

struct server_stats *servers_get(struct servers *s, uint8_t family, const uint8_t addr[16],
                                 uint16_t port)
{
    uint32_t h = hash(s, family, addr, port);
    struct table_iter it;
    for (uint32_t id = table_find(&s->index, h, &it); id != TABLE_NONE;
         id = table_next(&s->index, &it)) {
        struct server_stats *e = row(s, id);
        if (e->family == family && e->port == port && memcmp(e->addr, addr, 16) == 0)
            return e;
    }
    if (s->count >= LIMIT_SERVERS)
        return &s->other;
    struct server_stats **chunk = &s->chunks[s->count / LIMIT_SERVER_CHUNK];
    if (!*chunk && !(*chunk = calloc(LIMIT_SERVER_CHUNK, sizeof **chunk)))
        return &s->other;
    if (!table_insert(&s->index, h, s->count))
        return &s->other;
    struct server_stats *e = row(s, s->count++);
    e->family = family;
    memcpy(e->addr, addr, 16);
    e->port = port;
    e->worst = GRADE_UNKNOWN;
    return e;
}

void servers_add(struct server_stats *s, const struct session_record *r, enum grade grade,
                 bool with_findings, bool stripped)
{
    s->sessions++;
    switch (r->mode) {
    case SESSION_STARTTLS:
    case SESSION_IMPLICIT_TLS:
        s->encrypted++;
        break;
    case SESSION_PLAINTEXT:
        s->plaintext++;
        break;
    case SESSION_STARTTLS_FAILED:
    case SESSION_IMPLICIT_TLS_FAILED:
        s->failed++;
        break;
    default:
        s->unknown++;
        break;
    }
    if (r->starttls_offered == SESSION_TRUE) {
        s->offered++;
    } else if (r->starttls_offered == SESSION_FALSE) {
        s->not_offered++;
        if (!s->offered && !stripped)
            s->not_offered_before_offer++;
    }
    if (with_findings)
        s->findings++;
    if (r->mode != SESSION_STARTTLS && r->mode != SESSION_IMPLICIT_TLS)
        return;
    if (r->tls_version)
        s->versions |= (uint8_t)(1u << server_version_bit(r->tls_version));
    uint32_t key = r->cipher_key;
    if (key != SESSION_NO_CIPHER) {
        bool have = false;
        for (unsigned i = 0; i < s->nciphers; i++)
            have |= s->ciphers[i] == key;
        if (!have && s->nciphers < LIMIT_SERVER_CIPHERS)
            s->ciphers[s->nciphers++] = key;
        else if (!have)
            s->more_ciphers = true;
    }
    if (grade != GRADE_UNKNOWN && (s->worst == GRADE_UNKNOWN || grade > s->worst))
        s->worst = grade;
}

uint64_t servers_stripped_late(const struct servers *s)
{
    uint64_t late = 0;
    for (uint32_t id = 0; id < s->count; id++)
        if (row(s, id)->offered)
            late += row(s, id)->not_offered_before_offer;
    return late;
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
    for (uint32_t id = 0; id < s->count; id++)
        v[k++] = row(s, id);
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
