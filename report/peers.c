#include "peers.h"

#include <stdlib.h>
#include <string.h>

#include "direction.h"
#include "findings.h"
#include "format.h"
#include "rows.h"
#include "session.h"
#include "tls_names.h"

_Static_assert(LIMIT_PEERS % LIMIT_PEER_CHUNK == 0, "whole chunks of rows");

/* Where a session's peer was seen and what it was called. */
struct peer_seen {
    const char *name; /* from peers_server_name or peers_client_name; NULL: not yet */
    enum peer_source source;
    uint8_t family;
    const uint8_t *addr; /* 16 bytes */
    uint16_t port;       /* servers: the server port; clients: 0 */
    bool inside;
};

/* Where an address and port was last named: the row its sessions count in. */
struct endpoint {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
    uint32_t row; /* a row id, or NO_ROW */
};
#define NO_ROW UINT32_MAX

struct peers {
    struct rows rows;      /* struct peer_stats, by name and port */
    struct rows endpoints; /* struct endpoint, by address and port */
    struct peer_stats other;
    uint32_t last; /* the row of the last client named by its HELO, or NO_ROW */
};

struct peers *peers_new(const struct hash_key *key)
{
    struct peers *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (rows_init(&p->rows, key, sizeof(struct peer_stats), LIMIT_PEERS, LIMIT_PEER_CHUNK) < 0) {
        free(p);
        return NULL;
    }
    if (rows_init(&p->endpoints, key, sizeof(struct endpoint), LIMIT_PEERS, LIMIT_PEER_CHUNK) < 0) {
        rows_free(&p->rows);
        free(p);
        return NULL;
    }
    p->last = NO_ROW;
    p->other.other = true;
    p->other.worst = p->other.adv.worst = GRADE_UNKNOWN;
    p->other.source = PEER_FROM_ADDRESS;
    return p;
}

void peers_free(struct peers *p)
{
    if (!p)
        return;
    rows_free(&p->rows);
    rows_free(&p->endpoints);
    free(p);
}

/* Each byte of a host name as it is kept (lower case), 0 for the bytes
 * that cannot be in one. */
static const char name_chars[256] = {
    ['*'] = '*', ['-'] = '-', ['.'] = '.', ['_'] = '_', ['0'] = '0', ['1'] = '1', ['2'] = '2',
    ['3'] = '3', ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g',
    ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n',
    ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u',
    ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y', ['Z'] = 'z', ['a'] = 'a', ['b'] = 'b',
    ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i',
    ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p',
    ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w',
    ['x'] = 'x', ['y'] = 'y', ['z'] = 'z',
};

/* An address literal, "[192.0.2.1]", "[IPv6:2001:db8::1]": letters,
 * digits, ':' and '.' in brackets; kept as it is but in lower case. */
static bool literal_name(const char *s, size_t n, char *dst)
{
    if (n < 3 || s[n - 1] != ']')
        return false;
    for (size_t i = 1; i + 1 < n; i++) {
        char c = name_chars[(uint8_t)s[i]];
        if (!(c && c != '*' && c != '-' && c != '_') && s[i] != ':')
            return false;
    }
    for (size_t i = 0; i < n; i++)
        dst[i] = s[i] == '[' || s[i] == ']' || s[i] == ':' ? s[i] : name_chars[(uint8_t)s[i]];
    dst[n] = '\0';
    return true;
}

/* s in lower case into dst (LIMIT_PEER_NAME bytes) when it names a host: a
 * name of letters, digits, '-', '_', '*' and '.' (with a dot, not first,
 * when need_dot), or an address literal. Checked and copied in one pass:
 * every session's peers are named. False otherwise. */
static bool host_name(const char *s, bool need_dot, char *dst)
{
    size_t n = strnlen(s, LIMIT_PEER_NAME);
    if (n == 0 || n >= LIMIT_PEER_NAME)
        return false;
    if (s[0] == '[')
        return literal_name(s, n, dst);
    bool dot = false;
    for (size_t i = 0; i < n; i++) {
        char c = name_chars[(uint8_t)s[i]];
        if (!c)
            return false;
        dot |= c == '.';
        dst[i] = c;
    }
    dst[n] = '\0';
    return !need_dot || (dot && s[0] != '.');
}

/* The CN of an RFC 2253 subject ("CN=mx.example.com,O=Example"), into buf;
 * false when there is none. */
static bool subject_cn(const char *subject, char *buf)
{
    for (const char *p = subject; *p;) {
        if (strncmp(p, "CN=", 3) == 0) {
            size_t n = strcspn(p + 3, ",+\\");
            if (n == 0 || n >= LIMIT_PEER_NAME)
                return false;
            memcpy(buf, p + 3, n);
            buf[n] = '\0';
            return true;
        }
        p += strcspn(p, ",");
        p += *p == ',';
    }
    return false;
}

enum peer_source peers_server_name(const struct session_record *r, char *buf)
{
    char cn[LIMIT_PEER_NAME];
    if (host_name(r->greeting_host, true, buf))
        return PEER_FROM_GREETING;
    if (host_name(r->ehlo_host, true, buf))
        return PEER_FROM_EHLO;
    if (r->has_cert && subject_cn(r->cert_subject, cn) && host_name(cn, true, buf))
        return PEER_FROM_CERT;
    if (host_name(r->sni, true, buf))
        return PEER_FROM_SNI;
    fmt_addr(r->family, r->server, buf, LIMIT_PEER_NAME);
    return PEER_FROM_ADDRESS;
}

enum peer_source peers_client_name(const struct session_record *r, char *buf)
{
    if (r->has_helo && host_name(r->helo, false, buf))
        return PEER_FROM_HELO;
    fmt_addr(r->family, r->client, buf, LIMIT_PEER_NAME);
    return PEER_FROM_ADDRESS;
}

struct peer_key {
    const char *name;
    uint16_t port;
};

static bool same_peer(const void *row, const void *ctx)
{
    const struct peer_stats *s = row;
    const struct peer_key *k = ctx;
    return s->port == k->port && strcmp(s->name, k->name) == 0;
}

/* The id of the row of a name and port, made on first use; NO_ROW when the
 * table is full. */
static uint32_t row_of(struct peers *p, const char *name, uint16_t port, enum peer_source source)
{
    size_t n = strnlen(name, LIMIT_PEER_NAME - 1);
    struct peer_key k = {name, port};
    bool made;
    uint32_t id;
    struct peer_stats *row =
        rows_get(&p->rows, rows_hash(&p->rows, name, n, port), same_peer, &k, &made, &id);
    if (!row)
        return NO_ROW;
    if (made) {
        memcpy(row->name, name, n);
        row->name[n] = '\0';
        row->port = port;
        row->worst = row->adv.worst = GRADE_UNKNOWN;
        row->source = (uint8_t)source;
    } else if (source < row->source) {
        row->source = (uint8_t)source;
    }
    return id;
}

static bool same_endpoint(const void *row, const void *ctx)
{
    const struct endpoint *e = row;
    const struct peer_seen *k = ctx;
    return e->family == k->family && e->port == k->port && memcmp(e->addr, k->addr, 16) == 0;
}

/* The endpoint of a session's peer, made on first use (row NO_ROW); NULL
 * when the table is full. */
static struct endpoint *endpoint_of(struct peers *p, const struct peer_seen *seen)
{
    uint8_t key[16 + 1];
    memcpy(key, seen->addr, 16);
    key[16] = seen->family;
    bool made;
    uint32_t id;
    struct endpoint *e =
        rows_get(&p->endpoints, rows_hash(&p->endpoints, key, sizeof key, seen->port),
                 same_endpoint, seen, &made, &id);
    if (e && made) {
        e->family = seen->family;
        memcpy(e->addr, seen->addr, 16);
        e->port = seen->port;
        e->row = NO_ROW;
    }
    return e;
}

static void merge(struct peer_stats *to, struct peer_stats *from);

/* Would the session give its peer the name row has, from the source that
 * named the row? Told without copying or checking the name (row's is
 * lower case and was checked when made): the common case, a server that
 * says the same greeting every time, a client the same HELO. */
static bool same_text(const char *raw, const char *name)
{
    for (;; raw++, name++) {
        char c = *raw >= 'A' && *raw <= 'Z' ? (char)(*raw | 0x20) : *raw;
        if (c != *name)
            return false;
        if (!c)
            return true;
    }
}

static bool names_as(const struct peer_stats *row, enum peer_role role,
                     const struct session_record *r)
{
    if (role == PEER_CLIENT)
        return row->source == PEER_FROM_HELO && r->has_helo && same_text(r->helo, row->name);
    return row->source == PEER_FROM_GREETING && same_text(r->greeting_host, row->name);
}

/* A session that shows no name of its peer, at a glance (an empty field
 * for each source). */
static bool unnamed(enum peer_role role, const struct session_record *r)
{
    if (role == PEER_CLIENT)
        return !r->has_helo || !r->helo[0];
    return !r->greeting_host[0] && !r->ehlo_host[0] && !r->has_cert && !r->sni[0];
}

/* The row a named session counts in, and where its address counted before:
 * a row of that address alone is merged into it. */
static uint32_t named_row(struct peers *p, struct endpoint *e, const struct peer_seen *seen)
{
    uint32_t id = row_of(p, seen->name, seen->port, seen->source);
    if (id == NO_ROW || !e)
        return id;
    if (e->row != NO_ROW && e->row != id) {
        struct peer_stats *before = rows_at(&p->rows, e->row);
        if (before->source == PEER_FROM_ADDRESS)
            merge(rows_at(&p->rows, id), before);
    }
    e->row = id;
    return id;
}

/* A server's row: its name's, else the one its address and port counted in
 * before. Servers are few: every address and port is remembered, and a
 * session that names its server as before needs no lookup by name. */
static struct peer_stats *server_row(struct peers *p, const struct session_record *r,
                                     struct peer_seen *seen)
{
    struct endpoint *e = endpoint_of(p, seen);
    if (e && e->row != NO_ROW) {
        struct peer_stats *before = rows_at(&p->rows, e->row);
        if (names_as(before, PEER_SERVER, r) || unnamed(PEER_SERVER, r))
            return before;
    }
    char name[LIMIT_PEER_NAME];
    seen->name = name;
    seen->source = peers_server_name(r, name);
    if (seen->source == PEER_FROM_ADDRESS && e && e->row != NO_ROW)
        return rows_at(&p->rows, e->row);
    uint32_t id = named_row(p, e, seen);
    return id == NO_ROW ? &p->other : rows_at(&p->rows, id);
}

static bool has_addr(const struct peer_stats *s, uint8_t family, const uint8_t addr[16])
{
    for (unsigned i = 0; i < s->naddrs; i++)
        if (s->addrs[i].family == family && memcmp(s->addrs[i].addr, addr, 16) == 0)
            return true;
    return false;
}

/* A client's row: its HELO name's, else the one its address counted in.
 * Clients are many (a gateway hears from every host on the Internet): only
 * the addresses a row keeps are remembered, the first LIMIT_PEER_ADDRS of
 * each name, so that a session without HELO from one of them (implicit
 * TLS) counts under that name, and one from elsewhere under its address. */
static struct peer_stats *client_row(struct peers *p, const struct session_record *r,
                                     struct peer_seen *seen)
{
    /* A sender's sessions come in bursts (an MTA delivers in parallel): the
     * last client's row, when the HELO is the same, needs no lookup. */
    if (p->last != NO_ROW) {
        struct peer_stats *row = rows_at(&p->rows, p->last);
        if (names_as(row, PEER_CLIENT, r) &&
            (row->more_addrs || has_addr(row, seen->family, seen->addr)))
            return row;
    }
    char name[LIMIT_PEER_NAME];
    seen->name = name;
    seen->source = peers_client_name(r, name);
    uint32_t id;
    if (seen->source == PEER_FROM_ADDRESS) {
        struct endpoint *e = endpoint_of(p, seen);
        if (e && e->row != NO_ROW)
            return rows_at(&p->rows, e->row);
        id = row_of(p, name, 0, PEER_FROM_ADDRESS);
        if (e && id != NO_ROW)
            e->row = id;
    } else {
        id = row_of(p, name, 0, seen->source);
        struct peer_stats *row = id == NO_ROW ? NULL : rows_at(&p->rows, id);
        if (row && !row->more_addrs && !has_addr(row, seen->family, seen->addr))
            id = named_row(p, endpoint_of(p, seen), seen);
        p->last = id;
    }
    return id == NO_ROW ? &p->other : rows_at(&p->rows, id);
}

static void add_addr(struct peer_stats *s, uint8_t family, const uint8_t addr[16])
{
    if (s->more_addrs)
        return; /* full: another address changes nothing */
    for (unsigned i = 0; i < s->naddrs; i++)
        if (s->addrs[i].family == family && memcmp(s->addrs[i].addr, addr, 16) == 0)
            return;
    if (s->naddrs == LIMIT_PEER_ADDRS) {
        s->more_addrs = true;
        return;
    }
    s->addrs[s->naddrs].family = family;
    memcpy(s->addrs[s->naddrs].addr, addr, 16);
    s->naddrs++;
}

static void add_mode(struct peer_stats *s, const struct session_record *r, bool probe)
{
    switch (r->mode) {
    case SESSION_STARTTLS:
    case SESSION_IMPLICIT_TLS:
        s->encrypted++;
        break;
    case SESSION_PLAINTEXT:
        s->plaintext++;
        s->clear += !probe;
        break;
    case SESSION_STARTTLS_FAILED:
    case SESSION_IMPLICIT_TLS_FAILED:
        s->failed++;
        break;
    default:
        s->unknown++;
        break;
    }
}

static void add_cipher(struct peer_stats *s, uint32_t key)
{
    if (key == SESSION_NO_CIPHER)
        return;
    for (unsigned i = 0; i < s->nciphers; i++)
        if (s->ciphers[i] == key)
            return;
    if (s->nciphers < LIMIT_SERVER_CIPHERS)
        s->ciphers[s->nciphers++] = key;
    else
        s->more_ciphers = true;
}

static enum grade worse(enum grade a, enum grade b)
{
    return b != GRADE_UNKNOWN && (a == GRADE_UNKNOWN || b > a) ? b : a;
}

/* A session with a side of ours, for the recommendations. */
static void advise(struct peer_advice *a, const struct session_record *r, const struct verdict *v,
                   bool probe, bool inside)
{
    bool encrypted = r->mode == SESSION_STARTTLS || r->mode == SESSION_IMPLICIT_TLS;
    a->sessions++;
    if (v->direction != DIRECTION_NONE) {
        a->inside += inside;
        a->outside += !inside;
    }
    a->clear += r->mode == SESSION_PLAINTEXT && !probe;
    a->auth += (v->findings & (1u << FINDING_AUTH_CLEARTEXT)) != 0;
    a->failed += r->mode == SESSION_STARTTLS_FAILED || r->mode == SESSION_IMPLICIT_TLS_FAILED;
    if (encrypted && r->tls_version)
        a->versions |= (uint8_t)(1u << peer_version_bit(r->tls_version));
    if (encrypted)
        a->worst = worse(a->worst, v->grade);
}

/* Count one session in a row. */
static void count(struct peer_stats *s, const struct peer_seen *seen,
                  const struct session_record *r, const struct verdict *v)
{
    bool probe = v->session_class == CLASS_PROBE;
    s->sessions++;
    s->probes += probe;
    if (!s->other)
        add_addr(s, seen->family, seen->addr);
    add_mode(s, r, probe);
    s->offered += r->starttls_offered == SESSION_TRUE;
    s->envelope += (v->findings & (1u << FINDING_ENVELOPE_CLEARTEXT)) != 0;
    s->auth += (v->findings & (1u << FINDING_AUTH_CLEARTEXT)) != 0;
    s->messages += r->messages;
    s->findings += v->findings != 0;
    if (v->direction != DIRECTION_NONE) {
        s->inside += seen->inside;
        s->outside += !seen->inside;
    }
    if (v->direction != DIRECTION_EXTERNAL)
        advise(&s->adv, r, v, probe, seen->inside);
    if (r->mode != SESSION_STARTTLS && r->mode != SESSION_IMPLICIT_TLS)
        return;
    if (r->tls_version)
        s->versions |= (uint8_t)(1u << peer_version_bit(r->tls_version));
    add_cipher(s, r->cipher_key);
    s->weak += v->grade == GRADE_WEAK || v->grade == GRADE_INSECURE;
    s->worst = worse(s->worst, v->grade);
}

/* Everything from counted in to; from is left empty (merged). */
static void merge(struct peer_stats *to, struct peer_stats *from)
{
    for (unsigned i = 0; i < from->naddrs; i++)
        add_addr(to, from->addrs[i].family, from->addrs[i].addr);
    to->more_addrs |= from->more_addrs;
    to->sessions += from->sessions;
    to->encrypted += from->encrypted;
    to->plaintext += from->plaintext;
    to->failed += from->failed;
    to->unknown += from->unknown;
    to->probes += from->probes;
    to->offered += from->offered;
    to->clear += from->clear;
    to->envelope += from->envelope;
    to->auth += from->auth;
    to->messages += from->messages;
    to->weak += from->weak;
    to->inside += from->inside;
    to->outside += from->outside;
    to->findings += from->findings;
    to->versions |= from->versions;
    for (unsigned i = 0; i < from->nciphers; i++)
        add_cipher(to, from->ciphers[i]);
    to->more_ciphers |= from->more_ciphers;
    to->worst = worse(to->worst, from->worst);
    to->adv.sessions += from->adv.sessions;
    to->adv.inside += from->adv.inside;
    to->adv.outside += from->adv.outside;
    to->adv.clear += from->adv.clear;
    to->adv.auth += from->adv.auth;
    to->adv.failed += from->adv.failed;
    to->adv.versions |= from->adv.versions;
    to->adv.worst = worse(to->adv.worst, from->adv.worst);
    char name[LIMIT_PEER_NAME];
    memcpy(name, from->name, sizeof name);
    uint16_t port = from->port;
    memset(from, 0, sizeof *from);
    memcpy(from->name, name, sizeof name);
    from->port = port;
    from->source = PEER_FROM_ADDRESS;
    from->worst = from->adv.worst = GRADE_UNKNOWN;
    from->merged = true;
}

void peers_add(struct peers *p, enum peer_role role, const struct session_record *r,
               const struct verdict *v, bool inside)
{
    struct peer_seen seen = {
        .family = r->family,
        .addr = role == PEER_SERVER ? r->server : r->client,
        .port = role == PEER_SERVER ? r->server_port : 0,
        .inside = inside,
    };
    struct peer_stats *row =
        role == PEER_SERVER ? server_row(p, r, &seen) : client_row(p, r, &seen);
    count(row, &seen, r, v);
}

static int by_sessions(const void *x, const void *y)
{
    const struct peer_stats *a = *(struct peer_stats *const *)x;
    const struct peer_stats *b = *(struct peer_stats *const *)y;
    if (a->other != b->other)
        return a->other ? 1 : -1;
    if (a->sessions != b->sessions)
        return a->sessions > b->sessions ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return (a->port > b->port) - (a->port < b->port);
}

int peers_sorted(const struct peers *p, struct peer_stats ***out, size_t *nout)
{
    size_t n = p->other.sessions ? 1u : 0u;
    for (uint32_t id = 0; id < p->rows.count; id++)
        n += ((struct peer_stats *)rows_at(&p->rows, id))->sessions != 0;
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return 0;
    struct peer_stats **v = calloc(n, sizeof *v);
    if (!v)
        return -1;
    size_t k = 0;
    for (uint32_t id = 0; id < p->rows.count; id++) {
        struct peer_stats *row = rows_at(&p->rows, id);
        if (row->sessions)
            v[k++] = row;
    }
    if (p->other.sessions)
        v[k++] = (struct peer_stats *)&p->other;
    if (k > 1)
        qsort(v, k, sizeof *v, by_sessions);
    *out = v;
    *nout = k;
    return 0;
}

const char *peer_source_name(enum peer_source s)
{
    static const char *const names[PEER_SOURCE_COUNT] = {"greeting", "ehlo", "certificate",
                                                         "sni",      "helo", "address"};
    return (unsigned)s < PEER_SOURCE_COUNT ? names[s] : "address";
}

int peer_version_bit(uint16_t version)
{
    switch (version) {
    case TLS_VERSION_SSL2:
        return PV_SSL2;
    case TLS_VERSION_SSL3:
        return PV_SSL3;
    case TLS_VERSION_TLS10:
        return PV_TLS10;
    case TLS_VERSION_TLS11:
        return PV_TLS11;
    case TLS_VERSION_TLS12:
        return PV_TLS12;
    case TLS_VERSION_TLS13:
        return PV_TLS13;
    default:
        return PV_OTHER;
    }
}

const char *peer_version_name(int bit)
{
    static const char *const names[PV_COUNT] = {"SSLv2",   "SSLv3",   "TLSv1", "TLSv1.1",
                                                "TLSv1.2", "TLSv1.3", "other"};
    return bit >= 0 && bit < PV_COUNT ? names[bit] : "other";
}
