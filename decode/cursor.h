/* The one reader for untrusted bytes: a (pointer, length) view with big-endian
 * readers that advance only on success and latch the first failure, so a group
 * of reads can be checked once (after BoringSSL's CBS and Knot's wire_ctx).
 * No other code does arithmetic on packet or stream pointers. */
#ifndef SMTPTLS_CURSOR_H
#define SMTPTLS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
    const uint8_t *p;
    size_t len;
    bool failed;
};

static inline struct cur cur_make(const uint8_t *p, size_t len)
{
    struct cur c = {p, p ? len : 0, false};
    return c;
}

static inline size_t cur_left(const struct cur *c)
{
    return c->failed ? 0 : c->len;
}

static inline bool cur_failed(const struct cur *c)
{
    return c->failed;
}

static inline bool cur_empty(const struct cur *c)
{
    return c->failed || c->len == 0;
}

static inline const uint8_t *cur_ptr(const struct cur *c)
{
    return c->p;
}

/* A fixed-size span: *out points into the view, valid as long as the view.
 * The only way a view moves forward: every reader below goes through it. */
static inline bool cur_span(struct cur *c, size_t n, const uint8_t **out)
{
    if (c->failed || c->len < n) {
        c->failed = true;
        *out = NULL;
        return false;
    }
    *out = c->p;
    c->p += n;
    c->len -= n;
    return true;
}

static inline bool cur_skip(struct cur *c, size_t n)
{
    const uint8_t *p;
    return cur_span(c, n, &p);
}

/* Big-endian unsigned of n (1 to 4) bytes. */
static inline bool cur_be(struct cur *c, size_t n, uint32_t *out)
{
    const uint8_t *p;
    *out = 0;
    if (!cur_span(c, n, &p))
        return false;
    for (size_t i = 0; i < n; i++)
        *out = *out << 8 | p[i];
    return true;
}

static inline bool cur_u8(struct cur *c, uint8_t *out)
{
    uint32_t v;
    bool ok = cur_be(c, 1, &v);
    *out = (uint8_t)v;
    return ok;
}

static inline bool cur_u16(struct cur *c, uint16_t *out)
{
    uint32_t v;
    bool ok = cur_be(c, 2, &v);
    *out = (uint16_t)v;
    return ok;
}

static inline bool cur_u16le(struct cur *c, uint16_t *out)
{
    const uint8_t *p;
    bool ok = cur_span(c, 2, &p);
    *out = ok ? (uint16_t)((unsigned)p[1] << 8 | p[0]) : 0;
    return ok;
}

static inline bool cur_u24(struct cur *c, uint32_t *out)
{
    return cur_be(c, 3, out);
}

static inline bool cur_u32(struct cur *c, uint32_t *out)
{
    return cur_be(c, 4, out);
}

static inline bool cur_u32le(struct cur *c, uint32_t *out)
{
    const uint8_t *p;
    bool ok = cur_span(c, 4, &p);
    *out = ok ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
    return ok;
}

/* Child view over the next n bytes. */
static inline bool cur_sub(struct cur *c, size_t n, struct cur *child)
{
    const uint8_t *p;
    if (!cur_span(c, n, &p)) {
        *child = cur_make(NULL, 0);
        child->failed = true;
        return false;
    }
    *child = cur_make(p, n);
    return true;
}

static inline bool cur_vec8(struct cur *c, struct cur *child)
{
    uint8_t n;
    return cur_u8(c, &n) ? cur_sub(c, n, child) : cur_sub(c, SIZE_MAX, child);
}

static inline bool cur_vec16(struct cur *c, struct cur *child)
{
    uint16_t n;
    return cur_u16(c, &n) ? cur_sub(c, n, child) : cur_sub(c, SIZE_MAX, child);
}

static inline bool cur_vec24(struct cur *c, struct cur *child)
{
    uint32_t n;
    return cur_u24(c, &n) ? cur_sub(c, n, child) : cur_sub(c, SIZE_MAX, child);
}

/* Peek at byte i without consuming; 0 and false when out of range. */
static inline bool cur_peek(const struct cur *c, size_t i, uint8_t *out)
{
    if (c->failed || i >= c->len) {
        *out = 0;
        return false;
    }
    *out = c->p[i];
    return true;
}

/* A vector was consumed exactly: nothing failed and nothing is left (after
 * BearSSL's close-elt and picotls's ptls_decode_assert_block_close). */
static inline bool cur_close(const struct cur *c)
{
    return !c->failed && c->len == 0;
}

/* Shrink the view to at most n bytes (never grows it). */
static inline void cur_truncate(struct cur *c, size_t n)
{
    if (n < c->len)
        c->len = n;
}

#endif
