#include "recorder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rec_init(struct recorder *r)
{
    memset(r, 0, sizeof *r);
    tb_init(&r->stream[0]);
    tb_init(&r->stream[1]);
    r->data_dir = -1;
}

void rec_free(struct recorder *r)
{
    free(r->text);
    tb_free(&r->stream[0]);
    tb_free(&r->stream[1]);
    memset(r, 0, sizeof *r);
    r->data_dir = -1;
}

void rec_reset(struct recorder *r)
{
    rec_free(r);
    rec_init(r);
}

static void append(struct recorder *r, const char *s, size_t n)
{
    if (r->len + n + 1u > r->cap) {
        size_t cap = r->cap ? r->cap : 1024u;
        while (cap < r->len + n + 1u)
            cap *= 2u;
        char *nt = realloc(r->text, cap);
        if (!nt) {
            fprintf(stderr, "recorder: out of memory\n");
            abort();
        }
        r->text = nt;
        r->cap = cap;
    }
    memcpy(r->text + r->len, s, n);
    r->len += n;
    r->text[r->len] = '\0';
}

static void flush_data(struct recorder *r)
{
    if (r->data_dir < 0)
        return;
    char line[64];
    int k =
        snprintf(line, sizeof line, "DATA %d %llu\n", r->data_dir, (unsigned long long)r->data_n);
    r->data_dir = -1;
    r->data_n = 0;
    append(r, line, (size_t)k);
}

void rec_printf(struct recorder *r, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    flush_data(r);
    va_start(ap, fmt);
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    append(r, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1u);
}

void rec_escaped(struct recorder *r, const uint8_t *p, size_t n)
{
    flush_data(r);
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\') {
            append(r, (const char *)&p[i], 1);
        } else {
            char e[8];
            int k = snprintf(e, sizeof e, "\\x%02X", p[i]);
            append(r, e, (size_t)k);
        }
    }
}

const char *rec_text(struct recorder *r)
{
    flush_data(r);
    if (!r->text)
        append(r, "", 0);
    return r->text;
}

bool rec_has_line(struct recorder *r, const char *line)
{
    const char *t = rec_text(r);
    size_t n = strlen(line);
    for (const char *s = t; (s = strstr(s, line)) != NULL; s++) {
        if ((s == t || s[-1] == '\n') && (s[n] == '\n' || s[n] == '\0'))
            return true;
    }
    return false;
}

static void note_anomaly(struct recorder *r, enum anomaly a)
{
    if ((unsigned)a < ANOMALY_COUNT)
        r->anomalies[a]++;
}

/* ---- SMTP ---- */

static void smtp_command(void *ctx, enum smtp_verb v, const uint8_t *arg, size_t arglen)
{
    struct recorder *r = ctx;
    r->events++;
    rec_printf(r, "CMD %s ", smtp_verb_name(v));
    rec_escaped(r, arg, arglen);
    rec_printf(r, "\n");
}

static void smtp_reply(void *ctx, enum smtp_verb to, unsigned code, unsigned index, bool last,
                       const uint8_t *text, size_t textlen)
{
    struct recorder *r = ctx;
    r->events++;
    rec_printf(r, "REP %s %u %u %s ", to == SMTP_VERB_NONE ? "-" : smtp_verb_name(to), code, index,
               last ? "last" : "more");
    rec_escaped(r, text, textlen);
    rec_printf(r, "\n");
}

static void smtp_anomaly(void *ctx, enum anomaly a)
{
    struct recorder *r = ctx;
    r->events++;
    note_anomaly(r, a);
    rec_printf(r, "ANOM %s\n", anomaly_name(a));
}

/* As the session answers: the TLS decoder's judgement of the first byte. */
static bool smtp_tls_may_start(uint8_t b)
{
    struct tls_header h;
    return tls_header_check(&b, 1, &h) != TLS_LOOK_NO;
}

const struct smtp_events rec_smtp_events = {
    .command = smtp_command,
    .reply = smtp_reply,
    .anomaly = smtp_anomaly,
    .tls_may_start = smtp_tls_may_start,
};

/* ---- TLS ---- */

static char side(int dir)
{
    return dir == SIDE_CLIENT ? 'c' : 's';
}

static void tls_client_hello(void *ctx, const struct tls_client_hello *ch)
{
    struct recorder *r = ctx;
    r->events++;
    rec_printf(r, "CH legacy=%04x v2=%d suites=", ch->legacy_version, ch->sslv2_format);
    struct cur s = ch->suites;
    bool first = true;
    while (!cur_empty(&s)) {
        if (ch->sslv2_format) {
            uint32_t k;
            if (!cur_u24(&s, &k))
                break;
            rec_printf(r, "%s%06x", first ? "" : ",", (unsigned)k);
        } else {
            uint16_t k;
            if (!cur_u16(&s, &k))
                break;
            rec_printf(r, "%s%04x", first ? "" : ",", k);
        }
        first = false;
    }
    rec_printf(r, " versions=");
    struct cur v = ch->versions;
    first = true;
    while (cur_left(&v) >= 2) {
        uint16_t k;
        cur_u16(&v, &k);
        rec_printf(r, "%s%04x", first ? "" : ",", k);
        first = false;
    }
    if (cur_left(&v) == 1)
        rec_printf(r, "%s+odd", first ? "" : ",");
    rec_printf(r, " sni=");
    if (ch->sni)
        rec_escaped(r, ch->sni, ch->sni_len);
    else
        rec_printf(r, "-");
    rec_printf(r, "\n");
}

static void tls_server_hello(void *ctx, const struct tls_server_hello *sh)
{
    struct recorder *r = ctx;
    r->events++;
    rec_printf(r, "SH legacy=%04x version=%04x cipher=%04x hrr=%d v2=%d v2cipher=%06x\n",
               sh->legacy_version, sh->version, sh->cipher, sh->hrr, sh->sslv2,
               (unsigned)sh->sslv2_cipher);
}

static void tls_alert(void *ctx, int dir, uint8_t level, uint8_t desc)
{
    struct recorder *r = ctx;
    r->events++;
    rec_printf(r, "ALERT %c %u %u\n", side(dir), level, desc);
}

static void tls_record(void *ctx, int dir, uint8_t type, bool encrypted, uint32_t len)
{
    struct recorder *r = ctx;
    r->events++;
    if (!r->skip_records)
        rec_printf(r, "REC %c %u %s %u\n", side(dir), type, encrypted ? "enc" : "clear",
                   (unsigned)len);
}

static void tls_anomaly(void *ctx, int dir, enum anomaly a)
{
    struct recorder *r = ctx;
    r->events++;
    note_anomaly(r, a);
    rec_printf(r, "ANOM %c %s\n", side(dir), anomaly_name(a));
}

const struct tls_events rec_tls_events = {
    .client_hello = tls_client_hello,
    .server_hello = tls_server_hello,
    .alert = tls_alert,
    .record = tls_record,
    .anomaly = tls_anomaly,
};

/* ---- reassembly ---- */

static void reasm_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    struct recorder *r = ctx;
    r->events++;
    if (r->data_dir != dir)
        flush_data(r);
    r->data_dir = dir;
    r->data_n += n;
    tb_put(&r->stream[dir & 1], p, n);
}

static void reasm_gap(void *ctx, int dir, uint64_t n)
{
    struct recorder *r = ctx;
    r->events++;
    r->gap_bytes[dir & 1] += n;
    rec_printf(r, "GAP %d %llu\n", dir, (unsigned long long)n);
}

/* Counted, not written: the recording stays the byte sequence. */
static void reasm_anomaly(void *ctx, int dir, enum anomaly a)
{
    (void)dir;
    note_anomaly(ctx, a);
}

const struct reasm_sink rec_reasm_sink = {
    .data = reasm_data, .gap = reasm_gap, .anomaly = reasm_anomaly};
