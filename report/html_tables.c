/* The HTML report's tables: servers, clients, the domains whose mail crossed
 * in clear (the same rows as the summary: the busiest LIMIT_REPORT_ROWS), the
 * findings with example sessions, and the recommendations (advice.h, as the
 * text report gives them). Names off the wire go through hb_text only. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "format.h"
#include "html_internal.h"

static void rows_said(struct htmlb *b, size_t n)
{
    if (n <= LIMIT_REPORT_ROWS)
        hb_printf(b, "<p class=\"muted\">By sessions: all %zu (--json lists the same).</p>", n);
    else
        hb_printf(b,
                  "<p class=\"muted\">By sessions: the %u busiest of %zu (--json lists the "
                  "same).</p>",
                  LIMIT_REPORT_ROWS, n);
}

static void addresses(struct htmlb *b, const char *table, size_t i, const struct peer_stats *s)
{
    hb_raw(b, "<td class=\"wrap\">");
    for (unsigned k = 0; k < s->naddrs; k++) {
        char addr[FMT_ADDR_LEN];
        fmt_addr(s->addrs[k].family, s->addrs[k].addr, addr, sizeof addr);
        hb_printf(b, "%s<span data-k=\"%s.%zu.addresses.%u\">%s</span>", k ? " " : "", table, i, k,
                  addr);
    }
    hb_raw(b, s->more_addrs ? " &hellip;</td>" : "</td>");
}

/* The versions and ciphers a peer used, as the summary lists them. */
static void peer_tls(struct htmlb *b, const char *table, size_t i, const struct peer_stats *s)
{
    hb_raw(b, "<td>");
    unsigned shown = 0;
    for (int v = 0; v < PV_COUNT; v++)
        if (s->versions & (1u << v))
            hb_printf(b, "%s<span data-k=\"%s.%zu.versions.%u\">%s</span>", shown ? " " : "", table,
                      i, shown, peer_version_name(v)),
                shown++;
    hb_raw(b, shown ? "</td><td class=\"wrap\">" : "-</td><td class=\"wrap\">");
    for (unsigned k = 0; k < s->nciphers; k++) {
        struct aggregate_cipher c;
        aggregate_cipher_of_key(s->ciphers[k], &c);
        hb_printf(b, "%s<span data-k=\"%s.%zu.ciphers.%u\">", k ? " " : "", table, i, k);
        hb_text(b, c.name);
        hb_raw(b, "</span>");
    }
    hb_raw(b, s->more_ciphers ? " &hellip;</td>" : s->nciphers ? "</td>" : "-</td>");
}

/* The counts both tables give. */
static void peer_counts(struct htmlb *b, const char *table, size_t i, const struct peer_stats *s)
{
    char k[96];
#define KEY(name) (snprintf(k, sizeof k, "%s.%zu.%s", table, i, name), k)
    html_td_u64(b, KEY("sessions"), s->sessions);
    html_td_u64(b, KEY("encrypted"), s->encrypted);
    /* The summary writes 0.0 for a row without sessions (none is listed). */
    hb_printf(b, "<td class=\"n\"><span data-k=\"%s\">%.1f</span>%%</td>", KEY("encrypted_percent"),
              s->sessions ? (double)s->encrypted * 100.0 / (double)s->sessions : 0.0);
    html_td_u64(b, KEY("plaintext"), s->plaintext);
    html_td_u64(b, KEY("failed"), s->failed);
    html_td_u64(b, KEY("probes"), s->probes);
    html_td_u64(b, KEY("starttls_offered"), s->offered);
    html_td_u64(b, KEY("envelope_cleartext"), s->envelope);
    html_td_u64(b, KEY("auth_cleartext"), s->auth);
    html_td_u64(b, KEY("messages_cleartext"), s->messages);
    html_td_u64(b, KEY("weak_cipher"), s->weak);
    html_td_u64(b, KEY("sessions_with_findings"), s->findings);
    if (s->worst != GRADE_UNKNOWN)
        hb_printf(b, "<td><span class=\"tag\" data-k=\"%s\">%s</span></td>", KEY("worst_grade"),
                  grade_name(s->worst));
    else
        hb_raw(b, "<td>-</td>");
#undef KEY
    peer_tls(b, table, i, s);
    const char *home = !s->inside && !s->outside ? NULL
                       : !s->outside             ? "inside"
                       : !s->inside              ? "outside"
                                                 : "both";
    if (home)
        hb_printf(b, "<td data-k=\"%s.%zu.home_net\">%s</td>", table, i, home);
    else
        hb_raw(b, "<td>-</td>");
}

static const char peer_heads[] =
    "<th class=\"n\">sessions</th><th class=\"n\">encrypted</th><th class=\"n\">enc. %</th>"
    "<th class=\"n\">plaintext</th><th class=\"n\">failed</th><th class=\"n\">probes</th>"
    "<th class=\"n\">STARTTLS offered</th><th class=\"n\">envelope in clear</th>"
    "<th class=\"n\">AUTH in clear</th><th class=\"n\">messages in clear</th>"
    "<th class=\"n\">weak cipher</th><th class=\"n\">with findings</th><th>worst grade</th>"
    "<th>versions</th><th>ciphers</th><th>--home-net</th>";

static void server_name(struct htmlb *b, size_t i, const struct peer_stats *s)
{
    if (s->other) {
        hb_raw(b, "<td>(other servers)</td><td>-</td>");
        return;
    }
    hb_raw(b, "<td>");
    if (s->source != PEER_FROM_ADDRESS) {
        hb_printf(b, "<b data-k=\"servers.%zu.name\">", i);
        hb_text(b, s->name);
        hb_raw(b, "</b>");
    } else {
        hb_text(b, s->name);
    }
    hb_printf(b, ":<span data-k=\"servers.%zu.port\">%u</span></td>", i, (unsigned)s->port);
    hb_printf(b, "<td data-k=\"servers.%zu.name_source\">%s</td>", i,
              peer_source_name((enum peer_source)s->source));
}

int html_servers(struct htmlb *b, const struct aggregate *a)
{
    struct peer_stats **v;
    size_t n;
    if (!a->servers)
        return 0;
    if (peers_sorted(a->servers, &v, &n) < 0)
        return -1;
    html_section(b, "servers", "Servers");
    hb_printf(b,
              "<p>A server is its name and port: the name from its greeting, else its EHLO "
              "reply, certificate (CN) or the SNI, else its address. <span "
              "data-k=\"servers_total\">%zu</span> servers.</p>",
              n);
    rows_said(b, n);
    hb_printf(b,
              "<div class=\"scroll\"><table><tr><th>server</th><th>named by</th>%s"
              "<th>addresses</th></tr>",
              peer_heads);
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        hb_raw(b, "<tr>");
        server_name(b, i, v[i]);
        peer_counts(b, "servers", i, v[i]);
        addresses(b, "servers", i, v[i]);
        hb_raw(b, "</tr>");
    }
    hb_raw(b, "</table></div></section>");
    free(v);
    return 0;
}

int html_clients(struct htmlb *b, const struct aggregate *a)
{
    struct peer_stats **v;
    size_t n;
    if (!a->clients)
        return 0;
    if (peers_sorted(a->clients, &v, &n) < 0)
        return -1;
    html_section(b, "clients",
                 a->dirs[DIRECTION_INBOUND] ? "Clients of our servers (inside --home-net)"
                                            : "Clients");
    hb_printf(b,
              "<p>A client is its HELO or EHLO name, else its address. <span "
              "data-k=\"clients_total\">%zu</span> clients.</p>",
              n);
    rows_said(b, n);
    hb_printf(b, "<div class=\"scroll\"><table><tr><th>client</th>%s<th>addresses</th></tr>",
              peer_heads);
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        const struct peer_stats *s = v[i];
        if (s->other) {
            hb_raw(b, "<tr><td>(other clients)</td>");
        } else if (s->source != PEER_FROM_ADDRESS) {
            hb_printf(b, "<tr><td><b data-k=\"clients.%zu.name\">", i);
            hb_text(b, s->name);
            hb_raw(b, "</b></td>");
        } else {
            hb_raw(b, "<tr><td>");
            hb_text(b, s->name);
            hb_raw(b, "</td>");
        }
        peer_counts(b, "clients", i, s);
        addresses(b, "clients", i, s);
        hb_raw(b, "</tr>");
    }
    hb_raw(b, "</table></div></section>");
    free(v);
    return 0;
}

int html_domains(struct htmlb *b, const struct aggregate *a, const struct aggregate_capture *cap)
{
    struct domain_stats **v;
    size_t n;
    if (!a->domains)
        return 0;
    html_section(b, "domains", "Domains whose mail crossed in clear");
    if (cap->no_domains) {
        hb_raw(b, "<p>Not kept (--no-domains).</p></section>");
        return 0;
    }
    if (domains_sorted(a->domains, &v, &n) < 0)
        return -1;
    hb_printf(b,
              "<p>The envelope domains (MAIL FROM, RCPT TO) of sessions that sent them in "
              "clear: <span data-k=\"domains_cleartext_total\">%zu</span> domains; <span "
              "data-k=\"domains_dropped\">%" PRIu64 "</span> recipient domains not kept (a "
              "record keeps %u bytes of them).</p>",
              n, domains_dropped(a->domains), LIMIT_RCPT_DOMAIN_BYTES);
    rows_said(b, n);
    hb_raw(b, "<div class=\"scroll\"><table><tr><th>domain</th><th class=\"n\">sessions</th>"
              "<th class=\"n\">messages</th><th class=\"n\">as sender</th>"
              "<th class=\"n\">as recipient</th></tr>");
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        const struct domain_stats *d = v[i];
        char k[96];
#define KEY(name) (snprintf(k, sizeof k, "domains_cleartext.%zu.%s", i, name), k)
        if (d->other)
            hb_raw(b, "<tr><td>(other domains)</td>");
        else
            hb_raw(b, "<tr>"), html_td_text(b, KEY("domain"), d->name);
        html_td_u64(b, KEY("sessions"), d->sessions);
        html_td_u64(b, KEY("messages"), d->messages);
        html_td_u64(b, KEY("as_sender"), d->as_sender);
        html_td_u64(b, KEY("as_recipient"), d->as_recipient);
#undef KEY
        hb_raw(b, "</tr>");
    }
    if (n == 0)
        hb_raw(b, "<tr><td colspan=\"5\">none</td></tr>");
    hb_raw(b, "</table></div></section>");
    free(v);
    return 0;
}

static void examples(struct htmlb *b, const struct aggregate *a, unsigned f)
{
    hb_raw(b, "<td class=\"wrap\">");
    for (unsigned k = 0; k < a->nexamples[f]; k++) {
        const struct aggregate_example *e = &a->examples[f][k];
        char t[FMT_TIME_LEN], c[FMT_ENDPOINT_LEN], s[FMT_ENDPOINT_LEN];
        fmt_time(e->start_us, t, sizeof t);
        fmt_endpoint(e->family, e->client, e->client_port, c, sizeof c);
        fmt_endpoint(e->family, e->server, e->server_port, s, sizeof s);
        hb_printf(b, "%s<code>%s %s &rarr; %s</code>", k ? "<br>" : "", t, c, s);
    }
    hb_raw(b, "</td>");
}

void html_findings(struct htmlb *b, const struct aggregate *a, const struct findings *fi)
{
    uint64_t late = findings_stripped_late(fi);
    html_section(b, "findings", "Findings (sessions), with example sessions");
    hb_raw(b, "<div class=\"scroll\"><table><tr><th class=\"n\">sessions</th><th>code</th>"
              "<th>what it means</th><th>examples (start, client &rarr; server)</th></tr>");
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        uint64_t n = a->findings[i] + (i == FINDING_STARTTLS_STRIPPED ? late : 0);
        const char *name = finding_name((enum finding)i);
        char k[96];
        snprintf(k, sizeof k, "findings.%s", name);
        hb_printf(b, "<tr%s>", n ? "" : " class=\"zero\"");
        html_td_u64(b, k, n);
        hb_printf(b, "<td><code>%s</code></td><td class=\"wrap\">%s", name,
                  advice_finding_text((enum finding)i));
        if (i == FINDING_ENVELOPE_CLEARTEXT && a->envelope_offered)
            hb_printf(b, " (%" PRIu64 " although the server offered STARTTLS)",
                      a->envelope_offered);
        if (i == FINDING_STARTTLS_STRIPPED && late)
            hb_printf(b, " (%" PRIu64 " seen only once the server later advertised it)", late);
        hb_raw(b, "</td>");
        examples(b, a, i);
        hb_raw(b, "</tr>");
    }
    hb_printf(b,
              "</table></div><p class=\"muted\">Of these, the envelope went in clear although "
              "the server offered STARTTLS in <span "
              "data-k=\"finding_details.envelope_starttls_offered\">%" PRIu64
              "</span> sessions; stripping was told only once the server later advertised "
              "STARTTLS in <span data-k=\"finding_details.starttls_stripped_late\">%" PRIu64
              "</span>. --fail-on takes these codes.</p></section>",
              a->envelope_offered, late);
}

static void note(void *ctx, const char *text)
{
    struct htmlb *b = ctx;
    hb_raw(b, "<p>");
    hb_text(b, text);
    hb_raw(b, "</p>");
}

/* Each server with something to change, worst first (at most 10, as the
 * text report), then the notes and the cipher configuration to publish. */
int html_recommendations(struct htmlb *b, const struct aggregate *a)
{
    struct peer_stats **v = NULL;
    size_t n = 0;
    html_section(b, "advice", "Recommendations");
    if (a->total == 0) {
        hb_raw(b, "<p>No SMTP sessions: nothing to recommend.</p></section>");
        return 0;
    }
    if (a->servers && peers_sorted(a->servers, &v, &n) < 0)
        return -1;
    advice_sort(v, n);
    unsigned shown = 0;
    for (size_t i = 0; i < n && shown < 10; i++) {
        const struct peer_stats *s = v[i];
        if (advice_urgency(s) == 0 || s->other)
            continue;
        char text[2048];
        enum advice_party side = advice_party(s);
        hb_raw(b, shown++ ? "<li><b>" : "<ol><li><b>");
        hb_text(b, s->name);
        hb_printf(b, ":%u</b> (%" PRIu64 " session%s%s):", (unsigned)s->port, s->adv.sessions,
                  s->adv.sessions == 1 ? "" : "s",
                  side == ADVICE_OURS     ? ", ours"
                  : side == ADVICE_THEIRS ? " from our side, outside --home-net"
                                          : "");
        advice_server(s, text, sizeof text);
        hb_text(b, text);
        hb_raw(b, "</li>");
    }
    if (shown)
        hb_raw(b, "</ol>");
    free(v);
    advice_notes(a, note, b);
    hb_raw(b, "<p>Cipher configuration to publish (RFC 9325; ciphersuite.info 'recommended'): "
              "protocols TLSv1.2 and TLSv1.3; for TLSv1.2 <code>");
    for (size_t i = 0; i < advice_nsuites; i++)
        hb_printf(b, "%s%s", i ? ":" : "", advice_suites[i]);
    hb_raw(b, "</code>. On port 25, where TLS is opportunistic, a peer that cannot meet the "
              "floor falls back to cleartext: check the versions table above before raising "
              "it.</p></section>");
    return 0;
}
