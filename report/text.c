/* The text report's first half: what the capture was, the sessions by mode
 * and by direction, ciphers, versions, leaks and grades. */
#include "text.h"

#include <inttypes.h>
#include <stdlib.h>

#include "format.h"
#include "textout.h"

static double pct(uint64_t part, uint64_t total)
{
    return total ? (double)part * 100.0 / (double)total : 0.0;
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void human_bytes(uint64_t b, char *buf, size_t len)
{
    if (b >= 10ull * 1024 * 1024)
        snprintf(buf, len, "%.1f MB", (double)b / (1024.0 * 1024.0));
    else if (b >= 10ull * 1024)
        snprintf(buf, len, "%.1f KB", (double)b / 1024.0);
    else
        snprintf(buf, len, "%" PRIu64 " bytes", b);
}

/* "  name   count  pct%", then what is left of tail. */
static void count_line(struct tline *l, const char *name, uint64_t n, uint64_t total,
                       const char *tail)
{
    tl_printf(l, "  %-22s %8" PRIu64, name, n);
    if (total != UINT64_MAX)
        tl_printf(l, "  %5.1f%%", pct(n, total));
    if (tail) {
        tl_pad(l, 43);
        tl_tail(l, tail);
    }
    tl_end(l);
}

static void counter_line(struct tline *l, uint64_t v, const char *label, enum counter_show show,
                         bool live)
{
    bool shown =
        show == COUNTER_ALWAYS || (show == COUNTER_NONZERO && v) || ((show == COUNTER_LIVE || show == COUNTER_LIVE_ONLY) && live);
    if (!shown)
        return;
    tl_printf(l, "%8" PRIu64 " ", v);
    tl_tail(l, label);
    tl_end(l);
}

/* Generated from decode/counters.h, by each counter's text rule. */
static void capture_section(struct tline *l, const struct aggregate_capture *cap)
{
    bool live = cap->capture.live;
    tl_end(l);
    tl_put(l, "Capture");
    tl_end(l);
#define COUNTER_TEXT(field, key, label, show) counter_line(l, cap->decode.field, label, show, live);
    COUNTER_PIPELINE_LIST(COUNTER_TEXT)
#undef COUNTER_TEXT
    for (unsigned i = 0; i < ANOMALY_COUNT; i++) {
        if (!cap->decode.decode_errors[i])
            continue;
        tl_printf(l, "%8" PRIu64 " packets not decoded: ", cap->decode.decode_errors[i]);
        tl_tail(l, anomaly_name((enum anomaly)i));
        tl_end(l);
    }
#define COUNTER_TEXT(field, key, label, show)                                                      \
    counter_line(l, cap->capture.field, label, show, live);
    COUNTER_CAPTURE_LIST(COUNTER_TEXT)
#undef COUNTER_TEXT
}

/* A fold's: what it read (records carry no capture counters). */
static void records_section(struct tline *l, const struct aggregate_records *r)
{
    tl_end(l);
    tl_put(l, "Records (--from-sessions; the capture counters are the sensors', not in records)");
    tl_end(l);
#define RECORDS_LINE(field, key, label, show)                                                      \
    if ((show) == RECORDS_ALWAYS || ((show) == RECORDS_NONZERO && r->field)) {                     \
        tl_printf(l, "%8" PRIu64 " ", r->field);                                                   \
        tl_tail(l, label);                                                                         \
        tl_end(l);                                                                                 \
    }
    RECORDS_COUNTER_LIST(RECORDS_LINE)
#undef RECORDS_LINE
}

/* Sensor, version, inputs, span, home net. */
static void header(struct tline *l, const struct aggregate *a, const struct aggregate_capture *cap)
{
    char size[32], t0[FMT_TIME_LEN], t1[FMT_TIME_LEN], sensor[4 * LIMIT_SENSOR_NAME + 1];
    human_bytes(cap->decode.bytes, size, sizeof size);
    if (cap->records)
        tl_printf(l, "smtptls: %" PRIu64 " SMTP session%s from %" PRIu64 " record file%s",
                  a->total, plural(a->total), cap->records->files, plural(cap->records->files));
    else
        tl_printf(l, "smtptls: %" PRIu64 " SMTP session%s in %" PRIu64 " packets (%s)", a->total,
                  plural(a->total), cap->decode.packets, size);
    tl_end(l);
    text_printable(cap->sensor ? cap->sensor : "-", sensor, sizeof sensor);
    tl_printf(l, "sensor %s, smtptls %s; %s ", sensor, cap->version ? cap->version : "-",
              cap->capture.live ? "live on" : "read");
    const char *items[64];
    char names[64][128];
    size_t n = cap->ninputs < 64 ? cap->ninputs : 64;
    for (size_t i = 0; i < n; i++) {
        text_printable(cap->inputs[i], names[i], sizeof names[i]);
        items[i] = names[i];
    }
    tl_list(l, items, n, cap->ninputs > n, " ");
    tl_end(l);
    if (a->total) {
        fmt_time(a->first_us, t0, sizeof t0);
        fmt_time(a->last_us, t1, sizeof t1);
        char span[2 * FMT_TIME_LEN + 40];
        snprintf(span, sizeof span, "first session %s, last packet %s", t0, t1);
        tl_wrap(l, span, 2);
        tl_end(l);
    }
    if (cap->home && cap->home->n) {
        tl_put(l, "home net (--home-net): ");
        char nets[LIMIT_HOME_NETS][FMT_ADDR_LEN + 8];
        for (unsigned i = 0; i < cap->home->n; i++) {
            home_net_text(cap->home, i, nets[i], sizeof nets[i]);
            items[i] = nets[i];
        }
        tl_list(l, items, cap->home->n, false, " ");
        tl_end(l);
    }
}

static void sessions(struct tline *l, const struct aggregate *a)
{
    char tail[160];
    tl_end(l);
    tl_put(l, "Sessions");
    tl_end(l);
    snprintf(tail, sizeof tail, "(starttls %" PRIu64 ", implicit-tls %" PRIu64 ")",
             a->modes[SESSION_STARTTLS], a->modes[SESSION_IMPLICIT_TLS]);
    count_line(l, "encrypted", a->encrypted, a->total, tail);
    count_line(l, "plaintext", a->modes[SESSION_PLAINTEXT], a->total, NULL);
    count_line(l, "starttls-failed", a->modes[SESSION_STARTTLS_FAILED], a->total, NULL);
    count_line(l, "implicit-tls-failed", a->modes[SESSION_IMPLICIT_TLS_FAILED], a->total, NULL);
    count_line(l, "unknown", a->modes[SESSION_UNKNOWN], a->total, NULL);
    count_line(l, "total", a->total, UINT64_MAX, NULL);
    count_line(l, "probes", a->classes[CLASS_PROBE], a->total,
               "no MAIL, AUTH or TLS: connects, banners, EHLO+QUIT");
    uint64_t carrying = aggregate_carrying(a);
    snprintf(tail, sizeof tail, "of the %" PRIu64 " session%s that carried mail, AUTH or TLS",
             carrying, plural(carrying));
    count_line(l, "encrypted w/o probes", a->encrypted, carrying, tail);
    count_line(l, "messages in clear", a->messages_clear, UINT64_MAX,
               "delivered in clear; inside TLS they cannot be counted");
}

static int cipher_list(struct tline *l, const struct aggregate *a, size_t indent)
{
    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    char(*texts)[128] = n ? calloc(n, sizeof *texts) : NULL;
    const char **items = n ? calloc(n, sizeof *items) : NULL;
    if (n && (!texts || !items)) {
        free(cs);
        free(texts);
        free(items);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(texts[i], sizeof texts[i], "%" PRIu64 " %s", cs[i].count, cs[i].name);
        items[i] = texts[i];
    }
    tl_pad(l, indent);
    tl_put(l, "ciphers: ");
    if (n)
        tl_list(l, items, n, false, ", ");
    else
        tl_put(l, "none seen");
    if (a->cipher_unknown)
        tl_printf(l, " (%" PRIu64 " not seen)", a->cipher_unknown);
    tl_end(l);
    free(cs);
    free(texts);
    free(items);
    return 0;
}

static void version_list(struct tline *l, const struct aggregate *a, size_t indent)
{
    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    char texts[LIMIT_REPORT_VERSIONS][64];
    const char *items[LIMIT_REPORT_VERSIONS];
    size_t n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    for (size_t i = 0; i < n; i++) {
        snprintf(texts[i], sizeof texts[i], "%" PRIu64 " %.23s", vs[i].count, vs[i].name);
        items[i] = texts[i];
    }
    tl_pad(l, indent);
    tl_put(l, "versions: ");
    if (n)
        tl_list(l, items, n, false, ", ");
    else
        tl_put(l, "none seen");
    if (a->version_unknown)
        tl_printf(l, " (%" PRIu64 " not seen)", a->version_unknown);
    tl_end(l);
}

/* One direction: its headline, modes, leaks, versions and ciphers. */
static int direction_part(struct tline *l, const struct aggregate *a, enum direction d)
{
    char text[512];
    const size_t indent = 6;
    tl_printf(l, "  %s: ", direction_name(d));
    if (a->total == 0) {
        tl_put(l, "none");
        tl_end(l);
        return 0;
    }
    uint64_t carrying = aggregate_carrying(a);
    snprintf(text, sizeof text,
             "%" PRIu64 " session%s, %" PRIu64 " probe%s; encrypted %" PRIu64 ", %.1f%% (%.1f%% "
             "probes apart)",
             a->total, plural(a->total), a->classes[CLASS_PROBE], plural(a->classes[CLASS_PROBE]),
             a->encrypted, pct(a->encrypted, a->total), pct(a->encrypted, carrying));
    tl_wrap(l, text, indent);
    tl_end(l);
    tl_pad(l, indent);
    snprintf(text, sizeof text,
             "plaintext %" PRIu64 ", starttls-failed %" PRIu64 ", implicit-tls-failed %" PRIu64
             ", unknown %" PRIu64 "; %" PRIu64 " message%s in clear",
             a->modes[SESSION_PLAINTEXT], a->modes[SESSION_STARTTLS_FAILED],
             a->modes[SESSION_IMPLICIT_TLS_FAILED], a->modes[SESSION_UNKNOWN], a->messages_clear,
             plural(a->messages_clear));
    tl_wrap(l, text, indent);
    tl_end(l);
    tl_pad(l, indent);
    snprintf(text, sizeof text,
             "leaked: the envelope in %" PRIu64 " session%s, AUTH in %" PRIu64 " session%s",
             a->leak_envelope, plural(a->leak_envelope), a->leak_auth, plural(a->leak_auth));
    tl_wrap(l, text, indent);
    tl_end(l);
    version_list(l, a, indent);
    return cipher_list(l, a, indent);
}

static int directions(struct tline *l, const struct aggregate *a)
{
    if (!a->dirs[DIRECTION_INBOUND])
        return 0;
    tl_end(l);
    tl_put(l, "By direction (client and server inside or outside --home-net)");
    tl_end(l);
    for (unsigned d = DIRECTION_NONE + 1; d < DIRECTION_COUNT; d++)
        if (direction_part(l, a->dirs[d], (enum direction)d) < 0)
            return -1;
    return 0;
}

static int ciphers(struct tline *l, const struct aggregate *a)
{
    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    tl_end(l);
    tl_put(l, "Ciphers (encrypted sessions)");
    tl_end(l);
    for (size_t i = 0; i < n; i++) {
        char iana[128];
        tl_printf(l, "%8" PRIu64 " %s  %s ", cs[i].count, cs[i].name, cs[i].id);
        snprintf(iana, sizeof iana, "%s", cs[i].iana ? cs[i].iana : "-");
        tl_tail(l, iana);
        tl_end(l);
    }
    if (a->cipher_unknown) {
        tl_printf(l, "%8" PRIu64 " ", a->cipher_unknown);
        tl_tail(l, "(cipher not seen: the handshake was before the capture)");
        tl_end(l);
    }
    if (n == 0 && a->cipher_unknown == 0) {
        tl_put(l, "       - none");
        tl_end(l);
    }
    free(cs);
    return 0;
}

static void versions_leaks_grades(struct tline *l, const struct aggregate *a)
{
    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    size_t n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    tl_end(l);
    tl_put(l, "TLS versions (encrypted sessions)");
    tl_end(l);
    for (size_t i = 0; i < n; i++) {
        tl_printf(l, "%8" PRIu64 " %s", vs[i].count, vs[i].name);
        tl_end(l);
    }
    if (a->version_unknown) {
        tl_printf(l, "%8" PRIu64 " (version not seen)", a->version_unknown);
        tl_end(l);
    }
    if (n == 0 && a->version_unknown == 0) {
        tl_put(l, "       - none");
        tl_end(l);
    }
    tl_end(l);
    tl_put(l, "Leaked in cleartext");
    tl_end(l);
    tl_printf(l, "%8" PRIu64 " session%s sent the envelope (MAIL/RCPT/DATA/BDAT) in clear",
              a->leak_envelope, plural(a->leak_envelope));
    tl_end(l);
    tl_printf(l, "%8" PRIu64 " session%s sent AUTH in clear", a->leak_auth, plural(a->leak_auth));
    tl_end(l);
    tl_end(l);
    tl_put(l, "Cipher grades (encrypted sessions)");
    tl_end(l);
    for (unsigned g = GRADE_RECOMMENDED; g < GRADE_COUNT; g++) {
        tl_printf(l, "%8" PRIu64 " %s", a->grades[g], grade_name((enum grade)g));
        tl_end(l);
    }
    if (a->grades[GRADE_UNKNOWN]) {
        tl_printf(l, "%8" PRIu64 " unknown", a->grades[GRADE_UNKNOWN]);
        tl_end(l);
    }
}

int text_write_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi, unsigned width)
{
    struct tline line, *l = &line;
    if (width == 0)
        width = LIMIT_TEXT_WIDTH;
    tl_begin(l, f, width);
    header(l, a, cap);
    sessions(l, a);
    if (directions(l, a) < 0)
        return -1;
    tl_end(l);
    tl_printf(l, "STARTTLS offered by the server in %" PRIu64 " session%s", a->starttls_offered,
              plural(a->starttls_offered));
    tl_end(l);
    if (ciphers(l, a) < 0)
        return -1;
    versions_leaks_grades(l, a);
    if (text_write_tables(f, a, cap, width) < 0)
        return -1;
    if (text_write_findings(f, a, cap, fi, width) < 0)
        return -1;
    if (cap->records)
        records_section(l, cap->records);
    else
        capture_section(l, cap);
    if (cap->damaged) {
        tl_wrap(l,
                cap->records ? "warning: some lines were no record, or a file could not be read "
                               "(see standard error); the report covers the records read"
                             : "warning: the capture could not be read to its end (see standard "
                               "error); the report covers what came before",
                9);
        tl_end(l);
    }
    return 0;
}
