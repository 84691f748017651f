/* Packet sources through libpcap: one or more capture files (pcap, pcapng,
 * '-' for standard input; gzip, xz or zstd compressed, see decompress.h) read
 * one after another as one capture, or a live interface. A callback receives
 * each packet as a borrowed view. The only module that includes pcap.h. */
#ifndef SMTPTLS_CAPTURE_H
#define SMTPTLS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h" /* struct capture_stats */

struct capture_packet {
    uint64_t ts_us;
    uint32_t caplen, wirelen;
    int linktype;
    const uint8_t *data; /* valid during the callback only */
};

typedef void (*capture_fn)(void *ctx, const struct capture_packet *pkt);

struct capture_options {
    const char *const *files; /* NULL-free list; "-" is standard input */
    size_t nfiles;
    const char *iface;                 /* live capture when set */
    const char *filter;                /* BPF expression */
    const char *fallback_filter;       /* used where filter does not compile (a link
                                          type without VLAN tags, say); may be NULL */
    bool allow_unfiltered;             /* where neither compiles (NFLOG), read unfiltered */
    int snaplen;                       /* live only; 0 for the default */
    bool (*linktype_ok)(int linktype); /* refuse what the decoders cannot read */
    /* Called with one line (no prefix, no newline) when a file starts before
     * the files read ahead of it end; may be NULL. */
    void (*warn)(void *ctx, const char *line);
    void *warn_ctx;
};

enum capture_status {
    CAPTURE_OK = 0,
    CAPTURE_ERR_OPEN,     /* missing file, not a capture, unknown interface, no permission */
    CAPTURE_ERR_LINKTYPE, /* a link type the decoders do not support, or (from
                             capture_run) a pcapng whose interfaces differ in link
                             type or snapshot length */
    CAPTURE_ERR_FILTER,   /* the BPF expression did not compile */
    CAPTURE_ERR_READ,     /* the capture is damaged (truncated) after some packets */
};

struct capture;

/* Open every source (files are all opened up front so that a missing one is
 * reported before any work) and compile the filter. On failure returns NULL,
 * with *status and a one-line message in err. */
struct capture *capture_open(const struct capture_options *opt, enum capture_status *status,
                             char *err, size_t errlen);
/* Run until the sources end or capture_stop() is called. Returns CAPTURE_OK,
 * CAPTURE_ERR_READ (damaged or truncated, compressed data included) or
 * CAPTURE_ERR_LINKTYPE (a pcapng with interfaces libpcap cannot read as one),
 * with err set; the packets before it were delivered. */
enum capture_status capture_run(struct capture *c, capture_fn fn, void *ctx, char *err,
                                size_t errlen);
/* Safe from a signal handler. */
void capture_stop(struct capture *c);
/* Live: kernel_drops counts what the kernel or the interface dropped. */
void capture_get_stats(struct capture *c, struct capture_stats *st);
void capture_close(struct capture *c);
/* libpcap's version line, as pcap_lib_version() gives it (for --version). */
const char *capture_pcap_version(void);

#endif
