/* TLS events -> session record facts. */
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "session_internal.h"
#include "x509.h"

/* Up to cap 16-bit values of a list, GREASE removed; returns how many there were. */
static unsigned take16(struct cur c, uint16_t *out, unsigned cap, unsigned *kept)
{
    unsigned n = 0;
    uint16_t v;
    *kept = 0;
    while (cur_u16(&c, &v)) {
        if (fingerprint_is_grease(v))
            continue;
        if (*kept < cap)
            out[(*kept)++] = v;
        n++;
    }
    return n;
}

static void alpn_text(struct cur list, char *dst, size_t cap)
{
    size_t used = 0;
    struct cur name;
    dst[0] = '\0';
    while (!cur_empty(&list) && cur_vec8(&list, &name)) {
        size_t n = cur_left(&name);
        if (used + n + 2 > cap)
            break;
        if (used)
            dst[used++] = ',';
        session_copy_text(dst + used, cap - used, cur_ptr(&name), n);
        used += strlen(dst + used);
    }
}

static void on_client_hello(void *ctx, const struct tls_client_hello *ch)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    if (s->client_hello)
        return; /* the second hello after a HelloRetryRequest repeats the first */
    s->client_hello = true;
    r->client_version = ch->legacy_version;
    if (ch->sni)
        session_copy_text(r->sni, sizeof r->sni, ch->sni, ch->sni_len);
    unsigned kept;
    if (ch->sslv2_format) {
        r->noffered_suites = (uint16_t)(cur_left(&ch->suites) / 3u);
    } else {
        unsigned total = take16(ch->suites, r->offered_suites, LIMIT_TLS_SUITES_KEPT, &kept);
        r->noffered_suites = (uint16_t)(total > 0xFFFF ? 0xFFFF : total);
    }
    struct cur v = ch->versions;
    if (cur_empty(&v)) {
        r->offered_versions[0] = ch->legacy_version;
        r->noffered_versions = 1;
    } else {
        take16(v, r->offered_versions, LIMIT_TLS_VERSIONS_KEPT, &kept);
        r->noffered_versions = (uint8_t)kept;
    }
    take16(ch->groups, r->groups, LIMIT_TLS_GROUPS_KEPT, &kept);
    r->ngroups = (uint8_t)kept;
    alpn_text(ch->alpn, r->alpn, sizeof r->alpn);
    fingerprint_ja3(s->fp, ch, r->ja3);
}

static void on_server_hello(void *ctx, const struct tls_server_hello *sh)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    if (sh->key_share_group)
        r->kx_group = sh->key_share_group;
    if (sh->hrr) {
        r->hrr = true;
        return;
    }
    session_step_simple(s, EV_SERVER_HELLO, SIDE_SERVER);
    r->tls_version = sh->version;
    if (sh->sslv2) {
        r->cipher_key = sh->sslv2_cipher ? SESSION_CIPHER_SSLV2 | (sh->sslv2_cipher & 0xFFFFFFu)
                                         : SESSION_NO_CIPHER;
    } else {
        r->cipher_key = sh->cipher;
        fingerprint_ja3s(s->fp, sh, r->ja3s);
        unsigned mac = tls_is_13(sh->version) ? 0 : tls_null_cipher_mac_len(sh->cipher);
        if (mac) /* nothing is encrypted: read the dialogue inside */
            tls_set_null_cipher(&s->tls, mac);
    }
}

/* The dialogue inside a NULL-encryption session: it crossed the wire in
 * clear, so its commands count as cleartext (and leaks). The server does not
 * greet again after STARTTLS; after implicit TLS it does. */
static void on_clear_app_data(void *ctx, int side, const uint8_t *p, size_t n)
{
    struct session *s = ctx;
    if (!s->inner) {
        s->inner = calloc(1, sizeof *s->inner);
        if (!s->inner)
            return;
        smtp_init(s->inner, s->entry != ENTRY_STARTTLS);
    }
    bool tls;
    smtp_feed(s->inner, side, p, n, &session_smtp_events, s, &tls);
}

/* The summary's strings are copied whole into the record: same sizes. */
_Static_assert(sizeof(((struct session_record *)0)->cert_subject) ==
                   sizeof(((struct x509_summary *)0)->subject),
               "cert_subject and x509_summary.subject differ");
_Static_assert(sizeof(((struct session_record *)0)->cert_issuer) ==
                   sizeof(((struct x509_summary *)0)->issuer),
               "cert_issuer and x509_summary.issuer differ");
_Static_assert(sizeof(((struct session_record *)0)->cert_key_type) ==
                   sizeof(((struct x509_summary *)0)->key_type),
               "cert_key_type and x509_summary.key_type differ");

static void on_certificate(void *ctx, const struct tls_certificate *c)
{
    struct session *s = ctx;
    struct session_record *r = &s->rec;
    struct x509_summary x;
    if (r->has_cert || c->count == 0)
        return;
    r->cert_chain = (uint8_t)(c->count > 255 ? 255 : c->count);
    if (x509_summarize_cached(s->certs, cur_ptr(&c->leaf), cur_left(&c->leaf), &x) < 0) {
        session_count_anomaly(s, ANOMALY_TLS_BAD_CERTIFICATE);
        return;
    }
    r->has_cert = true;
    r->cert_self_signed = x.self_signed;
    r->cert_key_bits = x.key_bits;
    r->cert_not_before = x.not_before;
    r->cert_not_after = x.not_after;
    memcpy(r->cert_key_type, x.key_type, sizeof r->cert_key_type);
    memcpy(r->cert_subject, x.subject, sizeof r->cert_subject);
    memcpy(r->cert_issuer, x.issuer, sizeof r->cert_issuer);
}

static void on_server_kx(void *ctx, const struct tls_server_kx *kx)
{
    struct session *s = ctx;
    if (kx->group)
        s->rec.kx_group = kx->group;
    s->rec.dh_bits = kx->dh_bits;
}

static void on_alert(void *ctx, int side, uint8_t level, uint8_t desc)
{
    struct session *s = ctx;
    if (s->rec.alert_level == 0) {
        s->rec.alert_level = level;
        s->rec.alert_desc = desc;
    }
    if (level == 2)
        session_step_simple(s, EV_FATAL_ALERT, side);
}

static void on_record(void *ctx, int side, uint8_t type, bool encrypted, uint32_t len)
{
    struct session *s = ctx;
    (void)type;
    (void)len;
    if (encrypted)
        session_step_simple(s, EV_ENCRYPTED_RECORD, side);
}

static void on_tls_anomaly(void *ctx, int side, enum anomaly a)
{
    (void)side;
    session_count_anomaly(ctx, a);
}

const struct tls_events session_tls_events = {
    .client_hello = on_client_hello,
    .server_hello = on_server_hello,
    .alert = on_alert,
    .record = on_record,
    .anomaly = on_tls_anomaly,
    .certificate = on_certificate,
    .server_kx = on_server_kx,
    .clear_app_data = on_clear_app_data,
};
