#include "findings.h"

#include "aggregate.h"
#include "tls_names.h"

#include <stdlib.h>
#include <string.h>

#define FALLBACK_WINDOW_US (300ull * 1000000ull) /* a retry in clear comes at once */

struct pair {
    uint8_t client[16], server[16];
    uint16_t port;
    uint8_t family;
    uint64_t failed_us; /* start of the last session whose TLS handshake failed */
};

struct findings {
    struct servers *servers;
    struct pair *pairs;
};

static const char *const names[FINDING_COUNT] = {
#define FINDING_NAME(id, name) [FINDING_##id] = name,
    FINDING_LIST(FINDING_NAME)
#undef FINDING_NAME
};

const char *finding_name(enum finding x)
{
    return (unsigned)x < FINDING_COUNT ? names[x] : "";
}

struct findings *findings_new(void)
{
    struct findings *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->servers = servers_new();
    f->pairs = calloc(LIMIT_FALLBACK_PAIRS, sizeof *f->pairs);
    if (!f->servers || !f->pairs) {
        findings_free(f);
        return NULL;
    }
    return f;
}

void findings_free(struct findings *f)
{
    if (!f)
        return;
    servers_free(f->servers);
    free(f->pairs);
    free(f);
}

const struct servers *findings_servers(const struct findings *f)
{
    return f->servers;
}

static struct pair *pair_of(struct findings *f, const struct session_record *r)
{
    uint32_t h = 2166136261u ^ r->family;
    for (int i = 0; i < 16; i++)
        h = ((h ^ r->client[i]) * 16777619u ^ r->server[i]) * 16777619u;
    h = (h ^ r->server_port) * 16777619u;
    return &f->pairs[h % LIMIT_FALLBACK_PAIRS];
}

static bool pair_is(const struct pair *p, const struct session_record *r)
{
    return p->failed_us && p->family == r->family && p->port == r->server_port &&
           memcmp(p->client, r->client, 16) == 0 && memcmp(p->server, r->server, 16) == 0;
}

static void set(struct verdict *v, enum finding x)
{
    v->findings |= 1u << x;
}

static void count_server(struct server_stats *s, const struct session_record *r,
                         const struct verdict *v)
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
        if (!s->offered && !(v->findings & (1u << FINDING_STARTTLS_STRIPPED)))
            s->not_offered_before_offer++;
    }
    if (v->findings)
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
    if (v->grade != GRADE_UNKNOWN && (s->worst == GRADE_UNKNOWN || v->grade > s->worst))
        s->worst = v->grade;
}

void findings_judge(struct findings *f, const struct session_record *r, struct verdict *v)
{
    memset(v, 0, sizeof *v);
    struct server_stats *srv = servers_get(f->servers, r->family, r->server, r->server_port);
    bool envelope = false;
    for (unsigned i = 0; i < r->nleaked; i++) {
        envelope |= session_leak_is_envelope(r->leaked[i]);
        if (r->leaked[i] == SESSION_LEAK_AUTH)
            set(v, FINDING_AUTH_CLEARTEXT);
    }
    if (envelope) {
        set(v, FINDING_ENVELOPE_CLEARTEXT);
        v->envelope_offered = r->starttls_offered == SESSION_TRUE;
    }
    if (r->starttls_offered == SESSION_FALSE && r->strip_marks) {
        set(v, FINDING_STARTTLS_STRIPPED);
    } else if (r->starttls_offered == SESSION_FALSE && srv->offered && !srv->other) {
        set(v, FINDING_STARTTLS_STRIPPED);
        v->stripped_by_history = true;
    }
    v->injection_client = r->client_injection;
    v->injection_server = r->server_injection;
    if (v->injection_client || v->injection_server)
        set(v, FINDING_STARTTLS_INJECTION);
    if (r->server_port == 465 && r->mode == SESSION_PLAINTEXT)
        set(v, FINDING_CLEARTEXT_ON_IMPLICIT_TLS_PORT);
    if (r->failure == SESSION_FAIL_REFUSED)
        set(v, FINDING_STARTTLS_REFUSED);
    else if (r->mode == SESSION_STARTTLS_FAILED || r->mode == SESSION_IMPLICIT_TLS_FAILED)
        set(v, FINDING_TLS_HANDSHAKE_FAILED);

    struct pair *p = pair_of(f, r);
    if (r->mode == SESSION_PLAINTEXT && envelope && pair_is(p, r) && p->failed_us <= r->start_us &&
        r->start_us - p->failed_us <= FALLBACK_WINDOW_US) {
        set(v, FINDING_TLS_FALLBACK_CLEARTEXT);
        v->fallback_after_us = p->failed_us;
    }
    if (pair_is(p, r))
        p->failed_us = 0; /* only the next session of the pair can be the retry */
    if (r->mode == SESSION_STARTTLS_FAILED && r->failure != SESSION_FAIL_REFUSED) {
        p->family = r->family;
        memcpy(p->client, r->client, 16);
        memcpy(p->server, r->server, 16);
        p->port = r->server_port;
        p->failed_us = r->start_us ? r->start_us : 1;
    }

    /* What the handshake showed counts even when it failed afterwards. */
    if (tls_version_obsolete(r->tls_version))
        set(v, FINDING_OBSOLETE_VERSION);
    if (r->cipher_key == SESSION_NO_CIPHER)
        memset(&v->props, 0, sizeof v->props);
    else if (r->cipher_key & SESSION_CIPHER_SSLV2)
        grade_sslv2(r->cipher_key & 0xFFFFFFu, &v->props);
    else
        grade_cipher((uint16_t)r->cipher_key, &v->props);
    if (v->props.known) {
        v->grade = v->props.grade;
        if (v->props.weak_cipher)
            set(v, FINDING_WEAK_CIPHER);
        if (!v->props.forward_secrecy)
            set(v, FINDING_NO_FORWARD_SECRECY);
    }
    if (r->has_cert && r->cert_self_signed)
        set(v, FINDING_CERT_SELF_SIGNED);
    if (r->has_cert && r->cert_not_after && r->cert_not_after < (int64_t)(r->start_us / 1000000u))
        set(v, FINDING_CERT_EXPIRED);
    count_server(srv, r, v);
}

int findings_stripped_late(const struct findings *f, uint64_t *late)
{
    struct server_stats **v;
    size_t n;
    *late = 0;
    if (servers_sorted(f->servers, &v, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (v[i]->offered && !v[i]->other)
            *late += v[i]->not_offered_before_offer;
    free(v);
    return 0;
}
