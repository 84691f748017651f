/* Is this valid UTF-8? One judgement for every writer that escapes text off
 * the wire (the JSON builder, the HTML builder). */
#ifndef SMTPTLS_UTF8_H
#define SMTPTLS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The code point of the valid UTF-8 sequence at p (n bytes available, lead
 * byte >= 0x80) in *cp and its length, or 0 when it is not one (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif
