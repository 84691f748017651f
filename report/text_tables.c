/* The text report's tables: the timeline, the servers and the clients by
 * name, the domains whose mail crossed in clear. The tables list the same
 * rows as the JSON summary (the busiest LIMIT_REPORT_ROWS) and say so. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "text.h"
#include "textout.h"

static void heading(struct tline *l, const char *title)
{
    tl_end(l);
    tl_wrap(l, title, 2);
    tl_end(l);
}

/* "(by sessions: all 7; the JSON lists the same rows)". */
static void rows_said(char *buf, size_t len, size_t n)
{
    if (n <= LIMIT_REPORT_ROWS)
        snprintf(buf, len, "(by sessions: all %zu; --json lists the same)", n);
    else
        snprintf(buf, len, "(by sessions: the %u busiest of %zu; --json lists the same)",
                 LIMIT_REPORT_ROWS, n);
}

static double pct(uint64_t part, uint64_t total)
{
    return total ? (double)part * 100.0 / (double)total : 0.0;
}

static void timeline(struct tline *l, const struct aggregate *a)
{
    const struct timeline *t = &a->timeline;
    char bin[16], asked[16], title[160];
    timeline_bin_name(t->bin_s, bin, sizeof bin);
    if (timeline_coarsened(t)) {
        timeline_bin_name(t->asked_s, asked, sizeof asked);
        snprintf(title, sizeof title,
                 "Timeline (sessions by start, per %s: --bin %s would need more than %u bins)", bin,
                 asked, LIMIT_TIMELINE_BINS);
    } else {
        snprintf(title, sizeof title, "Timeline (sessions by start, per %s, UTC)", bin);
    }
    if (t->n == 0) {
        heading(l, "Timeline: no sessions");
        return;
    }
    heading(l, title);
    bool secs = t->bin_s % 60 != 0;
    int tw = secs ? 20 : 17;
    /* The columns, the last ones left out when the width is short. */
    static const char *const head[] = {"sessions", "encrypted", "plaintext", "failed",
                                       "unknown",  "probes",    "enc %",     "w/o probes"};
    static const int cw[] = {8, 9, 9, 6, 7, 6, 6, 10};
    size_t ncols = 0, used = 2 + (size_t)tw;
    while (ncols < 8 && used + 2 + (size_t)cw[ncols] <= l->width)
        used += 2 + (size_t)cw[ncols++];
    tl_printf(l, "  %-*s", tw, "bin start");
    for (size_t c = 0; c < ncols; c++)
        tl_printf(l, "  %*s", cw[c], head[c]);
    tl_end(l);
    for (size_t i = 0; i < t->n; i++) {
        const struct timeline_bin *x = &t->bins[i];
        char start[FMT_TIME_LEN];
        fmt_time_secs((t->lo + i) * t->bin_s, start, sizeof start);
        if (!secs)
            memcpy(start + 16, "Z", 2); /* "2026-11-30T02:10Z" */
        uint64_t total = 0;
        for (unsigned m = 0; m < SESSION_MODE_COUNT; m++)
            total += x->modes[m];
        uint64_t enc = x->modes[SESSION_STARTTLS] + x->modes[SESSION_IMPLICIT_TLS];
        uint64_t counts[] = {total,
                             enc,
                             x->modes[SESSION_PLAINTEXT],
                             x->modes[SESSION_STARTTLS_FAILED] +
                                 x->modes[SESSION_IMPLICIT_TLS_FAILED],
                             x->modes[SESSION_UNKNOWN],
                             x->probes};
        tl_printf(l, "  %-*s", tw, start);
        for (size_t c = 0; c < ncols && c < 6; c++)
            tl_printf(l, "  %*" PRIu64, cw[c], counts[c]);
        if (ncols > 6)
            tl_printf(l, "  %5.1f%%", pct(enc, total));
        if (ncols > 7)
            tl_printf(l, "  %9.1f%%", pct(enc, total - x->probes));
        tl_end(l);
    }
}

/* A peer's name, cut to leave 16 columns. */
static void peer_name(struct tline *l, const struct peer_stats *s, bool server)
{
    char name[4 * LIMIT_PEER_NAME + 16], shown[4 * LIMIT_PEER_NAME + 16];
    if (s->other) {
        tl_put(l, server ? "(other servers)" : "(other clients)");
        return;
    }
    text_printable(s->name, shown, sizeof shown);
    bool v6name = s->source == PEER_FROM_ADDRESS && strchr(s->name, ':');
    if (server)
        snprintf(name, sizeof name, v6name ? "[%s]:%u" : "%s:%u", shown, (unsigned)s->port);
    else
        snprintf(name, sizeof name, "%s", shown);
    size_t room = tl_room(l);
    if (text_cols(name) + 16 > room && room > 16) {
        struct tline cut;
        tl_begin(&cut, NULL, room - 16);
        tl_tail(&cut, name);
        tl_put(l, cut.buf);
    } else {
        tl_put(l, name);
    }
}

/* A peer's row ends with its name, then its addresses when they all fit
 * there; else they get a line of their own, cut to the width. */
static void name_and_addresses(struct tline *l, const struct peer_stats *s, bool server)
{
    char addrs[LIMIT_PEER_ADDRS][FMT_ADDR_LEN];
    const char *items[LIMIT_PEER_ADDRS];
    peer_name(l, s, server);
    if (s->other || (s->source == PEER_FROM_ADDRESS && s->naddrs == 1 && !s->more_addrs)) {
        tl_end(l); /* the name is its address */
        return;
    }
    size_t cols = 0;
    for (unsigned i = 0; i < s->naddrs; i++) {
        fmt_addr(s->addrs[i].family, s->addrs[i].addr, addrs[i], sizeof addrs[i]);
        items[i] = addrs[i];
        cols += 1 + strlen(addrs[i]);
    }
    if (!s->more_addrs && 1 + cols <= tl_room(l)) {
        tl_put(l, " ");
        tl_list(l, items, s->naddrs, false, " ");
        tl_end(l);
        return;
    }
    tl_end(l);
    tl_pad(l, 14);
    tl_put(l, "at ");
    tl_list(l, items, s->naddrs, s->more_addrs, " ");
    tl_end(l);
}

/* The second line of a peer that had encrypted sessions: versions, ciphers. */
static void tls_line(struct tline *l, const struct peer_stats *s)
{
    char names[LIMIT_SERVER_CIPHERS][80];
    const char *items[LIMIT_SERVER_CIPHERS];
    if (!s->versions && !s->nciphers)
        return;
    tl_pad(l, 14);
    for (int v = 0; v < PV_COUNT; v++)
        if (s->versions & (1u << v))
            tl_printf(l, "%s ", peer_version_name(v));
    tl_put(l, s->versions ? "with " : "");
    for (unsigned i = 0; i < s->nciphers; i++) {
        struct aggregate_cipher c;
        aggregate_cipher_of_key(s->ciphers[i], &c);
        snprintf(names[i], sizeof names[i], "%s", c.name);
        items[i] = names[i];
    }
    if (s->nciphers)
        tl_list(l, items, s->nciphers, s->more_ciphers, " ");
    else
        tl_put(l, "cipher not seen");
    tl_end(l);
}

static int servers(struct tline *l, const struct aggregate *a)
{
    struct peer_stats **v;
    size_t n;
    char title[256], said[160];
    if (peers_sorted(a->servers, &v, &n) < 0)
        return -1;
    if (n == 0) {
        heading(l, "Servers: none");
        return 0;
    }
    rows_said(said, sizeof said, n);
    snprintf(title, sizeof title, "Servers %s", said);
    heading(l, title);
    tl_pad(l, 2);
    tl_wrap(l,
            "a server is its name and port, the name from its greeting, else its EHLO reply, "
            "certificate (CN) or the SNI, else its address",
            2);
    tl_end(l);
    tl_printf(l, "  %8s  %9s  %6s  %8s  %-11s  %s", "sessions", "encrypted", "probes", "in clear",
              "worst grade", "server");
    tl_end(l);
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        const struct peer_stats *s = v[i];
        tl_printf(l, "  %8" PRIu64 "  %8.1f%%  %6" PRIu64 "  %8" PRIu64 "  %-11s  ", s->sessions,
                  pct(s->encrypted, s->sessions), s->probes, s->envelope,
                  s->worst != GRADE_UNKNOWN ? grade_name(s->worst) : "-");
        name_and_addresses(l, s, true);
        tls_line(l, s);
    }
    free(v);
    return 0;
}

static int clients(struct tline *l, const struct aggregate *a)
{
    struct peer_stats **v;
    size_t n;
    char title[256], said[160];
    if (peers_sorted(a->clients, &v, &n) < 0)
        return -1;
    if (n == 0) {
        heading(l, "Clients: none");
        return 0;
    }
    rows_said(said, sizeof said, n);
    snprintf(title, sizeof title, "Clients%s %s",
             a->dirs[DIRECTION_INBOUND] ? " of our servers, inside --home-net" : "", said);
    heading(l, title);
    tl_pad(l, 2);
    tl_wrap(l,
            "a client is its HELO or EHLO name, else its address; in clear: sessions that sent "
            "the envelope in clear; weak: sessions with a weak or insecure cipher",
            2);
    tl_end(l);
    tl_printf(l, "  %8s  %9s  %6s  %8s  %10s  %6s  %s", "sessions", "encrypted", "probes",
              "in clear", "AUTH clear", "weak", "client");
    tl_end(l);
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        const struct peer_stats *s = v[i];
        tl_printf(
            l, "  %8" PRIu64 "  %8.1f%%  %6" PRIu64 "  %8" PRIu64 "  %10" PRIu64 "  %6" PRIu64 "  ",
            s->sessions, pct(s->encrypted, s->sessions), s->probes, s->envelope, s->auth, s->weak);
        name_and_addresses(l, s, false);
    }
    free(v);
    return 0;
}

static int domains(struct tline *l, const struct aggregate *a, const struct aggregate_capture *cap)
{
    struct domain_stats **v;
    size_t n;
    char title[256], said[160];
    if (cap->no_domains) {
        heading(l, "Domains whose mail crossed in clear: not kept (--no-domains)");
        return 0;
    }
    if (domains_sorted(a->domains, &v, &n) < 0)
        return -1;
    if (n == 0) {
        heading(l, "Domains whose mail crossed in clear: none");
        return 0;
    }
    rows_said(said, sizeof said, n);
    snprintf(title, sizeof title, "Domains whose mail crossed in clear %s", said);
    heading(l, title);
    tl_printf(l, "  %8s  %8s  %9s  %12s  %s", "sessions", "messages", "as sender", "as recipient",
              "domain");
    tl_end(l);
    for (size_t i = 0; i < n && i < LIMIT_REPORT_ROWS; i++) {
        const struct domain_stats *d = v[i];
        char name[4 * (LIMIT_DOMAIN + 1)];
        tl_printf(l, "  %8" PRIu64 "  %8" PRIu64 "  %9" PRIu64 "  %12" PRIu64 "  ", d->sessions,
                  d->messages, d->as_sender, d->as_recipient);
        if (d->other)
            snprintf(name, sizeof name, "(other domains)");
        else
            text_printable(d->name, name, sizeof name);
        tl_tail(l, name);
        tl_end(l);
    }
    uint64_t dropped = domains_dropped(a->domains);
    if (dropped) {
        tl_pad(l, 2);
        tl_printf(l, "%" PRIu64 " recipient domain%s not kept: a record keeps %u bytes of them",
                  dropped, dropped == 1 ? "" : "s", LIMIT_RCPT_DOMAIN_BYTES);
        tl_end(l);
    }
    free(v);
    return 0;
}

int text_write_tables(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                      unsigned width)
{
    struct tline line, *l = &line;
    tl_begin(l, f, width ? width : LIMIT_TEXT_WIDTH);
    if (a->timeline.bins)
        timeline(l, a);
    if (a->servers && servers(l, a) < 0)
        return -1;
    if (a->clients && clients(l, a) < 0)
        return -1;
    if (a->domains && domains(l, a, cap) < 0)
        return -1;
    return 0;
}
