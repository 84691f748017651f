/* A strict JSON (RFC 8259) recogniser for the pipeline harness: the session
 * records and the summary must be valid JSON, in valid UTF-8, whatever bytes
 * came off the wire. Returns the offset of the first error, or -1. */
#ifndef SMTPTLS_FUZZ_JSON_CHECK_H
#define SMTPTLS_FUZZ_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jc {
    const uint8_t *p;
    size_t n, i;
    unsigned depth;
    bool bad;
};

static inline void jc_ws(struct jc *c)
{
    while (c->i < c->n &&
           (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' || c->p[c->i] == '\r'))
        c->i++;
}

static inline bool jc_lit(struct jc *c, const char *s)
{
    size_t k = 0;
    while (s[k]) {
        if (c->i + k >= c->n || c->p[c->i + k] != (uint8_t)s[k])
            return false;
        k++;
    }
    c->i += k;
    return true;
}

static inline bool jc_hex(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

/* One UTF-8 sequence at c->i (RFC 3629: no overlongs, no surrogates). */
static inline bool jc_utf8(struct jc *c)
{
    const uint8_t *p = c->p + c->i;
    size_t left = c->n - c->i;
    uint8_t b = p[0];
    size_t len;
    uint32_t cp;
    if (b < 0x80) {
        c->i++;
        return true;
    } else if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        cp = b & 0x0Fu;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        cp = b & 0x07u;
    } else {
        return false;
    }
    if (left < len)
        return false;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return false;
        cp = cp << 6 | (p[k] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    c->i += len;
    return true;
}

static inline bool jc_string(struct jc *c)
{
    if (c->i >= c->n || c->p[c->i] != '"')
        return false;
    c->i++;
    while (c->i < c->n) {
        uint8_t b = c->p[c->i];
        if (b == '"') {
            c->i++;
            return true;
        }
        if (b < 0x20)
            return false;
        if (b == '\\') {
            if (c->i + 1 >= c->n)
                return false;
            uint8_t e = c->p[c->i + 1];
            if (e == 'u') {
                if (c->i + 6 > c->n)
                    return false;
                for (size_t k = 2; k < 6; k++)
                    if (!jc_hex(c->p[c->i + k]))
                        return false;
                c->i += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                       e == 'r' || e == 't') {
                c->i += 2;
            } else {
                return false;
            }
            continue;
        }
        if (!jc_utf8(c))
            return false;
    }
    return false;
}

static inline bool jc_digits(struct jc *c)
{
    size_t s = c->i;
    while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
        c->i++;
    return c->i > s;
}

static inline bool jc_number(struct jc *c)
{
    if (c->i < c->n && c->p[c->i] == '-')
        c->i++;
    if (c->i < c->n && c->p[c->i] == '0')
        c->i++;
    else if (!jc_digits(c))
        return false;
    if (c->i < c->n && c->p[c->i] == '.') {
        c->i++;
        if (!jc_digits(c))
            return false;
    }
    if (c->i < c->n && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-'))
            c->i++;
        if (!jc_digits(c))
            return false;
    }
    return true;
}

static inline bool jc_value(struct jc *c);

static inline bool jc_members(struct jc *c, bool object)
{
    uint8_t close = object ? '}' : ']';
    c->i++;
    jc_ws(c);
    if (c->i < c->n && c->p[c->i] == close) {
        c->i++;
        return true;
    }
    for (;;) {
        jc_ws(c);
        if (object) {
            if (!jc_string(c))
                return false;
            jc_ws(c);
            if (c->i >= c->n || c->p[c->i] != ':')
                return false;
            c->i++;
        }
        if (!jc_value(c))
            return false;
        jc_ws(c);
        if (c->i >= c->n)
            return false;
        if (c->p[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->p[c->i] == close) {
            c->i++;
            return true;
        }
        return false;
    }
}

static inline bool jc_value(struct jc *c)
{
    jc_ws(c);
    if (c->i >= c->n || ++c->depth > 64)
        return false;
    bool ok;
    uint8_t b = c->p[c->i];
    if (b == '{' || b == '[')
        ok = jc_members(c, b == '{');
    else if (b == '"')
        ok = jc_string(c);
    else if (b == 't')
        ok = jc_lit(c, "true");
    else if (b == 'f')
        ok = jc_lit(c, "false");
    else if (b == 'n')
        ok = jc_lit(c, "null");
    else
        ok = jc_number(c);
    c->depth--;
    return ok;
}

/* p[0..n) holds exactly one JSON value, then optional whitespace. */
static inline long json_check(const uint8_t *p, size_t n)
{
    struct jc c = {p, n, 0, 0, false};
    if (!jc_value(&c))
        return (long)c.i;
    jc_ws(&c);
    return c.i == n ? -1 : (long)c.i;
}

#endif
