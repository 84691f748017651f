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
/* now_us: the wall clock in microseconds since the epoch (the time base of
 * live packet timestamps); quiet: live, the kernel had no packet for us
 * during a bounded wait. */
typedef void (*capture_tick_fn)(void *ctx, uint64_t now_us, bool quiet);

/* Where capture_run delivers. tick (may be NULL) is called after every batch
 * of packets and, live, at least every LIMIT_LIVE_POLL_MS when the link is
 * quiet: the caller's chance to move its clock and look at signals. */
struct capture_sink {
    capture_fn packet;
    capture_tick_fn tick;
    void *ctx;
};

struct capture_options {
    const char *const *files; /* NULL-free list; "-" is standard input */
    size_t nfiles;
    const char *iface;                 /* live capture when set */
    const char *filter;                /* BPF expression */
    const char *fallback_filter;       /* used where filter does not compile (a link
                                          type without VLAN tags, say); may be NULL */
    bool allow_unfiltered;             /* where neither compiles (NFLOG), read unfiltered */
    int snaplen;                       /* live only; 0 for the default */
    unsigned buffer_kib;               /* live: kernel buffer per handle; 0 for the default */
    unsigned workers;                  /* live: 0, one plain handle; N >= 1, N handles that
                                          share the interface through PACKET_FANOUT */
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
 * reported before any work) and compile the filter. Live, the handles use
 * buffered delivery (no immediate mode) in non-blocking mode. On failure
 * returns NULL, with *status and a one-line message in err. */
struct capture *capture_open(const struct capture_options *opt, enum capture_status *status,
                             char *err, size_t errlen);
/* How many capture_run calls the capture takes, one per thread: live, one
 * per handle (worker); files, 1 (they are read one after the other). */
size_t capture_handles(const struct capture *c);
/* Run handle h until its source ends or capture_stop() is called. Returns
 * CAPTURE_OK, CAPTURE_ERR_READ (damaged or truncated, compressed data
 * included) or CAPTURE_ERR_LINKTYPE (a pcapng with interfaces libpcap cannot
 * read as one), with err set; the packets before it were delivered. Live, the
 * handles may run at once in their own threads. */
enum capture_status capture_run(struct capture *c, size_t h, const struct capture_sink *sink,
                                char *err, size_t errlen);
/* Reading files, from the thread that runs capture_run (its tick): bytes
 * read of all the files (compressed bytes for a compressed file) and their
 * total. false live, or when a file is no regular file (a pipe). */
bool capture_progress(const struct capture *c, uint64_t *done, uint64_t *total);
/* Safe from a signal handler and from any thread; every handle stops. */
void capture_stop(struct capture *c);
bool capture_stopped(const struct capture *c);
/* The counters of handle h (live: its kernel drops; interface drops, which
 * are the interface's, only on handle 0). Live, only from the thread that
 * runs h, or after it returned. */
void capture_get_stats(struct capture *c, size_t h, struct capture_stats *st);
/* Live: tcpdump's start-up line without the program name ("listening on
 * eth1, link-type EN10MB (Ethernet), snapshot length 262144 bytes"). */
void capture_describe(const struct capture *c, char *buf, size_t len);
/* The filter in force: the one given, the fallback, or NULL (unfiltered). */
const char *capture_filter(const struct capture *c);
void capture_close(struct capture *c);
/* libpcap's version line, as pcap_lib_version() gives it (for --version). */
const char *capture_pcap_version(void);

#endif
