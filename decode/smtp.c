#include "smtp.h"

#include <string.h>

struct verb_info {
    const char *name;
    uint8_t len;
};

/* The command vocabulary of RFC 5321 and its extensions (RFC 1870, 2920,
 * 3030 BDAT, 3207 STARTTLS, 4954 AUTH, 1985 ETRN, 2645 ATRN, 2033 LHLO), plus
 * Postfix's XCLIENT/XFORWARD. Indexed by enum smtp_verb. */
static const struct verb_info verbs[SMTP_VERB_COUNT] = {
    [SMTP_VERB_NONE] = {"", 0},
    [SMTP_VERB_OTHER] = {"OTHER", 5},
    [SMTP_VERB_HELO] = {"HELO", 4},
    [SMTP_VERB_EHLO] = {"EHLO", 4},
    [SMTP_VERB_LHLO] = {"LHLO", 4},
    [SMTP_VERB_MAIL] = {"MAIL", 4},
    [SMTP_VERB_RCPT] = {"RCPT", 4},
    [SMTP_VERB_DATA] = {"DATA", 4},
    [SMTP_VERB_BDAT] = {"BDAT", 4},
    [SMTP_VERB_RSET] = {"RSET", 4},
    [SMTP_VERB_VRFY] = {"VRFY", 4},
    [SMTP_VERB_EXPN] = {"EXPN", 4},
    [SMTP_VERB_HELP] = {"HELP", 4},
    [SMTP_VERB_NOOP] = {"NOOP", 4},
    [SMTP_VERB_QUIT] = {"QUIT", 4},
    [SMTP_VERB_AUTH] = {"AUTH", 4},
    [SMTP_VERB_STARTTLS] = {"STARTTLS", 8},
    [SMTP_VERB_ETRN] = {"ETRN", 4},
    [SMTP_VERB_ATRN] = {"ATRN", 4},
    [SMTP_VERB_TURN] = {"TURN", 4},
    [SMTP_VERB_SEND] = {"SEND", 4},
    [SMTP_VERB_SOML] = {"SOML", 4},
    [SMTP_VERB_SAML] = {"SAML", 4},
    [SMTP_VERB_XCLIENT] = {"XCLIENT", 7},
    [SMTP_VERB_XFORWARD] = {"XFORWARD", 8},
    [SMTP_VERB_EOM] = {"<end-of-data>", 13},
    [SMTP_VERB_BDAT_LAST] = {"BDAT", 4},
};

const char *smtp_verb_name(enum smtp_verb v)
{
    return (unsigned)v < SMTP_VERB_COUNT ? verbs[v].name : "";
}

static uint8_t upper(uint8_t c)
{
    return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* The verb is the first word (letters only); the argument follows one space. */
static enum smtp_verb parse_verb(const uint8_t *p, size_t n, size_t *arg_off)
{
    size_t w = 0;
    while (w < n && w < 12 && ((p[w] >= 'A' && p[w] <= 'Z') || (p[w] >= 'a' && p[w] <= 'z')))
        w++;
    if (w == 0 || (w < n && p[w] != ' ' && p[w] != '\t'))
        return SMTP_VERB_OTHER;
    *arg_off = w < n ? w + 1u : w;
    for (unsigned v = SMTP_VERB_HELO; v < SMTP_VERB_EOM; v++) {
        if (verbs[v].len != w)
            continue;
        size_t i = 0;
        while (i < w && upper(p[i]) == (uint8_t)verbs[v].name[i])
            i++;
        if (i == w)
            return (enum smtp_verb)v;
    }
    return SMTP_VERB_OTHER;
}

static void push(struct smtp *s, enum smtp_verb v, const struct smtp_events *ev, void *ctx)
{
    if (s->pending_count >= LIMIT_SMTP_PENDING_CMDS) {
        ev->anomaly(ctx, ANOMALY_SMTP_PIPELINE_CAP);
        return;
    }
    s->pending[(s->pending_head + s->pending_count) % LIMIT_SMTP_PENDING_CMDS] = (uint8_t)v;
    s->pending_count++;
}

static enum smtp_verb head(const struct smtp *s)
{
    return s->pending_count ? (enum smtp_verb)s->pending[s->pending_head] : SMTP_VERB_NONE;
}

static void pop(struct smtp *s)
{
    if (!s->pending_count)
        return;
    s->pending_head = (uint16_t)((s->pending_head + 1u) % LIMIT_SMTP_PENDING_CMDS);
    s->pending_count--;
}

/* "BDAT <size> [LAST]": the chunk size and the LAST flag. */
static void parse_bdat(struct smtp *s, const uint8_t *arg, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    while (i < n && arg[i] == ' ')
        i++;
    while (i < n && is_digit(arg[i]) && size < (1ull << 40))
        size = size * 10u + (uint64_t)(arg[i++] - '0');
    while (i < n && arg[i] == ' ')
        i++;
    s->bdat_last = n - i >= 4 && upper(arg[i]) == 'L' && upper(arg[i + 1]) == 'A' &&
                   upper(arg[i + 2]) == 'S' && upper(arg[i + 3]) == 'T';
    s->bdat_left = size;
}

/* A line over the cap is counted once, as soon as it overflows (a line
 * that never ends, a 10 MB reply, is counted too). */
static void count_overlong(struct line_buf *lb, const struct line_view *l,
                           const struct smtp_events *ev, void *ctx)
{
    if ((lb->overlong && !lb->told) || (l && l->truncated && !l->cut && !l->told)) {
        ev->anomaly(ctx, ANOMALY_SMTP_LINE_TOO_LONG);
        lb->told = lb->overlong;
    }
}

/* RFC 4954 SASL responses are base64 (or "*" to cancel). */
static bool is_sasl_response(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
              c == '/' || c == '=' || c == '*'))
            return false;
    }
    return true;
}

/* Binary bytes glued before a command (a tunnel's handshake, say) without a
 * line end of their own: the command after the last control byte. */
static enum smtp_verb verb_after_binary(const struct line_view *l, struct line_view *rest,
                                        size_t *arg_off)
{
    size_t i = l->len;
    while (i > 0 && l->p[i - 1] >= 0x20 && l->p[i - 1] < 0x7F)
        i--;
    if (i == 0 || i == l->len)
        return SMTP_VERB_OTHER;
    rest->p = l->p + i;
    rest->len = l->len - i;
    rest->truncated = l->truncated;
    rest->cut = l->cut;
    return parse_verb(rest->p, rest->len, arg_off);
}

static void client_line(struct smtp *s, const struct line_view *line, const struct smtp_events *ev,
                        void *ctx)
{
    size_t arg_off = 0;
    const struct line_view *l = line;
    struct line_view rest;
    enum smtp_verb v = parse_verb(l->p, l->len, &arg_off);
    if (v == SMTP_VERB_OTHER) {
        size_t off2 = 0;
        enum smtp_verb v2 = verb_after_binary(line, &rest, &off2);
        if (v2 != SMTP_VERB_OTHER) {
            ev->anomaly(ctx, ANOMALY_SMTP_UNKNOWN_COMMAND);
            l = &rest;
            v = v2;
            arg_off = off2;
        }
    }
    if (s->cstate == SMTP_C_SASL) {
        /* A SASL response is never reported nor kept. A line that cannot be
         * one but is a command means the end of the exchange was not seen. */
        if (is_sasl_response(l->p, l->len) || v == SMTP_VERB_OTHER)
            return;
        s->cstate = SMTP_C_COMMAND;
        if (head(s) == SMTP_VERB_AUTH)
            pop(s);
    }
    if (v == SMTP_VERB_OTHER)
        ev->anomaly(ctx, ANOMALY_SMTP_UNKNOWN_COMMAND);
    if (s->cstate == SMTP_C_STARTTLS_SENT) {
        ev->anomaly(ctx, ANOMALY_SMTP_CMD_AFTER_STARTTLS);
    } else if (s->cstate == SMTP_C_TLS_EXPECTED) {
        ev->anomaly(ctx, ANOMALY_SMTP_PLAINTEXT_AFTER_STARTTLS);
        s->cstate = SMTP_C_COMMAND; /* plaintext goes on after a 2xx to STARTTLS */
    }
    ev->command(ctx, v, l->p + arg_off, l->len - arg_off);
    if (v == SMTP_VERB_BDAT)
        parse_bdat(s, l->p + arg_off, l->len - arg_off);
    push(s, v == SMTP_VERB_BDAT && s->bdat_last ? SMTP_VERB_BDAT_LAST : v, ev, ctx);
    if (s->cstate == SMTP_C_STARTTLS_SENT)
        return;
    switch (v) {
    case SMTP_VERB_DATA:
        s->cstate = SMTP_C_DATA_SENT;
        break;
    case SMTP_VERB_BDAT:
        s->cstate = s->bdat_left ? SMTP_C_BDAT : SMTP_C_COMMAND;
        break;
    case SMTP_VERB_AUTH:
        s->cstate = SMTP_C_SASL;
        break;
    case SMTP_VERB_STARTTLS:
        s->cstate = SMTP_C_STARTTLS_SENT;
        break;
    default:
        break;
    }
}

/* Skip a DATA body up to and including the line ".", CRLF or bare LF.
 * The end can only be a dot at a line start, so the scan jumps from dot to
 * dot: base64 attachments, most of a big message, hold none. body_match
 * carries a partial end across chunks: 1 at a line start, 2 after ".", 3
 * after ".\r" (both at a line start), 0 elsewhere. */
static size_t body_end(struct smtp *s, size_t at, const struct smtp_events *ev, void *ctx)
{
    s->body_match = 0;
    s->cstate = SMTP_C_COMMAND;
    push(s, SMTP_VERB_EOM, ev, ctx);
    return at;
}

static size_t body(struct smtp *s, const uint8_t *p, size_t n, const struct smtp_events *ev,
                   void *ctx)
{
    size_t i = 0;
    if (s->body_match == 1 && p[0] == '.') {
        s->body_match = 2;
        i = 1;
    }
    /* Finish an end that began in the previous chunk, a byte at a time. */
    while (i < n && (s->body_match == 2 || s->body_match == 3)) {
        if (p[i] == '\n')
            return body_end(s, i + 1, ev, ctx);
        s->body_match = s->body_match == 2 && p[i] == '\r' ? 3 : 0;
        i++;
    }
    if (i == n)
        return n;
    while (i < n) {
        const uint8_t *dot = memchr(p + i, '.', n - i);
        if (!dot)
            break;
        size_t k = (size_t)(dot - p);
        i = k + 1;
        if (k == 0 || p[k - 1] != '\n')
            continue;
        if (k + 1 == n) {
            s->body_match = 2;
            return n;
        }
        if (p[k + 1] == '\n')
            return body_end(s, k + 2, ev, ctx);
        if (p[k + 1] == '\r') {
            if (k + 2 == n) {
                s->body_match = 3;
                return n;
            }
            if (p[k + 2] == '\n')
                return body_end(s, k + 3, ev, ctx);
        }
    }
    s->body_match = p[n - 1] == '\n' ? 1 : 0;
    return n;
}

/* After a gap: do these bytes start a line? A known verb followed by a
 * space or the line end, or a reply code followed by ' ', '-' or the end. */
static bool looks_like_command(const uint8_t *p, size_t n)
{
    size_t off = 0;
    size_t w = 0;
    while (w < n && w < 12 && ((p[w] >= 'A' && p[w] <= 'Z') || (p[w] >= 'a' && p[w] <= 'z')))
        w++;
    if (w == n || (p[w] != ' ' && p[w] != '\r' && p[w] != '\n'))
        return false;
    enum smtp_verb v = parse_verb(p, w, &off);
    return v != SMTP_VERB_OTHER;
}

static bool looks_like_reply(const uint8_t *p, size_t n)
{
    return n >= 4 && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
           (p[3] == ' ' || p[3] == '-' || p[3] == '\r' || p[3] == '\n');
}

static size_t feed_client(struct smtp *s, const uint8_t *p, size_t n, const struct smtp_events *ev,
                          void *ctx, bool *to_tls)
{
    struct line_buf *lb = &s->line[SIDE_CLIENT];
    size_t i = 0;
    while (i < n) {
        switch (s->cstate) {
        case SMTP_C_DATA_SENT:
            s->cstate = SMTP_C_BODY; /* body pipelined ahead of the 354 */
            s->body_match = 1;
            continue;
        case SMTP_C_BODY:
            i += body(s, p + i, n - i, ev, ctx);
            continue;
        case SMTP_C_BDAT: {
            uint64_t take = s->bdat_left < n - i ? s->bdat_left : n - i;
            i += (size_t)take;
            s->bdat_left -= take;
            if (s->bdat_left == 0)
                s->cstate = SMTP_C_COMMAND;
            continue;
        }
        case SMTP_C_RESYNC: {
            s->cstate = SMTP_C_COMMAND;
            if (looks_like_command(p + i, n - i))
                continue;
            const uint8_t *lf = memchr(p + i, '\n', n - i);
            if (!lf) {
                s->cstate = SMTP_C_RESYNC;
                return n;
            }
            i = (size_t)(lf - p) + 1u;
            continue;
        }
        case SMTP_C_STARTTLS_SENT:
        case SMTP_C_TLS_EXPECTED:
            if (line_at_start(lb) && ev->tls_may_start(p[i])) {
                *to_tls = true;
                return i;
            }
            break;
        default:
            break;
        }
        struct line_view l;
        bool got;
        i += line_next(lb, p + i, n - i, &l, &got);
        count_overlong(lb, got ? &l : NULL, ev, ctx);
        if (got)
            client_line(s, &l, ev, ctx);
    }
    return n;
}

static void reply_line(struct smtp *s, const struct line_view *l, const struct smtp_events *ev,
                       void *ctx)
{
    const uint8_t *p = l->p;
    if (l->len < 3 || !is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) ||
        (l->len > 3 && p[3] != ' ' && p[3] != '-')) {
        ev->anomaly(ctx, ANOMALY_SMTP_BAD_REPLY);
        return;
    }
    unsigned code =
        (unsigned)(p[0] - '0') * 100u + (unsigned)(p[1] - '0') * 10u + (unsigned)(p[2] - '0');
    bool last = l->len == 3 || p[3] == ' ';
    size_t toff = l->len > 4 ? 4 : l->len;
    if (s->reply_cut) {
        s->reply_cut = false;
        if (code != s->reply_code) {
            /* The rest of the interrupted reply was in the gap: it answered
             * its command, whose outcome is not known. */
            if (s->greeting_seen)
                pop(s);
            s->greeting_seen = true;
            s->reply_code = 0;
            s->reply_lines = 0;
        }
    }
    if (s->reply_code && s->reply_code != code)
        ev->anomaly(ctx, ANOMALY_SMTP_BAD_REPLY);
    s->reply_code = (uint16_t)code;

    enum smtp_verb to;
    if (last && s->cstate == SMTP_C_BODY && s->body_gap && head(s) != SMTP_VERB_EOM &&
        (s->pending_count == 0 || head(s) == SMTP_VERB_DATA)) {
        /* The end of the body was in a gap; this is the reply to it. */
        if (head(s) == SMTP_VERB_DATA)
            pop(s);
        s->cstate = SMTP_C_COMMAND;
        s->body_gap = false;
        s->body_match = 0;
        push(s, SMTP_VERB_EOM, ev, ctx);
    }
    if (!s->greeting_seen && (s->pending_count == 0 || code == 220 || code == 421 || code == 554)) {
        to = SMTP_VERB_NONE;
    } else {
        to = head(s);
        if (to == SMTP_VERB_NONE && s->reply_lines == 0)
            ev->anomaly(ctx, ANOMALY_SMTP_REPLY_WITHOUT_COMMAND);
    }
    /* A continuation line cut short (by a gap or the length cap) would
     * report half a word, such as half a capability: its code is enough. */
    if (!(l->truncated && !last && s->reply_lines > 0))
        ev->reply(ctx, to, code, s->reply_lines, last, p + toff, l->len - toff);
    s->reply_lines++;
    if (!last)
        return;
    s->reply_code = 0;
    s->reply_lines = 0;
    s->greeting_seen = true; /* a greeting, or a reply: either way it is past */
    if (to == SMTP_VERB_NONE)
        return;
    if (to == SMTP_VERB_AUTH && code == 334)
        return; /* the SASL exchange goes on */
    pop(s);
    switch (to) {
    case SMTP_VERB_DATA:
        if (s->cstate == SMTP_C_DATA_SENT) { /* else the body is already under way */
            s->cstate = code == 354 ? SMTP_C_BODY : SMTP_C_COMMAND;
            s->body_match = 1;
        }
        break;
    case SMTP_VERB_AUTH:
        if (s->cstate == SMTP_C_SASL)
            s->cstate = SMTP_C_COMMAND;
        break;
    case SMTP_VERB_STARTTLS:
        if (code >= 200 && code < 300) {
            s->sstate = SMTP_S_TLS_EXPECTED;
            if (s->cstate == SMTP_C_STARTTLS_SENT)
                s->cstate = SMTP_C_TLS_EXPECTED;
        } else if (s->cstate == SMTP_C_STARTTLS_SENT) {
            s->cstate = SMTP_C_COMMAND;
        }
        break;
    default:
        break;
    }
}

static size_t feed_server(struct smtp *s, const uint8_t *p, size_t n, const struct smtp_events *ev,
                          void *ctx, bool *to_tls)
{
    struct line_buf *lb = &s->line[SIDE_SERVER];
    size_t i = 0;
    while (i < n) {
        if (s->sstate == SMTP_S_RESYNC) {
            s->sstate = SMTP_S_REPLY;
            if (looks_like_reply(p + i, n - i))
                continue;
            const uint8_t *lf = memchr(p + i, '\n', n - i);
            if (!lf) {
                s->sstate = SMTP_S_RESYNC;
                return n;
            }
            i = (size_t)(lf - p) + 1u;
            continue;
        }
        if (s->sstate == SMTP_S_TLS_EXPECTED && line_at_start(lb)) {
            if (ev->tls_may_start(p[i])) {
                *to_tls = true;
                return i;
            }
            /* Before the client said anything more, it is the server's own
             * (response injection); after plaintext from the client, the
             * dialogue simply went on in clear. */
            if (s->cstate == SMTP_C_TLS_EXPECTED) {
                /* Injected: TLS may still follow this line (and usually does). */
                ev->anomaly(ctx, ANOMALY_SMTP_REPLY_AFTER_STARTTLS);
            } else {
                ev->anomaly(ctx, ANOMALY_SMTP_PLAINTEXT_AFTER_STARTTLS);
                s->sstate = SMTP_S_REPLY;
            }
        }
        struct line_view l;
        bool got;
        i += line_next(lb, p + i, n - i, &l, &got);
        count_overlong(lb, got ? &l : NULL, ev, ctx);
        if (got)
            reply_line(s, &l, ev, ctx);
    }
    return n;
}

bool smtp_expects_tls(const struct smtp *s, int side)
{
    return side == SIDE_SERVER ? s->sstate == SMTP_S_TLS_EXPECTED
                               : s->cstate == SMTP_C_TLS_EXPECTED;
}

void smtp_init(struct smtp *s, bool at_start)
{
    memset(s, 0, sizeof *s);
    s->cstate = SMTP_C_COMMAND;
    s->sstate = SMTP_S_REPLY;
    s->greeting_seen = !at_start;
}

void smtp_free(struct smtp *s)
{
    line_free(&s->line[0]);
    line_free(&s->line[1]);
}

size_t smtp_feed(struct smtp *s, int side, const uint8_t *p, size_t n, const struct smtp_events *ev,
                 void *ctx, bool *to_tls)
{
    *to_tls = false;
    if (n == 0)
        return 0;
    return side == SIDE_CLIENT ? feed_client(s, p, n, ev, ctx, to_tls)
                               : feed_server(s, p, n, ev, ctx, to_tls);
}

void smtp_gap(struct smtp *s, int side, uint64_t n, const struct smtp_events *ev, void *ctx)
{
    struct line_view l;
    if (side == SIDE_SERVER) {
        if (s->sstate != SMTP_S_RESYNC && line_take_partial(&s->line[SIDE_SERVER], &l))
            reply_line(s, &l, ev, ctx);
        s->reply_cut = s->reply_lines > 0; /* decided by the next reply line */
        s->sstate = SMTP_S_RESYNC;
        return;
    }
    switch (s->cstate) {
    case SMTP_C_BODY:
    case SMTP_C_DATA_SENT:
        s->cstate = SMTP_C_BODY;
        s->body_match = 0;
        s->body_gap = true;
        break;
    case SMTP_C_BDAT:
        if (n < s->bdat_left) {
            s->bdat_left -= n;
        } else {
            s->bdat_left = 0;
            s->cstate = SMTP_C_RESYNC;
        }
        break;
    case SMTP_C_SASL:
    case SMTP_C_STARTTLS_SENT:
    case SMTP_C_TLS_EXPECTED:
        line_reset(&s->line[SIDE_CLIENT]); /* the state stands */
        break;
    case SMTP_C_COMMAND:
        if (line_take_partial(&s->line[SIDE_CLIENT], &l))
            client_line(s, &l, ev, ctx);
        if (s->cstate == SMTP_C_COMMAND)
            s->cstate = SMTP_C_RESYNC;
        break;
    default:
        line_reset(&s->line[SIDE_CLIENT]);
        s->cstate = SMTP_C_RESYNC;
        break;
    }
}
