/* The HTML report's charts: the timeline (sessions per bin stacked by mode,
 * the encrypted share as a line over them) and the TLS section (versions,
 * ciphers and grades as bars in the fill of their grade, with the grade
 * written beside each). Every chart has its numbers in a table too. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "html_internal.h"
#include "tls_names.h"

static const enum session_mode stack_order[SESSION_MODE_COUNT] = {
    SESSION_STARTTLS,        SESSION_IMPLICIT_TLS,        SESSION_PLAINTEXT,
    SESSION_STARTTLS_FAILED, SESSION_IMPLICIT_TLS_FAILED, SESSION_UNKNOWN};

static uint64_t bin_total(const struct timeline_bin *x)
{
    uint64_t total = 0;
    for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
        total += x->modes[m];
    return total;
}

static uint64_t bin_encrypted(const struct timeline_bin *x)
{
    return x->modes[SESSION_STARTTLS] + x->modes[SESSION_IMPLICIT_TLS];
}

/* The chart's frame, in viewBox units: it scales with the page. */
enum { TL_W = 1000, TL_H = 300, TL_LEFT = 56, TL_RIGHT = 56, TL_TOP = 16, TL_BOTTOM = 44 };

static void timeline_bars(struct htmlb *b, const struct timeline *t, uint64_t max)
{
    const double plot_w = TL_W - TL_LEFT - TL_RIGHT, plot_h = TL_H - TL_TOP - TL_BOTTOM;
    const double step = plot_w / (double)t->n;
    /* A few bins are not drawn as walls. */
    const double bar = step > 75 ? 60 : step > 3 ? step * 0.8 : step;
    for (size_t i = 0; i < t->n; i++) {
        const struct timeline_bin *x = &t->bins[i];
        char start[FMT_TIME_LEN];
        fmt_time_secs((t->lo + i) * t->bin_s, start, sizeof start);
        double y = TL_TOP + plot_h;
        for (unsigned k = 0; k < SESSION_MODE_COUNT; k++) {
            enum session_mode m = stack_order[k];
            if (!x->modes[m])
                continue;
            double h = plot_h * (double)x->modes[m] / (double)max;
            y -= h;
            hb_printf(b,
                      "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                      "stroke=\"#1b1f24\" stroke-width=\"0.4\"><title>%s %s: %" PRIu64
                      " of %" PRIu64 "</title></rect>",
                      TL_LEFT + step * (double)i + (step - bar) / 2, y, bar, h, html_fill_mode(m),
                      start, html_mode_label(m), x->modes[m], bin_total(x));
        }
    }
}

/* The encrypted share of each bin that carried something (probes apart),
 * on the right-hand axis from 0 to 100 %. */
static void timeline_share(struct htmlb *b, const struct timeline *t)
{
    const double plot_w = TL_W - TL_LEFT - TL_RIGHT, plot_h = TL_H - TL_TOP - TL_BOTTOM;
    const double step = plot_w / (double)t->n;
    hb_raw(b, "<polyline fill=\"none\" stroke=\"#1b1f24\" stroke-width=\"2\" "
              "stroke-dasharray=\"6 3\" points=\"");
    for (size_t i = 0; i < t->n; i++) {
        uint64_t carrying = bin_total(&t->bins[i]) - t->bins[i].probes;
        if (carrying)
            hb_printf(b, "%.2f,%.2f ", TL_LEFT + step * ((double)i + 0.5),
                      TL_TOP +
                          plot_h * (1.0 - (double)bin_encrypted(&t->bins[i]) / (double)carrying));
    }
    hb_raw(b, "\"/>");
    for (size_t i = 0; i < t->n; i++) {
        uint64_t carrying = bin_total(&t->bins[i]) - t->bins[i].probes;
        if (!carrying)
            continue;
        double share = (double)bin_encrypted(&t->bins[i]) / (double)carrying;
        char start[FMT_TIME_LEN];
        fmt_time_secs((t->lo + i) * t->bin_s, start, sizeof start);
        hb_printf(b,
                  "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"#fff\" stroke=\"#1b1f24\" "
                  "stroke-width=\"2\"><title>%s encrypted %.1f%% (probes apart)</title></circle>",
                  TL_LEFT + step * ((double)i + 0.5), TL_TOP + plot_h * (1.0 - share), start,
                  share * 100.0);
    }
}

static void timeline_axes(struct htmlb *b, const struct timeline *t, uint64_t max)
{
    const double bottom = TL_H - TL_BOTTOM;
    char first[FMT_TIME_LEN], last[FMT_TIME_LEN];
    fmt_time_secs(t->lo * t->bin_s, first, sizeof first);
    fmt_time_secs((t->lo + t->n - 1) * t->bin_s, last, sizeof last);
    hb_printf(b,
              "<g font-size=\"14\" fill=\"#1b1f24\">"
              "<line x1=\"%d\" y1=\"%.0f\" x2=\"%d\" y2=\"%.0f\" stroke=\"#1b1f24\"/>"
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%" PRIu64 "</text>"
              "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">0</text>"
              "<text x=\"%d\" y=\"%d\">100%%</text><text x=\"%d\" y=\"%.0f\">0%%</text>"
              "<text x=\"%d\" y=\"%d\">%s</text>"
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
              "<text x=\"8\" y=\"%d\" font-size=\"12\">sessions</text>"
              "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">encrypted</text></g>",
              TL_LEFT, bottom, TL_W - TL_RIGHT, bottom, TL_LEFT - 6, TL_TOP + 10, max, TL_LEFT - 6,
              bottom, TL_W - TL_RIGHT + 6, TL_TOP + 10, TL_W - TL_RIGHT + 6, bottom, TL_LEFT,
              TL_H - 22, first, TL_W - TL_RIGHT, TL_H - 22, t->n > 1 ? last : "", TL_H - 4,
              TL_W - 4, TL_H - 4);
}

static void timeline_legend(struct htmlb *b)
{
    hb_raw(b, "<ul class=\"legend\">");
    for (unsigned k = 0; k < SESSION_MODE_COUNT; k++)
        html_swatch(b, html_fill_mode(stack_order[k]), html_mode_label(stack_order[k]));
    hb_raw(b, "<li><svg class=\"sw\" width=\"28\" height=\"14\" aria-hidden=\"true\">"
              "<line x1=\"0\" y1=\"7\" x2=\"28\" y2=\"7\" stroke=\"#1b1f24\" stroke-width=\"2\" "
              "stroke-dasharray=\"6 3\"/><circle cx=\"14\" cy=\"7\" r=\"4\" fill=\"#fff\" "
              "stroke=\"#1b1f24\" stroke-width=\"2\"/></svg>encrypted share, probes apart "
              "(right axis)</li></ul>");
}

static void timeline_table(struct htmlb *b, const struct timeline *t)
{
    hb_printf(b, "<details%s><summary>The %zu bin%s as a table</summary>",
              t->n <= LIMIT_TIMELINE_AUTO ? " open" : "", t->n, t->n == 1 ? "" : "s");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th>bin start (UTC)</th>"
              "<th class=\"n\">sessions</th><th class=\"n\">STARTTLS</th>"
              "<th class=\"n\">implicit TLS</th><th class=\"n\">plaintext</th>"
              "<th class=\"n\">STARTTLS failed</th><th class=\"n\">implicit TLS failed</th>"
              "<th class=\"n\">unknown</th><th class=\"n\">probes</th>"
              "<th class=\"n\">encrypted</th><th class=\"n\">w/o probes</th></tr>");
    for (size_t i = 0; i < t->n; i++) {
        const struct timeline_bin *x = &t->bins[i];
        char start[FMT_TIME_LEN], k[96];
        fmt_time_secs((t->lo + i) * t->bin_s, start, sizeof start);
        uint64_t total = bin_total(x);
#define KEY(name) (snprintf(k, sizeof k, "timeline.bins.%zu.%s", i, name), k)
        hb_printf(b, "<tr><td data-k=\"%s\">%s</td>", KEY("start"), start);
        html_td_u64(b, KEY("sessions"), total);
        for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
            html_td_u64(b, KEY(html_mode_key(stack_order[m])), x->modes[stack_order[m]]);
        html_td_u64(b, KEY("probes"), x->probes);
        html_td_pct(b, KEY("encrypted_percent"), bin_encrypted(x), total);
        html_td_pct(b, KEY("encrypted_percent_without_probes"), bin_encrypted(x),
                    total - x->probes);
#undef KEY
        hb_raw(b, "</tr>");
    }
    hb_raw(b, "</table></div></details>");
}

void html_timeline(struct htmlb *b, const struct aggregate *a)
{
    const struct timeline *t = &a->timeline;
    if (!t->bins)
        return;
    char bin[16];
    timeline_bin_name(t->bin_s, bin, sizeof bin);
    html_section(b, "timeline", "Timeline");
    if (t->n == 0) {
        hb_raw(b, "<p>No sessions.</p></section>");
        return;
    }
    hb_printf(b,
              "<p>Sessions by the time they started, per <span data-k=\"timeline.bin\">%s</span> "
              "(<span data-k=\"timeline.bin_seconds\">%" PRIu64 "</span> s) in UTC",
              bin, t->bin_s);
    if (timeline_coarsened(t)) {
        char asked[16];
        timeline_bin_name(t->asked_s, asked, sizeof asked);
        hb_printf(b, ": --bin %s would need more than %u bins", asked, LIMIT_TIMELINE_BINS);
    }
    hb_raw(b, ".</p>");
    uint64_t max = 1;
    for (size_t i = 0; i < t->n; i++)
        max = bin_total(&t->bins[i]) > max ? bin_total(&t->bins[i]) : max;
    timeline_legend(b);
    hb_printf(b,
              "<div class=\"scroll\"><svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
              "aria-label=\"sessions per bin by mode, and the encrypted share\">",
              TL_W, TL_H);
    timeline_bars(b, t, max);
    timeline_share(b, t);
    timeline_axes(b, t, max);
    hb_raw(b, "</svg></div>");
    timeline_table(b, t);
    hb_raw(b, "</section>");
}

/* The grade of a counted cipher, as the findings grade it (grade.h). */
static enum grade cipher_grade(uint32_t key)
{
    struct cipher_props p;
    if (key & SESSION_CIPHER_SSLV2)
        grade_sslv2(key & 0xFFFFFFu, &p);
    else
        grade_cipher((uint16_t)key, &p);
    return p.known ? p.grade : GRADE_UNKNOWN;
}

static void grade_tag(struct htmlb *b, enum grade g)
{
    hb_printf(b, "<td><span class=\"tag\">%s</span></td>",
              g == GRADE_UNKNOWN ? "unknown" : grade_name(g));
}

static int ciphers(struct htmlb *b, const struct aggregate *a)
{
    struct aggregate_cipher *cs;
    size_t n;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    hb_raw(b, "<h3>Cipher suites (encrypted sessions)</h3>");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th class=\"n\">sessions</th><th></th>"
              "<th>grade</th><th>name (OpenSSL)</th><th>IANA name</th><th>id</th></tr>");
    uint64_t max = n ? cs[0].count : 0;
    for (size_t i = 0; i < n; i++) {
        enum grade g = cipher_grade(cs[i].key);
        char k[64], title[256];
        snprintf(title, sizeof title, "%s (%s, %s): %" PRIu64 " sessions, grade %s", cs[i].name,
                 cs[i].iana ? cs[i].iana : "no IANA name", cs[i].id, cs[i].count,
                 g == GRADE_UNKNOWN ? "unknown" : grade_name(g));
        hb_raw(b, "<tr>");
        html_td_u64(b, (snprintf(k, sizeof k, "ciphers.%zu.count", i), k), cs[i].count);
        hb_raw(b, "<td>");
        html_bar(b, cs[i].count, max, html_fill_grade(g), title);
        hb_raw(b, "</td>");
        grade_tag(b, g);
        html_td_text(b, (snprintf(k, sizeof k, "ciphers.%zu.name", i), k), cs[i].name);
        html_td_text(b, cs[i].iana ? (snprintf(k, sizeof k, "ciphers.%zu.iana", i), k) : NULL,
                     cs[i].iana);
        html_td_text(b, (snprintf(k, sizeof k, "ciphers.%zu.id", i), k), cs[i].id);
        hb_raw(b, "</tr>");
    }
    if (n == 0)
        hb_raw(b, "<tr><td colspan=\"6\">none seen</td></tr>");
    hb_printf(b,
              "</table></div><p class=\"muted\">Cipher not seen (the handshake was before the "
              "capture): <span data-k=\"cipher_unknown\">%" PRIu64 "</span> sessions.</p>",
              a->cipher_unknown);
    free(cs);
    return 0;
}

static void versions(struct htmlb *b, const struct aggregate *a)
{
    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    size_t n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    hb_raw(b, "<h3>TLS versions (encrypted sessions)</h3>");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th class=\"n\">sessions</th><th></th>"
              "<th>status</th><th>version</th></tr>");
    uint64_t max = n ? vs[0].count : 0;
    for (size_t i = 0; i < n; i++) {
        /* Obsolete as the obsolete-version finding says (RFC 8996); TLS 1.3
         * is what RFC 9325 recommends, 1.2 is still secure. */
        bool obsolete = tls_version_obsolete(vs[i].version);
        enum grade g = obsolete                             ? GRADE_INSECURE
                       : vs[i].version == TLS_VERSION_TLS13 ? GRADE_RECOMMENDED
                                                            : GRADE_SECURE;
        char k[64], title[128];
        snprintf(title, sizeof title, "%.23s: %" PRIu64 " sessions%s", vs[i].name, vs[i].count,
                 obsolete ? ", obsolete" : "");
        hb_raw(b, "<tr>");
        html_td_u64(b, (snprintf(k, sizeof k, "versions.%zu.count", i), k), vs[i].count);
        hb_raw(b, "<td>");
        html_bar(b, vs[i].count, max, html_fill_grade(g), title);
        hb_printf(b, "</td><td><span class=\"tag\">%s</span></td>",
                  obsolete ? "obsolete" : "current");
        html_td_text(b, (snprintf(k, sizeof k, "versions.%zu.name", i), k), vs[i].name);
        hb_raw(b, "</tr>");
    }
    if (n == 0)
        hb_raw(b, "<tr><td colspan=\"4\">none seen</td></tr>");
    hb_printf(b,
              "</table></div><p class=\"muted\">Version not seen: <span "
              "data-k=\"version_unknown\">%" PRIu64 "</span> sessions.</p>",
              a->version_unknown);
}

static void grades(struct htmlb *b, const struct aggregate *a)
{
    static const char *const meaning[GRADE_COUNT] = {
        [GRADE_RECOMMENDED] = "ECDHE or TLS 1.3 with AES-GCM or ChaCha20 (RFC 9325)",
        [GRADE_SECURE] = "forward secrecy and AEAD: DHE, CCM_8, ARIA, Camellia",
        [GRADE_WEAK] = "no forward secrecy, or CBC with SHA-1",
        [GRADE_INSECURE] = "NULL, EXPORT, anonymous, RC4, DES or MD5",
        [GRADE_UNKNOWN] = "encrypted, but the cipher was not seen or is not in the table",
    };
    uint64_t max = 0;
    for (unsigned g = 0; g < GRADE_COUNT; g++)
        max = a->grades[g] > max ? a->grades[g] : max;
    hb_raw(b, "<h3>Cipher grades (ciphersuite.info's)</h3>");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th class=\"n\">sessions</th><th></th>"
              "<th>grade</th><th>meaning</th></tr>");
    for (unsigned i = 0; i < GRADE_COUNT; i++) {
        enum grade g = (enum grade)((i + 1) % GRADE_COUNT); /* unknown last */
        const char *name = g == GRADE_UNKNOWN ? "unknown" : grade_name(g);
        char k[64], title[96];
        snprintf(k, sizeof k, "grades.%s", name);
        snprintf(title, sizeof title, "%s: %" PRIu64 " sessions", name, a->grades[g]);
        hb_raw(b, "<tr>");
        html_td_u64(b, k, a->grades[g]);
        hb_raw(b, "<td>");
        html_bar(b, a->grades[g], max, html_fill_grade(g), title);
        hb_raw(b, "</td>");
        grade_tag(b, g);
        hb_printf(b, "<td>%s</td></tr>", meaning[g]);
    }
    hb_raw(b, "</table></div><ul class=\"legend\">");
    for (unsigned g = GRADE_RECOMMENDED; g < GRADE_COUNT; g++)
        html_swatch(b, html_fill_grade((enum grade)g), grade_name((enum grade)g));
    html_swatch(b, html_fill_grade(GRADE_UNKNOWN), "unknown");
    hb_raw(b, "</ul>");
}

int html_tls(struct htmlb *b, const struct aggregate *a)
{
    html_section(b, "tls", "TLS: versions, ciphers, grades");
    versions(b, a);
    if (ciphers(b, a) < 0)
        return -1;
    grades(b, a);
    hb_raw(b, "</section>");
    return 0;
}
