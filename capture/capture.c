#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "decompress.h"

struct capture {
    pcap_t **handles;
    char **buffers;              /* each file's stdio buffer, freed after pcap_close */
    struct decompress **streams; /* each file's decompressing stream or NULL, ditto */
    size_t nbuffers;
    size_t nhandles;
    const char *const *names;
    bool live;
    volatile sig_atomic_t stop;
    pcap_t *volatile current;
    capture_fn fn;
    void *ctx;
    int linktype;
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

static pcap_t *open_file(const char *name, char **buffer, struct decompress **dz, char *err,
                         size_t errlen)
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

static pcap_t *open_live(const char *iface, int snaplen, enum capture_status *status, char *err,
                         size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        *status = CAPTURE_ERR_OPEN;
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        return NULL;
    }
    pcap_set_snaplen(p, snaplen > 0 ? snaplen : LIMIT_SNAPLEN);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, LIMIT_LIVE_TIMEOUT_MS);
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, LIMIT_LIVE_BUFFER);
    int rc = pcap_activate(p);
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

struct capture *capture_open(const struct capture_options *opt, enum capture_status *status,
                             char *err, size_t errlen)
{
    struct capture *c = calloc(1, sizeof *c);
    size_t n = opt->iface ? 1 : opt->nfiles;
    *status = CAPTURE_ERR_OPEN;
    if (!c || n == 0) {
        snprintf(err, errlen, "no capture source");
        free(c);
        return NULL;
    }
    c->handles = calloc(n, sizeof *c->handles);
    c->buffers = calloc(n, sizeof *c->buffers);
    c->streams = calloc(n, sizeof *c->streams);
    if (!c->handles || !c->buffers || !c->streams) {
        snprintf(err, errlen, "out of memory");
        free(c->handles);
        free(c->buffers);
        free(c->streams);
        free(c);
        return NULL;
    }
    c->nbuffers = n;
    c->live = opt->iface != NULL;
    c->names = opt->files;
    c->warn = opt->warn;
    c->warn_ctx = opt->warn_ctx;
    for (size_t i = 0; i < n; i++) {
        const char *name = c->live ? opt->iface : opt->files[i];
        pcap_t *p = c->live ? open_live(name, opt->snaplen, status, err, errlen)
                            : open_file(name, &c->buffers[i], &c->streams[i], err, errlen);
        if (!p) {
            *status = CAPTURE_ERR_OPEN;
            capture_close(c);
            return NULL;
        }
        c->handles[c->nhandles++] = p;
        int lt = pcap_datalink(p);
        if (opt->linktype_ok && !opt->linktype_ok(lt)) {
            const char *dlt = pcap_datalink_val_to_name(lt);
            snprintf(err, errlen, "%s: unsupported link type %d (%s)", name, lt,
                     dlt ? dlt : "unknown");
            *status = CAPTURE_ERR_LINKTYPE;
            capture_close(c);
            return NULL;
        }
        if (apply_filter(p, opt->filter, c->live, err, errlen, name) < 0 &&
            (!opt->fallback_filter ||
             apply_filter(p, opt->fallback_filter, c->live, err, errlen, name) < 0) &&
            !opt->allow_unfiltered) {
            *status = CAPTURE_ERR_FILTER;
            capture_close(c);
            return NULL;
        }
    }
    *status = CAPTURE_OK;
    return c;
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
    struct capture *c = (struct capture *)user;
    struct capture_packet pkt = {
        .ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
        .caplen = h->caplen,
        .wirelen = h->len,
        .linktype = c->linktype,
        .data = bytes,
    };
    if (h->ts.tv_sec < 0)
        pkt.ts_us = 0;
    if (c->file_unseen)
        check_order(c, pkt.ts_us);
    if (pkt.ts_us > c->ts_max)
        c->ts_max = pkt.ts_us;
    c->fn(c->ctx, &pkt);
}

/* libpcap 1.10 reads a pcapng only while every interface has the first one's
 * link type and snapshot length; past that its read fails with one of these
 * texts (sf-pcapng.c). Such a file is not damaged. */
static const char *const pcapng_refusals[] = {
    "an interface has a type ",
    "an interface has a snapshot length ",
};

/* The line for a read error of file i, and its status. */
static enum capture_status read_error(struct capture *c, size_t i, char *err, size_t errlen)
{
    const char *name = c->live ? "interface" : shown_name(c->names[i]);
    const char *why = pcap_geterr(c->handles[i]);
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
                     name, pcap_snapshot(c->handles[i]), v);
            return CAPTURE_ERR_LINKTYPE;
        }
        const char *a = pcap_datalink_val_to_name(c->linktype);
        const char *b = pcap_datalink_val_to_name((int)v);
        char first[32], other[32];
        snprintf(first, sizeof first, "%s", a ? a : "");
        snprintf(other, sizeof other, "%s", b ? b : "");
        if (!a)
            snprintf(first, sizeof first, "%d", c->linktype);
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

enum capture_status capture_run(struct capture *c, capture_fn fn, void *ctx, char *err,
                                size_t errlen)
{
    c->fn = fn;
    c->ctx = ctx;
    for (size_t i = 0; i < c->nhandles && !c->stop; i++) {
        pcap_t *p = c->handles[i];
        c->current = p;
        c->linktype = pcap_datalink(p);
        c->file = i;
        c->file_unseen = !c->live && i > 0;
        for (;;) {
            int rc = pcap_dispatch(p, c->live ? -1 : 4096, on_packet, (u_char *)c);
            if (c->stop || rc == PCAP_ERROR_BREAK)
                break;
            if (rc == PCAP_ERROR) {
                c->current = NULL;
                return read_error(c, i, err, errlen);
            }
            if (rc == 0 && !c->live)
                break; /* end of file */
        }
        c->current = NULL;
    }
    return CAPTURE_OK;
}

void capture_stop(struct capture *c)
{
    c->stop = 1;
    pcap_t *p = c->current;
    if (p)
        pcap_breakloop(p);
}

void capture_get_stats(struct capture *c, struct capture_stats *st)
{
    memset(st, 0, sizeof *st);
    st->live = c->live;
    if (c->live && c->nhandles) {
        struct pcap_stat ps;
        if (pcap_stats(c->handles[0], &ps) == 0)
            st->kernel_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
    }
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nhandles; i++)
        pcap_close(c->handles[i]);
    for (size_t i = 0; c->buffers && i < c->nbuffers; i++)
        free(c->buffers[i]);
    for (size_t i = 0; c->streams && i < c->nbuffers; i++)
        decompress_free(c->streams[i]);
    free(c->buffers);
    free(c->streams);
    free(c->handles);
    free(c);
}

const char *capture_pcap_version(void)
{
    return pcap_lib_version();
}
