/* The summary: one JSON object for the whole capture. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int findings_summary(FILE *f, const struct aggregate *a, const struct findings *fi)
{
    uint64_t late = findings_stripped_late(fi);
    fputs(" \"findings\": {", f);
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        uint64_t n = a->findings[i] + (i == FINDING_STARTTLS_STRIPPED ? late : 0);
        fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", finding_name((enum finding)i), n);
    }
    fprintf(f,
            "},\n \"finding_details\": {\"envelope_starttls_offered\": %" PRIu64
            ", \"starttls_stripped_late\": %" PRIu64 "},\n",
            a->envelope_offered, late);
    fputs(" \"grades\": {", f);
    for (unsigned g = GRADE_RECOMMENDED; g < GRADE_COUNT; g++)
        fprintf(f, "%s\"%s\": %" PRIu64, g > GRADE_RECOMMENDED ? ", " : "",
                grade_name((enum grade)g), a->grades[g]);
    fprintf(f, ", \"unknown\": %" PRIu64 "},\n", a->grades[GRADE_UNKNOWN]);
    return 0;
}

static void server_row(FILE *f, const struct server_stats *s)
{
    struct jw w = {f, true};
    char buf[64];
    fputc('{', f);
    if (s->other) {
        jw_null(&w, "server");
        jw_null(&w, "port");
    } else {
        json_addr(s->family, s->addr, buf, sizeof buf);
        jw_str(&w, "server", buf);
        jw_u64(&w, "port", s->port);
    }
    jw_u64(&w, "sessions", s->sessions);
    jw_u64(&w, "encrypted", s->encrypted);
    jw_key(&w, "encrypted_percent");
    fprintf(f, "%.1f", s->sessions ? (double)s->encrypted * 100.0 / (double)s->sessions : 0.0);
    jw_u64(&w, "plaintext", s->plaintext);
    jw_u64(&w, "failed", s->failed);
    jw_u64(&w, "starttls_offered", s->offered);
    jw_key(&w, "versions");
    fputc('[', f);
    bool first = true;
    for (int b = 0; b < SV_COUNT; b++) {
        if (!(s->versions & (1u << b)))
            continue;
        fprintf(f, "%s\"%s\"", first ? "" : ", ", server_version_name(b));
        first = false;
    }
    fputc(']', f);
    jw_key(&w, "ciphers");
    fputc('[', f);
    for (unsigned i = 0; i < s->nciphers; i++) {
        struct aggregate_cipher c;
        aggregate_cipher_of_key(s->ciphers[i], &c);
        fputs(i ? ", " : "", f);
        json_cstr(f, c.name);
    }
    fputc(']', f);
    jw_bool(&w, "more_ciphers", s->more_ciphers);
    jw_str(&w, "worst_grade", s->worst != GRADE_UNKNOWN ? grade_name(s->worst) : NULL);
    jw_u64(&w, "sessions_with_findings", s->findings);
    fputc('}', f);
}

static int servers_summary(FILE *f, const struct findings *fi)
{
    struct server_stats **v;
    size_t n;
    if (servers_sorted(findings_servers(fi), &v, &n) < 0)
        return -1;
    fputs(" \"servers\": [", f);
    for (size_t i = 0; i < n && i < LIMIT_JSON_SERVERS; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        server_row(f, v[i]);
    }
    fprintf(f, "], \"servers_total\": %zu,\n", n);
    free(v);
    return 0;
}

static void counter_or_null(struct jw *w, const char *key, uint64_t v, bool known)
{
    if (known)
        jw_u64(w, key, v);
    else
        jw_null(w, key);
}

/* Generated from decode/counters.h: every counter, in list order. */
static void capture_summary(FILE *f, const struct aggregate_capture *cap)
{
    struct jw w = {f, true};
    fputs(" \"capture\": {", f);
#define COUNTER_MEMBER(field, key, label, show) jw_u64(&w, key, cap->decode.field);
    COUNTER_PIPELINE_LIST(COUNTER_MEMBER)
#undef COUNTER_MEMBER
    jw_key(&w, "decode_errors");
    struct jw errors = {f, true};
    fputc('{', f);
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        if (cap->decode.decode_errors[i])
            jw_u64(&errors, anomaly_name((enum anomaly)i), cap->decode.decode_errors[i]);
    fputc('}', f);
#define COUNTER_MEMBER(field, key, label, show)                                                    \
    counter_or_null(&w, key, cap->capture.field, (show) != COUNTER_LIVE || cap->capture.live);
    COUNTER_CAPTURE_LIST(COUNTER_MEMBER)
#undef COUNTER_MEMBER
    jw_bool(&w, "complete", !cap->damaged);
    fputs("}}\n", f);
}

int json_write_summary(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                       const struct findings *fi)
{
    fprintf(f,
            "{\"sessions\": {\"total\": %" PRIu64 ", \"plaintext\": %" PRIu64
            ", \"starttls\": %" PRIu64 ", \"implicit_tls\": %" PRIu64
            ", \"starttls_failed\": %" PRIu64 ", \"implicit_tls_failed\": %" PRIu64
            ", \"unknown\": %" PRIu64 "},\n",
            a->total, a->modes[SESSION_PLAINTEXT], a->modes[SESSION_STARTTLS],
            a->modes[SESSION_IMPLICIT_TLS], a->modes[SESSION_STARTTLS_FAILED],
            a->modes[SESSION_IMPLICIT_TLS_FAILED], a->modes[SESSION_UNKNOWN]);
    fprintf(f, " \"starttls_offered\": %" PRIu64 ", \"encrypted\": %" PRIu64, a->starttls_offered,
            a->encrypted);
    if (a->total)
        fprintf(f, ", \"encrypted_percent\": %.1f,\n",
                (double)a->encrypted * 100.0 / (double)a->total);
    else
        fputs(", \"encrypted_percent\": null,\n", f);

    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    fputs(" \"ciphers\": [", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"id\": \"%s\", \"name\": ", i ? ", " : "", cs[i].id);
        json_cstr(f, cs[i].name);
        fputs(", \"iana\": ", f);
        json_cstr(f, cs[i].iana);
        fprintf(f, ", \"count\": %" PRIu64 "}", cs[i].count);
    }
    free(cs);
    fprintf(f, "], \"cipher_unknown\": %" PRIu64 ",\n", a->cipher_unknown);

    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    fputs(" \"versions\": [", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        json_cstr(f, vs[i].name);
        fprintf(f, ", \"count\": %" PRIu64 "}", vs[i].count);
    }
    fprintf(f, "], \"version_unknown\": %" PRIu64 ",\n", a->version_unknown);
    fprintf(f, " \"leaks\": {\"envelope\": %" PRIu64 ", \"auth\": %" PRIu64 "},\n",
            a->leak_envelope, a->leak_auth);
    if (findings_summary(f, a, fi) < 0 || servers_summary(f, fi) < 0)
        return -1;
    fprintf(f, " \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ",\n", cap->decode.packets,
            cap->decode.bytes);
    capture_summary(f, cap);
    return 0;
}
