/* The text report's second half: the findings with examples, and what to
 * change, told to the side that can change it: the receiving side for our
 * servers (inside --home-net), the sending MTA's policy for servers outside.
 * Probes are never counted as sessions that stayed in clear. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "format.h"
#include "text.h"
#include "textout.h"

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void example(struct tline *l, const struct aggregate_example *e)
{
    char t[FMT_TIME_LEN], c[FMT_ENDPOINT_LEN], s[FMT_ENDPOINT_LEN], text[160];
    fmt_time(e->start_us, t, sizeof t);
    fmt_endpoint(e->family, e->client, e->client_port, c, sizeof c);
    fmt_endpoint(e->family, e->server, e->server_port, s, sizeof s);
    snprintf(text, sizeof text, "%s %s -> %s", t, c, s);
    tl_pad(l, 11);
    tl_wrap(l, text, 13);
    tl_end(l);
}

static void findings_section(struct tline *l, const struct aggregate *a, uint64_t late)
{
    char text[256];
    tl_end(l);
    tl_put(l, "Findings (sessions)");
    tl_end(l);
    bool any = false;
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        uint64_t n = a->findings[i] + (i == FINDING_STARTTLS_STRIPPED ? late : 0);
        if (!n)
            continue;
        any = true;
        size_t used =
            (size_t)snprintf(text, sizeof text, "%s", advice_finding_text((enum finding)i));
        if (i == FINDING_ENVELOPE_CLEARTEXT && a->envelope_offered)
            snprintf(text + used, sizeof text - used,
                     " (%" PRIu64 " although the server offered STARTTLS)", a->envelope_offered);
        if (i == FINDING_STARTTLS_STRIPPED && late)
            snprintf(text + used, sizeof text - used,
                     " (%" PRIu64 " seen only once the server later advertised it)", late);
        tl_printf(l, "%8" PRIu64 " %-31s ", n, finding_name((enum finding)i));
        tl_wrap(l, text, 41);
        tl_end(l);
        for (unsigned k = 0; k < a->nexamples[i]; k++)
            example(l, &a->examples[i][k]);
    }
    if (!any) {
        tl_put(l, "       - none");
        tl_end(l);
    }
}

static void server_items(struct tline *l, struct peer_stats **v, size_t n)
{
    char name[4 * LIMIT_PEER_NAME + 16], text[2048];
    unsigned shown = 0;
    advice_sort(v, n);
    for (size_t i = 0; i < n && shown < 10; i++) {
        const struct peer_stats *s = v[i];
        if (advice_urgency(s) == 0 || s->other)
            continue;
        struct tline cut; /* the name, within what a line leaves it */
        text_printable(s->name, name, sizeof name);
        tl_begin(&cut, NULL, l->width > 40 ? l->width - 40 : 20);
        tl_tail(&cut, name);
        enum advice_party side = advice_party(s);
        tl_printf(l, "  %u. ", ++shown);
        snprintf(text, sizeof text,
                 "%s%.1000s%s:%u (%" PRIu64 " session%s%s):", strchr(s->name, ':') ? "[" : "",
                 cut.buf, strchr(s->name, ':') ? "]" : "", (unsigned)s->port, s->adv.sessions,
                 plural(s->adv.sessions),
                 side == ADVICE_OURS     ? ", ours"
                 : side == ADVICE_THEIRS ? " from our side, outside --home-net"
                                         : "");
        tl_wrap(l, text, 6);
        advice_server(s, text, sizeof text);
        tl_wrap(l, text, 6);
        tl_end(l);
    }
}

static void say(struct tline *l, const char *text)
{
    tl_pad(l, 2);
    tl_wrap(l, text, 2);
    tl_end(l);
}

static void say_note(void *l, const char *text)
{
    say(l, text);
}

static void cipher_config(struct tline *l)
{
    const char *const *suites = advice_suites;
    const size_t nsuites = advice_nsuites;
    say(l, "Cipher configuration to publish (RFC 9325; ciphersuite.info 'recommended'): "
           "protocols TLSv1.2 and TLSv1.3; for TLSv1.2");
    tl_pad(l, 4);
    for (size_t i = 0; i < nsuites; i++) {
        size_t cost = strlen(suites[i]) + (i + 1 < nsuites);
        if (l->cols > 4 && cost > tl_room(l)) {
            tl_end(l);
            tl_pad(l, 4);
        }
        tl_put(l, suites[i]);
        if (i + 1 < nsuites)
            tl_put(l, ":");
    }
    tl_end(l);
    tl_pad(l, 4);
    tl_wrap(l,
            "(on port 25, where TLS is opportunistic, a peer that cannot meet the floor falls "
            "back to cleartext: check the versions table above before raising it)",
            4);
    tl_end(l);
}

static void recommendations(struct tline *l, const struct aggregate *a, struct peer_stats **v,
                            size_t n)
{
    tl_end(l);
    tl_put(l, "Recommendations");
    tl_end(l);
    if (a->total == 0) {
        say(l, "No SMTP sessions: nothing to recommend.");
        return;
    }
    server_items(l, v, n);
    advice_notes(a, say_note, l);
    cipher_config(l);
}

int text_write_findings(FILE *f, const struct aggregate *a, const struct aggregate_capture *cap,
                        const struct findings *fi, unsigned width)
{
    struct tline line, *l = &line;
    struct peer_stats **v = NULL;
    size_t n = 0;
    if (a->servers && peers_sorted(a->servers, &v, &n) < 0)
        return -1;
    tl_begin(l, f, width ? width : LIMIT_TEXT_WIDTH);
    findings_section(l, a, findings_stripped_late(fi));
    recommendations(l, a, v, n);
    free(v);
    return 0;
}
