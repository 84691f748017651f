/* The exposition text, after Prometheus's "Exposition formats" (text format
 * 0.0.4) and "Metric and label naming" pages. */
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "findings.h"
#include "tls_names.h"

void metrics_count(struct metrics_ciphers *t, const struct session_record *r)
{
    if (r->mode != SESSION_STARTTLS && r->mode != SESSION_IMPLICIT_TLS)
        return;
    for (size_t i = 0; i < t->n; i++) {
        if (t->pair[i].cipher_key == r->cipher_key && t->pair[i].version == r->tls_version) {
            t->pair[i].count++;
            return;
        }
    }
    if (t->n < LIMIT_METRICS_CIPHER_SERIES) {
        t->pair[t->n++] = (struct metrics_pair){r->cipher_key, r->tls_version, 1};
        return;
    }
    t->other++;
}

size_t metrics_escape(const char *s, char *out, size_t outlen)
{
    size_t n = 0, written = 0;
    bool full = false; /* an escape that did not fit: stop there, never half of one */
    for (; *s; s++) {
        const char *rep = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        char one[2] = {*s, '\0'};
        const char *c = rep ? rep : one;
        size_t k = strlen(c);
        if (!full && written + k < outlen) {
            memcpy(out + written, c, k);
            written += k;
        } else {
            full = true;
        }
        n += k;
    }
    if (outlen)
        out[written] = '\0';
    return n;
}

/* The labels every series carries (interface), then the series' own. */
struct out {
    FILE *f;
    const char *common; /* "interface=\"eth1\"" or "" */
};

static void label(FILE *f, const char *key, const char *value, bool *first)
{
    char esc[256];
    metrics_escape(value, esc, sizeof esc); /* names and versions: short */
    fprintf(f, "%s%s=\"%s\"", *first ? "" : ",", key, esc);
    *first = false;
}

static void sample(const struct out *o, const char *name, const char *k1, const char *v1,
                   const char *k2, const char *v2, uint64_t value)
{
    bool first = true;
    fputs(name, o->f);
    if (o->common[0] || k1) {
        fputc('{', o->f);
        if (o->common[0]) {
            fputs(o->common, o->f);
            first = false;
        }
        if (k1)
            label(o->f, k1, v1, &first);
        if (k2)
            label(o->f, k2, v2, &first);
        fputc('}', o->f);
    }
    fprintf(o->f, " %" PRIu64 "\n", value);
}

static void family(const struct out *o, const char *name, const char *type, const char *help)
{
    fprintf(o->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(const struct out *o, const char *name, const char *help, uint64_t value)
{
    family(o, name, "counter", help);
    sample(o, name, NULL, NULL, NULL, NULL, value);
}

static void gauge(const struct out *o, const char *name, const char *help, uint64_t value)
{
    family(o, name, "gauge", help);
    sample(o, name, NULL, NULL, NULL, NULL, value);
}

struct named_pair {
    char cipher[80];
    char version[24];
    uint64_t count;
};

static int by_cipher_then_version(const void *x, const void *y)
{
    const struct named_pair *a = x, *b = y;
    int c = strcmp(a->cipher, b->cipher);
    return c ? c : strcmp(a->version, b->version);
}

static void ciphers(const struct out *o, const struct metrics_ciphers *t)
{
    static const char name[] = "smtptls_cipher_sessions_total";
    struct named_pair v[LIMIT_METRICS_CIPHER_SERIES];
    for (size_t i = 0; i < t->n; i++) {
        struct aggregate_cipher c;
        aggregate_cipher_of_key(t->pair[i].cipher_key, &c);
        snprintf(v[i].cipher, sizeof v[i].cipher, "%s", c.name[0] ? c.name : "unknown");
        char buf[24];
        const char *ver = tls_version_name(t->pair[i].version, buf, sizeof buf);
        snprintf(v[i].version, sizeof v[i].version, "%s", ver ? ver : "unknown");
        v[i].count = t->pair[i].count;
    }
    qsort(v, t->n, sizeof v[0], by_cipher_then_version);
    family(o, name, "counter",
           "Encrypted SMTP sessions by negotiated cipher suite (OpenSSL name) and TLS version; "
           "\"unknown\" when no ServerHello was seen, \"other\" past the series bound.");
    for (size_t i = 0; i < t->n; i++)
        sample(o, name, "cipher", v[i].cipher, "version", v[i].version, v[i].count);
    if (t->other)
        sample(o, name, "cipher", "other", "version", "other", t->other);
}

static void sessions(const struct out *o, const struct stats_snapshot *s)
{
    static const char name[] = "smtptls_sessions_total";
    family(o, name, "counter", "SMTP sessions reported, by mode.");
    static const enum session_mode order[] = {SESSION_PLAINTEXT,           SESSION_STARTTLS,
                                              SESSION_IMPLICIT_TLS,        SESSION_STARTTLS_FAILED,
                                              SESSION_IMPLICIT_TLS_FAILED, SESSION_UNKNOWN};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        sample(o, name, "mode", session_mode_name(order[i]), NULL, NULL, s->c.modes[order[i]]);
    counter(o, "smtptls_encrypted_sessions_total",
            "SMTP sessions that went encrypted (starttls and implicit-tls).", s->c.encrypted);
    counter(o, "smtptls_starttls_offered_sessions_total",
            "SMTP sessions whose cleartext EHLO reply offered STARTTLS.", s->c.starttls_offered);
    family(o, "smtptls_leak_sessions_total", "counter",
           "SMTP sessions that sent the envelope (MAIL, RCPT, DATA, BDAT) or AUTH in clear.");
    sample(o, "smtptls_leak_sessions_total", "kind", "envelope", NULL, NULL, s->c.leak_envelope);
    sample(o, "smtptls_leak_sessions_total", "kind", "auth", NULL, NULL, s->c.leak_auth);
    family(o, "smtptls_findings_total", "counter", "SMTP sessions with each finding, by code.");
    for (unsigned i = 0; i < FINDING_COUNT; i++)
        sample(o, "smtptls_findings_total", "code", finding_name((enum finding)i), NULL, NULL,
               s->c.findings[i]);
}

static void capture(const struct out *o, const struct stats_snapshot *s)
{
    if (s->folded) { /* records carry no packet counters: none is exported */
        if (s->rss_bytes)
            gauge(o, "smtptls_resident_memory_bytes", "Resident memory (from /proc/self/statm).",
                  s->rss_bytes);
        return;
    }
    counter(o, "smtptls_packets_total", "Packets read.", s->c.packets);
    counter(o, "smtptls_bytes_total", "Bytes of the packets read, as on the wire.", s->c.bytes);
    if (s->live)
        counter(o, "smtptls_kernel_drops_total",
                "Packets the kernel or the interface dropped before smtptls saw them.",
                s->c.kernel_drops);
    gauge(o, "smtptls_flows_open", "TCP flows tracked now.", s->flows_open);
    if (s->rss_bytes)
        gauge(o, "smtptls_resident_memory_bytes", "Resident memory (from /proc/self/statm).",
              s->rss_bytes);
}

int metrics_format(const struct stats_snapshot *s, const struct metrics_ciphers *t,
                   const char *version, const char *interface, char **out, size_t *len)
{
    char common[160] = "";
    if (interface) {
        char esc[128];
        metrics_escape(interface, esc, sizeof esc);
        snprintf(common, sizeof common, "interface=\"%s\"", esc);
    }
    *out = NULL;
    *len = 0;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return -1;
    struct out o = {f, common};
    family(&o, "smtptls_info", "gauge", "smtptls's version; always 1.");
    sample(&o, "smtptls_info", "version", version, NULL, NULL, 1);
    sessions(&o, s);
    ciphers(&o, t);
    capture(&o, s);
    if (ferror(f) | fclose(f)) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}
