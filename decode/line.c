#include "line.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"

/* The buffer holds one byte more than a line may keep: room for the CR of a
 * line of exactly LIMIT_SMTP_LINE bytes, whose LF comes in the next chunk. */
#define LINE_BUF (LIMIT_SMTP_LINE + 1u)

static void keep(struct line_buf *lb, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    if (!lb->buf) {
        lb->buf = malloc(LINE_BUF);
        if (!lb->buf) {
            lb->overlong = true;
            return;
        }
    }
    size_t room = LINE_BUF - lb->len;
    if (n > room) {
        n = room;
        lb->overlong = true;
    }
    memcpy(lb->buf + lb->len, p, n);
    lb->len += (uint32_t)n;
}

size_t line_next(struct line_buf *lb, const uint8_t *p, size_t n, struct line_view *out, bool *got)
{
    const uint8_t *lf = memchr(p, '\n', n);
    if (!lf) {
        keep(lb, p, n);
        *got = false;
        return n;
    }
    size_t used = (size_t)(lf - p) + 1u;
    size_t body = used - 1u;
    *got = true;
    out->cut = false;
    out->told = lb->told;
    lb->told = false;
    if (lb->len == 0 && !lb->overlong) {
        if (body > 0 && p[body - 1] == '\r')
            body--;
        out->p = p;
        out->len = body < LIMIT_SMTP_LINE ? body : LIMIT_SMTP_LINE;
        out->truncated = body > LIMIT_SMTP_LINE;
        return used;
    }
    keep(lb, p, body);
    size_t len = lb->len;
    if (len > 0 && lb->buf && lb->buf[len - 1] == '\r' && !lb->overlong)
        len--;
    out->p = lb->buf;
    out->len = !lb->buf ? 0 : len < LIMIT_SMTP_LINE ? len : LIMIT_SMTP_LINE;
    out->truncated = lb->overlong || len > LIMIT_SMTP_LINE;
    lb->len = 0;
    lb->overlong = false;
    return used;
}

bool line_take_partial(struct line_buf *lb, struct line_view *out)
{
    if (lb->len == 0 || !lb->buf) {
        line_reset(lb);
        return false;
    }
    out->p = lb->buf;
    out->len = lb->len < LIMIT_SMTP_LINE ? lb->len : LIMIT_SMTP_LINE;
    out->truncated = true;
    out->cut = true;
    out->told = lb->told;
    lb->told = false;
    lb->len = 0;
    lb->overlong = false;
    return true;
}

bool line_at_start(const struct line_buf *lb)
{
    return lb->len == 0 && !lb->overlong;
}

void line_reset(struct line_buf *lb)
{
    lb->len = 0;
    lb->overlong = false;
    lb->told = false;
}

void line_free(struct line_buf *lb)
{
    free(lb->buf);
    lb->buf = NULL;
    lb->len = 0;
    lb->overlong = false;
}
