/* The text report's second half: servers, findings with examples, and what
 * to change. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "text.h"

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

static void server_name(const struct server_stats *s, char *buf, size_t len)
{
    if (s->other)
        snprintf(buf, len, "(other servers)");
    else
        fmt_endpoint(s->family, s->addr, s->port, buf, len);
}

static void cipher_names(const struct server_stats *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < s->nciphers; i++) {
        struct aggregate_cipher c;
        aggregate_cipher_of_key(s->ciphers[i], &c);
        int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "", c.name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    if (s->more_ciphers && used + 5 < len)
        memcpy(buf + used, " ...", 5);
}

static void versions(const struct server_stats *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int b = 0; b < SV_COUNT; b++) {
        if (!(s->versions & (1u << b)))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? " " : "", server_version_name(b));
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    if (!used)
        snprintf(buf, len, "-");
}

static void servers_table(FILE *f, struct server_stats **v, size_t n)
{
    char name[64], vers[64], ciphers[160];
    fputs("\nServers (busiest first)\n", f);
    fprintf(f, "  %-28s %8s %9s  %-12s %-17s %s\n", "server", "sessions", "encrypted",
            "worst grade", "versions", "ciphers");
    for (size_t i = 0; i < n && i < LIMIT_TEXT_SERVERS; i++) {
        const struct server_stats *s = v[i];
        server_name(s, name, sizeof name);
        versions(s, vers, sizeof vers);
        cipher_names(s, ciphers, sizeof ciphers);
        fprintf(f, "  %-28s %8" PRIu64 " %8.1f%%  %-12s %-17s %s\n", name, s->sessions,
                s->sessions ? (double)s->encrypted * 100.0 / (double)s->sessions : 0.0,
                s->worst != GRADE_UNKNOWN ? grade_name(s->worst) : "-", vers,
                ciphers[0] ? ciphers : "-");
    }
    if (n > LIMIT_TEXT_SERVERS)
        fprintf(f, "  ... and %zu more (all of them in --json)\n", n - LIMIT_TEXT_SERVERS);
    if (n == 0)
        fputs("  - none\n", f);
}

static void example(FILE *f, const struct aggregate_example *e)
{
    char t[FMT_TIME_LEN], c[FMT_ENDPOINT_LEN], s[FMT_ENDPOINT_LEN];
    fmt_time(e->start_us, t, sizeof t);
    fmt_endpoint(e->family, e->client, e->client_port, c, sizeof c);
    fmt_endpoint(e->family, e->server, e->server_port, s, sizeof s);
    fprintf(f, "           %s %s -> %s\n", t, c, s);
}

static void findings_section(FILE *f, const struct aggregate *a, uint64_t late)
{
    fputs("\nFindings (sessions)\n", f);
    bool any = false;
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        uint64_t n = a->findings[i] + (i == FINDING_STARTTLS_STRIPPED ? late : 0);
        if (!n)
            continue;
        any = true;
        fprintf(f, "%8" PRIu64 " %-31s %s", n, finding_name((enum finding)i), finding_text[i]);
        if (i == FINDING_ENVELOPE_CLEARTEXT && a->envelope_offered)
            fprintf(f, " (%" PRIu64 " although the server offered STARTTLS)", a->envelope_offered);
        if (i == FINDING_STARTTLS_STRIPPED && late)
            fprintf(f, " (%" PRIu64 " seen only once the server later advertised it)", late);
        fputc('\n', f);
        for (unsigned k = 0; k < a->nexamples[i]; k++)
            example(f, &a->examples[i][k]);
    }
    if (!any)
        fputs("       - none\n", f);
}

/* Worse first: insecure ciphers, then servers that never offered STARTTLS
 * while mail went in clear, then weak ciphers and obsolete versions. */
static int urgency(const struct server_stats *s)
{
    int score = 0;
    if (s->worst == GRADE_INSECURE)
        score += 8;
    if (s->plaintext && !s->offered)
        score += 6;
    if (s->versions & ((1u << SV_SSL2) | (1u << SV_SSL3) | (1u << SV_TLS10) | (1u << SV_TLS11)))
        score += 4;
    if (s->worst == GRADE_WEAK)
        score += 3;
    if (s->failed)
        score += 2;
    if (s->plaintext)
        score += 1;
    return score;
}

static int by_urgency(const void *x, const void *y)
{
    const struct server_stats *a = *(struct server_stats *const *)x;
    const struct server_stats *b = *(struct server_stats *const *)y;
    int ua = urgency(a), ub = urgency(b);
    if (ua != ub)
        return ub - ua;
    return (a->sessions < b->sessions) - (a->sessions > b->sessions);
}

static void recommendations(FILE *f, const struct aggregate *a, struct server_stats **v, size_t n)
{
    char name[64], vers[64];
    fputs("\nRecommendations\n", f);
    if (n > 1)
        qsort(v, n, sizeof *v, by_urgency);
    unsigned shown = 0;
    for (size_t i = 0; i < n && shown < 10; i++) {
        const struct server_stats *s = v[i];
        if (urgency(s) == 0 || s->other)
            continue;
        server_name(s, name, sizeof name);
        versions(s, vers, sizeof vers);
        fprintf(f, "  %u. %s (%" PRIu64 " sessions):", ++shown, name, s->sessions);
        if (s->plaintext && !s->offered)
            fputs(" enable STARTTLS;", f);
        else if (s->plaintext)
            fprintf(f, " %" PRIu64 " sessions stayed in clear although STARTTLS is offered;",
                    s->plaintext);
        if (s->worst == GRADE_INSECURE || s->worst == GRADE_WEAK)
            fprintf(f, " %s cipher negotiated;", grade_name(s->worst));
        if (s->versions & ((1u << SV_SSL2) | (1u << SV_SSL3) | (1u << SV_TLS10) | (1u << SV_TLS11)))
            fprintf(f, " obsolete protocol in use (%s);", vers);
        if (s->failed)
            fprintf(f, " %" PRIu64 " STARTTLS or TLS handshake failures;", s->failed);
        fputc('\n', f);
    }
    if (!shown)
        fputs("  Nothing urgent: every server offered STARTTLS and negotiated good ciphers.\n", f);
    if (a->envelope_offered)
        fputs("  Senders delivered in clear although STARTTLS was offered: make them require\n"
              "  TLS (Postfix smtp_tls_security_level = encrypt or dane, or publish MTA-STS).\n",
              f);
    fputs("  Cipher configuration to publish (RFC 9325; ciphersuite.info 'recommended'):\n"
          "    protocols TLSv1.2 and TLSv1.3; for TLSv1.2\n"
          "    ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-"
          "SHA384:\n"
          "    "
          "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305\n"
          "    (on port 25, where TLS is opportunistic, a peer that cannot meet the floor falls\n"
          "    back to cleartext: check the versions table above before raising it)\n",
          f);
}

int text_write_findings(FILE *f, const struct aggregate *a, const struct findings *fi)
{
    struct server_stats **v;
    size_t n;
    if (servers_sorted(findings_servers(fi), &v, &n) < 0)
        return -1;
    uint64_t late = findings_stripped_late(fi);
    servers_table(f, v, n);
    findings_section(f, a, late);
    recommendations(f, a, v, n);
    free(v);
    return 0;
}
