#include "tlsbuild.h"

#include <string.h>

const uint8_t tlsb_hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static const uint16_t default_suites[] = {0xC02F, 0xC030, 0x009C};

static void random32(struct tbuf *b, uint8_t base)
{
    for (unsigned i = 0; i < 32; i++)
        tb_u8(b, (uint8_t)(base + i));
}

static void ext_sni(struct tbuf *b, const char *host)
{
    tb_u16(b, 0x0000); /* server_name */
    size_t ext = tb_open(b, 2);
    size_t list = tb_open(b, 2);
    tb_u8(b, 0); /* host_name */
    size_t name = tb_open(b, 2);
    tb_str(b, host);
    tb_close(b, name, 2);
    tb_close(b, list, 2);
    tb_close(b, ext, 2);
}

void tlsb_client_hello(struct tbuf *out, const struct tlsb_ch *ch)
{
    const uint16_t *suites = ch->suites ? ch->suites : default_suites;
    size_t nsuites = ch->suites ? ch->nsuites : sizeof default_suites / sizeof default_suites[0];
    tb_u8(out, 1); /* client_hello */
    size_t msg = tb_open(out, 3);
    tb_u16(out, ch->legacy_version ? ch->legacy_version : 0x0303);
    random32(out, 0x10);
    tb_u8(out, ch->sid_len);
    tb_fill(out, 0xE0, ch->sid_len);
    size_t cs = tb_open(out, 2);
    for (size_t i = 0; i < nsuites; i++)
        tb_u16(out, suites[i]);
    tb_close(out, cs, 2);
    tb_u8(out, 1); /* compression_methods: null */
    tb_u8(out, 0);
    if (!ch->no_extensions) {
        size_t exts = tb_open(out, 2);
        if (ch->sni)
            ext_sni(out, ch->sni);
        /* supported_groups: x25519, secp256r1 */
        tb_u16(out, 0x000A);
        tb_u16(out, 6);
        tb_u16(out, 4);
        tb_u16(out, 0x001D);
        tb_u16(out, 0x0017);
        /* ec_point_formats: uncompressed */
        tb_u16(out, 0x000B);
        tb_u16(out, 2);
        tb_u8(out, 1);
        tb_u8(out, 0);
        /* signature_algorithms: rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256, rsa_pkcs1_sha256 */
        tb_u16(out, 0x000D);
        tb_u16(out, 8);
        tb_u16(out, 6);
        tb_u16(out, 0x0804);
        tb_u16(out, 0x0403);
        tb_u16(out, 0x0401);
        if (ch->nversions) {
            tb_u16(out, 0x002B); /* supported_versions */
            size_t e = tb_open(out, 2);
            size_t l = tb_open(out, 1);
            for (size_t i = 0; i < ch->nversions; i++)
                tb_u16(out, ch->versions[i]);
            tb_close(out, l, 1);
            tb_close(out, e, 2);
        }
        if (ch->dup_sni)
            ext_sni(out, ch->sni ? ch->sni : "dup.example");
        tb_close(out, exts, 2);
    }
    tb_close(out, msg, 3);
}

void tlsb_server_hello(struct tbuf *out, const struct tlsb_sh *sh)
{
    uint16_t legacy = sh->legacy_version ? sh->legacy_version : 0x0303;
    tb_u8(out, 2); /* server_hello */
    size_t msg = tb_open(out, 3);
    tb_u16(out, legacy);
    if (sh->hrr)
        tb_put(out, tlsb_hrr_random, 32);
    else
        random32(out, 0x70);
    if (!sh->draft) {
        tb_u8(out, sh->sid_len);
        tb_fill(out, 0xE0, sh->sid_len);
    }
    tb_u16(out, sh->cipher);
    if (!sh->draft)
        tb_u8(out, 0); /* compression: null */
    if (!sh->no_extensions) {
        size_t exts = tb_open(out, 2);
        if (sh->hrr) {
            tb_u16(out, 0x0033); /* key_share: selected_group secp256r1 */
            tb_u16(out, 2);
            tb_u16(out, 0x0017);
        } else if (sh->selected_version == 0x0304 || sh->draft) {
            tb_u16(out, 0x0033); /* key_share: x25519 */
            tb_u16(out, 36);
            tb_u16(out, 0x001D);
            tb_u16(out, 32);
            random32(out, 0xA0);
        } else {
            tb_u16(out, 0xFF01); /* renegotiation_info, empty */
            tb_u16(out, 1);
            tb_u8(out, 0);
        }
        for (int i = 0; sh->selected_version && i < (sh->dup_versions ? 2 : 1); i++) {
            tb_u16(out, 0x002B);
            tb_u16(out, 2);
            tb_u16(out, sh->selected_version);
        }
        tb_close(out, exts, 2);
    }
    tb_close(out, msg, 3);
}

void tlsb_draft_hrr(struct tbuf *out, uint16_t version)
{
    tb_u8(out, 6); /* hello_retry_request (drafts) */
    size_t msg = tb_open(out, 3);
    tb_u16(out, version);
    size_t exts = tb_open(out, 2);
    tb_u16(out, 0x0028); /* key_share in draft-18 numbering (40): selected group */
    tb_u16(out, 2);
    tb_u16(out, 0x0017);
    tb_close(out, exts, 2);
    tb_close(out, msg, 3);
}

void tlsb_handshake(struct tbuf *out, uint8_t type, const uint8_t *body, size_t n)
{
    tb_u8(out, type);
    tb_u24(out, (uint32_t)n);
    tb_put(out, body, n);
}

void tlsb_handshake_opaque(struct tbuf *out, uint8_t type, size_t n, uint8_t seed)
{
    tb_u8(out, type);
    tb_u24(out, (uint32_t)n);
    tb_opaque(out, n, seed);
}

void tlsb_certificate(struct tbuf *out, unsigned ncerts, size_t size)
{
    tb_u8(out, 11);
    size_t msg = tb_open(out, 3);
    size_t list = tb_open(out, 3);
    for (unsigned i = 0; i < ncerts; i++) {
        size_t cert = tb_open(out, 3);
        tb_u8(out, 0x30);
        tb_u8(out, 0x82);
        tb_u16(out, (unsigned)(size - 4));
        tb_opaque(out, size - 4, (uint8_t)(20 + i));
        tb_close(out, cert, 3);
    }
    tb_close(out, list, 3);
    tb_close(out, msg, 3);
}

void tlsb_server_kx_ecdhe(struct tbuf *out)
{
    tb_u8(out, 12);
    size_t msg = tb_open(out, 3);
    tb_u8(out, 3);       /* named_curve */
    tb_u16(out, 0x0017); /* secp256r1 */
    tb_u8(out, 65);
    tb_u8(out, 0x04);
    tb_opaque(out, 64, 30);
    tb_u16(out, 0x0804);
    tb_u16(out, 256);
    tb_opaque(out, 256, 31);
    tb_close(out, msg, 3);
}

void tlsb_records(struct tbuf *out, uint8_t ct, uint16_t version, const uint8_t *p, size_t n,
                  size_t frag)
{
    do {
        size_t k = n < frag ? n : frag;
        tb_u8(out, ct);
        tb_u16(out, version);
        tb_u16(out, (unsigned)k);
        tb_put(out, p, k);
        p += k;
        n -= k;
    } while (n > 0);
}

void tlsb_ccs(struct tbuf *out, uint16_t version)
{
    static const uint8_t one = 1;
    tlsb_records(out, 20, version, &one, 1, 1);
}

void tlsb_alert(struct tbuf *out, uint16_t version, uint8_t level, uint8_t desc)
{
    uint8_t a[2] = {level, desc};
    tlsb_records(out, 21, version, a, 2, 2);
}

void tlsb_opaque_record(struct tbuf *out, uint8_t ct, uint16_t version, size_t n, uint8_t seed)
{
    tb_u8(out, ct);
    tb_u16(out, version);
    tb_u16(out, (unsigned)n);
    tb_opaque(out, n, seed);
}

void tlsb_sslv2_client_hello(struct tbuf *out, uint16_t version, const uint32_t *kinds, size_t n)
{
    struct tbuf m;
    tb_init(&m);
    tb_u8(&m, 1); /* SSL2_MT_CLIENT_HELLO */
    tb_u16(&m, version);
    tb_u16(&m, (unsigned)(n * 3u)); /* cipher_spec_length */
    tb_u16(&m, 0);                  /* session_id_length */
    tb_u16(&m, 16);                 /* challenge_length */
    for (size_t i = 0; i < n; i++)
        tb_u24(&m, kinds[i]);
    random32(&m, 0x40);
    m.len -= 16; /* a 16-byte challenge */
    tb_u16(out, 0x8000u | (unsigned)m.len);
    tb_put(out, m.p, m.len);
    tb_free(&m);
}

void tlsb_sslv2_server_hello(struct tbuf *out, uint32_t kind)
{
    struct tbuf m;
    tb_init(&m);
    tb_u8(&m, 4);       /* SSL2_MT_SERVER_HELLO */
    tb_u8(&m, 0);       /* session_id_hit */
    tb_u8(&m, 1);       /* certificate_type: X.509 */
    tb_u16(&m, 0x0002); /* server_version */
    tb_u16(&m, 40);     /* certificate_length */
    tb_u16(&m, 3);      /* cipher_specs_length */
    tb_u16(&m, 16);     /* connection_id_length */
    tb_opaque(&m, 40, 7);
    tb_u24(&m, kind);
    tb_opaque(&m, 16, 8);
    tb_u16(out, 0x8000u | (unsigned)m.len);
    tb_put(out, m.p, m.len);
    tb_free(&m);
}

void tlsb_client_hello_record(struct tbuf *out, const char *sni, const uint16_t *versions,
                              size_t nversions)
{
    struct tbuf m;
    tb_init(&m);
    struct tlsb_ch ch = {.sni = sni, .versions = versions, .nversions = nversions};
    if (nversions) {
        static const uint16_t s13[] = {0x1301, 0x1302, 0x1303, 0xC02F};
        ch.suites = s13;
        ch.nsuites = 4;
        ch.sid_len = 32;
    }
    tlsb_client_hello(&m, &ch);
    tlsb_records(out, 22, 0x0301, m.p, m.len, 16384);
    tb_free(&m);
}

void tlsb_tls12_server_flight(struct tbuf *out, uint16_t cipher)
{
    struct tbuf m;
    tb_init(&m);
    struct tlsb_sh sh = {.cipher = cipher, .sid_len = 32};
    tlsb_server_hello(&m, &sh);
    tlsb_certificate(&m, 2, 600);
    tlsb_server_kx_ecdhe(&m);
    tlsb_handshake(&m, 14, NULL, 0); /* ServerHelloDone */
    tlsb_records(out, 22, 0x0303, m.p, m.len, 16384);
    tb_free(&m);
}

void tlsb_tls12_client_finish(struct tbuf *out)
{
    struct tbuf m;
    tb_init(&m);
    tlsb_handshake_opaque(&m, 16, 66, 5); /* ClientKeyExchange */
    tlsb_records(out, 22, 0x0303, m.p, m.len, 16384);
    tlsb_ccs(out, 0x0303);
    tlsb_opaque_record(out, 22, 0x0303, 40, 6); /* encrypted Finished */
    tb_free(&m);
}

void tlsb_tls12_server_finish(struct tbuf *out)
{
    tlsb_ccs(out, 0x0303);
    tlsb_opaque_record(out, 22, 0x0303, 40, 9);
}

void tlsb_tls13_server_flight(struct tbuf *out, uint16_t cipher)
{
    struct tbuf m;
    tb_init(&m);
    struct tlsb_sh sh = {.cipher = cipher, .sid_len = 32, .selected_version = 0x0304};
    tlsb_server_hello(&m, &sh);
    tlsb_records(out, 22, 0x0303, m.p, m.len, 16384);
    tlsb_ccs(out, 0x0303);
    tlsb_opaque_record(out, 23, 0x0303, 900, 10);
    tb_free(&m);
}

void tlsb_tls13_client_finish(struct tbuf *out)
{
    tlsb_ccs(out, 0x0303);
    tlsb_opaque_record(out, 23, 0x0303, 53, 11);
}
