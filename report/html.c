/* The HTML report's page: the style, the header (who made it, from what,
 * over which span), the headline, the sessions by mode and by direction, and
 * the capture's own counters; the other sections are in html_charts.c and
 * html_tables.c. */
#include "html.h"

#include <inttypes.h>
#include <stdlib.h>

#include "format.h"
#include "html_internal.h"

/* Okabe-Ito: blue #0072B2, sky blue #56B4E9, orange #E69F00, vermillion
 * #D55E00, reddish purple #CC79A7. The good things are blue, the bad ones
 * orange to vermillion, which readers with any colour vision tell apart by
 * hue and lightness; the bad ones also carry a pattern, and every bar a
 * text label, so that nothing is said by colour alone. */
static const char style[] =
    ":root{--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "color:var(--ink);background:#fff}"
    "header.top{background:#0b2239;color:#fff;padding:14px 20px}"
    "header.top h1{font-size:20px;margin:0 0 4px}"
    "header.top .meta{font-size:13px;color:#d7e3ef;overflow-wrap:anywhere}"
    "nav{margin-top:8px;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 14px}"
    "nav a{color:#bfe0ff}"
    "main{max-width:1200px;margin:0 auto;padding:0 16px 40px}"
    "section{margin:30px 0}"
    "h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px;margin:0 0 12px}"
    "h3{font-size:15px;margin:16px 0 6px}"
    "p{margin:6px 0}.muted{color:var(--muted);font-size:13px}"
    ".headline{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:flex-end}"
    ".big{font-size:64px;font-weight:700;line-height:1;color:#0072B2}"
    ".big small{font-size:28px}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;"
    "margin-top:14px}"
    ".card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px}"
    ".card .v{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}"
    ".card .l{font-size:12px;color:var(--muted)}"
    ".scroll{overflow-x:auto;border:1px solid var(--line);border-radius:6px;margin:8px 0}"
    "table{border-collapse:collapse;width:100%;font-size:14px}"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "white-space:nowrap;vertical-align:top}"
    "th{background:var(--panel);font-weight:600}"
    ".n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.wrap{white-space:normal;min-width:18em}"
    "tr.zero td{color:#8c959f}"
    "svg{display:block}"
    ".chart{min-width:600px;width:100%;height:auto}"
    ".legend{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:4px 16px;"
    "font-size:13px}"
    ".legend svg,.sw{display:inline-block;vertical-align:-2px;margin-right:4px}"
    ".tag{display:inline-block;border:1px solid var(--ink);border-radius:3px;padding:0 4px;"
    "font-size:12px;font-weight:600}"
    ".warn{border-left:5px solid #D55E00;background:#fbefe6;padding:8px 12px;margin:8px 0}"
    ".ok{border-left:5px solid #0072B2;background:#e8f2f9;padding:8px 12px;margin:8px 0}"
    "code{font-size:13px;overflow-wrap:anywhere}"
    "ol li{margin:6px 0}"
    "footer{color:var(--muted);font-size:12px;margin-top:40px}"
    "@media (max-width:640px){body{font-size:14px}main{padding:0 10px 30px}"
    ".big{font-size:48px}header.top{padding:12px}}"
    "@media print{header.top{background:none;color:#000;border-bottom:2px solid #000}"
    "header.top .meta{color:#000}nav{display:none}"
    ".scroll{overflow:visible;border:none}.chart{min-width:0}"
    "table{font-size:10px}th,td{white-space:normal;padding:2px 4px}"
    "section{break-inside:avoid-page}h2{break-after:avoid}"
    "details>summary{display:none}}";

/* Patterns over the palette, referenced by html_fill_*: one <defs> for the
 * page, in an SVG of no size (display:none would hide the patterns too). */
static const char patterns[] =
    "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
    "<pattern id=\"p-dots\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
    "<rect width=\"6\" height=\"6\" fill=\"#E69F00\"/>"
    "<circle cx=\"3\" cy=\"3\" r=\"1.3\" fill=\"#fff\"/></pattern>"
    "<pattern id=\"p-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#D55E00\"/>"
    "<rect width=\"2\" height=\"6\" fill=\"#fff\"/></pattern>"
    "<pattern id=\"p-cross\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
    "<rect width=\"6\" height=\"6\" fill=\"#CC79A7\"/>"
    "<path d=\"M0 0L6 6M6 0L0 6\" stroke=\"#fff\" stroke-width=\"1.2\"/></pattern>"
    "<pattern id=\"p-weak\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
    "patternTransform=\"rotate(-45)\"><rect width=\"6\" height=\"6\" fill=\"#E69F00\"/>"
    "<rect width=\"1.5\" height=\"6\" fill=\"#fff\"/></pattern>"
    "<pattern id=\"p-insecure\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
    "<rect width=\"6\" height=\"6\" fill=\"#D55E00\"/>"
    "<path d=\"M0 3H6M3 0V6\" stroke=\"#fff\" stroke-width=\"1.5\"/></pattern>"
    "</defs></svg>";

const char *html_fill_grade(enum grade g)
{
    switch (g) {
    case GRADE_RECOMMENDED:
        return "#0072B2";
    case GRADE_SECURE:
        return "#56B4E9";
    case GRADE_WEAK:
        return "url(#p-weak)";
    case GRADE_INSECURE:
        return "url(#p-insecure)";
    default:
        return "#999999";
    }
}

const char *html_fill_mode(enum session_mode m)
{
    switch (m) {
    case SESSION_STARTTLS:
        return "#0072B2";
    case SESSION_IMPLICIT_TLS:
        return "#56B4E9";
    case SESSION_PLAINTEXT:
        return "url(#p-dots)";
    case SESSION_STARTTLS_FAILED:
        return "url(#p-hatch)";
    case SESSION_IMPLICIT_TLS_FAILED:
        return "url(#p-cross)";
    default:
        return "#999999";
    }
}

const char *html_mode_key(enum session_mode m)
{
    static const char *const keys[SESSION_MODE_COUNT] = {
        [SESSION_UNKNOWN] = "unknown",
        [SESSION_PLAINTEXT] = "plaintext",
        [SESSION_STARTTLS] = "starttls",
        [SESSION_IMPLICIT_TLS] = "implicit_tls",
        [SESSION_STARTTLS_FAILED] = "starttls_failed",
        [SESSION_IMPLICIT_TLS_FAILED] = "implicit_tls_failed",
    };
    return (unsigned)m < SESSION_MODE_COUNT ? keys[m] : "unknown";
}

const char *html_mode_label(enum session_mode m)
{
    static const char *const labels[SESSION_MODE_COUNT] = {
        [SESSION_UNKNOWN] = "unknown",
        [SESSION_PLAINTEXT] = "plaintext",
        [SESSION_STARTTLS] = "STARTTLS",
        [SESSION_IMPLICIT_TLS] = "implicit TLS",
        [SESSION_STARTTLS_FAILED] = "STARTTLS failed",
        [SESSION_IMPLICIT_TLS_FAILED] = "implicit TLS failed",
    };
    return (unsigned)m < SESSION_MODE_COUNT ? labels[m] : "unknown";
}

/* The modes in the order the charts stack them: encrypted first. */
static const enum session_mode mode_order[SESSION_MODE_COUNT] = {
    SESSION_STARTTLS,        SESSION_IMPLICIT_TLS,        SESSION_PLAINTEXT,
    SESSION_STARTTLS_FAILED, SESSION_IMPLICIT_TLS_FAILED, SESSION_UNKNOWN};

void html_td_u64(struct htmlb *b, const char *key, uint64_t v)
{
    if (key)
        hb_printf(b, "<td class=\"n\" data-k=\"%s\">%" PRIu64 "</td>", key, v);
    else
        hb_printf(b, "<td class=\"n\">%" PRIu64 "</td>", v);
}

void html_td_pct(struct htmlb *b, const char *key, uint64_t part, uint64_t whole)
{
    if (!whole) {
        hb_raw(b, "<td class=\"n\">-</td>");
        return;
    }
    double p = (double)part * 100.0 / (double)whole;
    if (key)
        hb_printf(b, "<td class=\"n\"><span data-k=\"%s\">%.1f</span>%%</td>", key, p);
    else
        hb_printf(b, "<td class=\"n\">%.1f%%</td>", p);
}

void html_td_text(struct htmlb *b, const char *key, const char *text)
{
    if (key)
        hb_printf(b, "<td data-k=\"%s\">", key);
    else
        hb_raw(b, "<td>");
    hb_text(b, text ? text : "-");
    hb_raw(b, "</td>");
}

void html_section(struct htmlb *b, const char *id, const char *title)
{
    hb_printf(b, "<section id=\"%s\"><h2>%s</h2>", id, title);
}

void html_bar(struct htmlb *b, uint64_t v, uint64_t max, const char *fill, const char *title)
{
    const unsigned w = 160;
    double x = max ? (double)w * (double)v / (double)max : 0.0;
    if (v && x < 1.0)
        x = 1.0; /* a count is never drawn as nothing */
    hb_printf(b, "<svg width=\"%u\" height=\"14\" viewBox=\"0 0 %u 14\" role=\"img\"><title>", w,
              w);
    hb_text(b, title);
    hb_printf(b,
              "</title><rect x=\"0\" y=\"1\" width=\"%u\" height=\"12\" fill=\"#eef1f4\"/>"
              "<rect x=\"0\" y=\"1\" width=\"%.1f\" height=\"12\" fill=\"%s\" "
              "stroke=\"#1b1f24\" stroke-width=\"0.5\"/></svg>",
              w, x, fill);
}

void html_swatch(struct htmlb *b, const char *fill, const char *label)
{
    hb_printf(b,
              "<li><svg class=\"sw\" width=\"14\" height=\"14\" aria-hidden=\"true\">"
              "<rect x=\"0.5\" y=\"0.5\" width=\"13\" height=\"13\" fill=\"%s\" "
              "stroke=\"#1b1f24\"/></svg>",
              fill);
    hb_text(b, label);
    hb_raw(b, "</li>");
}

static void time_text(struct htmlb *b, const char *key, bool known, uint64_t us)
{
    char t[FMT_TIME_LEN];
    if (!known) {
        hb_raw(b, "-");
        return;
    }
    fmt_time(us, t, sizeof t);
    hb_printf(b, "<span data-k=\"%s\">%s</span>", key, t);
}

/* Who made the report, from what, over which span. */
static void header(struct htmlb *b, const struct aggregate *a, const struct aggregate_capture *cap)
{
    hb_raw(b, "<header class=\"top\"><h1>SMTP and TLS: what crossed the wire</h1>"
              "<div class=\"meta\">smtptls <span data-k=\"version\">");
    hb_text(b, cap->version ? cap->version : "-");
    hb_raw(b, "</span> &middot; sensor <span data-k=\"sensor\">");
    hb_text(b, cap->sensor ? cap->sensor : "-");
    hb_raw(b, cap->capture.live ? "</span> &middot; live on " : "</span> &middot; read ");
    for (size_t i = 0; i < cap->ninputs; i++) {
        hb_printf(b, "%s<span data-k=\"inputs.%zu\">", i ? ", " : "", i);
        hb_text(b, cap->inputs[i]);
        hb_raw(b, "</span>");
    }
    hb_raw(b, "<br>first session ");
    time_text(b, "first", a->total > 0, a->first_us);
    hb_raw(b, " &middot; last packet ");
    time_text(b, "last", a->total > 0, a->last_us);
    if (cap->home && cap->home->n) {
        hb_raw(b, "<br>home net (--home-net): ");
        for (unsigned i = 0; i < cap->home->n; i++) {
            char net[FMT_ADDR_LEN + 8];
            home_net_text(cap->home, i, net, sizeof net);
            hb_printf(b, "%s<span data-k=\"home_net.%u\">%s</span>", i ? ", " : "", i, net);
        }
    }
    hb_raw(b, "</div><nav><a href=\"#headline\">Headline</a><a href=\"#timeline\">Timeline</a>"
              "<a href=\"#tls\">TLS</a><a href=\"#findings\">Findings</a>"
              "<a href=\"#advice\">Recommendations</a><a href=\"#servers\">Servers</a>"
              "<a href=\"#clients\">Clients</a><a href=\"#domains\">Domains</a>"
              "<a href=\"#capture\">Capture</a></nav></header>");
}

static void card(struct htmlb *b, const char *key, uint64_t v, const char *label)
{
    hb_printf(b, "<div class=\"card\"><div class=\"v\" data-k=\"%s\">%" PRIu64 "</div>", key, v);
    hb_printf(b, "<div class=\"l\">%s</div></div>", label);
}

/* The share over the sessions that carried something, big; over all, and
 * the counts behind both. */
static void headline(struct htmlb *b, const struct aggregate *a)
{
    uint64_t carrying = aggregate_carrying(a);
    html_section(b, "headline", "Headline: how much of the SMTP was encrypted");
    hb_raw(b, "<div class=\"headline\"><div class=\"big\">");
    if (carrying)
        hb_printf(b,
                  "<span data-k=\"encrypted_percent_without_probes\">%.1f</span><small>%%</small>",
                  (double)a->encrypted * 100.0 / (double)carrying);
    else
        hb_raw(b, "-");
    hb_printf(b,
              "</div><p>of the %" PRIu64 " sessions that carried mail, AUTH or TLS were "
              "encrypted; over all sessions, probes included: <b>",
              carrying);
    if (a->total)
        hb_printf(b, "<span data-k=\"encrypted_percent\">%.1f</span>%%",
                  (double)a->encrypted * 100.0 / (double)a->total);
    else
        hb_raw(b, "-");
    hb_raw(b, "</b>.</p></div><div class=\"cards\">");
    card(b, "sessions.total", a->total, "sessions");
    card(b, "encrypted", a->encrypted, "encrypted (STARTTLS or implicit TLS)");
    card(b, "sessions.starttls", a->modes[SESSION_STARTTLS], "STARTTLS");
    card(b, "sessions.implicit_tls", a->modes[SESSION_IMPLICIT_TLS], "implicit TLS (465)");
    card(b, "sessions.plaintext", a->modes[SESSION_PLAINTEXT], "plaintext");
    card(b, "classes.probe", a->classes[CLASS_PROBE],
         "probes, counted apart (no MAIL, AUTH or TLS)");
    card(b, "leaks.envelope", a->leak_envelope, "sessions sent the envelope in clear");
    card(b, "leaks.auth", a->leak_auth, "sessions sent AUTH in clear");
    card(b, "messages_cleartext", a->messages_clear, "messages delivered in clear");
    card(b, "starttls_offered", a->starttls_offered, "sessions where STARTTLS was offered");
    hb_raw(b, "</div></section>");
}

/* Sessions by mode: count, share, bar. prefix: "" or "directions.inbound.". */
static void modes(struct htmlb *b, const struct aggregate *a)
{
    char key[96];
    uint64_t max = 0;
    for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
        max = a->modes[m] > max ? a->modes[m] : max;
    html_section(b, "modes", "Sessions by mode");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th>mode</th><th class=\"n\">sessions</th>"
              "<th class=\"n\">share</th><th></th></tr>");
    for (unsigned i = 0; i < SESSION_MODE_COUNT; i++) {
        enum session_mode m = mode_order[i];
        char title[96];
        snprintf(key, sizeof key, "sessions.%s", html_mode_key(m));
        snprintf(title, sizeof title, "%s: %" PRIu64 " sessions", html_mode_label(m), a->modes[m]);
        hb_printf(b, "<tr><td>%s</td>", html_mode_label(m));
        html_td_u64(b, key, a->modes[m]);
        html_td_pct(b, NULL, a->modes[m], a->total);
        hb_raw(b, "<td>");
        html_bar(b, a->modes[m], max, html_fill_mode(m), title);
        hb_raw(b, "</td></tr>");
    }
    hb_raw(b, "<tr><td>total</td>");
    html_td_u64(b, NULL, a->total);
    hb_raw(b, "<td></td><td></td></tr></table></div>");
    uint64_t n = a->classes[CLASS_MAIL];
    hb_printf(b,
              "<p class=\"muted\">What the sessions carried: mail in clear <span "
              "data-k=\"classes.mail\">%" PRIu64 "</span>, AUTH in clear <span "
              "data-k=\"classes.auth\">%" PRIu64
              "</span>, TLS <span data-k=\"classes.tls\">%" PRIu64
              "</span>, probes <span data-k=\"classes.probe\">%" PRIu64 "</span>.</p></section>",
              n, a->classes[CLASS_AUTH], a->classes[CLASS_TLS], a->classes[CLASS_PROBE]);
}

/* The versions and ciphers of one direction, as a list of counts. */
static int direction_tls(struct htmlb *b, const struct aggregate *a, const char *dir)
{
    struct aggregate_version vs[LIMIT_REPORT_VERSIONS];
    size_t n = aggregate_versions(a, vs, LIMIT_REPORT_VERSIONS);
    hb_raw(b, "<td class=\"wrap\">");
    for (size_t i = 0; i < n; i++) {
        hb_printf(b, "%s", i ? ", " : "");
        hb_text(b, vs[i].name);
        hb_printf(b, " <span data-k=\"directions.%s.versions.%zu.count\">%" PRIu64 "</span>", dir,
                  i, vs[i].count);
    }
    if (!n)
        hb_raw(b, "-");
    hb_raw(b, "</td><td class=\"wrap\">");
    struct aggregate_cipher *cs;
    if (aggregate_ciphers(a, &cs, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        hb_printf(b, "%s", i ? ", " : "");
        hb_text(b, cs[i].name);
        hb_printf(b, " <span data-k=\"directions.%s.ciphers.%zu.count\">%" PRIu64 "</span>", dir, i,
                  cs[i].count);
    }
    if (!n)
        hb_raw(b, "-");
    hb_raw(b, "</td>");
    free(cs);
    return 0;
}

/* With --home-net: the headline of each direction. */
static int directions(struct htmlb *b, const struct aggregate *a)
{
    if (!a->dirs[DIRECTION_INBOUND])
        return 0;
    html_section(b, "directions", "By direction (client and server inside or outside --home-net)");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th>direction</th><th class=\"n\">sessions</th>"
              "<th class=\"n\">probes</th><th class=\"n\">encrypted</th>"
              "<th class=\"n\">w/o probes</th><th class=\"n\">of all</th>"
              "<th class=\"n\">STARTTLS</th><th class=\"n\">implicit TLS</th>"
              "<th class=\"n\">plaintext</th><th class=\"n\">STARTTLS failed</th>"
              "<th class=\"n\">implicit TLS failed</th><th class=\"n\">unknown</th>"
              "<th class=\"n\">envelope in clear</th><th class=\"n\">AUTH in clear</th>"
              "<th class=\"n\">messages in clear</th><th>versions</th><th>ciphers</th></tr>");
    for (unsigned d = DIRECTION_NONE + 1; d < DIRECTION_COUNT; d++) {
        const struct aggregate *x = a->dirs[d];
        const char *dir = direction_name((enum direction)d);
        char k[96];
#define KEY(name) (snprintf(k, sizeof k, "directions.%s.%s", dir, name), k)
        hb_printf(b, "<tr><td>%s</td>", dir);
        html_td_u64(b, KEY("sessions.total"), x->total);
        html_td_u64(b, KEY("classes.probe"), x->classes[CLASS_PROBE]);
        html_td_u64(b, KEY("encrypted"), x->encrypted);
        html_td_pct(b, KEY("encrypted_percent_without_probes"), x->encrypted,
                    aggregate_carrying(x));
        html_td_pct(b, KEY("encrypted_percent"), x->encrypted, x->total);
        html_td_u64(b, KEY("sessions.starttls"), x->modes[SESSION_STARTTLS]);
        html_td_u64(b, KEY("sessions.implicit_tls"), x->modes[SESSION_IMPLICIT_TLS]);
        html_td_u64(b, KEY("sessions.plaintext"), x->modes[SESSION_PLAINTEXT]);
        html_td_u64(b, KEY("sessions.starttls_failed"), x->modes[SESSION_STARTTLS_FAILED]);
        html_td_u64(b, KEY("sessions.implicit_tls_failed"), x->modes[SESSION_IMPLICIT_TLS_FAILED]);
        html_td_u64(b, KEY("sessions.unknown"), x->modes[SESSION_UNKNOWN]);
        html_td_u64(b, KEY("leaks.envelope"), x->leak_envelope);
        html_td_u64(b, KEY("leaks.auth"), x->leak_auth);
        html_td_u64(b, KEY("messages_cleartext"), x->messages_clear);
#undef KEY
        if (direction_tls(b, x, dir) < 0)
            return -1;
        hb_raw(b, "</tr>");
    }
    hb_raw(b, "</table></div><p class=\"muted\">inbound: client outside, server inside; "
              "outbound: the other way round; internal: both inside; external: neither.</p>"
              "</section>");
    return 0;
}

static void counter_row(struct htmlb *b, const char *key, uint64_t v, const char *label,
                        enum counter_show show, bool live)
{
    char k[96];
    if (show == COUNTER_LIVE_ONLY && !live)
        return; /* the summary has no key for it either */
    bool known = (show != COUNTER_LIVE && show != COUNTER_LIVE_ONLY) || live;
    bool notable = known && v && show == COUNTER_NONZERO;
    hb_printf(b, "<tr%s><td>", notable ? "" : " class=\"zero\"");
    hb_text(b, label);
    hb_printf(b, "%s</td>", notable ? " <span class=\"tag\">happened</span>" : "");
    if (known) {
        snprintf(k, sizeof k, "capture.%s", key);
        html_td_u64(b, k, v);
    } else {
        hb_raw(b, "<td class=\"n\">-</td>");
    }
    hb_printf(b, "<td><code>%s</code></td></tr>", key);
}

/* Can this capture be trusted: everything the decoder and the capture
 * counted, generated from decode/counters.h as the summary is. */
static void capture_section(struct htmlb *b, const struct aggregate_capture *cap)
{
    bool live = cap->capture.live;
    html_section(b, "capture", "The capture: can it be trusted?");
    if (cap->damaged)
        hb_raw(b, "<p class=\"warn\">The capture could not be read to its end; the report "
                  "covers what came before.</p>");
    hb_printf(b,
              "<p><span data-k=\"packets\">%" PRIu64 "</span> packets, <span "
              "data-k=\"bytes\">%" PRIu64 "</span> bytes. Rows marked <span "
              "class=\"tag\">happened</span> are events worth a look (gaps, drops, caps hit); "
              "greyed rows are zero or are sizes.</p>",
              cap->decode.packets, cap->decode.bytes);
    hb_raw(b, "<div class=\"scroll\"><table><tr><th>counter</th><th class=\"n\">value</th>"
              "<th>summary key</th></tr>");
#define COUNTER_ROW(field, key, label, show)                                                       \
    counter_row(b, key, cap->decode.field, label, show, live);
    COUNTER_PIPELINE_LIST(COUNTER_ROW)
#undef COUNTER_ROW
    for (unsigned i = 0; i < ANOMALY_COUNT; i++) {
        if (!cap->decode.decode_errors[i])
            continue;
        char k[128];
        snprintf(k, sizeof k, "capture.decode_errors.%s", anomaly_name((enum anomaly)i));
        hb_printf(b, "<tr><td>packets not decoded: %s <span class=\"tag\">happened</span></td>",
                  anomaly_name((enum anomaly)i));
        html_td_u64(b, k, cap->decode.decode_errors[i]);
        hb_printf(b, "<td><code>%s</code></td></tr>", k + 8);
    }
#define COUNTER_ROW(field, key, label, show)                                                       \
    counter_row(b, key, cap->capture.field, label, show, live);
    COUNTER_CAPTURE_LIST(COUNTER_ROW)
#undef COUNTER_ROW
    hb_printf(b,
              "<tr><td>read to its end</td><td class=\"n\" data-k=\"capture.complete\">%s</td>"
              "<td><code>complete</code></td></tr></table></div></section>",
              cap->damaged ? "false" : "true");
}

static void records_row(struct htmlb *b, const char *key, const char *label, uint64_t v,
                        bool always)
{
    char k[64];
    snprintf(k, sizeof k, "records.%s", key);
    hb_printf(b, "<tr%s><td>", v || always ? "" : " class=\"zero\"");
    hb_text(b, label);
    hb_raw(b, "</td>");
    html_td_u64(b, k, v);
    hb_printf(b, "<td><code>%s</code></td></tr>", k);
}

/* A fold's (--from-sessions): what it read. Records carry no capture
 * counters: the summary has them null, and the page says so. */
static void records_section(struct htmlb *b, const struct aggregate_capture *cap)
{
    const struct aggregate_records *r = cap->records;
    html_section(b, "capture", "The records: can they be trusted?");
    if (cap->damaged)
        hb_raw(b, "<p class=\"warn\">Some lines were no record, or a file could not be read "
                  "(see standard error); the report covers the records read.</p>");
    hb_raw(b, "<p>A fold of session records (--from-sessions): the capture counters (packets, "
              "gaps, drops) are the sensors' and are not in the records.</p>"
              "<div class=\"scroll\"><table><tr><th>records</th><th class=\"n\">value</th>"
              "<th>summary key</th></tr>");
#define RECORDS_ROW(field, key, label, show)                                                       \
    records_row(b, key, label, r->field, (show) == RECORDS_ALWAYS);
    RECORDS_COUNTER_LIST(RECORDS_ROW)
#undef RECORDS_ROW
    hb_printf(b,
              "<tr><td>read to its end</td><td class=\"n\" data-k=\"records.complete\">%s</td>"
              "<td><code>records.complete</code></td></tr></table></div></section>",
              cap->damaged ? "false" : "true");
}

int html_report(struct htmlb *b, const struct aggregate *a, const struct aggregate_capture *cap,
                const struct findings *fi)
{
    hb_raw(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
              "<meta name=\"generator\" content=\"smtptls\"><title>smtptls report: ");
    hb_text(b, cap->sensor ? cap->sensor : "-");
    hb_printf(b, "</title><style>%s</style></head><body>%s", style, patterns);
    header(b, a, cap);
    hb_raw(b, "<main>");
    headline(b, a);
    modes(b, a);
    if (directions(b, a) < 0)
        return -1;
    html_timeline(b, a);
    if (html_tls(b, a) < 0)
        return -1;
    html_findings(b, a, fi);
    if (html_recommendations(b, a) < 0 || html_servers(b, a) < 0 || html_clients(b, a) < 0 ||
        html_domains(b, a, cap) < 0)
        return -1;
    if (cap->records)
        records_section(b, cap);
    else
        capture_section(b, cap);
    hb_raw(b, "<footer>Written by smtptls from the packets alone: no script, no font, no "
              "image, nothing fetched. The numbers are the JSON summary's (--json); each "
              "carries its key there in a data-k attribute.</footer></main></body></html>\n");
    return hb_failed(b) ? -1 : 0;
}

int html_write_report(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      const struct findings *fi)
{
    struct htmlb b;
    hb_init(&b, LIMIT_HTML_REPORT);
    int rc = html_report(&b, a, cap, fi);
    if (rc == 0)
        fwrite(hb_data(&b), 1, hb_len(&b), f);
    hb_free(&b);
    return rc;
}
