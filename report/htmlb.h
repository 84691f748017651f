/* An HTML page built in memory: markup we wrote goes in as it is, text goes
 * through the one escaper (hb_text), which every string that came off the
 * wire must take: host names, EHLO names, domains, certificate names are the
 * attacker's. The page grows up to a cap; past it, or when memory runs out,
 * the builder latches a failure, later calls do nothing, and the caller
 * checks hb_failed() once at the end. Nothing is cut silently. */
#ifndef SMTPTLS_HTMLB_H
#define SMTPTLS_HTMLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htmlb {
    char *buf;
    size_t len, size, max;
    bool failed;
};

/* An empty page that may grow to max bytes; allocates nothing yet. */
void hb_init(struct htmlb *b, size_t max);
void hb_free(struct htmlb *b);

/* Markup of our own, as it is: never text from the wire. */
void hb_raw(struct htmlb *b, const char *s);
void hb_printf(struct htmlb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hb_u64(struct htmlb *b, uint64_t v);

/* Text, escaped for an element's content or a quoted attribute value:
 * & < > " ' as character references; valid UTF-8 (RFC 3629) as it is; a
 * byte that is not part of valid UTF-8 as its Latin-1 character (the JSON
 * writer's rule, so both outputs show the same name); control characters
 * (C0, DEL, C1) and Unicode noncharacters as U+FFFD, as they have no place
 * in an HTML document. NULL writes nothing. */
void hb_text(struct htmlb *b, const char *s);
void hb_textn(struct htmlb *b, const void *p, size_t n);

bool hb_failed(const struct htmlb *b);
/* The page so far (not NUL-terminated); check hb_failed first. */
const char *hb_data(const struct htmlb *b);
size_t hb_len(const struct htmlb *b);

#endif
