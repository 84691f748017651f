#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "tls.h"

enum side_mode {
    SIDE_UNDECIDED, /* no byte seen yet */
    SIDE_SMTP,
    SIDE_TLS,
    SIDE_DONE, /* nothing more is wanted */
};

struct session {
    struct session_record rec;
    struct smtp smtp;
    struct tls tls;
    uint8_t side[2];
    uint8_t sniff[2][4]; /* first bytes of a side, while too few to decide */
    uint8_t sniff_len[2];
    bool tls_from_start[2]; /* the side began with TLS */
    bool midstream[2];      /* the side's first bytes were not its first */
    bool implicit_port;
    bool smtp_seen;     /* a known command or a well-formed reply */
    bool smtp_specific; /* a command only SMTP has (not FTP's QUIT or NOOP) */
    bool client_bytes, server_bytes;
    bool starttls_sent;
    bool starttls_accepted;
    bool ehlo_reply_seen, offered;
    bool fatal_alert;
    bool server_hello;
    uint32_t enc_records[2];
    bool server_enc_after_client;
};

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

const char *session_version_name(uint16_t version, char *buf, size_t len)
{
    return tls_version_name(version, buf, len);
}

const char *session_alert_name(uint8_t desc)
{
    return tls_alert_name(desc);
}

static void count_anomaly(struct session *s, enum anomaly a)
{
    if ((unsigned)a < ANOMALY_COUNT && s->rec.anomalies[a] < UINT32_MAX)
        s->rec.anomalies[a]++;
}

/* ---- SMTP events ---- */

static int leak_of(enum smtp_verb v)
{
    switch (v) {
    case SMTP_VERB_MAIL:
        return SESSION_LEAK_MAIL;
    case SMTP_VERB_RCPT:
        return SESSION_LEAK_RCPT;
    case SMTP_VERB_DATA:
        return SESSION_LEAK_DATA;
    case SMTP_VERB_BDAT:
        return SESSION_LEAK_BDAT;
    case SMTP_VERB_AUTH:
        return SESSION_LEAK_AUTH;
    default:
        return -1;
    }
}

static void add_unique(uint8_t *list, uint8_t *n, size_t cap, uint8_t v)
{
    for (uint8_t i = 0; i < *n; i++)
        if (list[i] == v)
            return;
    if (*n < cap)
        list[(*n)++] = v;
}

static void copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

static void on_command(void *ctx, enum smtp_verb v, const uint8_t *arg, size_t arglen)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    if (v == SMTP_VERB_OTHER) {
        r->unknown_commands++;
        return;
    }
    s->smtp_seen = true;
    r->commands++;
    add_unique(r->verbs, &r->nverbs, LIMIT_SMTP_VERBS, (uint8_t)v);
    int leak = leak_of(v);
    if (leak >= 0)
        add_unique(r->leaked, &r->nleaked, SESSION_LEAK_COUNT, (uint8_t)leak);
    if ((v == SMTP_VERB_HELO || v == SMTP_VERB_EHLO || v == SMTP_VERB_LHLO) && !r->has_helo) {
        while (arglen > 0 && arg[0] == ' ') {
            arg++;
            arglen--;
        }
        size_t w = 0;
        while (w < arglen && arg[w] != ' ')
            w++;
        copy_text(r->helo, sizeof r->helo, arg, w);
        r->has_helo = true;
    }
    if (v == SMTP_VERB_STARTTLS)
        s->starttls_sent = true;
    if (v == SMTP_VERB_HELO || v == SMTP_VERB_EHLO || v == SMTP_VERB_LHLO || v == SMTP_VERB_MAIL ||
        v == SMTP_VERB_RCPT)
        s->smtp_specific = true;
}

/* Is the capability line keyword STARTTLS? (RFC 3207; case-insensitive) */
static bool is_starttls_keyword(const uint8_t *t, size_t n)
{
    static const char kw[] = "STARTTLS";
    if (n < 8 || (n > 8 && t[8] != ' '))
        return false;
    for (size_t i = 0; i < 8; i++) {
        uint8_t c = t[i] >= 'a' && t[i] <= 'z' ? (uint8_t)(t[i] - 32) : t[i];
        if (c != (uint8_t)kw[i])
            return false;
    }
    return true;
}

static void on_reply(void *ctx, enum smtp_verb to, unsigned code, unsigned index, bool last,
                     const uint8_t *text, size_t textlen)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    s->smtp_seen = true;
    if (to == SMTP_VERB_NONE && index == 0 && r->greeting_code == 0)
        r->greeting_code = (uint16_t)code;
    if ((to == SMTP_VERB_EHLO || to == SMTP_VERB_LHLO) && code == 250 && index > 0 &&
        is_starttls_keyword(text, textlen))
        s->offered = true;
    if ((to == SMTP_VERB_EHLO || to == SMTP_VERB_LHLO || to == SMTP_VERB_HELO) && last)
        s->ehlo_reply_seen = true; /* seen without STARTTLS, unless a line said it */
    if (to == SMTP_VERB_STARTTLS && last && r->starttls_reply == 0) {
        r->starttls_reply = (uint16_t)code;
        s->starttls_accepted = code >= 200 && code < 300;
    }
}

static void on_smtp_anomaly(void *ctx, enum anomaly a)
{
    count_anomaly(ctx, a);
}

static const struct smtp_events smtp_ev = {on_command, on_reply, on_smtp_anomaly};

/* ---- TLS events ---- */

static void on_client_hello(void *ctx, const struct tls_client_hello *ch)
{
    (void)ctx;
    (void)ch;
}

static void on_server_hello(void *ctx, const struct tls_server_hello *sh)
{
    struct session *s = ctx;
    if (sh->hrr) {
        s->rec.hrr = true;
        return;
    }
    s->server_hello = true;
    s->rec.tls_version = sh->version;
    if (sh->sslv2) {
        s->rec.sslv2_cipher = sh->sslv2_cipher;
        s->rec.cipher = -1;
    } else {
        s->rec.cipher = sh->cipher;
    }
}

static bool established(const struct session *s)
{
    /* Encrypted records both ways, and the client's first one was no lone
     * alert: it sent another, or the server went on after it. */
    return !s->fatal_alert && s->enc_records[SESSION_CLIENT] > 0 &&
           s->enc_records[SESSION_SERVER] > 0 &&
           (s->enc_records[SESSION_CLIENT] > 1 || s->server_enc_after_client);
}

static void on_alert(void *ctx, int dir, uint8_t level, uint8_t desc)
{
    struct session *s = ctx;
    (void)dir;
    if (s->rec.alert_level == 0) {
        s->rec.alert_level = level;
        s->rec.alert_desc = desc;
    }
    if (level == 2 && !established(s))
        s->fatal_alert = true;
}

static void on_record(void *ctx, int dir, uint8_t type, bool encrypted, uint32_t len)
{
    struct session *s = ctx;
    (void)type;
    (void)len;
    if (!encrypted)
        return;
    s->enc_records[dir]++;
    if (dir == SESSION_SERVER && s->enc_records[SESSION_CLIENT] > 0)
        s->server_enc_after_client = true;
}

static void on_tls_anomaly(void *ctx, int dir, enum anomaly a)
{
    (void)dir;
    count_anomaly(ctx, a);
}

static const struct tls_events tls_ev = {on_client_hello, on_server_hello, on_alert, on_record,
                                         on_tls_anomaly};

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
    r->cipher = -1;
    s->implicit_port = st->implicit_port;
    s->midstream[0] = s->midstream[1] = !st->syn_seen;
    smtp_init(&s->smtp, st->syn_seen);
    tls_init(&s->tls);
    tls_set_budget(&s->tls, st->tls_budget);
    return s;
}

static void to_tls(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    s->side[side] = SIDE_TLS;
    tls_feed(&s->tls, side, p, n, &tls_ev, s);
    if (established(s)) {
        /* Nothing more to learn from either side: let the buffers go. */
        s->side[SESSION_CLIENT] = s->side[SESSION_SERVER] = SIDE_DONE;
        tls_free(&s->tls);
        smtp_free(&s->smtp);
        *stop = true;
    }
}

/* The first bytes of a side decide: TLS from byte 0, or SMTP. Mid-stream
 * (no SYN), any record type counts; from the start only a hello does. */
static int decide(struct session *s, int side, const uint8_t *p, size_t n)
{
    bool known;
    bool hello = tls_looks_like_hello(p, n, &known);
    if (!known)
        return SIDE_UNDECIDED;
    if (hello)
        return SIDE_TLS;
    if (s->midstream[side] && n >= 3 && p[0] >= TLS_CT_CHANGE_CIPHER_SPEC &&
        p[0] <= TLS_CT_APPLICATION_DATA && p[1] == 3 && p[2] <= 4)
        return SIDE_TLS;
    return SIDE_SMTP;
}

static void feed(struct session *s, int side, const uint8_t *p, size_t n, bool *stop)
{
    while (n > 0) {
        switch (s->side[side]) {
        case SIDE_UNDECIDED: {
            uint8_t buf[sizeof s->sniff[0]];
            size_t have = s->sniff_len[side];
            size_t k = sizeof buf - have < n ? sizeof buf - have : n;
            memcpy(buf, s->sniff[side], have);
            memcpy(buf + have, p, k);
            int m = decide(s, side, buf, have + k);
            if (m == SIDE_UNDECIDED) {
                memcpy(s->sniff[side] + have, p, k);
                s->sniff_len[side] = (uint8_t)(have + k);
                return;
            }
            s->side[side] = (uint8_t)m;
            s->tls_from_start[side] = m == SIDE_TLS;
            s->sniff_len[side] = 0;
            if (have > 0)
                feed(s, side, s->sniff[side], have, stop);
            continue;
        }
        case SIDE_SMTP: {
            bool tls;
            size_t used = smtp_feed(&s->smtp, side, p, n, &smtp_ev, s, &tls);
            p += used;
            n -= used;
            if (tls)
                s->side[side] = SIDE_TLS;
            continue;
        }
        case SIDE_TLS:
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
    if (side == SESSION_CLIENT)
        s->client_bytes = true;
    else
        s->server_bytes = true;
    feed(s, side, p, n, stop);
}

void session_gap(struct session *s, int side, uint64_t n)
{
    s->rec.gaps++;
    s->rec.gap_bytes += n;
    count_anomaly(s, ANOMALY_REASM_GAP);
    switch (s->side[side]) {
    case SIDE_SMTP:
        smtp_gap(&s->smtp, side, n, &smtp_ev, s);
        break;
    case SIDE_TLS:
        tls_gap(&s->tls, side, n);
        break;
    case SIDE_UNDECIDED:
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
    bool est = established(s);
    if (s->tls_from_start[SESSION_CLIENT]) {
        if (s->rec.syn_seen)
            return est ? SESSION_IMPLICIT_TLS : SESSION_IMPLICIT_TLS_FAILED;
        /* Joined mid-stream: whatever came before TLS is not in the capture;
         * the port tells implicit TLS from an earlier STARTTLS. */
        bool implicit = s->implicit_port;
        if (est)
            return implicit ? SESSION_IMPLICIT_TLS : SESSION_STARTTLS;
        if (s->server_hello || s->tls_from_start[SESSION_SERVER])
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

void session_finish(struct session *s, const uint64_t packets[2], const uint64_t bytes[2],
                    uint64_t end_us, enum session_end end, struct session_record *out)
{
    struct session_record *r = &s->rec;
    r->end_us = end_us;
    r->end = (uint8_t)end;
    r->packets[0] = packets[0];
    r->packets[1] = packets[1];
    r->bytes[0] = bytes[0];
    r->bytes[1] = bytes[1];
    r->starttls_offered = s->offered           ? SESSION_TRUE
                          : s->ehlo_reply_seen ? SESSION_FALSE
                                               : SESSION_NULL;
    r->mode = (uint8_t)decide_mode(s);
    *out = *r;
    smtp_free(&s->smtp);
    tls_free(&s->tls);
    free(s);
}
