/* SMTP events -> session record facts. */
#include <string.h>

#include "session_internal.h"

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

/* The first space-separated word of p[0..n). */
static size_t word(const uint8_t **p, size_t n)
{
    while (n > 0 && (**p == ' ' || **p == '\t')) {
        (*p)++;
        n--;
    }
    size_t w = 0;
    while (w < n && (*p)[w] != ' ' && (*p)[w] != '\t')
        w++;
    return w;
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* RFC 5321 4.1.2: "FROM:" or "TO:", then a Path: "<" [ A-d-l ":" ] Mailbox
 * ">" with Mailbox = Local-part "@" Domain (or an address literal), or "<>".
 * Spaces after the colon and missing brackets are read as servers do. The
 * domain is the part after the mailbox's "@"; the local part is never kept. */
static bool path_domain(const uint8_t *arg, size_t n, const char *kw, const uint8_t **dom,
                        size_t *dlen)
{
    size_t i = 0, k = strlen(kw);
    while (i < n && arg[i] == ' ')
        i++;
    if (n - i < k)
        return false;
    for (size_t j = 0; j < k; j++)
        if (lower(arg[i + j]) != (uint8_t)kw[j])
            return false;
    i += k;
    while (i < n && arg[i] == ' ')
        i++;
    bool bracket = i < n && arg[i] == '<';
    i += bracket;
    size_t end = i;
    while (end < n && arg[end] != (bracket ? '>' : ' '))
        end++;
    if (i < end && arg[i] == '@') { /* a source route, "@a,@b:": the mailbox follows */
        while (i < end && arg[i] != ':')
            i++;
        i++;
    }
    size_t at = end;
    for (size_t j = i; j < end; j++)
        if (arg[j] == '@')
            at = j;
    if (at >= end || at + 1 == end)
        return false;
    *dom = arg + at + 1;
    *dlen = end - at - 1;
    return true;
}

static void keep_domain(char *dst, size_t cap, const uint8_t *d, size_t n)
{
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)lower(d[i]);
    dst[n] = '\0';
}

static void rcpt_domain(struct session_record *r, const uint8_t *d, size_t n)
{
    char dom[LIMIT_DOMAIN + 1];
    keep_domain(dom, sizeof dom, d, n);
    size_t used = 0;
    for (unsigned i = 0; i < r->nrcpt_domains; i++) {
        if (strcmp(r->rcpt_domains + used, dom) == 0)
            return;
        used += strlen(r->rcpt_domains + used) + 1;
    }
    size_t len = strlen(dom) + 1;
    if (used + len > sizeof r->rcpt_domains || r->nrcpt_domains == UINT8_MAX) {
        if (r->rcpt_domains_dropped < UINT8_MAX)
            r->rcpt_domains_dropped++;
        return;
    }
    memcpy(r->rcpt_domains + used, dom, len);
    r->nrcpt_domains++;
}

static void envelope_domain(struct session *s, enum smtp_verb v, const uint8_t *arg, size_t n)
{
    struct session_record *r = &s->rec;
    const uint8_t *d;
    size_t dlen;
    if (s->no_domains)
        return;
    if (v == SMTP_VERB_MAIL && !r->mail_from_domain[0] && path_domain(arg, n, "from:", &d, &dlen))
        keep_domain(r->mail_from_domain, sizeof r->mail_from_domain, d, dlen);
    else if (v == SMTP_VERB_RCPT && path_domain(arg, n, "to:", &d, &dlen))
        rcpt_domain(r, d, dlen);
}

static void on_command(void *ctx, enum smtp_verb v, const uint8_t *arg, size_t arglen)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    if (v == SMTP_VERB_OTHER) {
        r->unknown_commands++;
        return;
    }
    r->commands++;
    add_unique(r->verbs, &r->nverbs, LIMIT_SMTP_VERBS, (uint8_t)v);
    int leak = leak_of(v);
    if (leak >= 0)
        add_unique(r->leaked, &r->nleaked, SESSION_LEAK_COUNT, (uint8_t)leak);
    if ((v == SMTP_VERB_HELO || v == SMTP_VERB_EHLO || v == SMTP_VERB_LHLO) && !r->has_helo) {
        size_t w = word(&arg, arglen);
        session_copy_text(r->helo, sizeof r->helo, arg, w);
        r->has_helo = true;
    }
    if (v == SMTP_VERB_AUTH && !r->auth_mechanism[0]) {
        size_t w = word(&arg, arglen);
        session_copy_text(r->auth_mechanism, sizeof r->auth_mechanism, arg, w);
        for (char *c = r->auth_mechanism; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 32);
    }
    if (v == SMTP_VERB_STARTTLS)
        session_step_simple(s, EV_STARTTLS, SIDE_CLIENT);
    if (v == SMTP_VERB_MAIL || v == SMTP_VERB_RCPT)
        envelope_domain(s, v, arg, arglen);
    if (v == SMTP_VERB_HELO || v == SMTP_VERB_EHLO || v == SMTP_VERB_LHLO || v == SMTP_VERB_MAIL ||
        v == SMTP_VERB_RCPT)
        s->smtp_specific = true;
}

static bool upper_eq(const uint8_t *t, size_t n, const char *kw)
{
    size_t k = strlen(kw);
    if (n != k)
        return false;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = t[i] >= 'a' && t[i] <= 'z' ? (uint8_t)(t[i] - 32) : t[i];
        if (c != (uint8_t)kw[i])
            return false;
    }
    return true;
}

/* A keyword where STARTTLS would be, bent by a middlebox: eight characters,
 * mostly 'X' (Cisco's "XXXXXXXA"), or within two letters of STARTTLS
 * ("STARTTLX"). */
static bool looks_stripped(const uint8_t *t, size_t n)
{
    static const char kw[] = "STARTTLS";
    if (n != 8 || upper_eq(t, n, kw))
        return false;
    unsigned xs = 0, diff = 0;
    for (size_t i = 0; i < 8; i++) {
        uint8_t c = t[i] >= 'a' && t[i] <= 'z' ? (uint8_t)(t[i] - 32) : t[i];
        xs += c == 'X';
        diff += c != (uint8_t)kw[i];
    }
    return xs >= 6 || diff <= 2;
}

static void capability(struct session *s, const uint8_t *text, size_t n)
{
    struct session_record *r = &s->rec;
    const uint8_t *kw = text;
    size_t w = word(&kw, n);
    size_t rest = n - (size_t)(kw - text) - w;
    /* "AUTH=LOGIN" is the pre-RFC 4954 spelling of "AUTH LOGIN". */
    size_t base = w;
    for (size_t i = 0; i < w; i++)
        if (kw[i] == '=') {
            base = i;
            break;
        }
    if (upper_eq(kw, w, "STARTTLS"))
        s->offered = true;
    else if (looks_stripped(kw, w))
        r->strip_marks = true;
    if (upper_eq(kw, base, "AUTH") && !r->auth_offered[0]) {
        const uint8_t *mech = base < w ? kw + base + 1 : kw + w;
        size_t mlen = base < w ? (w - base - 1) + rest : rest;
        while (mlen > 0 && *mech == ' ') {
            mech++;
            mlen--;
        }
        session_copy_text(r->auth_offered, sizeof r->auth_offered, mech, mlen);
    }
    if (r->ncaps >= LIMIT_SMTP_CAPS || base == 0)
        return;
    char name[sizeof r->caps[0]];
    size_t k = base < sizeof name - 1 ? base : sizeof name - 1;
    for (size_t i = 0; i < k; i++)
        name[i] = (char)(kw[i] >= 'a' && kw[i] <= 'z' ? kw[i] - 32 : kw[i]);
    name[k] = '\0';
    for (unsigned i = 0; i < r->ncaps; i++)
        if (strcmp(r->caps[i], name) == 0)
            return;
    session_copy_text(r->caps[r->ncaps++], sizeof r->caps[0], (const uint8_t *)name, k);
}

static void on_reply(void *ctx, enum smtp_verb to, unsigned code, unsigned index, bool last,
                     const uint8_t *text, size_t textlen)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    bool ok = code >= 200 && code < 300;
    if (to == SMTP_VERB_NONE && index == 0 && r->greeting_code == 0) {
        r->greeting_code = (uint16_t)code;
        const uint8_t *host = text;
        size_t w = word(&host, textlen);
        session_copy_text(r->greeting_host, sizeof r->greeting_host, host, w);
    }
    bool hello = to == SMTP_VERB_EHLO || to == SMTP_VERB_LHLO || to == SMTP_VERB_HELO;
    if (hello && code == 250 && index == 0 && !r->ehlo_host[0]) {
        const uint8_t *host = text;
        size_t w = word(&host, textlen);
        session_copy_text(r->ehlo_host, sizeof r->ehlo_host, host, w);
    }
    if ((to == SMTP_VERB_EHLO || to == SMTP_VERB_LHLO) && code == 250 && index > 0)
        capability(s, text, textlen);
    if ((to == SMTP_VERB_EHLO || to == SMTP_VERB_LHLO || to == SMTP_VERB_HELO) && last)
        s->ehlo_reply_seen = true; /* seen without STARTTLS, unless a line said it */
    if (!last)
        return;
    switch (to) {
    case SMTP_VERB_STARTTLS: {
        struct session_event e = {EV_STARTTLS_REPLY, SIDE_SERVER, code, text, textlen};
        session_step(s, &e);
        break;
    }
    case SMTP_VERB_RCPT:
        if (ok)
            r->rcpt_accepted++;
        else if (code >= 400)
            r->rcpt_rejected++;
        break;
    case SMTP_VERB_EOM:
    case SMTP_VERB_BDAT_LAST:
        r->messages += ok;
        break;
    default:
        break;
    }
}

static void on_smtp_anomaly(void *ctx, enum anomaly a)
{
    struct session *s = ctx;
    if (a == ANOMALY_SMTP_CMD_AFTER_STARTTLS)
        s->rec.client_injection = true;
    else if (a == ANOMALY_SMTP_REPLY_AFTER_STARTTLS)
        s->rec.server_injection = true;
    else if (a == ANOMALY_SMTP_PLAINTEXT_AFTER_STARTTLS)
        session_step_simple(s, EV_CLEAR_AFTER_2XX, SIDE_CLIENT);
    session_count_anomaly(s, a);
}

/* Only the first byte, whatever the chunk holds: the same answer however
 * the stream was cut. */
static bool tls_may_start(uint8_t b)
{
    struct tls_header h;
    return tls_header_check(&b, 1, &h) != TLS_LOOK_NO;
}

const struct smtp_events session_smtp_events = {on_command, on_reply, on_smtp_anomaly,
                                                tls_may_start};
