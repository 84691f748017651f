/* Growable byte buffer for building test inputs: big-endian writers and
 * length prefixes that are filled in when the vector is closed. Aborts on
 * allocation failure (tests only). */
#ifndef SMTPTLS_TEST_TBUF_H
#define SMTPTLS_TEST_TBUF_H

#include <stddef.h>
#include <stdint.h>

struct tbuf {
    uint8_t *p;
    size_t len, cap;
};

void tb_init(struct tbuf *b);
void tb_free(struct tbuf *b);
void tb_reset(struct tbuf *b);
void tb_put(struct tbuf *b, const void *p, size_t n);
void tb_str(struct tbuf *b, const char *s);
void tb_fill(struct tbuf *b, uint8_t v, size_t n);
/* n deterministic filler bytes (not text, never 0x0A). */
void tb_opaque(struct tbuf *b, size_t n, uint8_t seed);
void tb_u8(struct tbuf *b, unsigned v);
void tb_u16(struct tbuf *b, unsigned v);
void tb_u24(struct tbuf *b, uint32_t v);
void tb_u32(struct tbuf *b, uint32_t v);
/* Open a vector with a width-byte length prefix (1, 2 or 3); returns the
 * position to give to tb_close, which writes the length of what followed. */
size_t tb_open(struct tbuf *b, int width);
void tb_close(struct tbuf *b, size_t pos, int width);
/* Free every buffer not yet freed (for a group teardown: a failed test
 * leaves the test function without running its cleanup). */
void tb_free_all(void);
/* A heap copy of exactly n bytes, so ASan sees any read past the end. */
uint8_t *tb_dup(const uint8_t *p, size_t n);

#endif
