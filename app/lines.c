#include "lines.h"

#include <stdlib.h>
#include <string.h>

#define LINES_BLOCK (64u * 1024u)

int lines_init(struct lines *l, FILE *f, size_t max)
{
    memset(l, 0, sizeof *l);
    l->f = f;
    l->max = max;
    l->size = max + 1 + LINES_BLOCK;
    l->buf = malloc(l->size);
    return l->buf ? 0 : -1;
}

void lines_free(struct lines *l)
{
    free(l->buf);
    l->buf = NULL;
}

/* More bytes after end, the unread ones moved to the front first. */
static void fill(struct lines *l)
{
    if (l->start > 0) {
        memmove(l->buf, l->buf + l->start, l->end - l->start);
        l->end -= l->start;
        l->start = 0;
    }
    size_t n = fread(l->buf + l->end, 1, l->size - l->end, l->f);
    l->end += n;
    l->bytes += n;
    if (n == 0) {
        l->eof = true;
        l->error = ferror(l->f) != 0;
    }
}

/* Past the end of an overlong line: to the byte after its '\n', or the end. */
static void skip_line(struct lines *l)
{
    for (;;) {
        char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
        if (nl) {
            l->start = (size_t)(nl - l->buf) + 1;
            return;
        }
        l->start = l->end = 0;
        if (l->eof)
            return;
        fill(l);
        if (l->eof && l->end == 0)
            return;
    }
}

enum lines_result lines_next(struct lines *l, const char **line, size_t *len)
{
    l->scanned = 0;
    for (;;) {
        size_t have = l->end - l->start;
        char *from = l->buf + l->start + l->scanned;
        char *nl = memchr(from, '\n', have - l->scanned);
        if (nl) {
            size_t n = (size_t)(nl - (l->buf + l->start));
            l->lineno++;
            if (n > l->max) { /* can only be when the buffer held more than max */
                l->start += n + 1;
                return LINES_TOO_LONG;
            }
            *line = l->buf + l->start;
            *len = n;
            l->start += n + 1;
            return LINES_OK;
        }
        l->scanned = have;
        if (have > l->max) {
            l->lineno++;
            skip_line(l);
            return LINES_TOO_LONG;
        }
        if (l->eof) {
            if (l->error)
                return LINES_ERROR;
            if (have == 0)
                return LINES_END;
            l->lineno++;
            *line = l->buf + l->start;
            *len = have;
            l->start = l->end;
            return LINES_UNTERMINATED;
        }
        fill(l);
        if (l->error)
            return LINES_ERROR;
    }
}
