/* The summary: one JSON object for the whole capture, its groups of members
 * on lines of their own and one server per line. */
#include <stdlib.h>

#include "format.h"
#include "json.h"

static void sessions(struct jsonb *b, const struct aggregate *a)
{
    jb_open_object(b, "sessions");
    jb_u64(b, "total", a->total);
    jb_u64(b, "plaintext", a->modes[SESSION_PLAINTEXT]);
    jb_u64(b, "starttls", a->modes[SESSION_STARTTLS]);
    jb_u64(b, "implicit_tls", a->modes[SESSION_IMPLICIT_TLS]);
    jb_u64(b, "starttls_failed", a->modes[SESSION_STARTTLS_FAILED]);
    jb_u64(b, "implicit_tls_failed", a->modes[SESSION_IMPLICIT_TLS_FAILED]);
    jb_u64(b, "unknown", a->modes[SESSION_UNKNOWN]);
    jb_close(b);
    jb_wrap(b, 1);
    jb_u64(b, "starttls_offered", a->starttls_offered);
    jb_u64(b, "encrypted", a->encrypted);
    if (a->total)
        jb_double(b, "encrypted_percent", (double)a->encrypted * 100.0 / (double)a->total, 1);
    else
        jb_null(b, "encrypted_percent");
}

static int ciphers(struct jsonb *b, const struct aggregate *a)
{
    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    jb_wrap(b, 1);
    jb_open_array(b, "ciphers");
    for (size_t i = 0; i < n; i++) {
        jb_open_object(b, NULL);
        jb_str(b, "id", cs[i].id);
        jb_str(b, "name", cs[i].name);
        jb_str(b, "iana", cs[i].iana);
        jb_u64(b, "count", cs[i].count);
        jb_close(b);
    }
    jb_close(b);
    free(cs);
    jb_u64(b, "cipher_unknown", a->cipher_unknown);
    return 0;
}

static void versions(struct jsonb *b, const struct aggregate *a)
{
    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    size_t n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    jb_wrap(b, 1);
    jb_open_array(b, "versions");
    for (size_t i = 0; i < n; i++) {
        jb_open_object(b, NULL);
        jb_str(b, "name", vs[i].name);
        jb_u64(b, "count", vs[i].count);
        jb_close(b);
    }
    jb_close(b);
    jb_u64(b, "version_unknown", a->version_unknown);
    jb_wrap(b, 1);
    jb_open_object(b, "leaks");
    jb_u64(b, "envelope", a->leak_envelope);
    jb_u64(b, "auth", a->leak_auth);
    jb_close(b);
}

static void findings_summary(struct jsonb *b, const struct aggregate *a, const struct findings *fi)
{
    uint64_t late = findings_stripped_late(fi);
    jb_wrap(b, 1);
    jb_open_object(b, "findings");
    for (unsigned i = 0; i < FINDING_COUNT; i++)
        jb_u64(b, finding_name((enum finding)i),
               a->findings[i] + (i == FINDING_STARTTLS_STRIPPED ? late : 0));
    jb_close(b);
    jb_wrap(b, 1);
    jb_open_object(b, "finding_details");
    jb_u64(b, "envelope_starttls_offered", a->envelope_offered);
    jb_u64(b, "starttls_stripped_late", late);
    jb_close(b);
    jb_wrap(b, 1);
    jb_open_object(b, "grades");
    for (unsigned g = GRADE_RECOMMENDED; g < GRADE_COUNT; g++)
        jb_u64(b, grade_name((enum grade)g), a->grades[g]);
    jb_u64(b, "unknown", a->grades[GRADE_UNKNOWN]);
    jb_close(b);
}

static void server_row(struct jsonb *b, const struct server_stats *s)
{
    jb_open_object(b, NULL);
    if (s->other) {
        jb_null(b, "server");
        jb_null(b, "port");
    } else {
        char buf[FMT_ADDR_LEN];
        size_t n = fmt_addr(s->family, s->addr, buf, sizeof buf);
        jb_strn(b, "server", buf, n);
        jb_u64(b, "port", s->port);
    }
    jb_u64(b, "sessions", s->sessions);
    jb_u64(b, "encrypted", s->encrypted);
    jb_double(b, "encrypted_percent",
              s->sessions ? (double)s->encrypted * 100.0 / (double)s->sessions : 0.0, 1);
    jb_u64(b, "plaintext", s->plaintext);
    jb_u64(b, "failed", s->failed);
    jb_u64(b, "starttls_offered", s->offered);
    jb_open_array(b, "versions");
    for (int v = 0; v < SV_COUNT; v++)
        if (s->versions & (1u << v))
            jb_str(b, NULL, server_version_name(v));
    jb_close(b);
    jb_open_array(b, "ciphers");
    for (unsigned i = 0; i < s->nciphers; i++) {
        struct aggregate_cipher c;
        aggregate_cipher_of_key(s->ciphers[i], &c);
        jb_str(b, NULL, c.name);
    }
    jb_close(b);
    jb_bool(b, "more_ciphers", s->more_ciphers);
    jb_str(b, "worst_grade", s->worst != GRADE_UNKNOWN ? grade_name(s->worst) : NULL);
    jb_u64(b, "sessions_with_findings", s->findings);
    jb_close(b);
}

static int servers_summary(struct jsonb *b, const struct findings *fi)
{
    struct server_stats **v;
    size_t n;
    if (servers_sorted(findings_servers(fi), &v, &n) < 0)
        return -1;
    jb_wrap(b, 1);
    jb_open_array(b, "servers");
    for (size_t i = 0; i < n && i < LIMIT_JSON_SERVERS; i++) {
        jb_wrap(b, 2);
        server_row(b, v[i]);
    }
    jb_close(b);
    jb_u64(b, "servers_total", n);
    free(v);
    return 0;
}

/* Generated from decode/counters.h: every counter, in list order. */
static void capture(struct jsonb *b, const struct aggregate_capture *cap)
{
    jb_wrap(b, 1);
    jb_u64(b, "packets", cap->decode.packets);
    jb_u64(b, "bytes", cap->decode.bytes);
    jb_wrap(b, 1);
    jb_open_object(b, "capture");
#define COUNTER_MEMBER(field, key, label, show) jb_u64(b, key, cap->decode.field);
    COUNTER_PIPELINE_LIST(COUNTER_MEMBER)
#undef COUNTER_MEMBER
    jb_open_object(b, "decode_errors");
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        if (cap->decode.decode_errors[i])
            jb_u64(b, anomaly_name((enum anomaly)i), cap->decode.decode_errors[i]);
    jb_close(b);
#define COUNTER_MEMBER(field, key, label, show)                                                    \
    if (((show) != COUNTER_LIVE && (show) != COUNTER_LIVE_ONLY) || cap->capture.live)              \
        jb_u64(b, key, cap->capture.field);                                                        \
    else if ((show) == COUNTER_LIVE)                                                               \
        jb_null(b, key);
    COUNTER_CAPTURE_LIST(COUNTER_MEMBER)
#undef COUNTER_MEMBER
    jb_bool(b, "complete", !cap->damaged);
    jb_close(b);
}

const char *json_summary(struct jsonb *b, const struct aggregate *a,
                         const struct aggregate_capture *cap, const struct findings *fi,
                         size_t *len)
{
    jb_reset(b);
    jb_open_object(b, NULL);
    sessions(b, a);
    if (ciphers(b, a) < 0)
        return NULL;
    versions(b, a);
    findings_summary(b, a, fi);
    if (servers_summary(b, fi) < 0)
        return NULL;
    capture(b, cap);
    jb_close(b);
    jb_end_line(b);
    if (jb_error(b) != JB_OK)
        return NULL;
    *len = jb_len(b);
    return jb_data(b);
}

int json_write_summary(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                       const struct findings *fi)
{
    struct jsonb b;
    size_t len;
    jb_init(&b, LIMIT_JSON_SUMMARY);
    const char *summary = json_summary(&b, a, cap, fi, &len);
    if (summary)
        fwrite(summary, 1, len, f);
    jb_free(&b);
    return summary ? 0 : -1;
}
