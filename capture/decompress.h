/* Compressed capture files: gzip (zlib), xz (liblzma) and zstd (libzstd),
 * recognised by their first bytes, never by the file name, and read through a
 * stdio stream (glibc's fopencookie) that libpcap takes like any capture
 * file. Nothing is decompressed to disk or by hand. Part of capture; knows
 * nothing of libpcap. */
#ifndef SMTPTLS_DECOMPRESS_H
#define SMTPTLS_DECOMPRESS_H

#include <stddef.h>
#include <stdio.h>

enum decompress_format {
    DECOMPRESS_PLAIN, /* not compressed */
    DECOMPRESS_GZIP,
    DECOMPRESS_XZ,
    DECOMPRESS_ZSTD,
};

struct decompress;

/* Look at the first bytes of raw (just opened, nothing read yet) and return
 * the stream to read the capture from:
 *  - raw itself, back where it was, for a plain file that can seek (*dz NULL:
 *    libpcap reads it directly, at no cost);
 *  - a new stream that decompresses raw, or that gives a plain pipe's first
 *    bytes back before the rest (*dz set). Closing it closes raw; *dz is
 *    released with decompress_free once it is closed.
 * On failure (a compression smtptls does not read, a read error, out of
 * memory) returns NULL with one line in err and leaves raw open. */
FILE *decompress_open(FILE *raw, struct decompress **dz, char *err, size_t errlen);
/* What the stream decompresses; DECOMPRESS_PLAIN for NULL. */
enum decompress_format decompress_format_of(const struct decompress *dz);
/* Why the stream failed: truncated or damaged compressed data, a read error;
 * NULL while it has not (and for NULL). Valid until decompress_free. */
const char *decompress_error(const struct decompress *dz);
/* Bytes read from raw so far (the compressed bytes), for progress; 0 for NULL. */
unsigned long long decompress_consumed(const struct decompress *dz);
/* After the stream decompress_open returned has been closed; NULL is fine. */
void decompress_free(struct decompress *dz);
/* The libraries' versions, one per line ("zlib 1.2.13\nliblzma 5.4.1\n..."),
 * for --version. Returns buf. */
const char *decompress_versions(char *buf, size_t len);

#endif
