#include "htmlb.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void hb_init(struct htmlb *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void hb_free(struct htmlb *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

/* Room for n more bytes (and a NUL for vsnprintf), doubling the buffer. */
static bool reserve(struct htmlb *b, size_t n)
{
    if (b->failed)
        return false;
    if (n > b->max || b->len > b->max - n) {
        b->failed = true;
        return false;
    }
    if (b->len + n + 1 <= b->size)
        return true;
    size_t size = b->size ? b->size : 4096;
    while (size < b->len + n + 1)
        size *= 2;
    char *p = realloc(b->buf, size);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->buf = p;
    b->size = size;
    return true;
}

static void put(struct htmlb *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

void hb_raw(struct htmlb *b, const char *s)
{
    put(b, s, strlen(s));
}

void hb_printf(struct htmlb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hb_u64(struct htmlb *b, uint64_t v)
{
    hb_printf(b, "%" PRIu64, v);
}

/* Characters an HTML document must not carry (HTML Living Standard,
 * "control" and "noncharacter"): they are parse errors, and controls can
 * hide what a name says. */
static bool unwanted(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xFDD0 && cp <= 0xFDEF) ||
           (cp & 0xFFFEu) == 0xFFFEu;
}

static void put_code_point(struct htmlb *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (unwanted(cp))
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    put(b, u, n);
}

void hb_textn(struct htmlb *b, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i = 0;
    while (i < n && !b->failed) {
        unsigned char c = p[i];
        const char *ref = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        uint32_t cp;
        size_t len;
        if (ref) {
            hb_raw(b, ref);
            i++;
        } else if (c < 0x80) {
            put_code_point(b, c);
            i++;
        } else if ((len = utf8_decode(p + i, n - i, &cp)) > 0) {
            put_code_point(b, cp);
            i += len;
        } else {
            put_code_point(b, c); /* not UTF-8: the byte as Latin-1 */
            i++;
        }
    }
}

void hb_text(struct htmlb *b, const char *s)
{
    if (s)
        hb_textn(b, s, strlen(s));
}

bool hb_failed(const struct htmlb *b)
{
    return b->failed;
}

const char *hb_data(const struct htmlb *b)
{
    return b->buf ? b->buf : "";
}

size_t hb_len(const struct htmlb *b)
{
    return b->len;
}
