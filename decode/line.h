/* Bounded line framer for CRLF (or bare LF) text: returns whole lines as
 * views, straight from the input when a line lies within one chunk, from a
 * small owned buffer when it spans chunks. Lines longer than LIMIT_SMTP_LINE
 * keep their first LIMIT_SMTP_LINE bytes and are marked truncated. */
#ifndef SMTPTLS_LINE_H
#define SMTPTLS_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct line_buf {
    uint8_t *buf; /* allocated on first use, LIMIT_SMTP_LINE bytes */
    uint32_t len; /* bytes kept of the partial line */
    bool overlong;
    bool told; /* the caller counted this line's overflow already */
};

struct line_view {
    const uint8_t *p; /* valid until the next call on this line_buf */
    size_t len;       /* without the line end */
    bool truncated;   /* not all of the line is here (too long, or cut) */
    bool cut;         /* its end was lost in a gap, rather than too long */
    bool told;        /* its overflow was counted while it was still partial */
};

/* Take bytes from p[0..n). Returns the number consumed. When a line ended
 * within them, *got is true and *out describes it; otherwise everything was
 * consumed into the partial line. */
size_t line_next(struct line_buf *lb, const uint8_t *p, size_t n, struct line_view *out, bool *got);
/* Take the partial line as it is (its end was not captured): true when
 * there was one; *out is marked truncated. */
bool line_take_partial(struct line_buf *lb, struct line_view *out);
/* True when no partial line is pending. */
bool line_at_start(const struct line_buf *lb);
/* Forget the partial line (after a gap). */
void line_reset(struct line_buf *lb);
void line_free(struct line_buf *lb);

#endif
