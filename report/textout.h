/* Lines of the text report that fit its width: a line is built in a buffer,
 * its display columns counted ("…" is one column, as every UTF-8 character),
 * and what might not fit is given room by the helpers below: a list cut
 * with "… +N more", a tail cut with "…", words wrapped under an indent. The
 * fixed columns of each table are written to fit LIMIT_TEXT_WIDTH_MIN.
 * Text off the wire goes through text_printable first. */
#ifndef SMTPTLS_TEXTOUT_H
#define SMTPTLS_TEXTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TL_MAX 4096 /* bytes of one line; more is dropped (no line needs it) */

struct tline {
    FILE *f;
    size_t width; /* columns */
    size_t len;   /* bytes in buf */
    size_t cols;  /* columns in buf */
    char buf[TL_MAX];
};

/* The columns of s: its bytes that do not continue a UTF-8 character. */
size_t text_cols(const char *s);

/* An empty line to be written to f, width columns wide at most. */
void tl_begin(struct tline *l, FILE *f, size_t width);
/* Append whole, whatever the width. */
void tl_put(struct tline *l, const char *s);
void tl_printf(struct tline *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Spaces up to column col. */
void tl_pad(struct tline *l, size_t col);
/* Columns left before the width (0 when past it). */
size_t tl_room(const struct tline *l);
/* Append s, cut to the room left with a final "…". */
void tl_tail(struct tline *l, const char *s);
/* Append the n items, sep between them, as many as fit with room for the
 * " … +N more" that then ends the list (N counts the items not shown; more
 * says there are others beyond the n, and makes it "… +N or more"). At
 * least the suffix is written. */
void tl_list(struct tline *l, const char *const *items, size_t n, bool more, const char *sep);
/* Append the words of s (space separated), wrapping before the width onto
 * new lines indented by indent columns. */
void tl_wrap(struct tline *l, const char *s, size_t indent);
/* Write the line (trailing blanks dropped) and a newline; the line is then
 * empty again. */
void tl_end(struct tline *l);

/* Text off the wire made safe to print: printable ASCII as it is, any other
 * byte (and '\') as \xNN; cut to fit cap with its NUL. Returns the length. */
size_t text_printable(const char *s, char *out, size_t cap);

#endif
