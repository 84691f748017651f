#include "stats.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

/* The summary's order and keys (report/json_summary.c). */
static const struct {
    enum session_mode mode;
    const char *key;
} mode_keys[] = {
    {SESSION_PLAINTEXT, "plaintext"},
    {SESSION_STARTTLS, "starttls"},
    {SESSION_IMPLICIT_TLS, "implicit_tls"},
    {SESSION_STARTTLS_FAILED, "starttls_failed"},
    {SESSION_IMPLICIT_TLS_FAILED, "implicit_tls_failed"},
    {SESSION_UNKNOWN, "unknown"},
};

#define MODE_KEYS (sizeof mode_keys / sizeof mode_keys[0])

const char *stats_mode_key(enum session_mode m)
{
    for (size_t i = 0; i < MODE_KEYS; i++)
        if (mode_keys[i].mode == m)
            return mode_keys[i].key;
    return "unknown";
}

void stats_snapshot_fill(struct stats_snapshot *s, uint64_t time_us, const struct aggregate *a,
                         uint64_t stripped_late, const struct pipeline_stats *ps,
                         const struct capture_stats *cap, uint64_t flows_open, uint64_t rss_bytes)
{
    memset(s, 0, sizeof *s);
    s->time_us = time_us;
    s->c.sessions = a->total;
    memcpy(s->c.modes, a->modes, sizeof s->c.modes);
    s->c.encrypted = a->encrypted;
    s->c.starttls_offered = a->starttls_offered;
    s->c.leak_envelope = a->leak_envelope;
    s->c.leak_auth = a->leak_auth;
    memcpy(s->c.findings, a->findings, sizeof s->c.findings);
    s->c.findings[FINDING_STARTTLS_STRIPPED] += stripped_late;
    s->c.packets = ps->packets;
    s->c.bytes = ps->bytes;
    if (cap) {
        s->c.kernel_drops = cap->kernel_drops;
        s->live = cap->live;
    }
    s->flows_open = flows_open;
    s->rss_bytes = rss_bytes;
}

static uint64_t minus(uint64_t now, uint64_t prev)
{
    return now >= prev ? now - prev : 0;
}

/* The delta of every count, or the counts themselves when prev is NULL. */
static void counts(struct jsonb *b, const char *key, const struct stats_snapshot *now,
                   const struct stats_counts *prev)
{
    static const struct stats_counts zero;
    const struct stats_counts *n = &now->c, *p = prev ? prev : &zero;
    jb_open_object(b, key);
    jb_open_object(b, "sessions");
    jb_u64(b, "total", minus(n->sessions, p->sessions));
    for (size_t i = 0; i < MODE_KEYS; i++) {
        enum session_mode m = mode_keys[i].mode;
        jb_u64(b, mode_keys[i].key, minus(n->modes[m], p->modes[m]));
    }
    jb_close(b);
    jb_u64(b, "encrypted", minus(n->encrypted, p->encrypted));
    jb_u64(b, "starttls_offered", minus(n->starttls_offered, p->starttls_offered));
    jb_open_object(b, "leaks");
    jb_u64(b, "envelope", minus(n->leak_envelope, p->leak_envelope));
    jb_u64(b, "auth", minus(n->leak_auth, p->leak_auth));
    jb_close(b);
    jb_open_object(b, "findings");
    for (unsigned i = 0; i < FINDING_COUNT; i++)
        jb_u64(b, finding_name((enum finding)i), minus(n->findings[i], p->findings[i]));
    jb_close(b);
    jb_u64(b, "packets", minus(n->packets, p->packets));
    jb_u64(b, "bytes", minus(n->bytes, p->bytes));
    if (now->live)
        jb_u64(b, "kernel_drops", minus(n->kernel_drops, p->kernel_drops));
    else
        jb_null(b, "kernel_drops");
    jb_close(b);
}

const char *stats_line(struct jsonb *b, const struct stats_snapshot *now,
                       const struct stats_snapshot *prev, bool final, size_t *len)
{
    char when[40];
    size_t n = fmt_time(now->time_us, when, sizeof when);
    uint64_t span_us = minus(now->time_us, prev->time_us);
    jb_reset(b);
    jb_open_object(b, NULL);
    jb_strn(b, "time", when, n);
    jb_double(b, "interval_s", (double)span_us / 1e6, 6);
    jb_bool(b, "final", final);
    counts(b, "total", now, NULL);
    counts(b, "delta", now, &prev->c);
    jb_u64(b, "flows_open", now->flows_open);
    if (now->rss_bytes)
        jb_u64(b, "resident_memory_bytes", now->rss_bytes);
    else
        jb_null(b, "resident_memory_bytes");
    jb_str(b, "resident_memory_source", "/proc/self/statm");
    jb_close(b);
    jb_end_line(b);
    if (jb_error(b) != JB_OK)
        return NULL;
    *len = jb_len(b);
    return jb_data(b);
}

uint64_t stats_resident_bytes(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    uintmax_t size, resident;
    if (sscanf(buf, "%ju %ju", &size, &resident) != 2)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}
