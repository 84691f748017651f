#include "aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cipher_table.h"
#include "tls_names.h"

/* The counters alone, as each direction has them. */
static int counters_init(struct aggregate *a)
{
    memset(a, 0, sizeof *a);
    a->cipher_lo = 65535u; /* none yet */
    a->cipher_counts = calloc(65536u, sizeof *a->cipher_counts);
    return a->cipher_counts ? 0 : -1;
}

int aggregate_init(struct aggregate *a, const struct aggregate_config *cfg)
{
    static const struct aggregate_config none;
    if (!cfg)
        cfg = &none;
    if (counters_init(a) < 0)
        return -1;
    for (unsigned d = DIRECTION_NONE + 1; cfg->directions && d < DIRECTION_COUNT; d++) {
        a->dirs[d] = calloc(1, sizeof *a->dirs[d]);
        if (!a->dirs[d] || counters_init(a->dirs[d]) < 0)
            return -1;
    }
    a->servers = peers_new(&cfg->key);
    a->clients = peers_new(&cfg->key);
    a->domains = domains_new(&cfg->key);
    if (!a->servers || !a->clients || !a->domains)
        return -1;
    return timeline_init(&a->timeline, cfg->bin_s);
}

void aggregate_free(struct aggregate *a)
{
    free(a->cipher_counts);
    a->cipher_counts = NULL;
    for (unsigned d = 0; d < DIRECTION_COUNT; d++) {
        if (a->dirs[d])
            aggregate_free(a->dirs[d]);
        free(a->dirs[d]);
        a->dirs[d] = NULL;
    }
    peers_free(a->servers);
    peers_free(a->clients);
    domains_free(a->domains);
    a->servers = a->clients = NULL;
    a->domains = NULL;
    timeline_free(&a->timeline);
}

uint64_t aggregate_carrying(const struct aggregate *a)
{
    return a->total - a->classes[CLASS_PROBE];
}

static void bump(struct aggregate_count *list, size_t *n, size_t cap, uint32_t key)
{
    for (size_t i = 0; i < *n; i++) {
        if (list[i].key == key) {
            list[i].count++;
            return;
        }
    }
    if (*n < cap) {
        list[*n].key = key;
        list[*n].count = 1;
        (*n)++;
    }
}

static void add_findings(struct aggregate *a, const struct session_record *r,
                         const struct verdict *v)
{
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        if (!(v->findings & (1u << i)))
            continue;
        a->findings[i]++;
        if (a->nexamples[i] < LIMIT_REPORT_EXAMPLES) {
            struct aggregate_example *e = &a->examples[i][a->nexamples[i]++];
            e->start_us = r->start_us;
            e->family = r->family;
            memcpy(e->client, r->client, 16);
            memcpy(e->server, r->server, 16);
            e->client_port = r->client_port;
            e->server_port = r->server_port;
        }
    }
    a->envelope_offered += v->envelope_offered;
    if (r->mode == SESSION_STARTTLS || r->mode == SESSION_IMPLICIT_TLS)
        a->grades[v->grade < GRADE_COUNT ? v->grade : GRADE_UNKNOWN]++;
}

/* The range is kept so that the sorted view reads only the part of the
 * 65536 counters in use: a direction's aggregate often has none. */
static void count_suite(struct aggregate *a, uint32_t suite)
{
    a->cipher_counts[suite]++;
    if (suite < a->cipher_lo)
        a->cipher_lo = suite;
    if (suite > a->cipher_hi)
        a->cipher_hi = suite;
}

/* The counts of one session, in the whole capture's aggregate or in a
 * direction's. */
static void count(struct aggregate *a, const struct session_record *r, const struct verdict *v)
{
    add_findings(a, r, v);
    if (a->total == 0 || r->start_us < a->first_us)
        a->first_us = r->start_us;
    if (r->end_us > a->last_us)
        a->last_us = r->end_us;
    a->total++;
    if (r->mode < SESSION_MODE_COUNT)
        a->modes[r->mode]++;
    if (v->session_class < CLASS_COUNT)
        a->classes[v->session_class]++;
    a->messages_clear += r->messages;
    if (r->starttls_offered == SESSION_TRUE)
        a->starttls_offered++;
    bool envelope = false, auth = false;
    for (unsigned i = 0; i < r->nleaked; i++) {
        envelope |= session_leak_is_envelope(r->leaked[i]);
        auth |= r->leaked[i] == SESSION_LEAK_AUTH;
    }
    a->leak_envelope += envelope;
    a->leak_auth += auth;
    if (r->mode != SESSION_STARTTLS && r->mode != SESSION_IMPLICIT_TLS)
        return;
    a->encrypted++;
    if (r->tls_version == 0)
        a->version_unknown++;
    else
        bump(a->versions, &a->nversions, LIMIT_REPORT_VERSIONS, r->tls_version);
    if (r->cipher_key == SESSION_NO_CIPHER)
        a->cipher_unknown++;
    else if (r->cipher_key & SESSION_CIPHER_SSLV2)
        bump(a->sslv2, &a->nsslv2, LIMIT_REPORT_SSLV2, r->cipher_key);
    else
        count_suite(a, r->cipher_key & 0xFFFFu);
}

/* The server table always; the client table for the sessions to servers
 * inside --home-net (every session without it). */
static void peers_of(struct aggregate *a, const struct session_record *r, const struct verdict *v)
{
    enum direction d = (enum direction)v->direction;
    bool inside = direction_server_inside(d);
    peers_add(a->servers, PEER_SERVER, r, v, inside);
    if (d == DIRECTION_NONE || inside)
        peers_add(a->clients, PEER_CLIENT, r, v, d == DIRECTION_INTERNAL);
}

void aggregate_add(struct aggregate *a, const struct session_record *r, const struct verdict *v)
{
    count(a, r, v);
    if (v->direction < DIRECTION_COUNT && a->dirs[v->direction])
        count(a->dirs[v->direction], r, v);
    if (a->servers)
        peers_of(a, r, v);
    if (a->domains)
        domains_add(a->domains, r);
    if (a->timeline.bins)
        timeline_add(&a->timeline, r->start_us, (enum session_mode)r->mode,
                     (enum session_class)v->session_class);
}

void aggregate_cipher_of_key(uint32_t key, struct aggregate_cipher *out)
{
    memset(out, 0, sizeof *out);
    out->key = key;
    if (key == SESSION_NO_CIPHER)
        return;
    if (key & SESSION_CIPHER_SSLV2) {
        uint32_t kind = key & 0xFFFFFFu;
        const struct sslv2_cipher_info *ci = cipher_lookup_sslv2(kind);
        snprintf(out->id, sizeof out->id, "0x%06X", (unsigned)kind);
        out->iana = ci ? ci->iana : NULL;
        const char *name = ci && ci->openssl ? ci->openssl : ci ? ci->iana : NULL;
        snprintf(out->name, sizeof out->name, "%s", name ? name : out->id);
        return;
    }
    /* As cipher_display_name names it, with one lookup and no printf: the
     * session writer asks for every record. */
    static const char hex[] = "0123456789ABCDEF";
    uint16_t id = (uint16_t)key;
    const struct cipher_info *ci = cipher_lookup(id);
    char *o = out->id;
    *o++ = '0';
    *o++ = 'x';
    for (int shift = 12; shift >= 0; shift -= 4)
        *o++ = hex[id >> shift & 15u];
    *o = '\0';
    out->iana = ci ? ci->iana : NULL;
    const char *name = ci && ci->openssl ? ci->openssl : ci && ci->iana ? ci->iana : out->id;
    size_t n = strnlen(name, sizeof out->name - 1);
    memcpy(out->name, name, n);
    out->name[n] = '\0';
}

static int by_count_then_name(const void *x, const void *y)
{
    const struct aggregate_cipher *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

int aggregate_ciphers(const struct aggregate *a, struct aggregate_cipher **out, size_t *nout)
{
    size_t n = a->nsslv2;
    for (uint32_t i = a->cipher_lo; i <= a->cipher_hi; i++)
        n += a->cipher_counts[i] != 0;
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return 0;
    struct aggregate_cipher *v = calloc(n, sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    for (uint32_t i = a->cipher_lo; i <= a->cipher_hi; i++) {
        if (!a->cipher_counts[i])
            continue;
        aggregate_cipher_of_key(i, &v[k]);
        v[k++].count = a->cipher_counts[i];
    }
    for (size_t i = 0; i < a->nsslv2; i++) {
        aggregate_cipher_of_key(a->sslv2[i].key, &v[k]);
        v[k++].count = a->sslv2[i].count;
    }
    if (k > 1)
        qsort(v, k, sizeof *v, by_count_then_name);
    *out = v;
    *nout = k;
    return 0;
}

static int version_order(const void *x, const void *y)
{
    const struct aggregate_version *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

size_t aggregate_versions(const struct aggregate *a, struct aggregate_version *out, size_t cap)
{
    size_t n = a->nversions < cap ? a->nversions : cap;
    for (size_t i = 0; i < n; i++) {
        char buf[24];
        const char *name = tls_version_name((uint16_t)a->versions[i].key, buf, sizeof buf);
        snprintf(out[i].name, sizeof out[i].name, "%s", name ? name : "unknown");
        out[i].version = (uint16_t)a->versions[i].key;
        out[i].count = a->versions[i].count;
    }
    if (n > 1)
        qsort(out, n, sizeof *out, version_order);
    return n;
}
