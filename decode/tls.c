#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"

enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_HELLO_RETRY_REQUEST_DRAFT = 6,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    EXT_SERVER_NAME = 0,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_EC_POINT_FORMATS = 11,
    EXT_ALPN = 16,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_KEY_SHARE = 51,
    EXT_KEY_SHARE_DRAFT = 40, /* TLS 1.3 drafts before 23 */
    SSL2_MT_CLIENT_HELLO = 1,
    SSL2_MT_SERVER_HELLO = 4,
};

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random,
 * SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

unsigned tls_null_cipher_mac_len(uint16_t cipher)
{
    switch (cipher) {
    case 0x0001: /* TLS_RSA_WITH_NULL_MD5 */
        return 16;
    case 0x0002: /* TLS_RSA_WITH_NULL_SHA */
    case 0x002C: /* TLS_PSK_WITH_NULL_SHA */
    case 0x002D: /* TLS_DHE_PSK_WITH_NULL_SHA */
    case 0x002E: /* TLS_RSA_PSK_WITH_NULL_SHA */
    case 0xC001: /* TLS_ECDH_ECDSA_WITH_NULL_SHA */
    case 0xC006: /* TLS_ECDHE_ECDSA_WITH_NULL_SHA */
    case 0xC00B: /* TLS_ECDH_RSA_WITH_NULL_SHA */
    case 0xC010: /* TLS_ECDHE_RSA_WITH_NULL_SHA */
    case 0xC015: /* TLS_ECDH_anon_WITH_NULL_SHA */
    case 0xC039: /* TLS_ECDHE_PSK_WITH_NULL_SHA */
        return 20;
    case 0x003B: /* TLS_RSA_WITH_NULL_SHA256 */
    case 0x00B0: /* TLS_PSK_WITH_NULL_SHA256 */
    case 0x00B4: /* TLS_DHE_PSK_WITH_NULL_SHA256 */
    case 0x00B8: /* TLS_RSA_PSK_WITH_NULL_SHA256 */
    case 0xC03A: /* TLS_ECDHE_PSK_WITH_NULL_SHA256 */
        return 32;
    case 0x00B1: /* TLS_PSK_WITH_NULL_SHA384 */
    case 0x00B5: /* TLS_DHE_PSK_WITH_NULL_SHA384 */
    case 0x00B9: /* TLS_RSA_PSK_WITH_NULL_SHA384 */
    case 0xC03B: /* TLS_ECDHE_PSK_WITH_NULL_SHA384 */
        return 48;
    default:
        return 0;
    }
}

void tls_set_null_cipher(struct tls *t, unsigned mac_len)
{
    t->null_mac_len = (uint8_t)mac_len;
}

void tls_init(struct tls *t)
{
    memset(t, 0, sizeof *t);
}

void tls_set_budget(struct tls *t, struct tls_budget *b)
{
    t->budget = b;
}

void tls_free(struct tls *t)
{
    for (int i = 0; i < 2; i++) {
        if (t->budget)
            t->budget->used -= t->d[i].hs_cap;
        free(t->d[i].hs);
        t->d[i].hs = NULL;
        t->d[i].hs_cap = 0;
        t->d[i].hs_len = 0;
    }
}

bool tls_failed(const struct tls *t, int side)
{
    return t->d[side].failed;
}

/* RFC 8446 5.1 TLSPlaintext: ContentType type (change_cipher_spec 20 to
 * heartbeat 24); ProtocolVersion legacy_record_version, 3.0 (SSLv3) to 3.4;
 * uint16 length, at most the ciphertext limit. An SSLv2 record
 * (draft-hickman-netscape-ssl-00 "Record Header"): two bytes, the high bit
 * set, 15 bits of length; its first body byte the message type. */
enum tls_look tls_header_check(const uint8_t *p, size_t n, struct tls_header *h)
{
    struct cur c = cur_make(p, n);
    uint8_t b0, major, minor, mt;
    uint16_t v;
    memset(h, 0, sizeof *h);
    if (!cur_u8(&c, &b0))
        return TLS_LOOK_MAYBE;
    if (b0 & 0x80) {
        h->sslv2 = true;
        h->size = 2;
        c = cur_make(p, n);
        if (!cur_u16(&c, &v))
            return TLS_LOOK_MAYBE;
        h->len = v & 0x7FFFu;
        if (!cur_u8(&c, &mt))
            return TLS_LOOK_MAYBE;
        h->hello = mt == SSL2_MT_CLIENT_HELLO || mt == SSL2_MT_SERVER_HELLO;
        return h->hello ? TLS_LOOK_YES : TLS_LOOK_NO;
    }
    h->type = b0;
    h->size = 5;
    h->hello = b0 == TLS_CT_HANDSHAKE;
    if (b0 < TLS_CT_CHANGE_CIPHER_SPEC || b0 > TLS_CT_HEARTBEAT)
        return TLS_LOOK_NO;
    if (!cur_u8(&c, &major))
        return TLS_LOOK_MAYBE;
    if (major != 3)
        return TLS_LOOK_NO;
    if (!cur_u8(&c, &minor))
        return TLS_LOOK_MAYBE;
    if (minor > 4)
        return TLS_LOOK_NO;
    if (!cur_u16(&c, &v))
        return TLS_LOOK_MAYBE;
    h->len = v;
    return v <= LIMIT_TLS_RECORD ? TLS_LOOK_YES : TLS_LOOK_NO;
}

/* Extensions common to both hellos: a vector of (type, vector16) where each
 * extension body must be consumed exactly and no type may repeat. */
struct ext_iter {
    struct cur all;
    uint8_t seen[LIMIT_TLS_EXTENSIONS / 8 * 8 + 8]; /* bitmap of the low types */
    unsigned count;
};

static bool ext_next(struct ext_iter *it, uint16_t *type, struct cur *body, bool *dup)
{
    if (cur_empty(&it->all) || ++it->count > LIMIT_TLS_EXTENSIONS)
        return false;
    cur_u16(&it->all, type);
    cur_vec16(&it->all, body);
    if (cur_failed(&it->all))
        return false;
    *dup = false;
    if (*type < sizeof it->seen * 8u) {
        uint8_t bit = (uint8_t)(1u << (*type & 7u));
        *dup = (it->seen[*type >> 3] & bit) != 0;
        it->seen[*type >> 3] |= bit;
    }
    return true;
}

static void parse_client_hello(struct cur m, const struct tls_events *ev, void *ctx)
{
    struct tls_client_hello ch = {0};
    struct cur sid, comp;
    cur_u16(&m, &ch.legacy_version);
    cur_skip(&m, 32);
    cur_vec8(&m, &sid);
    cur_vec16(&m, &ch.suites);
    cur_vec8(&m, &comp);
    if (cur_failed(&m) || cur_left(&ch.suites) % 2 != 0) {
        ev->anomaly(ctx, SIDE_CLIENT, ANOMALY_TLS_BAD_HANDSHAKE);
        return;
    }
    /* Out of the RFC but readable: said, and read on, as tshark does. */
    if (cur_left(&sid) > 32 || cur_empty(&ch.suites) || cur_empty(&comp))
        ev->anomaly(ctx, SIDE_CLIENT, ANOMALY_TLS_BAD_HANDSHAKE);
    ch.versions = ch.extensions = ch.groups = ch.point_formats = ch.alpn = cur_make(NULL, 0);
    if (!cur_empty(&m)) {
        struct ext_iter it = {.all = cur_make(NULL, 0)};
        if (!cur_vec16(&m, &it.all)) {
            ev->anomaly(ctx, SIDE_CLIENT, ANOMALY_TLS_TRAILING_BYTES);
            it.all = cur_make(NULL, 0); /* no extensions we can trust */
        }
        ch.extensions = it.all;
        uint16_t type;
        struct cur body;
        bool dup;
        while (ext_next(&it, &type, &body, &dup)) {
            if (dup)
                ev->anomaly(ctx, SIDE_CLIENT, ANOMALY_TLS_DUP_EXTENSION);
            bool ok = true;
            if (type == EXT_SERVER_NAME) {
                struct cur list, name;
                uint8_t nt;
                ok = cur_vec16(&body, &list);
                while (ok && !cur_empty(&list)) {
                    cur_u8(&list, &nt);
                    cur_vec16(&list, &name);
                    if (cur_failed(&list)) {
                        ok = false;
                        break;
                    }
                    if (nt == 0 && !ch.sni) {
                        ch.sni = cur_ptr(&name);
                        ch.sni_len = cur_left(&name);
                    }
                }
                if (!ok) {
                    ch.sni = NULL; /* a name we cannot trust is no name */
                    ch.sni_len = 0;
                }
            } else if (type == EXT_SUPPORTED_VERSIONS) {
                ok = cur_vec8(&body, &ch.versions) && cur_left(&ch.versions) % 2 == 0;
                if (!ok)
                    ch.versions = cur_make(NULL, 0);
            } else if (type == EXT_SUPPORTED_GROUPS) {
                ok = cur_vec16(&body, &ch.groups) && cur_left(&ch.groups) % 2 == 0;
            } else if (type == EXT_EC_POINT_FORMATS) {
                ok = cur_vec8(&body, &ch.point_formats);
            } else if (type == EXT_ALPN) {
                ok = cur_vec16(&body, &ch.alpn);
            } else {
                cur_skip(&body, cur_left(&body));
            }
            /* Each vector must fill its extension exactly (RFC 8446 4.2). */
            if (!ok || !cur_empty(&body))
                ev->anomaly(ctx, SIDE_CLIENT, ANOMALY_TLS_BAD_EXTENSION);
        }
        if (cur_failed(&it.all) || !cur_empty(&it.all))
            ev->anomaly(ctx, SIDE_CLIENT, ANOMALY_TLS_TRAILING_BYTES);
    }
    ev->client_hello(ctx, &ch);
}

static bool draft_layout(uint16_t v)
{
    /* TLS 1.3 drafts before 22 dropped session_id and compression from the
     * ServerHello and put the version in it; some said 0x0304 already. */
    return v == TLS_VERSION_TLS13 || ((v >> 8) == 0x7F && (v & 0xFFu) < 22u);
}

/* The first ServerHello (after any HelloRetryRequest) chooses the version;
 * a second one changes nothing. */
static void take_server_hello(struct tls *t, int side, const struct tls_server_hello *sh,
                              const struct tls_events *ev, void *ctx)
{
    if (t->server_hello_done) {
        ev->anomaly(ctx, side, ANOMALY_TLS_UNEXPECTED_MESSAGE);
        return;
    }
    if (!sh->hrr || t->version == 0)
        t->version = sh->version;
    t->server_hello_done = !sh->hrr;
    ev->server_hello(ctx, sh);
}

static void parse_server_hello(struct tls *t, struct cur m, bool draft_hrr,
                               const struct tls_events *ev, void *ctx)
{
    struct tls_server_hello sh = {0};
    const uint8_t *random = NULL;
    cur_u16(&m, &sh.legacy_version);
    if (!draft_hrr)
        cur_span(&m, 32, &random);
    if (draft_hrr || draft_layout(sh.legacy_version)) {
        if (!draft_hrr)
            cur_u16(&m, &sh.cipher);
    } else {
        struct cur sid;
        uint8_t comp;
        cur_vec8(&m, &sid);
        cur_u16(&m, &sh.cipher);
        cur_u8(&m, &comp);
        if (cur_left(&sid) > 32)
            ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_BAD_HANDSHAKE);
    }
    if (cur_failed(&m)) {
        ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_BAD_HANDSHAKE);
        return;
    }
    sh.version = sh.legacy_version;
    sh.hrr = draft_hrr || (random && memcmp(random, hrr_random, 32) == 0);
    sh.extensions = cur_make(NULL, 0);
    if (!cur_empty(&m)) {
        struct ext_iter it = {.all = cur_make(NULL, 0)};
        if (!cur_vec16(&m, &it.all)) {
            ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_BAD_HANDSHAKE);
            return;
        }
        sh.extensions = it.all;
        uint16_t type, v;
        struct cur body;
        bool dup;
        while (ext_next(&it, &type, &body, &dup)) {
            if (dup)
                ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_DUP_EXTENSION);
            bool ok = true;
            if (type == EXT_SUPPORTED_VERSIONS) {
                ok = cur_u16(&body, &v);
                if (ok)
                    sh.version = v;
            } else if (type == EXT_KEY_SHARE || type == EXT_KEY_SHARE_DRAFT) {
                /* ServerHello: group and key_exchange<1..2^16-1>; HRR: the group alone. */
                struct cur key;
                ok = cur_u16(&body, &v) && (sh.hrr || (cur_vec16(&body, &key) && !cur_empty(&key)));
                if (ok)
                    sh.key_share_group = v;
            } else {
                cur_skip(&body, cur_left(&body));
            }
            if (!ok || !cur_empty(&body))
                ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_BAD_EXTENSION);
        }
        if (cur_failed(&it.all) || !cur_empty(&it.all) || !cur_empty(&m))
            ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_TRAILING_BYTES);
    }
    take_server_hello(t, SIDE_SERVER, &sh, ev, ctx);
}

/* RFC 5246 7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>; TLS 1.3
 * adds a request context and per-entry extensions, but is encrypted. */
static void parse_certificate(struct cur m, const struct tls_events *ev, void *ctx)
{
    struct tls_certificate c = {.leaf = cur_make(NULL, 0)};
    struct cur list, cert;
    if (!cur_vec24(&m, &list) || !cur_empty(&m)) {
        ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_BAD_HANDSHAKE);
        return;
    }
    while (!cur_empty(&list) && cur_vec24(&list, &cert)) {
        if (c.count++ == 0)
            c.leaf = cert;
    }
    if (cur_failed(&list))
        ev->anomaly(ctx, SIDE_SERVER, ANOMALY_TLS_BAD_HANDSHAKE);
    if (ev->certificate)
        ev->certificate(ctx, &c);
}

/* RFC 8422 5.4 (ECDHE: curve_type 3 = named_curve, then the curve) or RFC
 * 5246 7.4.3 (DHE: dh_p<1..2^16-1>, dh_g, dh_Ys). The suite says which; the
 * layouts are told apart by which one the bytes fit. */
/* The size in bits of a big-endian unsigned number (leading zeros ignored). */
static unsigned bit_length(struct cur num)
{
    uint8_t top = 0;
    while (cur_peek(&num, 0, &top) && top == 0)
        cur_skip(&num, 1);
    size_t n = cur_left(&num);
    if (n == 0)
        return 0;
    unsigned bits = (unsigned)n * 8u;
    for (; !(top & 0x80); top = (uint8_t)(top << 1))
        bits--;
    return bits;
}

static void parse_server_kx(struct cur m, const struct tls_events *ev, void *ctx)
{
    struct tls_server_kx kx = {0};
    struct cur ec = m, dh = m, point, p, g, ys;
    uint8_t curve_type;
    cur_u8(&ec, &curve_type);
    cur_u16(&ec, &kx.group);
    cur_vec8(&ec, &point);
    bool is_ec = !cur_failed(&ec) && curve_type == 3 && !cur_empty(&point);
    cur_vec16(&dh, &p);
    cur_vec16(&dh, &g);
    cur_vec16(&dh, &ys);
    bool is_dh = !cur_failed(&dh) && !cur_empty(&p) && !cur_empty(&g) && !cur_empty(&ys);
    if (is_ec && !(is_dh && cur_left(&p) > 64)) {
        kx.dh_bits = 0;
    } else if (is_dh) {
        kx.group = 0;
        unsigned bits = bit_length(p);
        kx.dh_bits = (uint16_t)(bits > 0xFFFF ? 0xFFFF : bits);
    } else {
        return; /* PSK or another layout: nothing to say */
    }
    if (ev->server_kx)
        ev->server_kx(ctx, &kx);
}

static void handle_message(struct tls *t, int side, uint8_t type, struct cur body,
                           const struct tls_events *ev, void *ctx)
{
    if (type == HS_CLIENT_HELLO && side == SIDE_CLIENT)
        parse_client_hello(body, ev, ctx);
    else if (type == HS_SERVER_HELLO && side == SIDE_SERVER)
        parse_server_hello(t, body, false, ev, ctx);
    else if (type == HS_HELLO_RETRY_REQUEST_DRAFT && side == SIDE_SERVER)
        parse_server_hello(t, body, true, ev, ctx);
    else if (type == HS_CERTIFICATE && side == SIDE_SERVER && !tls_is_13(t->version))
        parse_certificate(body, ev, ctx);
    else if (type == HS_SERVER_KEY_EXCHANGE && side == SIDE_SERVER)
        parse_server_kx(body, ev, ctx);
}

/* Append to the handshake buffer, growing it to want bytes (the whole
 * message once its length is known), under the per-message cap and the
 * budget shared by all connections. */
static bool hs_append(struct tls *t, struct tls_dir *d, const uint8_t *p, size_t n, size_t want)
{
    if (n == 0)
        return true;
    if (d->hs_len + n > d->hs_cap) {
        size_t cap = want > d->hs_len + n ? want : d->hs_len + n;
        if (cap < 64u)
            cap = 64u;
        if (cap > LIMIT_TLS_HS_MSG + 4u)
            return false;
        if (t->budget && t->budget->used + (cap - d->hs_cap) > t->budget->limit) {
            t->budget->refused++;
            return false;
        }
        uint8_t *nb = realloc(d->hs, cap);
        if (!nb)
            return false;
        if (t->budget)
            t->budget->used += cap - d->hs_cap;
        d->hs = nb;
        d->hs_cap = (uint32_t)cap;
    }
    memcpy(d->hs + d->hs_len, p, n);
    d->hs_len += (uint32_t)n;
    return true;
}

/* RFC 8446 4: a handshake message is msg_type (1) and a uint24 length. */
static bool hs_header(const uint8_t *p, size_t n, uint8_t *type, uint32_t *len)
{
    struct cur c = cur_make(p, n);
    cur_u8(&c, type);
    cur_u24(&c, len);
    return !cur_failed(&c);
}

/* Handshake bytes of one plaintext record: collect, then parse every complete
 * message. A message longer than the cap is dropped as it streams past. */
static void handshake_bytes(struct tls *t, int side, struct cur in, const struct tls_events *ev,
                            void *ctx)
{
    struct tls_dir *d = &t->d[side];
    const uint8_t *p;
    uint8_t type;
    uint32_t mlen;
    if (d->hs_lost)
        return;
    while (!cur_empty(&in)) {
        if (d->hs_skip) {
            size_t k = cur_left(&in) < d->hs_skip ? cur_left(&in) : d->hs_skip;
            d->hs_skip -= (uint32_t)k;
            cur_skip(&in, k);
            continue;
        }
        if (d->hs_len == 0 && hs_header(cur_ptr(&in), cur_left(&in), &type, &mlen) &&
            mlen <= LIMIT_TLS_HS_MSG && 4u + (size_t)mlen <= cur_left(&in)) {
            /* A whole message in these bytes (the common case): read it in
             * place, no copy, no buffer. */
            struct cur body;
            cur_skip(&in, 4);
            cur_sub(&in, mlen, &body);
            handle_message(t, side, type, body, ev, ctx);
            continue;
        }
        size_t take = cur_left(&in);
        size_t want = 4u;
        if (d->hs_len < 4 && take > 4u - d->hs_len)
            take = 4u - d->hs_len;
        if (hs_header(d->hs, d->hs_len, &type, &mlen)) {
            want = 4u + mlen;
            if (take > want - d->hs_len)
                take = want - d->hs_len;
        } /* else the length is not known yet: want the 4-byte header */
        cur_span(&in, take, &p);
        if (!hs_append(t, d, p, take, want)) {
            bool budget = t->budget && t->budget->used + want > t->budget->limit;
            ev->anomaly(ctx, side, budget ? ANOMALY_TLS_BUFFER_CAP : ANOMALY_TLS_HS_TOO_LONG);
            d->hs_len = 0;
            d->hs_lost = true; /* the message framing is gone with the bytes */
            return;
        }
        if (!hs_header(d->hs, d->hs_len, &type, &mlen))
            continue;
        if (mlen > LIMIT_TLS_HS_MSG) {
            ev->anomaly(ctx, side, ANOMALY_TLS_HS_TOO_LONG);
            d->hs_skip = mlen;
            d->hs_len = 0;
            continue;
        }
        if (d->hs_len == 4u + mlen) {
            handle_message(t, side, type, cur_make(d->hs + 4, mlen), ev, ctx);
            d->hs_len = 0;
        }
    }
}

/* SSLv2 hellos (draft-hickman-netscape-ssl-00), for v2-compatible ClientHellos
 * and real SSLv2 servers. */
static void sslv2_record(struct tls *t, int side, struct cur r, const struct tls_events *ev,
                         void *ctx)
{
    uint8_t mt;
    if (!cur_u8(&r, &mt))
        return;
    if (mt == SSL2_MT_CLIENT_HELLO && side == SIDE_CLIENT) {
        struct tls_client_hello ch = {0};
        uint16_t cs_len, sid_len, ch_len;
        cur_u16(&r, &ch.legacy_version);
        cur_u16(&r, &cs_len);
        cur_u16(&r, &sid_len);
        cur_u16(&r, &ch_len);
        cur_sub(&r, cs_len, &ch.suites);
        if (cur_failed(&r) || cs_len % 3 != 0) {
            ev->anomaly(ctx, side, ANOMALY_TLS_BAD_HANDSHAKE);
            return;
        }
        cur_skip(&r, sid_len);
        cur_skip(&r, ch_len); /* the challenge ends the message */
        if (!cur_close(&r))
            ev->anomaly(ctx, side, ANOMALY_TLS_TRAILING_BYTES);
        ch.sslv2_format = true;
        ch.versions = cur_make(NULL, 0);
        ev->client_hello(ctx, &ch);
    } else if (mt == SSL2_MT_SERVER_HELLO && side == SIDE_SERVER) {
        struct tls_server_hello sh = {0};
        uint16_t cert_len, cs_len, cid_len;
        uint32_t kind;
        cur_skip(&r, 2); /* session id hit, certificate type */
        cur_u16(&r, &sh.legacy_version);
        cur_u16(&r, &cert_len);
        cur_u16(&r, &cs_len);
        cur_u16(&r, &cid_len);
        cur_skip(&r, cert_len);
        struct cur kinds;
        cur_sub(&r, cs_len, &kinds);
        cur_u24(&kinds, &kind);
        if (cur_failed(&r) || cur_failed(&kinds) || cs_len % 3 != 0) {
            ev->anomaly(ctx, side, ANOMALY_TLS_BAD_HANDSHAKE);
            return;
        }
        cur_skip(&r, cid_len); /* the connection id ends the message */
        if (!cur_close(&r))
            ev->anomaly(ctx, side, ANOMALY_TLS_TRAILING_BYTES);
        sh.sslv2 = true;
        sh.version = TLS_VERSION_SSL2;
        sh.sslv2_cipher = kind;
        take_server_hello(t, side, &sh, ev, ctx);
    }
}

static void fail(struct tls_dir *d, int side, enum anomaly a, const struct tls_events *ev,
                 void *ctx)
{
    d->failed = true;
    ev->anomaly(ctx, side, a);
}

/* Read a record header; false when the direction failed. */
static bool record_header(struct tls *t, int side, const struct tls_events *ev, void *ctx)
{
    struct tls_dir *d = &t->d[side];
    if (d->sslv2) {
        /* Two-byte headers (high bit set): 15 bits of length; three-byte
         * ones: 14 bits, then the padding length. */
        struct cur c = cur_make(d->hdr, d->hdr_len);
        uint16_t v;
        cur_u16(&c, &v);
        d->type = 0;
        d->left = v & (d->hdr_len == 2 ? 0x7FFFu : 0x3FFFu);
        return true;
    }
    struct tls_header h;
    if (tls_header_check(d->hdr, d->hdr_len, &h) != TLS_LOOK_YES || h.sslv2) {
        enum anomaly a = h.len > LIMIT_TLS_RECORD ? ANOMALY_TLS_RECORD_TOO_LONG
                         : d->started             ? ANOMALY_TLS_BAD_RECORD
                                                  : ANOMALY_TLS_NOT_TLS;
        fail(d, side, a, ev, ctx);
        return false;
    }
    d->type = h.type;
    d->left = h.len;
    d->alert_len = 0;
    return true;
}

static bool encrypted_record(const struct tls *t, const struct tls_dir *d, uint8_t type)
{
    if (type == TLS_CT_APPLICATION_DATA)
        return true;
    /* In TLS 1.3 a ChangeCipherSpec is for middleboxes only. */
    return d->ccs && !tls_is_13(t->version) && type != TLS_CT_CHANGE_CIPHER_SPEC;
}

/* Offset of a record header to resume at after a gap, or n when none can be
 * trusted: a TLS header with a body, followed by another header (or by as
 * much of one as the bytes hold), or ending exactly where the bytes end, or
 * starting them. */
static size_t find_record(struct cur in)
{
    const uint8_t *p = cur_ptr(&in);
    size_t n = cur_left(&in);
    for (size_t i = 0; i + 5 <= n; i++) {
        struct tls_header h, next;
        if (tls_header_check(p + i, n - i, &h) != TLS_LOOK_YES || h.sslv2 || h.len == 0)
            continue;
        size_t j = i + 5u + h.len;
        if (j == n || (i == 0 && j > n))
            return i;
        if (j < n && tls_header_check(p + j, n - j, &next) != TLS_LOOK_NO && !next.sslv2)
            return i;
    }
    return n;
}

void tls_feed(struct tls *t, int side, const uint8_t *bytes, size_t len,
              const struct tls_events *ev, void *ctx)
{
    struct tls_dir *d = &t->d[side];
    struct cur in = cur_make(bytes, len);
    const uint8_t *p;
    uint8_t first;
    if (d->resync && !d->failed) {
        size_t skip = find_record(in);
        if (skip == cur_left(&in))
            return;
        d->resync = false;
        cur_skip(&in, skip);
    }
    while (cur_peek(&in, 0, &first) && !d->failed) {
        if (d->left == 0 && d->hdr_need == 0) {
            /* A new record. The first may be an SSLv2 hello; after a
             * v2-compatible hello answered in TLS, records are TLS. */
            if (!d->started && (first & 0x80))
                d->sslv2 = true;
            else if (d->sslv2 && t->version != TLS_VERSION_SSL2)
                d->sslv2 = false;
            d->hdr_need = !d->sslv2 ? 5 : (first & 0x80) ? 2 : 3;
            d->hdr_len = 0;
            d->skip_record = false;
        }
        if (d->hdr_len < d->hdr_need) {
            size_t k = d->hdr_need - d->hdr_len;
            if (k > cur_left(&in))
                k = cur_left(&in);
            cur_span(&in, k, &p);
            memcpy(d->hdr + d->hdr_len, p, k);
            d->hdr_len = (uint8_t)(d->hdr_len + k);
            if (d->hdr_len < d->hdr_need)
                return;
            if (!record_header(t, side, ev, ctx))
                return;
            bool first_record = !d->started;
            d->started = true;
            d->hdr_need = 0;
            if (d->sslv2) {
                d->v2_hello = first_record; /* only the hello is read; the rest is encrypted */
                d->hs_len = 0;
                ev->record(ctx, side, 0, !first_record, d->left);
            } else {
                d->rec_encrypted = encrypted_record(t, d, d->type);
                ev->record(ctx, side, d->type, d->rec_encrypted, d->left);
                if (d->type == TLS_CT_CHANGE_CIPHER_SPEC)
                    d->ccs = true;
            }
            if (d->left == 0)
                continue;
        }
        size_t k = cur_left(&in) < d->left ? cur_left(&in) : d->left;
        struct cur body;
        cur_sub(&in, k, &body);
        if (d->skip_record) {
            /* the rest of a record a gap cut into */
        } else if (d->sslv2) {
            if (d->v2_hello && !hs_append(t, d, cur_ptr(&body), k, d->hs_len + d->left)) {
                ev->anomaly(ctx, side, ANOMALY_TLS_HS_TOO_LONG);
                d->v2_hello = false;
            }
            if (d->v2_hello && k == d->left) {
                sslv2_record(t, side, cur_make(d->hs, d->hs_len), ev, ctx);
                d->hs_len = 0;
                d->v2_hello = false;
            }
        } else if (d->type == TLS_CT_APPLICATION_DATA && t->null_mac_len) {
            /* NULL encryption: the record is the plaintext, then the MAC. */
            size_t clear = d->left > t->null_mac_len ? d->left - t->null_mac_len : 0;
            if (clear > k)
                clear = k;
            if (clear && ev->clear_app_data)
                ev->clear_app_data(ctx, side, cur_ptr(&body), clear);
        } else if (!d->rec_encrypted) {
            if (d->type == TLS_CT_HANDSHAKE) {
                handshake_bytes(t, side, body, ev, ctx);
            } else if (d->type == TLS_CT_ALERT) {
                uint8_t b;
                while (cur_u8(&body, &b)) {
                    d->alert[d->alert_len++] = b;
                    if (d->alert_len == 2) {
                        ev->alert(ctx, side, d->alert[0], d->alert[1]);
                        d->alert_len = 0;
                    }
                }
            }
        }
        d->left -= (uint32_t)k;
    }
}

void tls_gap(struct tls *t, int side, uint64_t n)
{
    struct tls_dir *d = &t->d[side];
    if (d->failed)
        return;
    /* Handshake messages may span records: after a gap none can be framed. */
    d->hs_lost = d->hs_lost || d->hs_len > 0 || d->hs_skip > 0 ||
                 (d->type == TLS_CT_HANDSHAKE && d->left > 0) || d->resync || d->hdr_need > 0;
    d->hs_len = 0;
    d->hs_skip = 0;
    d->alert_len = 0;
    if (!d->resync && d->hdr_need == 0 && n <= d->left) {
        /* The gap falls inside a record body: the framing holds, the rest of
         * this record's contents cannot be read. */
        d->left -= (uint32_t)n;
        d->skip_record = d->left > 0;
        d->v2_hello = false;
        return;
    }
    if (d->sslv2) {
        d->failed = true;
        return;
    }
    d->resync = true;
    d->hdr_need = 0;
    d->hdr_len = 0;
    d->left = 0;
}
