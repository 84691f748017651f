#include "direction.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "session.h"

static const char *const names[DIRECTION_COUNT] = {
    [DIRECTION_INBOUND] = "inbound",
    [DIRECTION_OUTBOUND] = "outbound",
    [DIRECTION_INTERNAL] = "internal",
    [DIRECTION_EXTERNAL] = "external",
};

const char *direction_name(enum direction d)
{
    return (unsigned)d < DIRECTION_COUNT ? names[d] : NULL;
}

/* Clear the bits of addr past the first bits. */
static void mask(uint8_t addr[16], unsigned bits)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
        addr[i] &= (uint8_t)(0xFF00u >> keep);
    }
}

/* Decimal digits only, as every number of the command line. */
static int prefix_len(const char *s, size_t n, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (n == 0 || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* One network, s[0..n) without blanks. */
static int parse_one(struct home_prefix *p, const char *s, size_t n, char *err, size_t errlen)
{
    char text[64];
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (alen == 0 || alen >= sizeof text) {
        snprintf(err, errlen, "--home-net: not an address or CIDR: '%.*s'", (int)(n > 64 ? 64 : n),
                 s);
        return -1;
    }
    memcpy(text, s, alen);
    text[alen] = '\0';
    memset(p, 0, sizeof *p);
    if (inet_pton(AF_INET, text, p->addr) == 1)
        p->family = 4;
    else if (inet_pton(AF_INET6, text, p->addr) == 1)
        p->family = 6;
    else {
        snprintf(err, errlen, "--home-net: not an address or CIDR: '%.*s'", (int)(n > 64 ? 64 : n),
                 s);
        return -1;
    }
    unsigned max = p->family == 4 ? 32 : 128, bits = max;
    if (slash && prefix_len(slash + 1, n - alen - 1, max, &bits) < 0) {
        snprintf(err, errlen, "--home-net: want a prefix length from 0 to %u: '%.*s'", max,
                 (int)(n > 64 ? 64 : n), s);
        return -1;
    }
    p->bits = (uint8_t)bits;
    mask(p->addr, bits);
    return 0;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

int home_net_parse(struct home_net *h, const char *text, char *err, size_t errlen)
{
    struct home_net next = *h;
    const char *p = text;
    for (;;) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && blank(*s))
            s++;
        while (e > s && blank(e[-1]))
            e--;
        if (s == e) {
            snprintf(err, errlen, "--home-net: an empty network in '%.64s'", text);
            return -1;
        }
        if (next.n >= LIMIT_HOME_NETS) {
            snprintf(err, errlen, "--home-net: more than %u networks", LIMIT_HOME_NETS);
            return -1;
        }
        if (parse_one(&next.nets[next.n], s, (size_t)(e - s), err, errlen) < 0)
            return -1;
        next.n++;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *h = next;
    return 0;
}

static bool in_prefix(const struct home_prefix *p, const uint8_t *addr)
{
    unsigned whole = p->bits / 8u, rest = p->bits % 8u;
    if (memcmp(p->addr, addr, whole) != 0)
        return false;
    return rest == 0 || ((addr[whole] ^ p->addr[whole]) & (uint8_t)(0xFF00u >> rest)) == 0;
}

bool home_net_contains(const struct home_net *h, uint8_t family, const uint8_t addr[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    uint8_t fam = family == 6 ? 6 : 4;
    const uint8_t *a = addr;
    if (fam == 6 && memcmp(addr, mapped, sizeof mapped) == 0) {
        fam = 4;
        a = addr + 12;
    }
    for (unsigned i = 0; i < h->n; i++)
        if (h->nets[i].family == fam && in_prefix(&h->nets[i], a))
            return true;
    return false;
}

size_t home_net_text(const struct home_net *h, unsigned i, char *buf, size_t len)
{
    char addr[FMT_ADDR_LEN];
    const struct home_prefix *p = &h->nets[i];
    fmt_addr(p->family, p->addr, addr, sizeof addr);
    int n = snprintf(buf, len, "%s/%u", addr, (unsigned)p->bits);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}

enum direction direction_of(const struct home_net *h, const struct session_record *r)
{
    if (!h || h->n == 0)
        return DIRECTION_NONE;
    bool client = home_net_contains(h, r->family, r->client);
    bool server = home_net_contains(h, r->family, r->server);
    if (client && server)
        return DIRECTION_INTERNAL;
    if (server)
        return DIRECTION_INBOUND;
    return client ? DIRECTION_OUTBOUND : DIRECTION_EXTERNAL;
}
