/* A JSON builder with a nesting stack (after Suricata's JsonBuilder): the
 * caller opens and closes objects and arrays and adds members; the builder
 * writes the separators (", " between members, ": " after a key) into a
 * growable buffer it owns, up to a cap. Strings are escaped: '"' and '\\'
 * with a backslash, control characters and 0x7F as \u00XX, valid UTF-8
 * (RFC 3629) as it is, and a byte that is not part of valid UTF-8 as its
 * Latin-1 code point \u00XX, so that wire bytes always give valid JSON.
 *
 * Misuse (a key inside an array or missing inside an object, a close with
 * nothing open, nesting deeper than LIMIT_JSON_DEPTH), a buffer over its cap
 * and an allocation failure latch an error: later calls do nothing, and the
 * caller checks jb_error() once at the end. Nothing is truncated silently. */
#ifndef SMTPTLS_JSONB_H
#define SMTPTLS_JSONB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

enum jb_error {
    JB_OK,
    JB_ERR_MISUSE, /* a key where none belongs or none where one does, bad close, too deep */
    JB_ERR_CAP,    /* the text would exceed the builder's cap */
    JB_ERR_NOMEM,
};

/* Plain struct so that it can live on the stack or in a context; its fields
 * are the builder's own. */
struct jsonb {
    char *buf;
    size_t len, size, max;
    unsigned depth;
    uint8_t level[LIMIT_JSON_DEPTH]; /* per open container: array bit, has-members bit */
    bool top_done;                   /* a top-level value was written on this line */
    unsigned wrap;                   /* 0, or 1 + the indent of the next member's new line */
    enum jb_error error;
};

/* An empty builder whose text may grow to max bytes; allocates nothing yet. */
void jb_init(struct jsonb *b, size_t max);
/* Empty again, keeping the buffer for the next record. */
void jb_reset(struct jsonb *b);
void jb_free(struct jsonb *b);

/* key: the member's name inside an object; NULL inside an array and at the
 * top level. */
void jb_open_object(struct jsonb *b, const char *key);
void jb_open_array(struct jsonb *b, const char *key);
/* Closes the innermost open object or array. */
void jb_close(struct jsonb *b);

/* A C string; NULL writes null. */
void jb_str(struct jsonb *b, const char *key, const char *s);
/* n bytes, NULs and invalid UTF-8 included (escaped). */
void jb_strn(struct jsonb *b, const char *key, const void *p, size_t n);
void jb_u64(struct jsonb *b, const char *key, uint64_t v);
void jb_i64(struct jsonb *b, const char *key, int64_t v);
/* v / 10^decimals written exactly, with that many decimals ("0.052803" for
 * 52803 microseconds and 6); decimals at most 19. */
void jb_fixed(struct jsonb *b, const char *key, uint64_t v, unsigned decimals);
/* Fixed point with the given number of decimals, as printf's "%.*f"; NaN and
 * infinities write null (JSON has neither). */
void jb_double(struct jsonb *b, const char *key, double v, unsigned decimals);
void jb_bool(struct jsonb *b, const char *key, bool v);
void jb_null(struct jsonb *b, const char *key);

/* Layout only: the next member of the innermost container starts on a new
 * line indented by indent spaces (after its comma, in place of the space). */
void jb_wrap(struct jsonb *b, unsigned indent);
/* Ends the line after a complete top-level value ("\n"); another top-level
 * value may follow (JSON lines). */
void jb_end_line(struct jsonb *b);

/* The text so far, valid until the next call on the builder; not
 * NUL-terminated. Check jb_error() first: after an error it is incomplete. */
const char *jb_data(const struct jsonb *b);
size_t jb_len(const struct jsonb *b);
enum jb_error jb_error(const struct jsonb *b);
const char *jb_error_name(enum jb_error e);

#endif
