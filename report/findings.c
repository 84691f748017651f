#include "findings.h"

#include "aggregate.h"
#include "fallback.h"
#include "smtp.h"
#include "tls_names.h"

#include <stdlib.h>
#include <string.h>

#define FALLBACK_WINDOW_US (300ull * 1000000ull) /* a retry in clear comes at once */

struct findings {
    struct servers *servers;
    struct fallback *fallback;
    const struct home_net *home;
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

struct findings *findings_new(const struct hash_key *key, const struct home_net *home)
{
    struct findings *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->home = home;
    f->servers = servers_new(key);
    f->fallback = fallback_new(key);
    if (!f->servers || !f->fallback) {
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
    fallback_free(f->fallback);
    free(f);
}

static void set(struct verdict *v, enum finding x)
{
    v->findings |= 1u << x;
}

/* The server's reply could have listed STARTTLS and did not: an answer to
 * EHLO (or LMTP's LHLO). A reply to HELO lists no extensions (RFC 5321
 * 4.1.1.1), so a HELO-only client, a monitoring probe say, shows nothing. */
static bool starttls_withheld(const struct session_record *r)
{
    if (r->starttls_offered != SESSION_FALSE)
        return false;
    for (unsigned i = 0; i < r->nverbs; i++)
        if (r->verbs[i] == SMTP_VERB_EHLO || r->verbs[i] == SMTP_VERB_LHLO)
            return true;
    return false;
}

void findings_judge(struct findings *f, const struct session_record *r, struct verdict *v)
{
    memset(v, 0, sizeof *v);
    v->direction = (uint8_t)direction_of(f->home, r);
    v->session_class = (uint8_t)class_of(r);
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
    bool withheld = starttls_withheld(r);
    if (withheld && r->strip_marks) {
        set(v, FINDING_STARTTLS_STRIPPED);
    } else if (withheld && srv->offered && !srv->other) {
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

    bool failed = r->mode == SESSION_STARTTLS_FAILED && r->failure != SESSION_FAIL_REFUSED;
    uint64_t failed_us;
    if (fallback_next(f->fallback, r, failed, &failed_us) && r->mode == SESSION_PLAINTEXT &&
        envelope && failed_us <= r->start_us && r->start_us - failed_us <= FALLBACK_WINDOW_US) {
        set(v, FINDING_TLS_FALLBACK_CLEARTEXT);
        v->fallback_after_us = failed_us;
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
    servers_add(srv, r, withheld, (v->findings & (1u << FINDING_STARTTLS_STRIPPED)) != 0);
}

uint64_t findings_stripped_late(const struct findings *f)
{
    return servers_stripped_late(f->servers);
}
