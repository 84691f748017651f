/* The stream harnesses (fuzz_smtp.c, fuzz_tls.c): one connection's two byte
 * streams, cut from the input into chunks (fuzz.h), fed three ways - each
 * chunk whole, one byte at a time, and in pieces whose sizes derive from the
 * input - each way into fresh decoders. Every event is checked against its
 * caps as it arrives and logged; the three logs must be identical, because
 * where TCP cut a stream must not change what the decoders report (except
 * after a gap: see fs_feed_chunk). */
#ifndef SMTPTLS_FUZZ_STREAM_H
#define SMTPTLS_FUZZ_STREAM_H

#include "fuzz.h"

#include "anomaly.h"
#include "caps.h"
#include "smtp.h"
#include "tls.h"

enum fev_kind {
    FEV_COMMAND = 1,
    FEV_REPLY,
    FEV_SMTP_ANOMALY,
    FEV_TO_TLS,
    FEV_CLIENT_HELLO,
    FEV_SERVER_HELLO,
    FEV_ALERT,
    FEV_RECORD,
    FEV_TLS_ANOMALY,
    FEV_GAP,
    FEV_CERTIFICATE,
    FEV_SERVER_KX,
};

static const char *const fev_names[] = {
    "?",          "command",      "reply",        "smtp-anomaly",
    "to-tls",     "client-hello", "server-hello", "alert",
    "tls-record", "tls-anomaly",  "gap",          "certificate",
    "server-kx",
};

struct fev {
    uint8_t kind, dir;
    uint16_t a;
    uint32_t b, c;
    uint64_t h;
};

#define FLOG_KEEP 512u

/* Every event goes into the count and the running digest; the first
 * FLOG_KEEP are kept to show where two logs part. */
struct flog {
    uint64_t count, digest;
    struct fev ev[FLOG_KEEP];
};

static inline void flog_add(struct flog *l, uint8_t kind, int dir, uint32_t a, uint32_t b,
                            uint32_t c, uint64_t h)
{
    struct fev e = {kind, (uint8_t)dir, (uint16_t)a, b, c, h};
    uint64_t d = l->digest;
    d = fuzz_mix(d, (uint64_t)kind << 56 | (uint64_t)(uint8_t)dir << 48 | (uint64_t)(a & 0xFFFFu));
    d = fuzz_mix(d, (uint64_t)b << 32 | c);
    d = fuzz_mix(d, h);
    l->digest = d;
    if (l->count < FLOG_KEEP)
        l->ev[l->count] = e;
    l->count++;
}

static inline void fev_print(const char *label, const struct flog *l, uint64_t i)
{
    if (i >= l->count) {
        fprintf(stderr, "  %s: (no event %llu; %llu events)\n", label, (unsigned long long)i,
                (unsigned long long)l->count);
        return;
    }
    if (i >= FLOG_KEEP) {
        fprintf(stderr, "  %s: event %llu not kept\n", label, (unsigned long long)i);
        return;
    }
    const struct fev *e = &l->ev[i];
    fprintf(stderr, "  %s: #%llu %s dir=%u a=%u b=%u c=%u h=%016llx\n", label,
            (unsigned long long)i,
            e->kind < sizeof fev_names / sizeof fev_names[0] ? fev_names[e->kind] : "?", e->dir,
            e->a, e->b, e->c, (unsigned long long)e->h);
}

static inline void flog_same(const struct flog *x, const char *xn, const struct flog *y,
                             const char *yn)
{
    if (x->count == y->count && x->digest == y->digest)
        return;
    uint64_t i = 0;
    uint64_t n = x->count < y->count ? x->count : y->count;
    if (n > FLOG_KEEP)
        n = FLOG_KEEP;
    while (i < n && memcmp(&x->ev[i], &y->ev[i], sizeof x->ev[i]) == 0)
        i++;
    fprintf(stderr, "events differ between feeding %s and %s (%llu vs %llu events):\n", xn, yn,
            (unsigned long long)x->count, (unsigned long long)y->count);
    if (i > 0)
        fev_print("both", x, i - 1);
    fev_print(xn, x, i);
    fev_print(yn, y, i);
    fuzz_fail("same events whatever the chunking", __FILE__, __LINE__);
}

/* ---- one run over both streams ---- */

enum { PROTO_SMTP, PROTO_TLS };

struct fstate {
    struct smtp smtp;
    struct tls tls;
    struct flog *log;
    int feeding;           /* direction being fed, -1 outside a feed */
    uint8_t mode[2];       /* PROTO_SMTP or PROTO_TLS */
    uint64_t offset[2];    /* stream bytes of each side so far (gaps included) */
    uint64_t tls_fed[2];   /* bytes given to tls_feed */
    uint64_t rec_sum[2];   /* header + body bytes of the records announced */
    uint32_t rec_last[2];  /* body length of the last record announced */
    bool tls_gapped[2];    /* a gap hit the TLS stream: stop byte accounting */
    bool gapped[2];        /* the side had a gap: feed it in whole chunks from then on */
    bool tls_dead[2];      /* the TLS direction failed: no more events */
    unsigned reply_index;  /* lowest index the next reply line may have */
    bool reply_after_last; /* the last reply line seen ended its reply (or none yet) */
    bool reply_gap;        /* a server gap since the last reply line */
};

/* TLS events */

static inline uint64_t cur_digest(uint64_t h, const struct cur *c)
{
    return fuzz_digest(h, cur_ptr(c), cur_left(c));
}

static inline void tls_ev_check_dir(struct fstate *st, int dir)
{
    FUZZ_CHECK(dir == 0 || dir == 1);
    FUZZ_CHECK(dir == st->feeding);
    FUZZ_CHECK(st->mode[dir] == PROTO_TLS);
    FUZZ_CHECK(!st->tls_dead[dir]);
}

static inline void fs_client_hello(void *ctx, const struct tls_client_hello *ch)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, SIDE_CLIENT);
    size_t ns = cur_left(&ch->suites);
    if (ch->sslv2_format)
        FUZZ_CHECK(ns % 3 == 0);
    else
        FUZZ_CHECK(ns % 2 == 0); /* may be empty: read leniently, with an anomaly */
    FUZZ_CHECK(!cur_failed(&ch->suites));
    FUZZ_CHECK(ch->sni_len <= 0xFFFFu);
    FUZZ_CHECK(ch->sni || ch->sni_len == 0);
    uint64_t h = cur_digest(0, &ch->suites);
    h = cur_digest(h, &ch->versions);
    h = cur_digest(h, &ch->extensions);
    h = cur_digest(h, &ch->groups);
    h = cur_digest(h, &ch->point_formats);
    h = cur_digest(h, &ch->alpn);
    if (ch->sni)
        h = fuzz_digest(h, ch->sni, ch->sni_len);
    flog_add(st->log, FEV_CLIENT_HELLO, SIDE_CLIENT, ch->legacy_version,
             (uint32_t)ns | (uint32_t)ch->sslv2_format << 31, (uint32_t)ch->sni_len, h);
}

static inline void fs_server_hello(void *ctx, const struct tls_server_hello *sh)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, SIDE_SERVER);
    if (sh->sslv2)
        FUZZ_CHECK(sh->version == TLS_VERSION_SSL2 && sh->sslv2_cipher <= 0xFFFFFFu);
    char buf[24];
    const char *name = tls_version_name(sh->version, buf, sizeof buf);
    FUZZ_CHECK(sh->version == 0 || (name && strlen(name) < sizeof buf));
    uint64_t h = cur_digest(0, &sh->extensions);
    flog_add(st->log, FEV_SERVER_HELLO, SIDE_SERVER, sh->version,
             (uint32_t)sh->cipher | (uint32_t)sh->hrr << 16 | (uint32_t)sh->sslv2 << 17 |
                 (uint32_t)sh->legacy_version << 18,
             sh->sslv2_cipher, fuzz_mix(h, sh->key_share_group));
}

static inline void fs_certificate(void *ctx, const struct tls_certificate *c)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, SIDE_SERVER);
    FUZZ_CHECK(cur_left(&c->leaf) <= LIMIT_TLS_HS_MSG);
    FUZZ_CHECK(c->count > 0 || cur_left(&c->leaf) == 0);
    flog_add(st->log, FEV_CERTIFICATE, SIDE_SERVER, 0, c->count, (uint32_t)cur_left(&c->leaf),
             cur_digest(0, &c->leaf));
}

static inline void fs_server_kx(void *ctx, const struct tls_server_kx *kx)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, SIDE_SERVER);
    FUZZ_CHECK(kx->group == 0 || kx->dh_bits == 0);
    flog_add(st->log, FEV_SERVER_KX, SIDE_SERVER, kx->group, kx->dh_bits, 0, 0);
}

static inline void fs_alert(void *ctx, int dir, uint8_t level, uint8_t desc)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, dir);
    FUZZ_CHECK(tls_alert_name(desc) != NULL);
    flog_add(st->log, FEV_ALERT, dir, level, desc, 0, 0);
}

static inline void fs_record(void *ctx, int dir, uint8_t type, bool encrypted, uint32_t len)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, dir);
    unsigned hdr = st->tls.d[dir].hdr_len; /* the header just read */
    if (st->tls.d[dir].sslv2) {
        FUZZ_CHECK(type == 0 && len <= 0x7FFFu && (hdr == 2 || hdr == 3));
    } else {
        FUZZ_CHECK(type >= TLS_CT_CHANGE_CIPHER_SPEC && type <= TLS_CT_HEARTBEAT);
        FUZZ_CHECK(len <= LIMIT_TLS_RECORD && hdr == 5);
    }
    st->rec_sum[dir] += hdr + len;
    st->rec_last[dir] = len;
    flog_add(st->log, FEV_RECORD, dir, type, len, encrypted, 0);
}

static inline void fs_tls_anomaly(void *ctx, int dir, enum anomaly a)
{
    struct fstate *st = ctx;
    tls_ev_check_dir(st, dir);
    FUZZ_CHECK((unsigned)a < ANOMALY_COUNT);
    flog_add(st->log, FEV_TLS_ANOMALY, dir, (uint32_t)a, 0, 0, 0);
}

static const struct tls_events fs_tls_events = {
    .client_hello = fs_client_hello,
    .server_hello = fs_server_hello,
    .alert = fs_alert,
    .record = fs_record,
    .anomaly = fs_tls_anomaly,
    .certificate = fs_certificate,
    .server_kx = fs_server_kx,
};

/* SMTP events */

static inline void fs_command(void *ctx, enum smtp_verb v, const uint8_t *arg, size_t arglen)
{
    struct fstate *st = ctx;
    FUZZ_CHECK(st->feeding == SIDE_CLIENT && st->mode[SIDE_CLIENT] == PROTO_SMTP);
    FUZZ_CHECK(v >= SMTP_VERB_OTHER && v < SMTP_VERB_EOM);
    FUZZ_CHECK(arglen <= LIMIT_SMTP_LINE);
    FUZZ_CHECK(arg || arglen == 0);
    flog_add(st->log, FEV_COMMAND, SIDE_CLIENT, (uint32_t)v, (uint32_t)arglen, 0,
             fuzz_digest(0, arg, arglen));
}

static inline void fs_reply(void *ctx, enum smtp_verb to, unsigned code, unsigned index, bool last,
                            const uint8_t *text, size_t textlen)
{
    struct fstate *st = ctx;
    FUZZ_CHECK(st->feeding == SIDE_SERVER && st->mode[SIDE_SERVER] == PROTO_SMTP);
    FUZZ_CHECK((unsigned)to < SMTP_VERB_COUNT);
    FUZZ_CHECK(code <= 999);
    /* Line indexes count up within a reply (a cut continuation line is not
     * reported, so they may skip) and start at 0 after its last line; after
     * a gap the reply may go on or start again. */
    if (st->reply_after_last)
        FUZZ_CHECK(index == 0);
    else if (st->reply_gap)
        FUZZ_CHECK(index == 0 || index >= st->reply_index);
    else
        FUZZ_CHECK(index >= st->reply_index);
    st->reply_after_last = last;
    st->reply_gap = false;
    FUZZ_CHECK(textlen <= LIMIT_SMTP_LINE);
    FUZZ_CHECK(text || textlen == 0);
    st->reply_index = last ? 0 : index + 1;
    flog_add(st->log, FEV_REPLY, SIDE_SERVER, code, (uint32_t)to | (uint32_t)last << 8,
             (uint32_t)textlen, fuzz_digest(0, text, textlen));
}

static inline void fs_smtp_anomaly(void *ctx, enum anomaly a)
{
    struct fstate *st = ctx;
    FUZZ_CHECK(st->feeding == 0 || st->feeding == 1);
    FUZZ_CHECK((unsigned)a < ANOMALY_COUNT);
    flog_add(st->log, FEV_SMTP_ANOMALY, st->feeding, (uint32_t)a, 0, 0, 0);
}

static inline bool fs_tls_may_start(uint8_t b)
{
    struct tls_header h;
    return tls_header_check(&b, 1, &h) != TLS_LOOK_NO;
}

static const struct smtp_events fs_smtp_events = {
    .command = fs_command,
    .reply = fs_reply,
    .anomaly = fs_smtp_anomaly,
    .tls_may_start = fs_tls_may_start,
};

/* Feeding */

static inline void fs_init(struct fstate *st, struct flog *log, bool smtp_at_start, bool tls_start)
{
    memset(st, 0, sizeof *st);
    memset(log, 0, sizeof *log);
    st->log = log;
    st->feeding = -1;
    st->reply_after_last = true;
    smtp_init(&st->smtp, smtp_at_start);
    tls_init(&st->tls);
    st->mode[0] = st->mode[1] = tls_start ? PROTO_TLS : PROTO_SMTP;
}

static inline void fs_free(struct fstate *st)
{
    smtp_free(&st->smtp);
    tls_free(&st->tls);
}

static inline void fs_tls(struct fstate *st, int dir, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    tls_feed(&st->tls, dir, p, n, &fs_tls_events, st);
    st->tls_fed[dir] += n;
    if (tls_failed(&st->tls, dir)) {
        st->tls_dead[dir] = true;
        return;
    }
    if (!st->tls_gapped[dir]) {
        /* The records announced account for every byte fed: all but the
         * rest of the last body, plus at most a partial header. */
        FUZZ_CHECK(st->tls_fed[dir] + st->rec_last[dir] >= st->rec_sum[dir]);
        FUZZ_CHECK(st->tls_fed[dir] <= st->rec_sum[dir] + 4u);
    }
}

/* As decode/session.c feeds a side: SMTP until smtp_feed hands over, then TLS. */
static inline void fs_feed(struct fstate *st, int dir, const uint8_t *p, size_t n)
{
    st->feeding = dir;
    while (n > 0) {
        if (st->mode[dir] == PROTO_TLS) {
            fs_tls(st, dir, p, n);
            st->offset[dir] += n;
            break;
        }
        bool to_tls = true;
        size_t used = smtp_feed(&st->smtp, dir, p, n, &fs_smtp_events, st, &to_tls);
        FUZZ_CHECK(used <= n);
        if (to_tls) {
            FUZZ_CHECK(used < n && fs_tls_may_start(p[used]));
        } else {
            FUZZ_CHECK(used == n);
        }
        st->offset[dir] += used;
        p += used;
        n -= used;
        if (to_tls) {
            st->mode[dir] = PROTO_TLS;
            flog_add(st->log, FEV_TO_TLS, dir, 0, (uint32_t)st->offset[dir],
                     (uint32_t)(st->offset[dir] >> 32), 0);
        }
    }
    st->feeding = -1;
}

static inline void fs_gap(struct fstate *st, int dir, uint64_t n)
{
    st->feeding = dir;
    st->gapped[dir] = true;
    flog_add(st->log, FEV_GAP, dir, 0, (uint32_t)n, 0, 0);
    if (st->mode[dir] == PROTO_TLS) {
        tls_gap(&st->tls, dir, n);
        st->tls_gapped[dir] = true;
        if (tls_failed(&st->tls, dir))
            st->tls_dead[dir] = true;
    } else {
        smtp_gap(&st->smtp, dir, n, &fs_smtp_events, st);
        if (dir == SIDE_SERVER)
            st->reply_gap = true;
    }
    st->offset[dir] += n;
    st->feeding = -1;
}

enum { FEED_WHOLE, FEED_BYTES, FEED_SPLIT, FEED_COUNT };
static const char *const feed_names[FEED_COUNT] = {"whole chunks", "byte by byte", "split chunks"};

/* Feed one chunk's bytes in the way strategy says, each piece an exact heap
 * copy. After a gap a side resynchronises on what the next segments look
 * like, their boundaries included (tls.c find_record trusts a record that
 * ends where a segment ends; smtp.c's resync looks at a segment's first
 * bytes), so from its first gap on a side is fed whole chunks, as segments,
 * in every way. */
static inline void fs_feed_chunk(struct fstate *st, int dir, const uint8_t *p, size_t n,
                                 int strategy, uint64_t *rng)
{
    if (st->gapped[dir])
        strategy = FEED_WHOLE;
    if (n == 0)
        return;
    if (strategy == FEED_BYTES) {
        uint8_t *b = fuzz_dup(p, 1); /* one byte, reused: still exact */
        for (size_t i = 0; i < n; i++) {
            b[0] = p[i];
            fs_feed(st, dir, b, 1);
        }
        free(b);
        return;
    }
    size_t i = 0;
    while (i < n) {
        size_t k = n - i;
        if (strategy == FEED_SPLIT) {
            uint64_t r = fuzz_rand(rng);
            size_t cap = (r & 3u) == 0 ? 4u : (r & 3u) == 1 ? 32u : 700u;
            size_t want = 1u + (size_t)((r >> 8) % cap);
            if (want < k)
                k = want;
        }
        uint8_t *b = fuzz_dup(p + i, k);
        fs_feed(st, dir, b, k);
        free(b);
        i += k;
    }
}

/* One run over all chunks. */
static inline void fs_run(struct fstate *st, const uint8_t *data, size_t size, int strategy,
                          uint64_t seed)
{
    struct fuzz_chunks ch = fuzz_chunks_make(data, size);
    const uint8_t *p;
    size_t n;
    unsigned idx = 0;
    uint64_t rng = seed;
    while (fuzz_chunk_next(&ch, &p, &n)) {
        int dir = (int)(idx++ & 1u);
        if (n >= FUZZ_SEP_LEN && memcmp(p, FUZZ_GAP, FUZZ_SEP_LEN) == 0) {
            uint64_t g = 1;
            p += FUZZ_SEP_LEN;
            n -= FUZZ_SEP_LEN;
            if (n >= 2) {
                g = ((uint64_t)p[0] << 8 | p[1]) + 1u;
                p += 2;
                n -= 2;
            }
            fs_gap(st, dir, g);
        }
        fs_feed_chunk(st, dir, p, n, strategy, &rng);
    }
}

#endif
