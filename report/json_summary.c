/* The summary: one JSON object for the whole capture, its groups of members
 * on lines of their own and one table row per line. */
#include <stdlib.h>

#include "format.h"
#include "json.h"

static void time_or_null(struct jsonb *b, const char *key, bool known, uint64_t us)
{
    char t[FMT_TIME_LEN];
    if (!known) {
        jb_null(b, key);
        return;
    }
    size_t n = fmt_time(us, t, sizeof t);
    jb_strn(b, key, t, n);
}

static void percent(struct jsonb *b, const char *key, uint64_t part, uint64_t whole)
{
    if (whole)
        jb_double(b, key, (double)part * 100.0 / (double)whole, 1);
    else
        jb_null(b, key);
}

/* Who made the summary, from what, over which span. */
static void source(struct jsonb *b, const struct aggregate *a, const struct aggregate_capture *cap)
{
    jb_str(b, "version", cap->version);
    jb_str(b, "sensor", cap->sensor);
    if (cap->ninputs) {
        jb_open_array(b, "inputs");
        for (size_t i = 0; i < cap->ninputs; i++)
            jb_str(b, NULL, cap->inputs[i]);
        jb_close(b);
    } else {
        jb_null(b, "inputs");
    }
    jb_bool(b, "live", cap->capture.live);
    if (cap->home && cap->home->n) {
        jb_open_array(b, "home_net");
        for (unsigned i = 0; i < cap->home->n; i++) {
            char net[FMT_ADDR_LEN + 8];
            size_t n = home_net_text(cap->home, i, net, sizeof net);
            jb_strn(b, NULL, net, n);
        }
        jb_close(b);
    } else {
        jb_null(b, "home_net");
    }
    time_or_null(b, "first", a->total > 0, a->first_us);
    time_or_null(b, "last", a->total > 0, a->last_us);
    jb_wrap(b, 1);
}

/* The headline of the capture or of a direction; its lines indented by in. */
static void sessions(struct jsonb *b, const struct aggregate *a, unsigned in)
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
    jb_wrap(b, in);
    jb_u64(b, "starttls_offered", a->starttls_offered);
    jb_u64(b, "encrypted", a->encrypted);
    percent(b, "encrypted_percent", a->encrypted, a->total);
    jb_wrap(b, in);
    jb_open_object(b, "classes");
    for (unsigned c = 0; c < CLASS_COUNT; c++)
        jb_u64(b, class_name((enum session_class)c), a->classes[c]);
    jb_close(b);
    percent(b, "encrypted_percent_without_probes", a->encrypted, aggregate_carrying(a));
    jb_u64(b, "messages_cleartext", a->messages_clear);
}

static int ciphers(struct jsonb *b, const struct aggregate *a, unsigned in)
{
    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    jb_wrap(b, in);
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

static void versions(struct jsonb *b, const struct aggregate *a, unsigned in)
{
    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    size_t n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    jb_wrap(b, in);
    jb_open_array(b, "versions");
    for (size_t i = 0; i < n; i++) {
        jb_open_object(b, NULL);
        jb_str(b, "name", vs[i].name);
        jb_u64(b, "count", vs[i].count);
        jb_close(b);
    }
    jb_close(b);
    jb_u64(b, "version_unknown", a->version_unknown);
    jb_wrap(b, in);
    jb_open_object(b, "leaks");
    jb_u64(b, "envelope", a->leak_envelope);
    jb_u64(b, "auth", a->leak_auth);
    jb_close(b);
}

/* The headline, ciphers, versions and leaks of each direction. */
static int directions(struct jsonb *b, const struct aggregate *a)
{
    jb_wrap(b, 1);
    if (!a->dirs[DIRECTION_INBOUND]) {
        jb_null(b, "directions");
        return 0;
    }
    jb_open_object(b, "directions");
    for (unsigned d = DIRECTION_NONE + 1; d < DIRECTION_COUNT; d++) {
        const struct aggregate *part = a->dirs[d];
        jb_wrap(b, 2);
        jb_open_object(b, direction_name((enum direction)d));
        sessions(b, part, 3);
        if (ciphers(b, part, 3) < 0)
            return -1;
        versions(b, part, 3);
        jb_close(b);
    }
    jb_close(b);
    return 0;
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

static void timeline(struct jsonb *b, const struct aggregate *a)
{
    const struct timeline *t = &a->timeline;
    char name[16], start[FMT_TIME_LEN];
    size_t n = timeline_bin_name(t->bin_s, name, sizeof name);
    jb_wrap(b, 1);
    jb_open_object(b, "timeline");
    jb_strn(b, "bin", name, n);
    jb_u64(b, "bin_seconds", t->bin_s);
    jb_bool(b, "bin_coarsened", timeline_coarsened(t));
    jb_open_array(b, "bins");
    for (size_t i = 0; i < t->n; i++) {
        const struct timeline_bin *x = &t->bins[i];
        uint64_t total = 0;
        for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
            total += x->modes[m];
        uint64_t enc = x->modes[SESSION_STARTTLS] + x->modes[SESSION_IMPLICIT_TLS];
        jb_wrap(b, 2);
        jb_open_object(b, NULL);
        n = fmt_time_secs((t->lo + i) * t->bin_s, start, sizeof start);
        jb_strn(b, "start", start, n);
        jb_u64(b, "sessions", total);
        jb_u64(b, "plaintext", x->modes[SESSION_PLAINTEXT]);
        jb_u64(b, "starttls", x->modes[SESSION_STARTTLS]);
        jb_u64(b, "implicit_tls", x->modes[SESSION_IMPLICIT_TLS]);
        jb_u64(b, "starttls_failed", x->modes[SESSION_STARTTLS_FAILED]);
        jb_u64(b, "implicit_tls_failed", x->modes[SESSION_IMPLICIT_TLS_FAILED]);
        jb_u64(b, "unknown", x->modes[SESSION_UNKNOWN]);
        jb_u64(b, "probes", x->probes);
        percent(b, "encrypted_percent", enc, total);
        percent(b, "encrypted_percent_without_probes", enc, total - x->probes);
        jb_close(b);
    }
    jb_close(b);
    jb_close(b);
}

static void addresses(struct jsonb *b, const struct peer_stats *s)
{
    jb_open_array(b, "addresses");
    for (unsigned i = 0; i < s->naddrs; i++) {
        char buf[FMT_ADDR_LEN];
        size_t n = fmt_addr(s->addrs[i].family, s->addrs[i].addr, buf, sizeof buf);
        jb_strn(b, NULL, buf, n);
    }
    jb_close(b);
    jb_bool(b, "more_addresses", s->more_addrs);
}

/* --home-net: "inside", "outside", "both", or null without it. */
static void home(struct jsonb *b, const struct peer_stats *s)
{
    if (!s->inside && !s->outside)
        jb_null(b, "home_net");
    else
        jb_str(b, "home_net", !s->outside ? "inside" : !s->inside ? "outside" : "both");
}

/* What both tables say of a peer's sessions. */
static void peer_counts(struct jsonb *b, const struct peer_stats *s)
{
    jb_u64(b, "sessions", s->sessions);
    jb_u64(b, "encrypted", s->encrypted);
    jb_double(b, "encrypted_percent",
              s->sessions ? (double)s->encrypted * 100.0 / (double)s->sessions : 0.0, 1);
    jb_u64(b, "plaintext", s->plaintext);
    jb_u64(b, "failed", s->failed);
    jb_u64(b, "starttls_offered", s->offered);
    jb_open_array(b, "versions");
    for (int v = 0; v < PV_COUNT; v++)
        if (s->versions & (1u << v))
            jb_str(b, NULL, peer_version_name(v));
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
    jb_u64(b, "probes", s->probes);
    jb_u64(b, "envelope_cleartext", s->envelope);
    jb_u64(b, "auth_cleartext", s->auth);
    jb_u64(b, "messages_cleartext", s->messages);
    jb_u64(b, "weak_cipher", s->weak);
    home(b, s);
}

/* A server: "server" is its first address, as before servers had names. */
static void server_row(struct jsonb *b, const struct peer_stats *s)
{
    jb_open_object(b, NULL);
    if (s->other) {
        jb_null(b, "server");
        jb_null(b, "port");
        jb_null(b, "name");
        jb_null(b, "name_source");
    } else {
        char buf[FMT_ADDR_LEN];
        size_t n = fmt_addr(s->addrs[0].family, s->addrs[0].addr, buf, sizeof buf);
        jb_strn(b, "server", buf, n);
        jb_u64(b, "port", s->port);
        jb_str(b, "name", s->source == PEER_FROM_ADDRESS ? NULL : s->name);
        jb_str(b, "name_source", peer_source_name((enum peer_source)s->source));
    }
    addresses(b, s);
    peer_counts(b, s);
    jb_close(b);
}

static void client_row(struct jsonb *b, const struct peer_stats *s)
{
    jb_open_object(b, NULL);
    if (s->other) {
        jb_null(b, "client");
        jb_null(b, "name");
    } else {
        char buf[FMT_ADDR_LEN];
        size_t n = fmt_addr(s->addrs[0].family, s->addrs[0].addr, buf, sizeof buf);
        jb_strn(b, "client", buf, n);
        jb_str(b, "name", s->source == PEER_FROM_ADDRESS ? NULL : s->name);
    }
    addresses(b, s);
    peer_counts(b, s);
    jb_close(b);
}

/* The busiest LIMIT_REPORT_ROWS of a table (the text report lists the same)
 * and how many there are. */
static int peer_table(struct jsonb *b, const struct peers *p, const char *key, const char *total,
                      void (*row)(struct jsonb *, const struct peer_stats *))
{
    struct peer_stats **v;
    size_t n;
    if (peers_sorted(p, &v, &n) < 0)
        return -1;
    jb_wrap(b, 1);
    jb_open_array(b, key);
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        jb_wrap(b, 2);
        row(b, v[i]);
    }
    jb_close(b);
    jb_u64(b, total, n);
    free(v);
    return 0;
}

static int domains(struct jsonb *b, const struct aggregate *a, bool kept)
{
    struct domain_stats **v;
    size_t n;
    jb_wrap(b, 1);
    if (!kept) {
        jb_null(b, "domains_cleartext");
        jb_null(b, "domains_cleartext_total");
        jb_null(b, "domains_dropped");
        return 0;
    }
    if (domains_sorted(a->domains, &v, &n) < 0)
        return -1;
    jb_open_array(b, "domains_cleartext");
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        jb_wrap(b, 2);
        jb_open_object(b, NULL);
        jb_str(b, "domain", v[i]->other ? NULL : v[i]->name);
        jb_u64(b, "sessions", v[i]->sessions);
        jb_u64(b, "messages", v[i]->messages);
        jb_u64(b, "as_sender", v[i]->as_sender);
        jb_u64(b, "as_recipient", v[i]->as_recipient);
        jb_close(b);
    }
    jb_close(b);
    jb_u64(b, "domains_cleartext_total", n);
    jb_u64(b, "domains_dropped", domains_dropped(a->domains));
    free(v);
    return 0;
}

/* A fold's: what it read. Records carry no capture counters, so packets,
 * bytes and capture are null; a capture's run has records null. */
static void records(struct jsonb *b, const struct aggregate_records *r, bool damaged)
{
    jb_wrap(b, 1);
    jb_null(b, "packets");
    jb_null(b, "bytes");
    jb_null(b, "capture");
    jb_wrap(b, 1);
    jb_open_object(b, "records");
#define RECORDS_MEMBER(field, key, label, show) jb_u64(b, key, r->field);
    RECORDS_COUNTER_LIST(RECORDS_MEMBER)
#undef RECORDS_MEMBER
    jb_bool(b, "complete", !damaged);
    jb_close(b);
}

/* Generated from decode/counters.h: every counter, in list order. */
static void capture(struct jsonb *b, const struct aggregate_capture *cap)
{
    if (cap->records) {
        records(b, cap->records, cap->damaged);
        return;
    }
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
    jb_null(b, "records");
}

const char *json_summary(struct jsonb *b, const struct aggregate *a,
                         const struct aggregate_capture *cap, const struct findings *fi,
                         size_t *len)
{
    jb_reset(b);
    jb_open_object(b, NULL);
    source(b, a, cap);
    sessions(b, a, 1);
    if (ciphers(b, a, 1) < 0)
        return NULL;
    versions(b, a, 1);
    if (directions(b, a) < 0)
        return NULL;
    findings_summary(b, a, fi);
    if (a->servers && peer_table(b, a->servers, "servers", "servers_total", server_row) < 0)
        return NULL;
    if (a->clients && peer_table(b, a->clients, "clients", "clients_total", client_row) < 0)
        return NULL;
    if (a->clients)
        jb_str(b, "clients_scope", a->dirs[DIRECTION_INBOUND] ? "home_net" : "all");
    if (a->domains && domains(b, a, !cap->no_domains) < 0)
        return NULL;
    if (a->timeline.bins)
        timeline(b, a);
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
