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
    s->midstream[0] = s->midstream[1] = !st->syn_seen;
    smtp_init(&s->smtp, st->syn_seen);
    tls_init(&s->tls);
    tls_set_budget(&s->tls, st->tls_budget);
    s->certs = st->certs;
    s->fp = st->fp;
    return s;
}

static void to_tls(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    s->side[side] = PROTO_TLS;
    s->went_tls[side] = true;
    tls_feed(&s->tls, side, p, n, &session_tls_events, s);
    if (session_established(s) && !s->tls.null_mac_len) {
        /* Nothing more to learn from either side: let the buffers go. */
        s->side[SIDE_CLIENT] = s->side[SIDE_SERVER] = PROTO_DONE;
        tls_free(&s->tls);
        smtp_free(&s->smtp);
        *stop = true;
    }
}

/* The first bytes of a side decide: TLS from byte 0, or SMTP. Mid-stream
 * (no SYN), any record type counts; from the start only a hello does. */
/* The first bytes of a side decide: TLS from byte 0, or SMTP. A client at
 * the start must open with a hello; a server answering TLS, or any side
 * joined mid-stream, with any plausible record (an early alert, say). */
static int decide(struct session *s, int side, const uint8_t *p, size_t n)
{
    bool known;
    bool hello = tls_looks_like_hello(p, n, &known);
    if (!known)
        return PROTO_UNDECIDED;
    if (hello)
        return PROTO_TLS;
    bool any_record = s->midstream[side] || (side == SIDE_SERVER && s->tls_from_start[0]);
    if (any_record && n >= 3 && p[0] >= TLS_CT_CHANGE_CIPHER_SPEC &&
        p[0] <= TLS_CT_APPLICATION_DATA && p[1] == 3 && p[2] <= 4)
        return PROTO_TLS;
    return PROTO_SMTP;
}

static void feed(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    while (n > 0) {
        switch (s->side[side]) {
        case PROTO_UNDECIDED: {
            uint8_t buf[sizeof s->sniff[0]];
            size_t have = s->sniff_len[side];
            size_t k = sizeof buf - have < n ? sizeof buf - have : n;
            memcpy(buf, s->sniff[side], have);
            memcpy(buf + have, p, k);
            int m = decide(s, side, buf, have + k);
            if (m == PROTO_UNDECIDED) {
                memcpy(s->sniff[side] + have, p, k);
                s->sniff_len[side] = (uint8_t)(have + k);
                return;
            }
            s->side[side] = (uint8_t)m;
            s->tls_from_start[side] = m == PROTO_TLS;
            s->sniff_len[side] = 0;
            if (have > 0)
                feed(s, side, s->sniff[side], have, stop);
            continue;
        }
        case PROTO_SMTP: {
            bool tls;
            size_t used = smtp_feed(&s->smtp, side, p, n, &session_smtp_events, s, &tls);
            p += used;
            n -= used;
            if (tls) {
                s->side[side] = PROTO_TLS;
                s->went_tls[side] = true;
            }
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
    if (side == SIDE_CLIENT)
        s->client_bytes = true;
    else
        s->server_bytes = true;
    feed(s, side, p, n, stop);
}

void session_gap(struct session *s, int side, uint64_t n)
{
    s->rec.gaps++;
    s->rec.gap_bytes += n;
    session_count_anomaly(s, ANOMALY_REASM_GAP);
    switch (s->side[side]) {
    case PROTO_SMTP:
        if (smtp_expects_tls(&s->smtp, side)) {
            /* The gap took the start of TLS: resume it at a record header. */
            s->side[side] = PROTO_TLS;
            s->went_tls[side] = true;
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

static enum session_mode decide_mode(const struct session *s)
{
    bool est = session_established(s);
    if (s->tls_from_start[SIDE_CLIENT]) {
        if (s->rec.syn_seen)
            return est ? SESSION_IMPLICIT_TLS : SESSION_IMPLICIT_TLS_FAILED;
        /* Joined mid-stream: whatever came before TLS is not in the capture;
         * the port tells implicit TLS from an earlier STARTTLS. */
        bool implicit = s->implicit_port;
        if (est)
            return implicit ? SESSION_IMPLICIT_TLS : SESSION_STARTTLS;
        if (s->server_hello || s->tls_from_start[SIDE_SERVER])
            return implicit ? SESSION_IMPLICIT_TLS_FAILED : SESSION_STARTTLS_FAILED;
        return SESSION_UNKNOWN;
    }
    if (s->starttls_sent) {
        if (s->rec.starttls_reply)
            return s->starttls_accepted && est ? SESSION_STARTTLS : SESSION_STARTTLS_FAILED;
        return est ? SESSION_STARTTLS : SESSION_UNKNOWN;
    }
    if (s->rec.commands > 0)
        return SESSION_PLAINTEXT;
    return SESSION_UNKNOWN;
}

static enum session_failure failure_of(const struct session *s)
{
    const struct session_record *r = &s->rec;
    if (r->starttls_reply && !s->starttls_accepted)
        return SESSION_FAIL_REFUSED;
    if (s->fatal_alert)
        return SESSION_FAIL_ALERT;
    if (r->plaintext_after_starttls ||
        (s->tls_from_start[SIDE_CLIENT] && s->side[SIDE_SERVER] == PROTO_SMTP))
        return SESSION_FAIL_PLAINTEXT;
    if (!s->went_tls[SIDE_CLIENT] && !s->went_tls[SIDE_SERVER])
        return SESSION_FAIL_NO_TLS;
    if (!s->server_hello)
        return SESSION_FAIL_NO_SERVER_HELLO;
    if (s->enc_records[SIDE_CLIENT] == 1 && !s->server_enc_after_client)
        return SESSION_FAIL_CLIENT_ABORT;
    return SESSION_FAIL_INCOMPLETE;
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
    r->mode = (uint8_t)decide_mode(s);
    if (r->mode == SESSION_STARTTLS_FAILED || r->mode == SESSION_IMPLICIT_TLS_FAILED)
        r->failure = (uint8_t)failure_of(s);
    *out = *r;
    smtp_free(&s->smtp);
    tls_free(&s->tls);
    if (s->inner) {
        smtp_free(s->inner);
        free(s->inner);
    }
    free(s);
}
