/* The whole decoding pipeline, the input read as a capture file (pcap or
 * pcapng) by libpcap from memory (fmemopen, no temporary file). Every packet
 * goes to a pipeline with the SMTP ports and a small flow table (64 flows, so
 * eviction happens), then pipeline_finish and pipeline_free; LeakSanitizer
 * checks that nothing is left. The sink checks each session record's
 * invariants and, as main.c does, judges it (findings), aggregates it and
 * writes its JSON line, which must be valid JSON in valid UTF-8; the summary
 * JSON and the text report are written at the end. The records must number
 * pipeline_stats()->sessions and every flow must be accounted for exactly
 * once. The capture is decoded twice, with two hash keys: the records must
 * be the same set, and the summary and the text report the same bytes. */
#include "fuzz.h"

#include <pcap/pcap.h>

#include "aggregate.h"
#include "anomaly.h"
#include "community_id.h"
#include "findings.h"
#include "json.h"
#include "json_check.h"
#include "caps.h"
#include "link.h"
#include "pipeline.h"
#include "tls_names.h"
#include "session.h"
#include "smtp.h"
#include "text.h"
#include "textout.h"

static const uint16_t smtp_ports[] = {25, 465, 587, 2525};
static const uint16_t implicit_ports[] = {465};

#define MAX_RECORDS 4096u

struct sink_state {
    uint64_t records;
    uint64_t digests[MAX_RECORDS]; /* of the first MAX_RECORDS records */
    uint64_t sum_packets;
    uint64_t anomalies[ANOMALY_COUNT]; /* summed over the records */
    bool report;                       /* judge, aggregate and write JSON as main.c does */
    uint64_t report_digest;            /* of the summary JSON and the text report */
    struct findings *findings;
    struct aggregate agg;
    struct jsonb jb;         /* session lines, reused */
    struct json_context ids; /* a sensor and the Community ID's SHA-1, as main.c */
};

static bool cstr_in(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

#define CSTR_OK(field) FUZZ_CHECK(cstr_in((field), sizeof(field)))

/* Check the JSON text, return a digest of it. */
static uint64_t json_digest(const char *buf, size_t len)
{
    long bad = json_check((const uint8_t *)buf, len);
    if (bad >= 0) {
        fprintf(stderr, "invalid JSON at byte %ld of %zu:\n%.*s\n", bad, len, (int)len, buf);
        fuzz_fail("JSON output is valid JSON in UTF-8", __FILE__, __LINE__);
    }
    return fuzz_digest(0, (const uint8_t *)buf, len);
}

/* One record's line: valid JSON, one line, its digest. */
static uint64_t session_line(const char *line, size_t len)
{
    FUZZ_CHECK(len > 0 && line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len) == line + len - 1);
    return json_digest(line, len);
}

/* Through FILE, as main.c writes it. */
static uint64_t session_json_file(const struct json_context *ids, const struct session_record *r,
                                  const struct verdict *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(json_write_session(f, ids, r, v) == 0);
    FUZZ_CHECK(fclose(f) == 0);
    uint64_t h = session_line(buf, len);
    free(buf);
    return h;
}

/* Into one builder reused for every record. */
static uint64_t session_json(struct jsonb *b, const struct json_context *ids,
                             const struct session_record *r, const struct verdict *v)
{
    size_t len = 0;
    const char *line = json_session(b, ids, r, v, &len);
    FUZZ_CHECK(line != NULL && jb_error(b) == JB_OK);
    return session_line(line, len);
}

static bool has(const uint8_t *list, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

static void check_record(const struct session_record *r)
{
    FUZZ_CHECK(r->mode < SESSION_MODE_COUNT);
    FUZZ_CHECK(session_mode_name((enum session_mode)r->mode) != NULL);
    FUZZ_CHECK(r->family == 4 || r->family == 6);
    FUZZ_CHECK(r->start_us <= r->end_us);
    FUZZ_CHECK(r->end <= SESSION_END_CAPTURE_END);
    FUZZ_CHECK(r->starttls_offered >= SESSION_NULL && r->starttls_offered <= SESSION_TRUE);
    FUZZ_CHECK(r->starttls_reply <= 999 && r->greeting_code <= 999);
    CSTR_OK(r->helo);
    CSTR_OK(r->ndpi_protocol);
    CSTR_OK(r->ndpi_risks);
    CSTR_OK(r->greeting_host);
    CSTR_OK(r->ehlo_host);
    FUZZ_CHECK(r->ncaps <= LIMIT_SMTP_CAPS);
    for (size_t i = 0; i < LIMIT_SMTP_CAPS; i++)
        CSTR_OK(r->caps[i]);
    CSTR_OK(r->auth_offered);
    CSTR_OK(r->auth_mechanism);
    CSTR_OK(r->starttls_reply_text);
    CSTR_OK(r->sni);
    CSTR_OK(r->alpn);
    CSTR_OK(r->ja3);
    CSTR_OK(r->ja3s);
    CSTR_OK(r->cert_key_type);
    CSTR_OK(r->cert_subject);
    CSTR_OK(r->cert_issuer);
    FUZZ_CHECK(strlen(r->ja3) == 0 || strlen(r->ja3) == 32);
    FUZZ_CHECK(strlen(r->ja3s) == 0 || strlen(r->ja3s) == 32);
    FUZZ_CHECK(r->failure < SESSION_FAIL_COUNT);
    FUZZ_CHECK(session_failure_name((enum session_failure)r->failure) != NULL);
    FUZZ_CHECK(r->noffered_versions <= sizeof r->offered_versions / sizeof r->offered_versions[0]);
    FUZZ_CHECK(r->ngroups <= sizeof r->groups / sizeof r->groups[0]);
    FUZZ_CHECK(!r->has_cert || r->cert_chain > 0);
    FUZZ_CHECK(r->has_helo || r->helo[0] == '\0');
    FUZZ_CHECK(r->cipher_key <= 0xFFFF || r->cipher_key == SESSION_NO_CIPHER ||
               (r->cipher_key & ~0xFFFFFFu) == SESSION_CIPHER_SSLV2);
    FUZZ_CHECK(r->alert_level != 0 || r->alert_desc == 0);
    FUZZ_CHECK(r->anomalies[ANOMALY_REASM_OVERLAP_CONFLICT] <= r->overlap_conflicts);
    FUZZ_CHECK(r->nverbs <= LIMIT_SMTP_VERBS);
    for (size_t i = 0; i < r->nverbs; i++) {
        FUZZ_CHECK(r->verbs[i] >= SMTP_VERB_HELO && r->verbs[i] < SMTP_VERB_EOM);
        FUZZ_CHECK(!has(r->verbs, i, r->verbs[i]));
        const char *name = session_verb_name(r->verbs[i]);
        FUZZ_CHECK(name != NULL && name[0] != '\0');
    }
    FUZZ_CHECK(r->nleaked <= SESSION_LEAK_COUNT);
    static const uint8_t leak_verb[SESSION_LEAK_COUNT] = {[SESSION_LEAK_MAIL] = SMTP_VERB_MAIL,
                                                          [SESSION_LEAK_RCPT] = SMTP_VERB_RCPT,
                                                          [SESSION_LEAK_DATA] = SMTP_VERB_DATA,
                                                          [SESSION_LEAK_BDAT] = SMTP_VERB_BDAT,
                                                          [SESSION_LEAK_AUTH] = SMTP_VERB_AUTH};
    for (size_t i = 0; i < r->nleaked; i++) {
        FUZZ_CHECK(r->leaked[i] < SESSION_LEAK_COUNT);
        FUZZ_CHECK(!has(r->leaked, i, r->leaked[i]));
        FUZZ_CHECK(has(r->verbs, r->nverbs, leak_verb[r->leaked[i]])); /* a leak is a verb seen */
    }
    FUZZ_CHECK(r->commands >= r->nverbs);
    FUZZ_CHECK(r->mode != SESSION_PLAINTEXT || r->commands > 0);
    FUZZ_CHECK(r->anomalies[ANOMALY_REASM_GAP] == r->gaps);
    FUZZ_CHECK(r->gaps > 0 || r->gap_bytes == 0);
    FUZZ_CHECK(r->gap_bytes >= r->gaps);
    FUZZ_CHECK(r->packets[SIDE_CLIENT] + r->packets[SIDE_SERVER] > 0);
    char buf[24];
    const char *v = tls_version_name(r->tls_version, buf, sizeof buf);
    FUZZ_CHECK(r->tls_version == 0 || (v && strlen(v) < sizeof buf));
    FUZZ_CHECK(tls_alert_name(r->alert_desc) != NULL);
}

static void on_record(void *ctx, const struct session_record *r)
{
    struct sink_state *s = ctx;
    check_record(r);
    if (s->report) {
        struct verdict v;
        findings_judge(s->findings, r, &v);
        aggregate_add(&s->agg, r, &v);
        (void)session_json_file(&s->ids, r, &v);
    }
    /* For comparing the two runs: the record as JSON, without the verdict
     * (which depends on the order sessions end in). */
    struct verdict none;
    memset(&none, 0, sizeof none);
    uint64_t h = session_json(&s->jb, &s->ids, r, &none);
    if (s->records < MAX_RECORDS)
        s->digests[s->records] = h;
    s->records++;
    s->sum_packets += r->packets[0] + r->packets[1];
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        s->anomalies[i] += r->anomalies[i];
}

/* The end of the run, as main.c: the summary JSON and the text report. */
static void write_report(struct sink_state *s, const struct pipeline_stats *ps)
{
    struct aggregate_capture cap = {.decode = *ps};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(json_write_summary(f, &s->agg, &cap, s->findings) == 0);
    FUZZ_CHECK(fclose(f) == 0);
    s->report_digest = json_digest(buf, len);
    free(buf);
    /* the text report too, also when no server is listed */
    buf = NULL;
    f = open_memstream(&buf, &len);
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(text_write_report(f, &s->agg, &cap, s->findings, 0) == 0);
    FUZZ_CHECK(fclose(f) == 0);
    /* every line within the width */
    for (char *p = buf, *nl; (nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL; p = nl + 1) {
        *nl = '\0';
        FUZZ_CHECK(text_cols(p) <= LIMIT_TEXT_WIDTH);
        *nl = '\n';
    }
    s->report_digest = fuzz_digest(s->report_digest, (const uint8_t *)buf, len);
    free(buf);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Decode the capture once; false when libpcap refuses it. */
static bool run(const uint8_t *data, size_t size, const struct hash_key *key, bool report,
                struct sink_state *sink)
{
    memset(sink, 0, sizeof *sink);
    sink->report = report;
    jb_init(&sink->jb, LIMIT_JSON_RECORD);
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!f)
        return false;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline(f, err);
    if (!p) {
        fclose(f);
        return false;
    }
    int lt = pcap_datalink(p);
    if (!link_supported(lt)) { /* capture_open refuses these */
        pcap_close(p);
        return false;
    }
    struct pipeline_config cfg = {
        .max_flows = 64,
        .idle_timeout_us = LIMIT_IDLE_TIMEOUT_US_DEFAULT,
        .hash_key = *key,
        .smtp_ports = smtp_ports,
        .nsmtp_ports = sizeof smtp_ports / sizeof smtp_ports[0],
        .implicit_ports = implicit_ports,
        .nimplicit_ports = sizeof implicit_ports / sizeof implicit_ports[0],
    };
    sink->ids.sensor = "fuzz";
    sink->ids.cid = community_id_new();
    FUZZ_CHECK(sink->ids.cid != NULL);
    struct pipeline *pl = pipeline_new(&cfg, on_record, sink);
    FUZZ_CHECK(pl != NULL);
    if (report) {
        /* half the address space ours: every direction occurs */
        static struct home_net home;
        char why[128];
        if (home.n == 0)
            FUZZ_CHECK(home_net_parse(&home, "0.0.0.0/1,::/1", why, sizeof why) == 0);
        struct aggregate_config ac = {.key = *key, .directions = true};
        sink->findings = findings_new(key, &home);
        FUZZ_CHECK(sink->findings != NULL && aggregate_init(&sink->agg, &ac) == 0);
    }
    struct pcap_pkthdr *h;
    const u_char *bytes;
    uint64_t packets = 0;
    while (pcap_next_ex(p, &h, &bytes) == 1) {
        /* As capture/capture.c converts it. */
        struct packet pkt = {
            .ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
            .caplen = h->caplen,
            .wirelen = h->len,
            .linktype = lt,
            .data = bytes,
        };
        if (h->ts.tv_sec < 0)
            pkt.ts_us = 0;
        /* An exact copy of what was captured, so over-reads are caught. */
        uint8_t *copy = fuzz_dup(bytes, h->caplen);
        pkt.data = copy;
        pipeline_packet(pl, &pkt);
        free(copy);
        packets++;
    }
    pcap_close(p);

    const struct pipeline_stats *mid = pipeline_stats(pl);
    FUZZ_CHECK(mid->packets == packets);
    FUZZ_CHECK(mid->sessions == sink->records);
    pipeline_finish(pl);
    const struct pipeline_stats *st = pipeline_stats(pl);
    FUZZ_CHECK(st->sessions == sink->records);
    /* Every flow was closed once, and counted in exactly one of these. */
    FUZZ_CHECK(st->flows ==
               st->flows_without_payload + st->flows_not_smtp + st->flows_tail_only + st->sessions +
                   st->flows_resumed);
    FUZZ_CHECK(st->evicted + st->expired <= st->flows);
    FUZZ_CHECK(sink->sum_packets <= st->packets);
    /* What the records count below the session, the capture counts too. */
    FUZZ_CHECK(sink->anomalies[ANOMALY_REASM_OVERLAP_CONFLICT] <= st->overlap_conflicts);
    FUZZ_CHECK(sink->anomalies[ANOMALY_REASM_HELD_CAP] <= st->held_cap_hits);
    FUZZ_CHECK(sink->anomalies[ANOMALY_REASM_OUT_OF_WINDOW] <= st->out_of_window);
    FUZZ_CHECK(sink->anomalies[ANOMALY_SNAPLEN_CUT] <= st->truncated);
    FUZZ_CHECK(st->frags_reassembled + st->frags_dropped <= st->fragments);
    if (report) {
        write_report(sink, st);
        aggregate_free(&sink->agg);
        findings_free(sink->findings);
    }
    pipeline_free(pl);
    jb_free(&sink->jb);
    community_id_free(sink->ids.cid);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static struct sink_state a, b;
    static const struct hash_key ka = {0x5EED5EED5EED5EEDull, 0}, kb = {0x0123456789ABCDEFull, 1};
    if (!run(data, size, &ka, true, &a))
        return 0;
    FUZZ_CHECK(run(data, size, &kb, true, &b));
    /* The hash key must not change what is reported: no output follows
     * hash order. */
    FUZZ_CHECK(a.records == b.records);
    FUZZ_CHECK(a.report_digest == b.report_digest);
    if (a.records > MAX_RECORDS)
        return 0;
    size_t n = (size_t)a.records;
    qsort(a.digests, n, sizeof a.digests[0], cmp_u64);
    qsort(b.digests, n, sizeof b.digests[0], cmp_u64);
    FUZZ_CHECK(memcmp(a.digests, b.digests, n * sizeof a.digests[0]) == 0);
    return 0;
}
