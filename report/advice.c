/* What to change, told to the side that can change it (advice.h). */
#include "advice.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const finding_text[FINDING_COUNT] = {
    [FINDING_ENVELOPE_CLEARTEXT] = "MAIL/RCPT/DATA/BDAT sent in clear",
    [FINDING_AUTH_CLEARTEXT] = "AUTH sent in clear: credentials exposed",
    [FINDING_STARTTLS_STRIPPED] = "STARTTLS missing from the EHLO reply, by tampering or history",
    [FINDING_STARTTLS_INJECTION] = "bytes in clear between STARTTLS and the handshake",
    [FINDING_TLS_FALLBACK_CLEARTEXT] = "delivered in clear after a failed TLS handshake",
    [FINDING_CLEARTEXT_ON_IMPLICIT_TLS_PORT] = "plaintext SMTP on the implicit-TLS port 465",
    [FINDING_STARTTLS_REFUSED] = "STARTTLS refused by the server",
    [FINDING_TLS_HANDSHAKE_FAILED] = "TLS handshake failed or never came",
    [FINDING_OBSOLETE_VERSION] = "SSLv2, SSLv3, TLSv1 or TLSv1.1 negotiated",
    [FINDING_WEAK_CIPHER] = "NULL, EXPORT, anonymous, RC4, DES, 3DES or MD5 cipher",
    [FINDING_NO_FORWARD_SECRECY] = "RSA or static key exchange: no forward secrecy",
    [FINDING_CERT_SELF_SIGNED] = "self-signed server certificate",
    [FINDING_CERT_EXPIRED] = "server certificate expired at the time of the session",
};

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* By the server's sessions with a side of ours. */
enum advice_party advice_party(const struct peer_stats *s)
{
    if (s->adv.inside && !s->adv.outside)
        return ADVICE_OURS;
    if (s->adv.outside && !s->adv.inside)
        return ADVICE_THEIRS;
    return ADVICE_UNKNOWN;
}

/* Submission ports, where TLS can be required of every client; on 25 (and
 * the others) TLS between MTAs stays opportunistic (RFC 3207 section 4). */
static bool submission(uint16_t port)
{
    return port == 587 || port == 465;
}

/* Worse first: insecure ciphers, AUTH in clear, servers that never offered
 * STARTTLS while mail went in clear, obsolete versions, weak ciphers. Only
 * the sessions with a side of ours count (peer_stats.adv). */
int advice_urgency(const struct peer_stats *s)
{
    const struct peer_advice *a = &s->adv;
    int score = 0;
    if (a->worst == GRADE_INSECURE)
        score += 8;
    if (a->auth)
        score += 7;
    if (a->clear && !s->offered)
        score += 6;
    if (a->versions & PV_OBSOLETE)
        score += 4;
    if (a->worst == GRADE_WEAK)
        score += 3;
    if (a->failed)
        score += 2;
    if (a->clear)
        score += 1;
    return score;
}

static int by_urgency(const void *x, const void *y)
{
    const struct peer_stats *a = *(struct peer_stats *const *)x;
    const struct peer_stats *b = *(struct peer_stats *const *)y;
    int ua = advice_urgency(a), ub = advice_urgency(b);
    if (ua != ub)
        return ub - ua;
    if (a->adv.sessions != b->adv.sessions)
        return a->adv.sessions < b->adv.sessions ? 1 : -1;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->port > b->port) - (a->port < b->port);
}

/* A text built by parts, cut to its buffer. */
struct text {
    char *p;
    size_t len, used;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
    if (t->used + 1 >= t->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->p + t->used, t->len - t->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->used = t->used + (size_t)n < t->len ? t->used + (size_t)n : t->len - 1;
}

/* Mail in clear to or from one server. */
static void advice_clear(struct text *t, const struct peer_stats *s, enum advice_party side)
{
    uint64_t k = s->adv.clear;
    if (!k)
        return;
    if (!s->offered && side == ADVICE_THEIRS)
        add(t,
            " it does not offer STARTTLS: our mail to it went in clear in %" PRIu64
            " session%s (require TLS for its domain in smtp_tls_policy_maps, or accept it);",
            k, plural(k));
    else if (!s->offered)
        add(t,
            " enable STARTTLS (Postfix smtpd_tls_security_level = may, with a certificate): "
            "%" PRIu64 " session%s in clear;",
            k, plural(k));
    else if (side == ADVICE_THEIRS)
        add(t,
            " %" PRIu64 " session%s from our side stayed in clear although it offers STARTTLS: "
            "make the sending MTA use it (smtp_tls_security_level = may at least; encrypt or "
            "dane for its domain);",
            k, plural(k));
    else if (submission(s->port))
        add(t,
            " %" PRIu64 " session%s stayed in clear on submission: require TLS on this port "
            "(smtpd_tls_security_level = encrypt in its master.cf entry);",
            k, plural(k));
    else
        add(t, " %" PRIu64 " session%s stayed in clear although STARTTLS is offered%s;", k,
            plural(k),
            side == ADVICE_OURS ? ": the senders' choice, as TLS stays opportunistic on this "
                                  "port (see Clients)"
                                : "");
}

static void advice_auth(struct text *t, const struct peer_stats *s, enum advice_party side)
{
    uint64_t k = s->adv.auth;
    if (!k)
        return;
    if (side == ADVICE_THEIRS)
        add(t,
            " our clients sent AUTH to it in clear in %" PRIu64 " session%s: require TLS to it "
            "(smtp_tls_security_level = encrypt) and change those passwords;",
            k, plural(k));
    else
        add(t,
            " AUTH in clear in %" PRIu64 " session%s: set smtpd_tls_auth_only = yes, require TLS "
            "on 587 and 465, and change the passwords that crossed;",
            k, plural(k));
}

/* What one server should change, as one text. */
static void advice(struct text *t, const struct peer_stats *s)
{
    const struct peer_advice *a = &s->adv;
    enum advice_party side = advice_party(s);
    advice_auth(t, s, side);
    advice_clear(t, s, side);
    if (a->worst == GRADE_INSECURE || a->worst == GRADE_WEAK)
        add(t, " %s cipher negotiated;", grade_name(a->worst));
    if (a->versions & PV_OBSOLETE) {
        add(t, " obsolete protocol in use (");
        const char *sep = "";
        for (int b = 0; b < PV_COUNT; b++) {
            if (!(a->versions & PV_OBSOLETE & (1u << b)))
                continue;
            add(t, "%s%s", sep, peer_version_name(b));
            sep = " ";
        }
        add(t, ");");
    }
    if (a->failed)
        add(t, " %" PRIu64 " STARTTLS or TLS handshake failure%s;", a->failed, plural(a->failed));
}

/* Sessions in clear although the server offered STARTTLS, told to the side
 * that can change it. */
static void missed(const struct aggregate *a, void (*say)(void *, const char *), void *l)
{
    char text[512];
    if (!a->dirs[DIRECTION_INBOUND]) {
        if (a->envelope_offered)
            say(l, "Senders delivered in clear although STARTTLS was offered: make them require "
                   "TLS (Postfix smtp_tls_security_level = encrypt or dane, or publish MTA-STS); "
                   "--home-net tells our senders from others.");
        return;
    }
    uint64_t out = a->dirs[DIRECTION_OUTBOUND]->envelope_offered;
    uint64_t in = a->dirs[DIRECTION_INBOUND]->envelope_offered;
    uint64_t internal = a->dirs[DIRECTION_INTERNAL]->envelope_offered;
    if (out) {
        snprintf(text, sizeof text,
                 "Outbound: our MTA delivered in clear in %" PRIu64 " session%s although the "
                 "server offered STARTTLS: set its TLS policy (Postfix smtp_tls_security_level = "
                 "may at least; encrypt or dane per destination in smtp_tls_policy_maps; honour "
                 "DANE and MTA-STS).",
                 out, plural(out));
        say(l, text);
    }
    if (internal) {
        snprintf(text, sizeof text,
                 "Internal: %" PRIu64 " session%s between our own hosts went in clear although "
                 "STARTTLS was offered: make our clients use it.",
                 internal, plural(internal));
        say(l, text);
    }
    if (in) {
        snprintf(text, sizeof text,
                 "Inbound: %" PRIu64 " session%s delivered to us in clear although we offered "
                 "STARTTLS: on port 25 that is the sender's choice (TLS stays opportunistic "
                 "there); the Clients table shows who.",
                 in, plural(in));
        say(l, text);
    }
}

static bool nothing_urgent(const struct aggregate *a)
{
    return a->leak_envelope == 0 && a->leak_auth == 0 &&
           a->modes[SESSION_STARTTLS_FAILED] + a->modes[SESSION_IMPLICIT_TLS_FAILED] == 0 &&
           a->grades[GRADE_WEAK] + a->grades[GRADE_INSECURE] == 0 &&
           a->findings[FINDING_OBSOLETE_VERSION] == 0;
}

void advice_sort(struct peer_stats **v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, by_urgency);
}

void advice_server(const struct peer_stats *s, char *buf, size_t len)
{
    struct text t = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    advice(&t, s);
}

void advice_notes(const struct aggregate *a, void (*say)(void *ctx, const char *text), void *ctx)
{
    char text[256];
    if (nothing_urgent(a))
        say(ctx, "Nothing urgent: no mail or AUTH went in clear, and no failed handshake, weak "
                 "cipher or obsolete version was seen.");
    missed(a, say, ctx);
    if (a->classes[CLASS_PROBE]) {
        snprintf(text, sizeof text,
                 "%" PRIu64 " probe%s (no MAIL, AUTH or TLS: monitoring checks, scans) are "
                 "counted apart, never as mail in clear.",
                 a->classes[CLASS_PROBE], plural(a->classes[CLASS_PROBE]));
        say(ctx, text);
    }
}

const char *const advice_suites[] = {
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"};
const size_t advice_nsuites = sizeof advice_suites / sizeof advice_suites[0];

const char *advice_finding_text(enum finding x)
{
    return (unsigned)x < FINDING_COUNT ? finding_text[x] : "";
}
