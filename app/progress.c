#include "progress.h"

#include <time.h>
#include <unistd.h>

#include "caps.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void progress_init(struct progress *p, FILE *f, bool quiet)
{
    *p = (struct progress){0};
    if (quiet || !f || !isatty(fileno(f)))
        return;
    p->f = f;
    p->start_ns = now_ns();
    p->next_ns = p->start_ns + LIMIT_PROGRESS_MS * 1000000u;
}

bool progress_on(const struct progress *p)
{
    return p->f != NULL;
}

/* "412.3 MB": decimal units, as file sizes are shown by ls -h --si and tcpdump. */
static size_t bytes(char *buf, size_t len, double v)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    unsigned u = 0;
    while (v >= 1000.0 && u + 1 < sizeof unit / sizeof unit[0]) {
        v /= 1000.0;
        u++;
    }
    int n = snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return n < 0 ? 0 : (size_t)n;
}

static size_t duration(char *buf, size_t len, double s)
{
    unsigned long t = s > 0 && s < 1e9 ? (unsigned long)(s + 0.5) : 0;
    int n = t >= 3600 ? snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60)
                      : snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
    return n < 0 ? 0 : (size_t)n;
}

size_t progress_format(char *buf, size_t len, uint64_t done, uint64_t total, bool known,
                       uint64_t sessions, double seconds)
{
    char d[32], t[32], r[32], left[32] = "";
    bytes(d, sizeof d, (double)done);
    double rate = seconds > 0 ? (double)done / seconds : 0;
    bytes(r, sizeof r, rate);
    int n;
    if (known && total > 0) {
        bytes(t, sizeof t, (double)total);
        if (done > total)
            done = total;
        if (rate > 0)
            duration(left, sizeof left, (double)(total - done) / rate);
        n = snprintf(buf, len, "smtptls: %s of %s (%u%%), %s/s, %s left, %llu sessions", d, t,
                     (unsigned)(done * 100 / total), r, rate > 0 ? left : "?",
                     (unsigned long long)sessions);
    } else {
        n = snprintf(buf, len, "smtptls: %s read, %s/s, %llu sessions", d, r,
                     (unsigned long long)sessions);
    }
    if (n < 0)
        return 0;
    return (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}

bool progress_due(struct progress *p)
{
    return p->f && now_ns() >= p->next_ns;
}

void progress_show(struct progress *p, uint64_t done, uint64_t total, bool known,
                   uint64_t sessions)
{
    if (!p->f)
        return;
    uint64_t now = now_ns();
    p->next_ns = now + LIMIT_PROGRESS_MS * 1000000u;
    char line[160];
    progress_format(line, sizeof line, done, total, known, sessions,
                    (double)(now - p->start_ns) / 1e9);
    /* Carriage return, the line, erase to the end: one line redrawn in place. */
    fprintf(p->f, "\r%s\033[K", line);
    fflush(p->f);
    p->shown = true;
}

void progress_clear(struct progress *p)
{
    if (!p->f || !p->shown)
        return;
    fputs("\r\033[K", p->f);
    fflush(p->f);
    p->shown = false;
}
