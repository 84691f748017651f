#include "filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "session.h"

static int full(const char *opt, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: at most %u values", opt, LIMIT_FILTER_VALUES);
    return -1;
}

int filter_set_time(struct filter *f, bool until, const char *text, char *err, size_t errlen)
{
    const char *opt = until ? "--until" : "--since";
    size_t n = strlen(text);
    int64_t us;
    bool digits = n > 0 && strspn(text, "0123456789") == n;
    if (digits && n <= 12) { /* Unix seconds, up to the year 33658 */
        us = (int64_t)strtoll(text, NULL, 10) * 1000000;
    } else if (fmt_parse_time(text, n, &us) < 0) {
        snprintf(err, errlen,
                 "%s: want a time, ISO 8601 (2026-11-30, 2026-11-30T08:00:00Z) or Unix "
                 "seconds: %.64s",
                 opt, text);
        return -1;
    }
    if (until) {
        f->until_given = true;
        f->until_us = us;
    } else {
        f->since_given = true;
        f->since_us = us;
    }
    return 0;
}

int filter_add_sensor(struct filter *f, const char *name, char *err, size_t errlen)
{
    if (f->nsensors >= LIMIT_FILTER_VALUES)
        return full("--sensor", err, errlen);
    f->sensors[f->nsensors++] = name;
    return 0;
}

/* Decimal digits of a port, 1 to 65535. */
static int port_of(const char *s, uint16_t *port)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
        return -1;
    unsigned long v = strtoul(s, NULL, 10);
    if (v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int filter_add_server(struct filter *f, const char *text, char *err, size_t errlen)
{
    if (f->nservers >= LIMIT_FILTER_VALUES)
        return full("--server", err, errlen);
    struct filter_server s;
    memset(&s, 0, sizeof s);
    char addr[64];
    const char *port = NULL;
    size_t n = strlen(text);
    if (text[0] == '[') { /* [IPv6] or [IPv6]:port */
        const char *close = strchr(text, ']');
        if (!close || (close[1] != ':' && close[1] != '\0') ||
            (size_t)(close - text - 1) >= sizeof addr)
            goto bad;
        memcpy(addr, text + 1, (size_t)(close - text - 1));
        addr[close - text - 1] = '\0';
        port = close[1] ? close + 2 : NULL;
    } else if (strchr(text, ':') != strrchr(text, ':')) { /* IPv6 alone */
        if (n >= sizeof addr)
            goto bad;
        memcpy(addr, text, n + 1);
    } else { /* IPv4, with a port or not */
        const char *colon = strchr(text, ':');
        size_t alen = colon ? (size_t)(colon - text) : n;
        if (alen >= sizeof addr)
            goto bad;
        memcpy(addr, text, alen);
        addr[alen] = '\0';
        port = colon ? colon + 1 : NULL;
    }
    if (inet_pton(AF_INET, addr, s.addr) == 1)
        s.family = 4;
    else if (inet_pton(AF_INET6, addr, s.addr) == 1)
        s.family = 6;
    else
        goto bad;
    if (port && port_of(port, &s.port) < 0)
        goto bad;
    f->servers[f->nservers++] = s;
    return 0;
bad:
    snprintf(err, errlen,
             "--server: want an address and maybe a port (192.0.2.1, 192.0.2.1:25, 2001:db8::1, "
             "[2001:db8::1]:25): %.64s",
             text);
    return -1;
}

int filter_add_direction(struct filter *f, const char *text, char *err, size_t errlen)
{
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        unsigned d = DIRECTION_NONE + 1;
        while (d < DIRECTION_COUNT && (strlen(direction_name((enum direction)d)) != len ||
                                       strncmp(p, direction_name((enum direction)d), len) != 0))
            d++;
        if (d == DIRECTION_COUNT) {
            snprintf(err, errlen,
                     "--direction: want inbound, outbound, internal or external: %.*s",
                     (int)(len > 64 ? 64 : len), p);
            return -1;
        }
        f->directions |= 1u << d;
        if (!p[len])
            return 0;
        p += len + 1;
    }
}

bool filter_active(const struct filter *f)
{
    return f->since_given || f->until_given || f->nsensors || f->nservers || f->directions;
}

static bool server_match(const struct filter *f, const struct session_record *r)
{
    for (unsigned i = 0; i < f->nservers; i++) {
        const struct filter_server *s = &f->servers[i];
        if (s->family == r->family && memcmp(s->addr, r->server, 16) == 0 &&
            (s->port == 0 || s->port == r->server_port))
            return true;
    }
    return false;
}

bool filter_match(const struct filter *f, const struct session_record *r, const char *sensor,
                  enum direction d)
{
    if (f->since_given && (int64_t)r->start_us < f->since_us)
        return false;
    if (f->until_given && (int64_t)r->start_us >= f->until_us)
        return false;
    if (f->directions && !(f->directions & 1u << d))
        return false;
    if (f->nservers && !server_match(f, r))
        return false;
    if (!f->nsensors)
        return true;
    for (unsigned i = 0; i < f->nsensors; i++)
        if (strcmp(f->sensors[i], sensor) == 0)
            return true;
    return false;
}
