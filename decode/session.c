#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_internal.h"

static const char *const mode_names[SESSION_MODE_COUNT] = {
    [SESSION_UNKNOWN] = "unknown",
    [SESSION_PLAINTEXT] = "plaintext",
    [SESSION_STARTTLS] = "starttls",
    [SESSION_IMPLICIT_TLS] = "implicit-tls",
    [SESSION_STARTTLS_FAILED] = "starttls-failed",
    [SESSION_IMPLICIT_TLS_FAILED] = "implicit-tls-failed",
};

static const char *const leak_names[SESSION_LEAK_COUNT] = {
    [SESSION_LEAK_MAIL] = "MAIL", [SESSION_LEAK_RCPT] = "RCPT", [SESSION_LEAK_DATA] = "DATA",
    [SESSION_LEAK_BDAT] = "BDAT", [SESSION_LEAK_AUTH] = "AUTH",
};

const char *session_mode_name(enum session_mode m)
{
    return (unsigned)m < SESSION_MODE_COUNT ? mode_names[m] : "unknown";
}

const char *session_leak_name(enum session_leak l)
{
    return (unsigned)l < SESSION_LEAK_COUNT ? leak_names[l] : "";
}

const char *session_verb_name(uint8_t verb)
{
    return smtp_verb_name((enum smtp_verb)verb);
}

static const char *const failure_names[SESSION_FAIL_COUNT] = {
    [SESSION_FAIL_NONE] = "",
    [SESSION_FAIL_REFUSED] = "starttls-refused",
    [SESSION_FAIL_ALERT] = "fatal-alert",
    [SESSION_FAIL_PLAINTEXT] = "plaintext-instead-of-tls",
    [SESSION_FAIL_NO_TLS] = "no-tls-after-starttls",
    [SESSION_FAIL_NO_SERVER_HELLO] = "no-server-hello",
    [SESSION_FAIL_INCOMPLETE] = "handshake-incomplete",
    [SESSION_FAIL_CLIENT_ABORT] = "client-aborted",
};

const char *session_failure_name(enum session_failure f)
{
    return (unsigned)f < SESSION_FAIL_COUNT ? failure_names[f] : "";
}

void session_count_anomaly(struct session *s, enum anomaly a)
{
    if ((unsigned)a < ANOMALY_COUNT && s->rec.anomalies[a] < UINT32_MAX)
        s->rec.anomalies[a]++;
}

void session_copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

/* ---- feeding ---- */

struct session *session_new(const struct session_start *st)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    struct session_record *r = &s->rec;
    r->start_us = st->start_us;
    r->family = st->family;
    memcpy(r->client, st->client, 16);
    memcpy(r->server, st->server, 16);
    r->client_port = st->client_port;
    r->server_port = st->server_port;
    r->syn_seen = st->syn_seen;
    r->cipher_key = SESSION_NO_CIPHER;
    s->implicit_port = st->implicit_port;
    s->no_domains = st->no_domains;
    r->domains_kept = !st->no_domains;
    s->midstream[0] = s->midstream[1] = !st->syn_seen;
    smtp_init(&s->smtp, st->syn_seen);
    tls_init(&s->tls);
    tls_set_budget(&s->tls, st->tls_budget);
    s->certs = st->certs;
    s->fp = st->fp;
    return s;
}

static void side_to_tls(struct session *s, int side)
{
    s->proto[side] = PROTO_TLS;
    session_step_simple(s, EV_TLS_BEGINS, side);
}

static void to_tls(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    tls_feed(&s->tls, side, p, n, &session_tls_events, s);
    if (session_is_established(s) && !s->tls.null_mac_len) {
        /* Nothing more to learn from either side: let the buffers go. */
        s->proto[SIDE_CLIENT] = s->proto[SIDE_SERVER] = PROTO_DONE;
        tls_free(&s->tls);
        smtp_free(&s->smtp);
        *stop = true;
    }
}

/* The first bytes of a side decide: TLS from byte 0, or SMTP. A client at
 * the start must open with a hello; a server answering TLS, or any side
 * joined mid-stream, with any TLS record (an early alert, say). */
static enum side_proto decide(const struct session *s, int side, const uint8_t *p, size_t n)
{
    struct tls_header h;
    switch (tls_header_check(p, n, &h)) {
    case TLS_LOOK_MAYBE:
        return PROTO_UNDECIDED;
    case TLS_LOOK_NO:
        return PROTO_SMTP;
    default:
        break;
    }
    bool any_record = s->midstream[side] || (side == SIDE_SERVER && s->tls_first[SIDE_CLIENT]);
    return h.hello || any_record ? PROTO_TLS : PROTO_SMTP;
}

static void feed(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    while (n > 0) {
        switch (s->proto[side]) {
        case PROTO_UNDECIDED: {
            uint8_t buf[sizeof s->sniff[0]];
            size_t have = s->sniff_len[side];
            size_t k = sizeof buf - have < n ? sizeof buf - have : n;
            memcpy(buf, s->sniff[side], have);
            memcpy(buf + have, p, k);
            enum side_proto m = decide(s, side, buf, have + k);
            if (m == PROTO_UNDECIDED) {
                memcpy(s->sniff[side] + have, p, k);
                s->sniff_len[side] = (uint8_t)(have + k);
                return;
            }
            s->proto[side] = (uint8_t)m;
            s->sniff_len[side] = 0;
            session_step_simple(s, m == PROTO_TLS ? EV_SIDE_TLS : EV_SIDE_SMTP, side);
            if (have > 0)
                feed(s, side, s->sniff[side], have, stop);
            continue;
        }
        case PROTO_SMTP: {
            bool tls;
            size_t used = smtp_feed(&s->smtp, side, p, n, &session_smtp_events, s, &tls);
            p += used;
            n -= used;
            if (tls)
                side_to_tls(s, side);
            continue;
        }
        case PROTO_TLS:
            to_tls(s, side, p, n, stop);
            return;
        default:
            *stop = true;
            return;
        }
    }
}

void session_data(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    *stop = false;
    if (n == 0)
        return;
    feed(s, side, p, n, stop);
}

void session_gap(struct session *s, int side, uint64_t n)
{
    s->rec.gaps++;
    s->rec.gap_bytes += n;
    session_count_anomaly(s, ANOMALY_REASM_GAP);
    switch (s->proto[side]) {
    case PROTO_SMTP:
        if (smtp_expects_tls(&s->smtp, side)) {
            /* The gap took the start of TLS: resume it at a record header. */
            side_to_tls(s, side);
            tls_gap(&s->tls, side, n);
            break;
        }
        smtp_gap(&s->smtp, side, n, &session_smtp_events, s);
        break;
    case PROTO_TLS:
        tls_gap(&s->tls, side, n);
        break;
    case PROTO_UNDECIDED:
        /* Started with a gap: decide on what follows, as mid-stream. */
        s->sniff_len[side] = 0;
        s->midstream[side] = true;
        break;
    default:
        break;
    }
}

bool session_recognised(const struct session *s)
{
    return s->smtp_specific;
}

void session_anomaly(struct session *s, enum anomaly a)
{
    session_count_anomaly(s, a);
}

void session_finish(struct session *s, const struct session_end_facts *f,
                    struct session_record *out)
{
    struct session_record *r = &s->rec;
    r->end_us = f->end_us;
    r->end = (uint8_t)f->end;
    memcpy(r->packets, f->packets, sizeof r->packets);
    memcpy(r->bytes, f->bytes, sizeof r->bytes);
    r->overlap_conflicts = f->overlap_conflicts;
    if (f->ndpi_protocol) {
        snprintf(r->ndpi_protocol, sizeof r->ndpi_protocol, "%s", f->ndpi_protocol);
        snprintf(r->ndpi_risks, sizeof r->ndpi_risks, "%s", f->ndpi_risks ? f->ndpi_risks : "");
    }
    r->starttls_offered = s->offered           ? SESSION_TRUE
                          : s->ehlo_reply_seen ? SESSION_FALSE
                                               : SESSION_NULL;
    session_conclude(s);
    *out = *r;
    smtp_free(&s->smtp);
    tls_free(&s->tls);
    if (s->inner) {
        smtp_free(s->inner);
        free(s->inner);
    }
    free(s);
}
