/* Compressed capture files through a stdio stream. Formats: gzip (RFC 1952,
 * members one after another as `cat a.gz b.gz` makes them), xz (the .xz
 * container, streams one after another), zstd (RFC 8878, frames one after
 * another). Each is recognised by its magic bytes:
 *
 *   gzip 1f 8b            xz fd 37 7a 58 5a 00      zstd 28 b5 2f fd
 *
 * The stream returns -1 (errno EIO) when the compressed data is damaged or
 * ends inside a member, stream or frame, so libpcap reports a read error and
 * never a clean end; decompress_error says which. */
#define _GNU_SOURCE /* fopencookie */
#include "decompress.h"

#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>
#include <zstd.h>

#include "caps.h"

enum step {
    STEP_MORE, /* call again: input consumed or output produced */
    STEP_END,  /* the compressed data ended cleanly */
    STEP_FAIL, /* dz->error says why */
};

struct decompress {
    enum decompress_format format;
    FILE *raw;   /* the compressed bytes; closed with the stream */
    uint8_t *in; /* input read from raw, LIMIT_DECOMPRESS_INPUT bytes */
    size_t in_pos, in_len;
    unsigned long long consumed; /* bytes read from raw */
    bool in_eof;
    char *stdio_buf; /* the stream's own buffer, LIMIT_FILE_BUFFER bytes */
    bool started;    /* the codec's state is set up (and must be ended) */
    bool member_end; /* gzip: a member ended; xz: the data ended */
    bool frame_done; /* zstd: the last frame was decoded whole */
    union {
        z_stream gz;
        lzma_stream xz;
        ZSTD_DStream *zs;
    } u;
    char error[160];
};

static const char *const format_names[] = {
    [DECOMPRESS_PLAIN] = "plain",
    [DECOMPRESS_GZIP] = "gzip",
    [DECOMPRESS_XZ] = "xz",
    [DECOMPRESS_ZSTD] = "zstd",
};

static enum step fail(struct decompress *dz, const char *fmt, ...)
{
    va_list ap;
    if (dz->error[0])
        return STEP_FAIL;
    va_start(ap, fmt);
    vsnprintf(dz->error, sizeof dz->error, fmt, ap);
    va_end(ap);
    return STEP_FAIL;
}

/* 1: input bytes are waiting; 0: raw has ended; -1: a read error. */
static int fill(struct decompress *dz)
{
    if (dz->in_pos < dz->in_len)
        return 1;
    if (dz->in_eof)
        return 0;
    dz->in_pos = 0;
    dz->in_len = fread(dz->in, 1, LIMIT_DECOMPRESS_INPUT, dz->raw);
    dz->consumed += dz->in_len;
    if (dz->in_len > 0)
        return 1;
    if (ferror(dz->raw)) {
        fail(dz, "read error: %s", strerror(errno));
        return -1;
    }
    dz->in_eof = true;
    return 0;
}

static enum step gzip_step(struct decompress *dz, uint8_t *out, size_t size, bool at_end,
                           size_t *produced)
{
    z_stream *zs = &dz->u.gz;
    if (dz->member_end) {
        if (at_end)
            return STEP_END;
        if (inflateReset(zs) != Z_OK) /* another member follows */
            return fail(dz, "damaged gzip data");
        dz->member_end = false;
    }
    zs->next_in = dz->in + dz->in_pos;
    zs->avail_in = (uInt)(dz->in_len - dz->in_pos);
    zs->next_out = out;
    zs->avail_out = (uInt)size;
    int rc = inflate(zs, Z_NO_FLUSH);
    dz->in_pos = dz->in_len - zs->avail_in;
    *produced = size - zs->avail_out;
    switch (rc) {
    case Z_STREAM_END:
        dz->member_end = true;
        return STEP_MORE;
    case Z_OK:
        return STEP_MORE;
    case Z_BUF_ERROR: /* no progress: nothing more to read */
        return at_end ? fail(dz, "truncated gzip data (it ends inside a member)") : STEP_MORE;
    case Z_MEM_ERROR:
        return fail(dz, "out of memory decompressing gzip data");
    default:
        return fail(dz, "damaged gzip data (%s)", zs->msg ? zs->msg : "zlib error");
    }
}

static enum step xz_step(struct decompress *dz, uint8_t *out, size_t size, bool at_end,
                         size_t *produced)
{
    lzma_stream *xz = &dz->u.xz;
    if (dz->member_end)
        return STEP_END;
    xz->next_in = dz->in + dz->in_pos;
    xz->avail_in = dz->in_len - dz->in_pos;
    xz->next_out = out;
    xz->avail_out = size;
    /* LZMA_CONCATENATED: the end of the data shows only at LZMA_FINISH. */
    lzma_ret rc = lzma_code(xz, at_end ? LZMA_FINISH : LZMA_RUN);
    dz->in_pos = dz->in_len - xz->avail_in;
    *produced = size - xz->avail_out;
    switch (rc) {
    case LZMA_STREAM_END:
        dz->member_end = true;
        return STEP_MORE;
    case LZMA_OK:
        return STEP_MORE;
    case LZMA_BUF_ERROR:
        return at_end ? fail(dz, "truncated xz data (it ends inside a stream)") : STEP_MORE;
    case LZMA_MEM_ERROR:
        return fail(dz, "out of memory decompressing xz data");
    case LZMA_MEMLIMIT_ERROR:
        return fail(dz, "xz data needing more than %u MiB to decompress",
                    LIMIT_DECOMPRESS_MEMORY >> 20);
    case LZMA_FORMAT_ERROR:
    case LZMA_OPTIONS_ERROR:
        return fail(dz, "damaged xz data (bad header or unsupported options)");
    default:
        return fail(dz, "damaged xz data (corrupt or bad check)");
    }
}

static enum step zstd_step(struct decompress *dz, uint8_t *out, size_t size, bool at_end,
                           size_t *produced)
{
    if (at_end && dz->frame_done)
        return STEP_END;
    ZSTD_inBuffer in = {dz->in, dz->in_len, dz->in_pos};
    ZSTD_outBuffer o = {out, size, 0};
    size_t rc = ZSTD_decompressStream(dz->u.zs, &o, &in);
    dz->in_pos = in.pos;
    *produced = o.pos;
    if (ZSTD_isError(rc))
        return fail(dz, "damaged zstd data (%s)", ZSTD_getErrorName(rc));
    dz->frame_done = rc == 0; /* 0: a frame ended and all of it was given out */
    if (at_end && o.pos == 0 && !dz->frame_done)
        return fail(dz, "truncated zstd data (it ends inside a frame)");
    return STEP_MORE;
}

/* A plain pipe: the bytes read to recognise it first, then the rest. */
static enum step plain_step(struct decompress *dz, uint8_t *out, size_t size, bool at_end,
                            size_t *produced)
{
    if (at_end)
        return STEP_END;
    size_t n = dz->in_len - dz->in_pos;
    if (n > size)
        n = size;
    memcpy(out, dz->in + dz->in_pos, n);
    dz->in_pos += n;
    *produced = n;
    return STEP_MORE;
}

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
    struct decompress *dz = cookie;
    if (size > LIMIT_FILE_BUFFER)
        size = LIMIT_FILE_BUFFER; /* zlib counts in uInt */
    while (!dz->error[0]) {
        int more = fill(dz);
        if (more < 0)
            break;
        size_t produced = 0;
        enum step s;
        switch (dz->format) {
        case DECOMPRESS_GZIP:
            s = gzip_step(dz, (uint8_t *)buf, size, more == 0, &produced);
            break;
        case DECOMPRESS_XZ:
            s = xz_step(dz, (uint8_t *)buf, size, more == 0, &produced);
            break;
        case DECOMPRESS_ZSTD:
            s = zstd_step(dz, (uint8_t *)buf, size, more == 0, &produced);
            break;
        default:
            s = plain_step(dz, (uint8_t *)buf, size, more == 0, &produced);
            break;
        }
        if (produced > 0)
            return (ssize_t)produced;
        if (s == STEP_END)
            return 0;
    }
    errno = EIO;
    return -1;
}

static void codec_end(struct decompress *dz)
{
    if (!dz->started)
        return;
    dz->started = false;
    switch (dz->format) {
    case DECOMPRESS_GZIP:
        inflateEnd(&dz->u.gz);
        break;
    case DECOMPRESS_XZ:
        lzma_end(&dz->u.xz);
        break;
    case DECOMPRESS_ZSTD:
        ZSTD_freeDStream(dz->u.zs);
        break;
    default:
        break;
    }
}

static int stream_close(void *cookie)
{
    struct decompress *dz = cookie;
    codec_end(dz); /* the codec's memory goes now; the error text stays */
    int rc = dz->raw ? fclose(dz->raw) : 0;
    dz->raw = NULL;
    return rc;
}

static int codec_start(struct decompress *dz)
{
    switch (dz->format) {
    case DECOMPRESS_GZIP:
        /* 16 + 15: a gzip wrapper, windows up to 32 KiB. */
        if (inflateInit2(&dz->u.gz, 16 + MAX_WBITS) != Z_OK)
            return -1;
        break;
    case DECOMPRESS_XZ:
        dz->u.xz = (lzma_stream)LZMA_STREAM_INIT;
        if (lzma_stream_decoder(&dz->u.xz, LIMIT_DECOMPRESS_MEMORY, LZMA_CONCATENATED) != LZMA_OK)
            return -1;
        break;
    case DECOMPRESS_ZSTD:
        dz->u.zs = ZSTD_createDStream();
        if (!dz->u.zs)
            return -1;
        /* The largest window a frame may ask for: within the memory cap. */
        if (ZSTD_isError(ZSTD_DCtx_setParameter(dz->u.zs, ZSTD_d_windowLogMax,
                                                LIMIT_DECOMPRESS_WINDOW_LOG))) {
            ZSTD_freeDStream(dz->u.zs);
            return -1;
        }
        break;
    default:
        break;
    }
    dz->started = true;
    return 0;
}

static enum decompress_format sniff(const uint8_t *b, size_t n, const char **other)
{
    *other = NULL;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return DECOMPRESS_GZIP;
    if (n >= 6 && memcmp(b,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return DECOMPRESS_XZ;
    if (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)
        return DECOMPRESS_ZSTD;
    /* Compressions met in the field that smtptls does not read: a clear
     * message instead of libpcap's "unknown file format". */
    if (n >= 3 && memcmp(b, "BZh", 3) == 0)
        *other = "bzip2 (bunzip2 -c FILE | smtptls -r -)";
    else if (n >= 4 && memcmp(b, "\x04\x22\x4d\x18", 4) == 0)
        *other = "lz4 (lz4 -dc FILE | smtptls -r -)";
    return DECOMPRESS_PLAIN;
}

FILE *decompress_open(FILE *raw, struct decompress **out, char *err, size_t errlen)
{
    uint8_t magic[6];
    *out = NULL;
    off_t at = ftello(raw); /* -1 on a pipe */
    size_t n = fread(magic, 1, sizeof magic, raw);
    if (n < sizeof magic && ferror(raw)) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    const char *other;
    enum decompress_format format = sniff(magic, n, &other);
    if (other) {
        snprintf(err, errlen, "compressed with %s; smtptls reads gzip, xz and zstd", other);
        return NULL;
    }
    if (format == DECOMPRESS_PLAIN && at >= 0 && fseeko(raw, at, SEEK_SET) == 0)
        return raw;

    struct decompress *dz = calloc(1, sizeof *dz);
    if (!dz || !(dz->in = malloc(LIMIT_DECOMPRESS_INPUT)) ||
        !(dz->stdio_buf = malloc(LIMIT_FILE_BUFFER))) {
        snprintf(err, errlen, "out of memory");
        decompress_free(dz);
        return NULL;
    }
    dz->format = format;
    memcpy(dz->in, magic, n);
    dz->in_len = n;
    dz->consumed = n;
    if (codec_start(dz) < 0) {
        snprintf(err, errlen, "out of memory (%s decoder)", format_names[format]);
        decompress_free(dz);
        return NULL;
    }
    cookie_io_functions_t io = {.read = stream_read, .close = stream_close};
    FILE *f = fopencookie(dz, "rb", io);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        codec_end(dz);
        decompress_free(dz);
        return NULL;
    }
    setvbuf(f, dz->stdio_buf, _IOFBF, LIMIT_FILE_BUFFER);
    dz->raw = raw;
    *out = dz;
    return f;
}

enum decompress_format decompress_format_of(const struct decompress *dz)
{
    return dz ? dz->format : DECOMPRESS_PLAIN;
}

unsigned long long decompress_consumed(const struct decompress *dz)
{
    return dz ? dz->consumed : 0;
}

const char *decompress_error(const struct decompress *dz)
{
    return dz && dz->error[0] ? dz->error : NULL;
}

void decompress_free(struct decompress *dz)
{
    if (!dz)
        return;
    codec_end(dz);
    free(dz->in);
    free(dz->stdio_buf);
    free(dz);
}

const char *decompress_versions(char *buf, size_t len)
{
    snprintf(buf, len, "zlib %s\nliblzma %s\nlibzstd %s", zlibVersion(), lzma_version_string(),
             ZSTD_versionString());
    return buf;
}
