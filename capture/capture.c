#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif

#include "caps.h"
#include "decompress.h"

/* Where reading a file stands: its raw (compressed) stream and its size,
 * UINT64_MAX when it is no regular file (a pipe). */
struct file_extent {
    FILE *raw;
    uint64_t size;
};

/* One pcap handle and what its callback needs. */
struct handle {
    pcap_t *p;
    const struct capture_sink *sink;
    int linktype;
    struct capture *c;
};

struct capture {
    struct handle *h;
    size_t nhandles;
    char **buffers;              /* each file's stdio buffer, freed after pcap_close */
    struct decompress **streams; /* each file's decompressing stream or NULL, ditto */
    struct file_extent *extents; /* each file's raw stream and size, for progress */
    size_t nbuffers;
    const char *const *names;
    const char *iface;
    const char *filter; /* in force on the first handle; NULL unfiltered */
    bool live;
    atomic_int stop;
    pcap_t *_Atomic current; /* files: the one being read */
    int wake[2];             /* live: a byte written here wakes every poller */
    int fanout_id;           /* live with workers; -1 before the first handle joins */
    /* Files out of time order: the latest time read so far, and whether the
     * file being read has not given its first packet yet. */
    uint64_t ts_max;
    bool file_unseen;
    size_t file;
    void (*warn)(void *ctx, const char *line);
    void *warn_ctx;
};

static int apply_filter(pcap_t *p, const char *filter, bool live, char *err, size_t errlen,
                        const char *name)
{
    struct bpf_program prog;
    if (!filter || !*filter)
        return 0;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(err, errlen, "bad filter '%s': %s", filter, pcap_geterr(p));
        return -1;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot set filter: %s", live ? "interface" : name,
                 pcap_geterr(p));
        return -1;
    }
    return 0;
}

static pcap_t *open_file(const char *name, char **buffer, struct decompress **dz,
                         struct file_extent *ext, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p;
    /* Our own FILE, to give it a larger buffer than stdio's 4 KiB before
     * libpcap's first read: fewer system calls (bench/README.md). glibc
     * ignores the size unless the buffer is given. */
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        return NULL;
    }
    struct stat st;
    ext->raw = f;
    ext->size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size
                                                                   : UINT64_MAX;
    *buffer = malloc(LIMIT_FILE_BUFFER);
    if (*buffer)
        setvbuf(f, *buffer, _IOFBF, LIMIT_FILE_BUFFER);
    /* f itself, or a stream that decompresses it (gzip, xz, zstd) */
    FILE *in = decompress_open(f, dz, ebuf, sizeof ebuf);
    p = in ? pcap_fopen_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_MICRO, ebuf) : NULL;
    if (decompress_error(*dz))
        snprintf(ebuf, sizeof ebuf, "%s", decompress_error(*dz));
    if (!p && in && in != f)
        fclose(in); /* and f with it */
    else if (!p && f != stdin)
        fclose(f);
    if (!p) {
        decompress_free(*dz);
        *dz = NULL;
        free(*buffer);
        *buffer = NULL;
        /* libpcap's text already names the file for missing files; keep one line. */
        char *nl = strchr(ebuf, '\n');
        if (nl)
            *nl = '\0';
        const char *shown = strcmp(name, "-") == 0 ? "standard input" : name;
        if (strncmp(ebuf, name, strlen(name)) == 0) /* libpcap named it already */
            snprintf(err, errlen, "%s", ebuf);
        else
            snprintf(err, errlen, "%s: %s", shown, ebuf);
    }
    return p;
}

/* Buffered delivery: without immediate mode libpcap uses TPACKET_V3 blocks,
 * handed over when full or after the timeout, instead of one wake-up per
 * packet. Non-blocking, because a TPACKET_V3 handle waits in poll() for ever
 * on a quiet link: capture_run waits itself, for a bounded time. */
static pcap_t *open_live(const struct capture_options *opt, enum capture_status *status, char *err,
                         size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    const char *iface = opt->iface;
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        *status = CAPTURE_ERR_OPEN;
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        return NULL;
    }
    unsigned kib = opt->buffer_kib ? opt->buffer_kib : LIMIT_LIVE_BUFFER_KIB;
    pcap_set_snaplen(p, opt->snaplen > 0 ? opt->snaplen : LIMIT_SNAPLEN);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, LIMIT_LIVE_TIMEOUT_MS);
    pcap_set_immediate_mode(p, 0);
    pcap_set_buffer_size(p, (int)(kib * 1024u));
    int rc = pcap_activate(p);
    if (rc >= 0 && pcap_setnonblock(p, 1, ebuf) < 0) {
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        *status = CAPTURE_ERR_OPEN;
        pcap_close(p);
        return NULL;
    }
    if (rc < 0) {
        *status = CAPTURE_ERR_OPEN;
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(err, errlen, "%s: no such interface", iface);
        else if (rc == PCAP_ERROR_PERM_DENIED)
            snprintf(err, errlen, "%s: permission denied (capturing needs root or CAP_NET_RAW)",
                     iface);
        else
            snprintf(err, errlen, "%s: %s", iface, pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    return p;
}

/* The handles of a capture with workers share the interface: the kernel
 * sends each packet to one of them by a hash of its flow that is the same
 * both ways, after reassembling IPv4 fragments, so a connection and all of a
 * datagram reach the same worker. The first handle gets a group id no other
 * socket uses; the others join it. */
static int join_fanout(struct capture *c, pcap_t *p, char *err, size_t errlen)
{
#if defined(PACKET_FANOUT) && defined(PACKET_FANOUT_FLAG_DEFRAG)
    int fd = pcap_fileno(p);
    /* The group id in the low 16 bits, mode and flags in the high ones. */
    uint32_t mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
    uint32_t arg;
    if (c->fanout_id < 0) {
#ifdef PACKET_FANOUT_FLAG_UNIQUEID
        arg = (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16;
        socklen_t len = sizeof arg;
        if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0 &&
            getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) == 0) {
            c->fanout_id = (int)(arg & 0xffff);
            return 0;
        }
#endif
        c->fanout_id = (int)(getpid() & 0xffff); /* kernels before 4.4 */
    }
    arg = (uint32_t)c->fanout_id | (mode << 16);
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return 0;
    snprintf(err, errlen, "%s: cannot share the interface between workers (PACKET_FANOUT): %s",
             c->iface, strerror(errno));
    return -1;
#else
    (void)c;
    (void)p;
    snprintf(err, errlen, "--workers needs Linux's PACKET_FANOUT");
    return -1;
#endif
}

static int open_wake(struct capture *c, char *err, size_t errlen)
{
    if (pipe(c->wake) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
            fcntl(c->wake[i], F_SETFL, O_NONBLOCK);
        }
        return 0;
    }
    c->wake[0] = c->wake[1] = -1;
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return -1;
}

static struct capture *new_capture(const struct capture_options *opt, size_t n)
{
    struct capture *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->wake[0] = c->wake[1] = -1;
    c->fanout_id = -1;
    c->h = calloc(n, sizeof *c->h);
    c->buffers = calloc(n, sizeof *c->buffers);
    c->streams = calloc(n, sizeof *c->streams);
    c->extents = calloc(n, sizeof *c->extents);
    if (!c->h || !c->buffers || !c->streams || !c->extents) {
        free(c->extents);
        free(c->h);
        free(c->buffers);
        free(c->streams);
        free(c);
        return NULL;
    }
    c->nbuffers = n;
    c->live = opt->iface != NULL;
    c->iface = opt->iface;
    c->names = opt->files;
    c->warn = opt->warn;
    c->warn_ctx = opt->warn_ctx;
    return c;
}

struct capture *capture_open(const struct capture_options *opt, enum capture_status *status,
                             char *err, size_t errlen)
{
    size_t n = opt->iface ? (opt->workers ? opt->workers : 1) : opt->nfiles;
    *status = CAPTURE_ERR_OPEN;
    struct capture *c = n ? new_capture(opt, n) : NULL;
    if (!c) {
        snprintf(err, errlen, n ? "out of memory" : "no capture source");
        return NULL;
    }
    if (c->live && open_wake(c, err, errlen) < 0) {
        capture_close(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = c->live ? opt->iface : opt->files[i];
        pcap_t *p = c->live ? open_live(opt, status, err, errlen)
                            : open_file(name, &c->buffers[i], &c->streams[i], &c->extents[i], err,
                                        errlen);
        if (!p) {
            *status = CAPTURE_ERR_OPEN;
            capture_close(c);
            return NULL;
        }
        c->h[c->nhandles++].p = p;
        int lt = pcap_datalink(p);
        if (opt->linktype_ok && !opt->linktype_ok(lt)) {
            const char *dlt = pcap_datalink_val_to_name(lt);
            snprintf(err, errlen, "%s: unsupported link type %d (%s)", name, lt,
                     dlt ? dlt : "unknown");
            *status = CAPTURE_ERR_LINKTYPE;
            capture_close(c);
            return NULL;
        }
        const char *used = opt->filter;
        if (apply_filter(p, used, c->live, err, errlen, name) < 0) {
            used = opt->fallback_filter;
            if (!used || apply_filter(p, used, c->live, err, errlen, name) < 0) {
                if (!opt->allow_unfiltered) {
                    *status = CAPTURE_ERR_FILTER;
                    capture_close(c);
                    return NULL;
                }
                used = NULL;
            }
        }
        if (i == 0)
            c->filter = used && *used ? used : NULL;
        if (c->live && opt->workers && join_fanout(c, p, err, errlen) < 0) {
            capture_close(c);
            return NULL;
        }
    }
    *status = CAPTURE_OK;
    return c;
}

bool capture_progress(const struct capture *c, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (c->live)
        return false;
    for (size_t i = 0; i < c->nhandles; i++) {
        const struct file_extent *e = &c->extents[i];
        if (e->size == UINT64_MAX)
            return false;
        *total += e->size;
        if (i < c->file) {
            *done += e->size;
        } else if (i == c->file) {
            /* libpcap reads the file in this thread; its position is the raw
             * stream's, or the decompressor's count of compressed bytes. */
            long long pos = c->streams[i] ? (long long)decompress_consumed(c->streams[i])
                                          : (long long)ftello(e->raw);
            *done += pos > 0 ? (uint64_t)pos : 0;
        }
    }
    return true;
}

size_t capture_handles(const struct capture *c)
{
    return c->live ? c->nhandles : 1;
}

static const char *shown_name(const char *name)
{
    return strcmp(name, "-") == 0 ? "standard input" : name;
}

static void utc(uint64_t ts_us, char *buf, size_t len)
{
    time_t t = (time_t)(ts_us / 1000000u);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, len, "%llu s", (unsigned long long)t);
}

/* The first packet of a file after the first: earlier than what came before? */
static void check_order(struct capture *c, uint64_t ts_us)
{
    c->file_unseen = false;
    if (ts_us >= c->ts_max || !c->warn)
        return;
    char line[1024], first[40], latest[40];
    utc(ts_us, first, sizeof first);
    utc(c->ts_max, latest, sizeof latest);
    snprintf(line, sizeof line,
             "%s starts at %s, before what was read ahead of it ends (%s): files are read in "
             "the order given; give them in time order, or merge them (mergecap -w OUT FILES...)",
             shown_name(c->names[c->file]), first, latest);
    c->warn(c->warn_ctx, line);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    const struct handle *hd = (const struct handle *)user;
    struct capture_packet pkt = {
        .ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
        .caplen = h->caplen,
        .wirelen = h->len,
        .linktype = hd->linktype,
        .data = bytes,
    };
    if (h->ts.tv_sec < 0)
        pkt.ts_us = 0;
    struct capture *c = hd->c;
    if (!c->live) {
        if (c->file_unseen)
            check_order(c, pkt.ts_us);
        if (pkt.ts_us > c->ts_max)
            c->ts_max = pkt.ts_us;
    }
    hd->sink->packet(hd->sink->ctx, &pkt);
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* libpcap 1.10 reads a pcapng only while every interface has the first one's
 * link type and snapshot length; past that its read fails with one of these
 * texts (sf-pcapng.c). Such a file is not damaged. */
static const char *const pcapng_refusals[] = {
    "an interface has a type ",
    "an interface has a snapshot length ",
};

/* The line for a read error of handle i, and its status. */
static enum capture_status read_error(const struct capture *c, size_t i, char *err, size_t errlen)
{
    pcap_t *p = c->h[i].p;
    const char *name = c->live ? c->iface : shown_name(c->names[i]);
    const char *why = pcap_geterr(p);
    if (!c->live && decompress_error(c->streams[i])) {
        snprintf(err, errlen, "%s: %s", name, decompress_error(c->streams[i]));
        return CAPTURE_ERR_READ;
    }
    for (size_t k = 0; !c->live && k < sizeof pcapng_refusals / sizeof pcapng_refusals[0]; k++) {
        size_t len = strlen(pcapng_refusals[k]);
        unsigned long v;
        if (strncmp(why, pcapng_refusals[k], len) != 0 || sscanf(why + len, "%lu", &v) != 1)
            continue;
        if (k == 1) { /* the same link type: editcap writes it as one pcap */
            snprintf(err, errlen,
                     "%s: its interfaces have different snapshot lengths (%d, then %lu), which "
                     "libpcap cannot read in one pcapng: convert it (editcap -F pcap FILE "
                     "OUT.pcap) and read that",
                     name, pcap_snapshot(p), v);
            return CAPTURE_ERR_LINKTYPE;
        }
        int linktype = c->h[i].linktype;
        const char *a = pcap_datalink_val_to_name(linktype);
        const char *b = pcap_datalink_val_to_name((int)v);
        char first[32], other[32];
        snprintf(first, sizeof first, "%s", a ? a : "");
        snprintf(other, sizeof other, "%s", b ? b : "");
        if (!a)
            snprintf(first, sizeof first, "%d", linktype);
        if (!b)
            snprintf(other, sizeof other, "%lu", v);
        snprintf(err, errlen,
                 "%s: its interfaces have different link types (%s, then %s), and libpcap reads "
                 "one per file: split it per interface (tshark -r FILE -Y 'frame.interface_id==N' "
                 "-w N.pcapng; editcap -F pcap -T ENCAP N.pcapng N.pcap) and give each with -r",
                 name, first, other);
        return CAPTURE_ERR_LINKTYPE;
    }
    snprintf(err, errlen, "%s: %s", name, why);
    return CAPTURE_ERR_READ;
}

static enum capture_status run_files(struct capture *c, const struct capture_sink *s, char *err,
                                     size_t errlen)
{
    for (size_t i = 0; i < c->nhandles && !atomic_load(&c->stop); i++) {
        struct handle *hd = &c->h[i];
        hd->sink = s;
        hd->linktype = pcap_datalink(hd->p);
        hd->c = c;
        c->file = i;
        c->file_unseen = i > 0;
        atomic_store(&c->current, hd->p);
        for (;;) {
            int rc = pcap_dispatch(hd->p, 4096, on_packet, (u_char *)hd);
            if (s->tick)
                s->tick(s->ctx, wall_us(), false);
            if (atomic_load(&c->stop) || rc == PCAP_ERROR_BREAK)
                break;
            if (rc == PCAP_ERROR) {
                atomic_store(&c->current, NULL);
                return read_error(c, i, err, errlen);
            }
            if (rc == 0)
                break; /* end of file */
        }
        atomic_store(&c->current, NULL);
    }
    return CAPTURE_OK;
}

/* Read what the ring holds; when it holds nothing, wait for a block (or a
 * stop) at most LIMIT_LIVE_POLL_MS, so that the caller's tick comes even when
 * no packet does. */
static enum capture_status run_live(struct capture *c, size_t i, const struct capture_sink *s,
                                    char *err, size_t errlen)
{
    struct handle *hd = &c->h[i];
    hd->sink = s;
    hd->linktype = pcap_datalink(hd->p);
    hd->c = c;
    struct pollfd fds[2] = {{.fd = pcap_get_selectable_fd(hd->p), .events = POLLIN},
                            {.fd = c->wake[0], .events = POLLIN}};
    while (!atomic_load(&c->stop)) {
        int rc = pcap_dispatch(hd->p, LIMIT_LIVE_BATCH, on_packet, (u_char *)hd);
        if (rc == PCAP_ERROR_BREAK)
            break;
        if (rc < 0)
            return read_error(c, i, err, errlen);
        bool quiet = false;
        if (rc == 0 && !atomic_load(&c->stop)) {
            int n = poll(fds, 2, LIMIT_LIVE_POLL_MS);
            if (n < 0 && errno != EINTR) {
                snprintf(err, errlen, "%s: poll: %s", c->iface, strerror(errno));
                return CAPTURE_ERR_READ;
            }
            quiet = n == 0;
        }
        if (s->tick)
            s->tick(s->ctx, wall_us(), quiet);
    }
    return CAPTURE_OK;
}

enum capture_status capture_run(struct capture *c, size_t h, const struct capture_sink *sink,
                                char *err, size_t errlen)
{
    if (!c->live)
        return run_files(c, sink, err, errlen);
    return h < c->nhandles ? run_live(c, h, sink, err, errlen) : CAPTURE_OK;
}

void capture_stop(struct capture *c)
{
    atomic_store(&c->stop, 1);
    if (c->live) {
        char b = 1;
        ssize_t rc = write(c->wake[1], &b, 1); /* a full pipe wakes pollers as well */
        (void)rc;
        for (size_t i = 0; i < c->nhandles; i++)
            pcap_breakloop(c->h[i].p);
        return;
    }
    pcap_t *p = atomic_load(&c->current);
    if (p)
        pcap_breakloop(p);
}

bool capture_stopped(const struct capture *c)
{
    return atomic_load(&c->stop) != 0;
}

void capture_get_stats(struct capture *c, size_t h, struct capture_stats *st)
{
    memset(st, 0, sizeof *st);
    st->live = c->live;
    struct pcap_stat ps;
    if (c->live && h < c->nhandles && pcap_stats(c->h[h].p, &ps) == 0) {
        st->kernel_drops = ps.ps_drop;
        /* Every handle reads the same interface counters. */
        st->interface_drops = h == 0 ? ps.ps_ifdrop : 0;
    }
}

void capture_describe(const struct capture *c, char *buf, size_t len)
{
    if (!c->nhandles) {
        snprintf(buf, len, "no source");
        return;
    }
    pcap_t *p = c->h[0].p;
    int lt = pcap_datalink(p);
    const char *name = pcap_datalink_val_to_name(lt);
    const char *desc = pcap_datalink_val_to_description(lt);
    snprintf(buf, len, "listening on %s, link-type %s (%s), snapshot length %d bytes",
             c->live ? c->iface : c->names[0], name ? name : "?", desc ? desc : "?",
             pcap_snapshot(p));
}

const char *capture_filter(const struct capture *c)
{
    return c->filter;
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nhandles; i++)
        pcap_close(c->h[i].p);
    for (size_t i = 0; c->buffers && i < c->nbuffers; i++)
        free(c->buffers[i]);
    for (size_t i = 0; c->streams && i < c->nbuffers; i++)
        decompress_free(c->streams[i]);
    free(c->streams);
    free(c->extents);
    for (int i = 0; i < 2; i++)
        if (c->wake[i] >= 0)
            close(c->wake[i]);
    free(c->buffers);
    free(c->h);
    free(c);
}

const char *capture_pcap_version(void)
{
    return pcap_lib_version();
}
