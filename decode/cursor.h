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

static inline bool cur_need(struct cur *c, size_t n)
{
    if (c->failed || c->len < n) {
        c->failed = true;
        return false;
    }
    return true;
}

static inline void cur_advance(struct cur *c, size_t n)
{
    c->p += n;
    c->len -= n;
}

static inline bool cur_skip(struct cur *c, size_t n)
{
    if (!cur_need(c, n))
        return false;
    cur_advance(c, n);
    return true;
}

static inline bool cur_u8(struct cur *c, uint8_t *out)
{
    if (!cur_need(c, 1)) {
        *out = 0;
        return false;
    }
    *out = c->p[0];
    cur_advance(c, 1);
    return true;
}

static inline bool cur_u16(struct cur *c, uint16_t *out)
{
    if (!cur_need(c, 2)) {
        *out = 0;
        return false;
    }
    *out = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
    cur_advance(c, 2);
    return true;
}

static inline bool cur_u16le(struct cur *c, uint16_t *out)
{
    if (!cur_need(c, 2)) {
        *out = 0;
        return false;
    }
    *out = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
    cur_advance(c, 2);
    return true;
}

static inline bool cur_u24(struct cur *c, uint32_t *out)
{
    if (!cur_need(c, 3)) {
        *out = 0;
        return false;
    }
    *out = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
    cur_advance(c, 3);
    return true;
}

static inline bool cur_u32(struct cur *c, uint32_t *out)
{
    if (!cur_need(c, 4)) {
        *out = 0;
        return false;
    }
    *out = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
    cur_advance(c, 4);
    return true;
}

static inline bool cur_u32le(struct cur *c, uint32_t *out)
{
    if (!cur_need(c, 4)) {
        *out = 0;
        return false;
    }
    *out = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
    cur_advance(c, 4);
    return true;
}

/* A fixed-size span: *out points into the view, valid as long as the view. */
static inline bool cur_span(struct cur *c, size_t n, const uint8_t **out)
{
    if (!cur_need(c, n)) {
        *out = NULL;
        return false;
    }
    *out = c->p;
    cur_advance(c, n);
    return true;
}

/* Child view over the next n bytes. */
static inline bool cur_sub(struct cur *c, size_t n, struct cur *child)
{
    if (!cur_need(c, n)) {
        *child = cur_make(NULL, 0);
        child->failed = true;
        return false;
    }
    *child = cur_make(c->p, n);
    cur_advance(c, n);
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

/* Shrink the view to at most n bytes (never grows it). */
static inline void cur_truncate(struct cur *c, size_t n)
{
    if (n < c->len)
        c->len = n;
}

#endif
