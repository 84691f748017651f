/* Lines of a text stream, each at most a cap long, without stdio's getline
 * (which grows without bound on a line that never ends): the bytes are read
 * in blocks into one buffer, and a line longer than the cap is skipped to
 * its newline and said so. Lines may hold any byte, NUL included. */
#ifndef SMTPTLS_LINES_H
#define SMTPTLS_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lines_result {
    LINES_OK,           /* a line, without its '\n' */
    LINES_TOO_LONG,     /* a line longer than the cap: skipped to its end (no text) */
    LINES_UNTERMINATED, /* the last line, with no '\n' after it (a file cut short?) */
    LINES_END,          /* no more lines */
    LINES_ERROR,        /* a read error (errno), or the stream's own error */
};

struct lines {
    FILE *f;
    char *buf;
    size_t max;          /* the longest line taken, without its '\n' */
    size_t size;         /* of buf: max + 1 + a block */
    size_t start, end;   /* the bytes not yet given out */
    size_t scanned;      /* bytes after start already searched for '\n' */
    bool eof, error;
    uint64_t lineno;     /* of the line last given out, from 1 */
    uint64_t bytes;      /* read from f so far */
};

/* 0, or -1 when out of memory. f is read, not closed. */
int lines_init(struct lines *l, FILE *f, size_t max);
/* The next line in *line (valid until the next call) and *len. */
enum lines_result lines_next(struct lines *l, const char **line, size_t *len);
void lines_free(struct lines *l);

#endif
