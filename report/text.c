#include "text.h"

#include <inttypes.h>
#include <stdlib.h>

#include "format.h"

static double pct(uint64_t part, uint64_t total)
{
    return total ? (double)part * 100.0 / (double)total : 0.0;
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

static void mode_line(FILE *f, const char *name, uint64_t n, uint64_t total)
{
    fprintf(f, "  %-22s %8" PRIu64 "  %5.1f%%\n", name, n, pct(n, total));
}

static void counter_line(FILE *f, uint64_t v, const char *label, enum counter_show show, bool live)
{
    bool shown = show == COUNTER_ALWAYS || (show == COUNTER_NONZERO && v) ||
                 ((show == COUNTER_LIVE || show == COUNTER_LIVE_ONLY) && live);
    if (shown)
        fprintf(f, "%8" PRIu64 " %s\n", v, label);
}

/* Generated from decode/counters.h, by each counter's text rule. */
static void capture_section(FILE *f, const struct aggregate_capture *cap)
{
    bool live = cap->capture.live;
    fputs("\nCapture\n", f);
#define COUNTER_TEXT(field, key, label, show) counter_line(f, cap->decode.field, label, show, live);
    COUNTER_PIPELINE_LIST(COUNTER_TEXT)
#undef COUNTER_TEXT
    for (unsigned i = 0; i < ANOMALY_COUNT; i++)
        if (cap->decode.decode_errors[i])
            fprintf(f, "%8" PRIu64 " packets not decoded: %s\n", cap->decode.decode_errors[i],
                    anomaly_name((enum anomaly)i));
#define COUNTER_TEXT(field, key, label, show)                                                      \
    counter_line(f, cap->capture.field, label, show, live);
    COUNTER_CAPTURE_LIST(COUNTER_TEXT)
#undef COUNTER_TEXT
}

int text_write_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi)
{
    char size[32], t0[FMT_TIME_LEN], t1[FMT_TIME_LEN];
    human_bytes(cap->decode.bytes, size, sizeof size);
    fprintf(f, "smtptls: %" PRIu64 " SMTP session%s in %" PRIu64 " packets (%s)\n", a->total,
            a->total == 1 ? "" : "s", cap->decode.packets, size);
    if (a->total) {
        fmt_time(a->first_us, t0, sizeof t0);
        fmt_time(a->last_us, t1, sizeof t1);
        fprintf(f, "first session %s, last packet %s\n", t0, t1);
    }
    fputs("\nSessions\n", f);
    fprintf(f, "  %-22s %8" PRIu64 "  %5.1f%%  (starttls %" PRIu64 ", implicit-tls %" PRIu64 ")\n",
            "encrypted", a->encrypted, pct(a->encrypted, a->total), a->modes[SESSION_STARTTLS],
            a->modes[SESSION_IMPLICIT_TLS]);
    mode_line(f, "plaintext", a->modes[SESSION_PLAINTEXT], a->total);
    mode_line(f, "starttls-failed", a->modes[SESSION_STARTTLS_FAILED], a->total);
    mode_line(f, "implicit-tls-failed", a->modes[SESSION_IMPLICIT_TLS_FAILED], a->total);
    mode_line(f, "unknown", a->modes[SESSION_UNKNOWN], a->total);
    fprintf(f, "  %-22s %8" PRIu64 "\n", "total", a->total);
    fprintf(f, "\nSTARTTLS offered by the server in %" PRIu64 " session%s\n", a->starttls_offered,
            a->starttls_offered == 1 ? "" : "s");

    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    fputs("\nCiphers (encrypted sessions)\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%8" PRIu64 " %s  %s %s\n", cs[i].count, cs[i].name, cs[i].id,
                cs[i].iana ? cs[i].iana : "-");
    if (a->cipher_unknown)
        fprintf(f, "%8" PRIu64 " (cipher not seen: the handshake was before the capture)\n",
                a->cipher_unknown);
    if (n == 0 && a->cipher_unknown == 0)
        fputs("       - none\n", f);
    free(cs);

    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    fputs("\nTLS versions (encrypted sessions)\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%8" PRIu64 " %s\n", vs[i].count, vs[i].name);
    if (a->version_unknown)
        fprintf(f, "%8" PRIu64 " (version not seen)\n", a->version_unknown);
    if (n == 0 && a->version_unknown == 0)
        fputs("       - none\n", f);

    fputs("\nLeaked in cleartext\n", f);
    fprintf(f, "%8" PRIu64 " session%s sent the envelope (MAIL/RCPT/DATA/BDAT) in clear\n",
            a->leak_envelope, a->leak_envelope == 1 ? "" : "s");
    fprintf(f, "%8" PRIu64 " session%s sent AUTH in clear\n", a->leak_auth,
            a->leak_auth == 1 ? "" : "s");

    fputs("\nCipher grades (encrypted sessions)\n", f);
    for (unsigned g = GRADE_RECOMMENDED; g < GRADE_COUNT; g++)
        fprintf(f, "%8" PRIu64 " %s\n", a->grades[g], grade_name((enum grade)g));
    if (a->grades[GRADE_UNKNOWN])
        fprintf(f, "%8" PRIu64 " unknown\n", a->grades[GRADE_UNKNOWN]);
    if (text_write_findings(f, a, fi) < 0)
        return -1;

    capture_section(f, cap);
    if (cap->damaged)
        fputs("warning: the capture could not be read to its end (see standard error);\n"
              "the report covers what came before\n",
              f);
    return 0;
}
