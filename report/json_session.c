/* One JSON object per session, one per line. The first keys are the
 * interface of issue 2; the rest follow in groups (verdict, SMTP, TLS,
 * certificate, capture), documented in the README. */
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "tls_names.h"

static const char *const end_names[] = {"closed", "idle-timeout", "evicted", "capture-end"};

static void tristate(struct jw *w, const char *key, int8_t v)
{
    jw_key(w, key);
    fputs(v == SESSION_TRUE ? "true" : v == SESSION_FALSE ? "false" : "null", w->f);
}

static void u16_or_null(struct jw *w, const char *key, uint16_t v)
{
    if (v)
        jw_u64(w, key, v);
    else
        jw_null(w, key);
}

static void time_or_null(struct jw *w, const char *key, int64_t secs)
{
    char t[32];
    if (secs <= 0) {
        jw_null(w, key);
        return;
    }
    json_time((uint64_t)secs * 1000000u, t, sizeof t);
    t[19] = 'Z'; /* whole seconds: "2026-11-30T00:00:00Z" */
    t[20] = '\0';
    jw_str(w, key, t);
}

static void addr(struct jw *w, const char *key, uint8_t family, const uint8_t *a)
{
    char buf[64];
    json_addr(family, a, buf, sizeof buf);
    jw_str(w, key, buf);
}

static void version_list(struct jw *w, const char *key, const uint16_t *v, unsigned n)
{
    char buf[24];
    jw_key(w, key);
    fputc('[', w->f);
    for (unsigned i = 0; i < n; i++) {
        const char *name = tls_version_name(v[i], buf, sizeof buf);
        fputs(i ? ", " : "", w->f);
        json_cstr(w->f, name ? name : "0x0000");
    }
    fputc(']', w->f);
}

static void findings_list(struct jw *w, const struct verdict *v)
{
    jw_key(w, "findings");
    fputc('[', w->f);
    bool first = true;
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        if (!(v->findings & (1u << i)))
            continue;
        fprintf(w->f, "%s\"%s\"", first ? "" : ", ", finding_name((enum finding)i));
        first = false;
    }
    fputc(']', w->f);
}

static void details(struct jw *w, const struct verdict *v)
{
    struct jw d = {w->f, true};
    jw_key(w, "finding_details");
    fputc('{', w->f);
    if (v->findings & (1u << FINDING_ENVELOPE_CLEARTEXT))
        jw_bool(&d, "envelope_starttls_offered", v->envelope_offered);
    if (v->findings & (1u << FINDING_STARTTLS_STRIPPED))
        jw_str(&d, "stripped_by", v->stripped_by_history ? "history" : "marks");
    if (v->findings & (1u << FINDING_STARTTLS_INJECTION))
        jw_str(&d, "injection",
               v->injection_client && v->injection_server ? "both"
               : v->injection_client                      ? "client"
                                                          : "server");
    if (v->findings & (1u << FINDING_TLS_FALLBACK_CLEARTEXT)) {
        char t[32];
        json_time(v->fallback_after_us, t, sizeof t);
        jw_str(&d, "fallback_after", t);
    }
    fputc('}', w->f);
}

static void smtp_facts(struct jw *w, const struct session_record *r)
{
    u16_or_null(w, "greeting_code", r->greeting_code);
    jw_text(w, "greeting_host", r->greeting_host);
    jw_key(w, "capabilities");
    fputc('[', w->f);
    for (unsigned i = 0; i < r->ncaps; i++) {
        fputs(i ? ", " : "", w->f);
        json_cstr(w->f, r->caps[i]);
    }
    fputc(']', w->f);
    jw_text(w, "auth_offered", r->auth_offered);
    jw_text(w, "auth_mechanism", r->auth_mechanism);
    if (r->starttls_reply)
        jw_str(w, "starttls_reply_text", r->starttls_reply_text);
    else
        jw_null(w, "starttls_reply_text");
    jw_u64(w, "messages", r->messages);
    jw_u64(w, "rcpt_accepted", r->rcpt_accepted);
    jw_u64(w, "rcpt_rejected", r->rcpt_rejected);
    jw_u64(w, "commands", r->commands);
    jw_u64(w, "unknown_commands", r->unknown_commands);
}

static void tls_facts(struct jw *w, const struct session_record *r)
{
    char buf[24];
    bool hello = r->client_version != 0;
    jw_text(w, "sni", r->sni);
    if (hello) {
        jw_str(w, "client_version", tls_version_name(r->client_version, buf, sizeof buf));
        version_list(w, "offered_versions", r->offered_versions, r->noffered_versions);
        jw_u64(w, "offered_ciphers_count", r->noffered_suites);
        jw_key(w, "offered_ciphers");
        fputc('[', w->f);
        unsigned kept =
            r->noffered_suites < LIMIT_TLS_SUITES_KEPT ? r->noffered_suites : LIMIT_TLS_SUITES_KEPT;
        for (unsigned i = 0; i < kept; i++)
            fprintf(w->f, "%s\"0x%04X\"", i ? ", " : "", r->offered_suites[i]);
        fputc(']', w->f);
        jw_key(w, "groups");
        fputc('[', w->f);
        for (unsigned i = 0; i < r->ngroups; i++) {
            fputs(i ? ", " : "", w->f);
            json_cstr(w->f, tls_group_name(r->groups[i], buf, sizeof buf));
        }
        fputc(']', w->f);
        jw_text(w, "alpn", r->alpn);
    } else {
        jw_null(w, "client_version");
        jw_null(w, "offered_versions");
        jw_null(w, "offered_ciphers_count");
        jw_null(w, "offered_ciphers");
        jw_null(w, "groups");
        jw_null(w, "alpn");
    }
    jw_text(w, "ja3", r->ja3);
    jw_text(w, "ja3s", r->ja3s);
    jw_str(w, "key_exchange_group",
           r->kx_group ? tls_group_name(r->kx_group, buf, sizeof buf) : NULL);
    u16_or_null(w, "dh_bits", r->dh_bits);
    jw_bool(w, "hello_retry", r->hrr);
    jw_key(w, "alert");
    if (r->alert_level)
        fprintf(w->f, "{\"level\": \"%s\", \"description\": \"%s\"}",
                r->alert_level == 2   ? "fatal"
                : r->alert_level == 1 ? "warning"
                                      : "other",
                tls_alert_name(r->alert_desc));
    else
        fputs("null", w->f);
}

static void certificate(struct jw *w, const struct session_record *r)
{
    jw_key(w, "certificate");
    if (!r->has_cert) {
        fputs("null", w->f);
        return;
    }
    struct jw c = {w->f, true};
    fputc('{', w->f);
    jw_str(&c, "subject", r->cert_subject);
    jw_str(&c, "issuer", r->cert_issuer);
    time_or_null(&c, "not_before", r->cert_not_before);
    time_or_null(&c, "not_after", r->cert_not_after);
    jw_bool(&c, "self_signed", r->cert_self_signed);
    jw_text(&c, "key_type", r->cert_key_type);
    u16_or_null(&c, "key_bits", r->cert_key_bits);
    jw_u64(&c, "chain_length", r->cert_chain);
    fputc('}', w->f);
}

static void ndpi(struct jw *w, const struct session_record *r)
{
    jw_text(w, "ndpi_protocol", r->ndpi_protocol);
    jw_key(w, "ndpi_risks");
    if (!r->ndpi_protocol[0]) {
        fputs("null", w->f);
        return;
    }
    fputc('[', w->f);
    const char *p = r->ndpi_risks;
    size_t total = strnlen(r->ndpi_risks, sizeof r->ndpi_risks);
    for (size_t i = 0; i < total;) {
        const char *sep = memchr(p + i, ';', total - i);
        size_t end = sep ? (size_t)(sep - p) : total;
        json_string(w->f, p + i, end - i);
        i = end;
        if (sep) {
            fputs(", ", w->f);
            i += sep[1] == ' ' ? 2u : 1u;
        }
    }
    fputc(']', w->f);
}

void json_write_session(FILE *f, const struct session_record *r, const struct verdict *v)
{
    struct jw w = {f, true};
    char t[32], vbuf[24];
    fputc('{', f);
    json_time(r->start_us, t, sizeof t);
    jw_str(&w, "start", t);
    addr(&w, "client", r->family, r->client);
    jw_u64(&w, "client_port", r->client_port);
    addr(&w, "server", r->family, r->server);
    jw_u64(&w, "server_port", r->server_port);
    jw_str(&w, "mode", session_mode_name(r->mode));
    tristate(&w, "starttls_offered", r->starttls_offered);
    u16_or_null(&w, "starttls_reply", r->starttls_reply);
    if (r->has_helo) {
        jw_key(&w, "helo");
        json_string(f, r->helo, strlen(r->helo));
    } else {
        jw_null(&w, "helo");
    }
    jw_str(&w, "tls_version", tls_version_name(r->tls_version, vbuf, sizeof vbuf));
    struct aggregate_cipher c;
    aggregate_cipher_of_key(r->cipher_key, &c);
    jw_str(&w, "cipher", c.name[0] ? c.name : NULL);
    jw_str(&w, "cipher_iana", c.name[0] ? c.iana : NULL);
    jw_str(&w, "cipher_id", c.name[0] ? c.id : NULL);
    jw_key(&w, "cleartext_commands");
    fputc('[', f);
    for (unsigned i = 0; i < r->nverbs; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", session_verb_name(r->verbs[i]));
    fputc(']', f);
    jw_key(&w, "leaked");
    fputc('[', f);
    for (unsigned i = 0; i < r->nleaked; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", session_leak_name(r->leaked[i]));
    fputc(']', f);

    findings_list(&w, v);
    details(&w, v);
    jw_str(&w, "grade", v->grade != GRADE_UNKNOWN ? grade_name(v->grade) : NULL);
    jw_text(&w, "failure", session_failure_name(r->failure));
    jw_bool(&w, "syn_seen", r->syn_seen);
    jw_u64(&w, "gaps", r->gaps);
    jw_u64(&w, "overlap_conflicts", r->overlap_conflicts);
    smtp_facts(&w, r);
    tls_facts(&w, r);
    certificate(&w, r);
    json_time(r->end_us, t, sizeof t);
    jw_str(&w, "end", t);
    jw_str(&w, "end_reason",
           r->end < sizeof end_names / sizeof end_names[0] ? end_names[r->end] : "closed");
    jw_key(&w, "packets");
    fprintf(f, "{\"client\": %" PRIu64 ", \"server\": %" PRIu64 "}", r->packets[0], r->packets[1]);
    jw_key(&w, "bytes");
    fprintf(f, "{\"client\": %" PRIu64 ", \"server\": %" PRIu64 "}", r->bytes[0], r->bytes[1]);
    ndpi(&w, r);
    jw_key(&w, "anomalies");
    fputc('{', f);
    bool first = true;
    for (unsigned i = 0; i < ANOMALY_COUNT; i++) {
        if (!r->anomalies[i])
            continue;
        fprintf(f, "%s\"%s\": %" PRIu32, first ? "" : ", ", anomaly_name((enum anomaly)i),
                r->anomalies[i]);
        first = false;
    }
    fputs("}}\n", f);
}
