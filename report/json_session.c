/* One JSON object per session, one per line. The first keys are the
 * interface of issue 2; the rest follow in groups (verdict, SMTP, TLS,
 * certificate, capture), documented in the README. */
#include <string.h>

#include "community_id.h"
#include "format.h"
#include "json.h"
#include "tls_names.h"

static const char *const end_names[] = {"closed", "idle-timeout", "evicted", "capture-end"};

/* A string of the record or a name: "" (or NULL) is unknown, written null. */
static void text(struct jsonb *b, const char *key, const char *s)
{
    jb_str(b, key, s && s[0] ? s : NULL);
}

static void tristate(struct jsonb *b, const char *key, int8_t v)
{
    if (v == SESSION_TRUE || v == SESSION_FALSE)
        jb_bool(b, key, v == SESSION_TRUE);
    else
        jb_null(b, key);
}

static void u16_or_null(struct jsonb *b, const char *key, uint16_t v)
{
    if (v)
        jb_u64(b, key, v);
    else
        jb_null(b, key);
}

static void time_us(struct jsonb *b, const char *key, uint64_t us)
{
    char t[FMT_TIME_LEN];
    size_t n = fmt_time(us, t, sizeof t);
    jb_strn(b, key, t, n);
}

/* A certificate's date: 0 is unknown (x509.h); dates before 1970 are
 * negative, and written as dates all the same. */
static void time_or_null(struct jsonb *b, const char *key, int64_t secs)
{
    char t[FMT_TIME_LEN];
    size_t n = secs ? fmt_time_secs_signed(secs, t, sizeof t) : 0;
    if (n)
        jb_strn(b, key, t, n);
    else
        jb_null(b, key);
}

static void addr(struct jsonb *b, const char *key, uint8_t family, const uint8_t *a)
{
    char buf[FMT_ADDR_LEN];
    size_t n = fmt_addr(family, a, buf, sizeof buf);
    jb_strn(b, key, buf, n);
}

/* "0x%04X" */
static void hex16(struct jsonb *b, const char *key, uint16_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    char s[6] = {'0', 'x', hex[v >> 12], hex[v >> 8 & 15u], hex[v >> 4 & 15u], hex[v & 15u]};
    jb_strn(b, key, s, sizeof s);
}

static void version_list(struct jsonb *b, const char *key, const uint16_t *v, unsigned n)
{
    char buf[24];
    jb_open_array(b, key);
    for (unsigned i = 0; i < n; i++) {
        const char *name = tls_version_name(v[i], buf, sizeof buf);
        jb_str(b, NULL, name ? name : "0x0000");
    }
    jb_close(b);
}

static void findings_list(struct jsonb *b, const struct verdict *v)
{
    jb_open_array(b, "findings");
    for (unsigned i = 0; i < FINDING_COUNT; i++)
        if (v->findings & (1u << i))
            jb_str(b, NULL, finding_name((enum finding)i));
    jb_close(b);
}

static void details(struct jsonb *b, const struct verdict *v)
{
    jb_open_object(b, "finding_details");
    if (v->findings & (1u << FINDING_ENVELOPE_CLEARTEXT))
        jb_bool(b, "envelope_starttls_offered", v->envelope_offered);
    if (v->findings & (1u << FINDING_STARTTLS_STRIPPED))
        jb_str(b, "stripped_by", v->stripped_by_history ? "history" : "marks");
    if (v->findings & (1u << FINDING_STARTTLS_INJECTION))
        jb_str(b, "injection",
               v->injection_client && v->injection_server ? "both"
               : v->injection_client                      ? "client"
                                                          : "server");
    if (v->findings & (1u << FINDING_TLS_FALLBACK_CLEARTEXT))
        time_us(b, "fallback_after", v->fallback_after_us);
    jb_close(b);
}

/* The envelope domains sent in clear; null when not kept (--no-domains). */
static void domains(struct jsonb *b, const struct session_record *r)
{
    if (!r->domains_kept) {
        jb_null(b, "mail_from_domain");
        jb_null(b, "rcpt_domains");
        jb_null(b, "rcpt_domains_dropped");
        return;
    }
    text(b, "mail_from_domain", r->mail_from_domain);
    jb_open_array(b, "rcpt_domains");
    const char *p = r->rcpt_domains;
    for (unsigned i = 0; i < r->nrcpt_domains; i++) {
        size_t n = strnlen(p, sizeof r->rcpt_domains - (size_t)(p - r->rcpt_domains));
        jb_strn(b, NULL, p, n);
        p += n + 1;
    }
    jb_close(b);
    jb_u64(b, "rcpt_domains_dropped", r->rcpt_domains_dropped);
}

static void smtp_facts(struct jsonb *b, const struct session_record *r)
{
    u16_or_null(b, "greeting_code", r->greeting_code);
    text(b, "greeting_host", r->greeting_host);
    text(b, "ehlo_host", r->ehlo_host);
    jb_open_array(b, "capabilities");
    for (unsigned i = 0; i < r->ncaps; i++)
        jb_str(b, NULL, r->caps[i]);
    jb_close(b);
    jb_bool(b, "strip_marks", r->strip_marks);
    text(b, "auth_offered", r->auth_offered);
    text(b, "auth_mechanism", r->auth_mechanism);
    jb_str(b, "starttls_reply_text", r->starttls_reply ? r->starttls_reply_text : NULL);
    jb_u64(b, "starttls_attempts", r->starttls_attempts);
    jb_open_array(b, "starttls_replies");
    for (unsigned i = 0; i < r->nstarttls_replies; i++)
        jb_u64(b, NULL, r->starttls_replies[i]);
    jb_close(b);
    jb_bool(b, "injection_client", r->client_injection);
    jb_bool(b, "injection_server", r->server_injection);
    jb_u64(b, "messages", r->messages);
    jb_u64(b, "rcpt_accepted", r->rcpt_accepted);
    jb_u64(b, "rcpt_rejected", r->rcpt_rejected);
    jb_u64(b, "commands", r->commands);
    jb_u64(b, "unknown_commands", r->unknown_commands);
    domains(b, r);
}

static void hello(struct jsonb *b, const struct session_record *r)
{
    static const char *const keys[] = {
        "client_version",  "offered_versions", "offered_ciphers_count",
        "offered_ciphers", "groups",           "alpn"};
    char buf[24];
    if (r->client_version == 0) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            jb_null(b, keys[i]);
        return;
    }
    jb_str(b, "client_version", tls_version_name(r->client_version, buf, sizeof buf));
    version_list(b, "offered_versions", r->offered_versions, r->noffered_versions);
    jb_u64(b, "offered_ciphers_count", r->noffered_suites);
    jb_open_array(b, "offered_ciphers");
    unsigned kept =
        r->noffered_suites < LIMIT_TLS_SUITES_KEPT ? r->noffered_suites : LIMIT_TLS_SUITES_KEPT;
    for (unsigned i = 0; i < kept; i++)
        hex16(b, NULL, r->offered_suites[i]);
    jb_close(b);
    jb_open_array(b, "groups");
    for (unsigned i = 0; i < r->ngroups; i++)
        jb_str(b, NULL, tls_group_name(r->groups[i], buf, sizeof buf));
    jb_close(b);
    text(b, "alpn", r->alpn);
}

static void tls_facts(struct jsonb *b, const struct session_record *r)
{
    char buf[24];
    text(b, "sni", r->sni);
    hello(b, r);
    text(b, "ja3", r->ja3);
    text(b, "ja3s", r->ja3s);
    jb_str(b, "key_exchange_group",
           r->kx_group ? tls_group_name(r->kx_group, buf, sizeof buf) : NULL);
    u16_or_null(b, "dh_bits", r->dh_bits);
    jb_bool(b, "hello_retry", r->hrr);
    if (!r->alert_level) {
        jb_null(b, "alert");
        return;
    }
    jb_open_object(b, "alert");
    jb_str(b, "level", r->alert_level == 2 ? "fatal" : r->alert_level == 1 ? "warning" : "other");
    jb_str(b, "description", tls_alert_name(r->alert_desc));
    jb_close(b);
}

static void certificate(struct jsonb *b, const struct session_record *r)
{
    if (!r->has_cert) {
        jb_null(b, "certificate");
        return;
    }
    jb_open_object(b, "certificate");
    jb_str(b, "subject", r->cert_subject);
    jb_str(b, "issuer", r->cert_issuer);
    time_or_null(b, "not_before", r->cert_not_before);
    time_or_null(b, "not_after", r->cert_not_after);
    jb_bool(b, "self_signed", r->cert_self_signed);
    text(b, "key_type", r->cert_key_type);
    u16_or_null(b, "key_bits", r->cert_key_bits);
    jb_u64(b, "chain_length", r->cert_chain);
    jb_close(b);
}

/* nDPI's risk names, joined by "; " (or ";") in the record: one string each. */
static void ndpi(struct jsonb *b, const struct session_record *r)
{
    text(b, "ndpi_protocol", r->ndpi_protocol);
    if (!r->ndpi_protocol[0]) {
        jb_null(b, "ndpi_risks");
        return;
    }
    jb_open_array(b, "ndpi_risks");
    const char *p = r->ndpi_risks;
    size_t total = strnlen(r->ndpi_risks, sizeof r->ndpi_risks);
    for (size_t i = 0; i < total;) {
        const char *sep = memchr(p + i, ';', total - i);
        size_t end = sep ? (size_t)(sep - p) : total;
        jb_strn(b, NULL, p + i, end - i);
        i = end;
        if (sep)
            i += sep[1] == ' ' ? 2u : 1u;
    }
    jb_close(b);
}

static void per_side(struct jsonb *b, const char *key, const uint64_t v[2])
{
    jb_open_object(b, key);
    jb_u64(b, "client", v[SIDE_CLIENT]);
    jb_u64(b, "server", v[SIDE_SERVER]);
    jb_close(b);
}

static void leaks(struct jsonb *b, const struct session_record *r)
{
    jb_open_array(b, "cleartext_commands");
    for (unsigned i = 0; i < r->nverbs; i++)
        jb_str(b, NULL, session_verb_name(r->verbs[i]));
    jb_close(b);
    jb_open_array(b, "leaked");
    for (unsigned i = 0; i < r->nleaked; i++)
        jb_str(b, NULL, session_leak_name(r->leaked[i]));
    jb_close(b);
}

static void cipher(struct jsonb *b, const struct session_record *r)
{
    struct aggregate_cipher c;
    aggregate_cipher_of_key(r->cipher_key, &c);
    jb_str(b, "cipher", c.name[0] ? c.name : NULL);
    jb_str(b, "cipher_iana", c.name[0] ? c.iana : NULL);
    jb_str(b, "cipher_id", c.name[0] ? c.id : NULL);
}

/* TCP's Community ID, from the client's side: the hash takes the smaller
 * endpoint first whatever the side. */
static void community(struct jsonb *b, const struct json_context *ctx,
                      const struct session_record *r)
{
    char id[COMMUNITY_ID_LEN];
    size_t n = community_id_v1(ctx ? ctx->cid : NULL, 0, r->family, r->client, r->server, 6,
                               r->client_port, r->server_port, id);
    if (n)
        jb_strn(b, "community_id", id, n);
    else
        jb_null(b, "community_id");
}

const char *json_session(struct jsonb *b, const struct json_context *ctx,
                         const struct session_record *r, const struct verdict *v, size_t *len)
{
    char vbuf[24];
    jb_reset(b);
    jb_open_object(b, NULL);
    time_us(b, "start", r->start_us);
    addr(b, "client", r->family, r->client);
    jb_u64(b, "client_port", r->client_port);
    addr(b, "server", r->family, r->server);
    jb_u64(b, "server_port", r->server_port);
    community(b, ctx, r);
    jb_str(b, "mode", session_mode_name(r->mode));
    jb_str(b, "class", class_name((enum session_class)v->session_class));
    jb_str(b, "direction", direction_name((enum direction)v->direction));
    tristate(b, "starttls_offered", r->starttls_offered);
    u16_or_null(b, "starttls_reply", r->starttls_reply);
    jb_str(b, "helo", r->has_helo ? r->helo : NULL);
    jb_str(b, "tls_version", tls_version_name(r->tls_version, vbuf, sizeof vbuf));
    cipher(b, r);
    leaks(b, r);
    findings_list(b, v);
    details(b, v);
    jb_str(b, "grade", v->grade != GRADE_UNKNOWN ? grade_name(v->grade) : NULL);
    text(b, "failure", session_failure_name(r->failure));
    jb_bool(b, "syn_seen", r->syn_seen);
    jb_u64(b, "gaps", r->gaps);
    jb_u64(b, "overlap_conflicts", r->overlap_conflicts);
    smtp_facts(b, r);
    tls_facts(b, r);
    certificate(b, r);
    time_us(b, "end", r->end_us);
    jb_fixed(b, "duration", r->end_us >= r->start_us ? r->end_us - r->start_us : 0, 6);
    jb_str(b, "end_reason",
           r->end < sizeof end_names / sizeof end_names[0] ? end_names[r->end] : "closed");
    per_side(b, "packets", r->packets);
    per_side(b, "bytes", r->bytes);
    ndpi(b, r);
    jb_open_object(b, "anomalies");
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        if (r->anomalies[i])
            jb_u64(b, anomaly_name((enum anomaly)i), r->anomalies[i]);
    jb_close(b);
    jb_str(b, "sensor", ctx ? ctx->sensor : NULL);
    jb_close(b);
    jb_end_line(b);
    if (jb_error(b) != JB_OK)
        return NULL;
    *len = jb_len(b);
    return jb_data(b);
}

int json_write_session(FILE *f, const struct json_context *ctx, const struct session_record *r,
                       const struct verdict *v)
{
    struct jsonb b;
    size_t len;
    jb_init(&b, LIMIT_JSON_RECORD);
    const char *line = json_session(&b, ctx, r, v, &len);
    if (line)
        fwrite(line, 1, len, f);
    jb_free(&b);
    return line ? 0 : -1;
}
