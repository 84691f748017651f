/*
 * test_tls.c - the TLS record and handshake decoder (decode/tls.h).
 *
 * Normative sources: RFC 5246 (TLS 1.2 records 6.2, handshake 7.4, alerts
 * 7.2), RFC 8446 (TLS 1.3: supported_versions 4.2.1, HelloRetryRequest
 * random 4.1.3, middlebox-compatibility ChangeCipherSpec D.4, 5.1 records),
 * RFC 8448 section 3 (the real ClientHello and ServerHello bytes below),
 * draft-ietf-tls-tls13-18 (ServerHello without session id, HelloRetryRequest
 * type 6), draft-hickman-netscape-ssl-00 and RFC 5246 E.2 (SSLv2 and
 * v2-compatible hellos), RFC 8701-free ordinary extension lists.
 *
 * Events are recorded as text lines (tests/support/recorder.h).
 */
#include "tls.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "prng.h"
#include "recorder.h"
#include "tbuf.h"
#include "tlsbuild.h"

#define CL SIDE_CLIENT
#define SV SIDE_SERVER

/* RFC 8448 3, {client} send handshake record: ClientHello, 196 bytes.
 * legacy_version 0303, random cb34ecb1..., no session id, suites
 * TLS_AES_128_GCM_SHA256 (1301), TLS_CHACHA20_POLY1305_SHA256 (1303),
 * TLS_AES_256_GCM_SHA384 (1302); compression null; extensions:
 * server_name "server", renegotiation_info, supported_groups, session_ticket,
 * key_share x25519, supported_versions [0304], signature_algorithms,
 * psk_key_exchange_modes, record_size_limit. */
static const uint8_t rfc8448_ch[] = {
    0x01, 0x00, 0x00, 0xc0, 0x03, 0x03, 0xcb, 0x34, 0xec, 0xb1, 0xe7, 0x81, 0x63, 0xba, 0x1c, 0x38,
    0xc6, 0xda, 0xcb, 0x19, 0x6a, 0x6d, 0xff, 0xa2, 0x1a, 0x8d, 0x99, 0x12, 0xec, 0x18, 0xa2, 0xef,
    0x62, 0x83, 0x02, 0x4d, 0xec, 0xe7, 0x00, 0x00, 0x06, 0x13, 0x01, 0x13, 0x03, 0x13, 0x02, 0x01,
    0x00, 0x00, 0x91, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06, 0x73, 0x65, 0x72, 0x76,
    0x65, 0x72, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x14, 0x00, 0x12, 0x00, 0x1d, 0x00,
    0x17, 0x00, 0x18, 0x00, 0x19, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00,
    0x23, 0x00, 0x00, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x99, 0x38, 0x1d,
    0xe5, 0x60, 0xe4, 0xbd, 0x43, 0xd2, 0x3d, 0x8e, 0x43, 0x5a, 0x7d, 0xba, 0xfe, 0xb3, 0xc0, 0x6e,
    0x51, 0xc1, 0x3c, 0xae, 0x4d, 0x54, 0x13, 0x69, 0x1e, 0x52, 0x9a, 0xaf, 0x2c, 0x00, 0x2b, 0x00,
    0x03, 0x02, 0x03, 0x04, 0x00, 0x0d, 0x00, 0x20, 0x00, 0x1e, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03,
    0x02, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x02, 0x01,
    0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x02, 0x02, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x1c,
    0x00, 0x02, 0x40, 0x01};

/* RFC 8448 3, {server} send handshake record: ServerHello, 90 bytes.
 * legacy_version 0303, random a6af06a4..., empty session id echo, suite
 * 1301, compression null; extensions key_share (x25519) and
 * supported_versions 0304. */
static const uint8_t rfc8448_sh[] = {
    0x02, 0x00, 0x00, 0x56, 0x03, 0x03, 0xa6, 0xaf, 0x06, 0xa4, 0x12, 0x18, 0x60, 0xdc, 0x5e,
    0x6e, 0x60, 0x24, 0x9c, 0xd3, 0x4c, 0x95, 0x93, 0x0c, 0x8a, 0xc5, 0xcb, 0x14, 0x34, 0xda,
    0xc1, 0x55, 0x77, 0x2e, 0xd3, 0xe2, 0x69, 0x28, 0x00, 0x13, 0x01, 0x00, 0x00, 0x2e, 0x00,
    0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xc9, 0x82, 0x88, 0x76, 0x11, 0x20, 0x95, 0xfe,
    0x66, 0x76, 0x2b, 0xdb, 0xf7, 0xc6, 0x72, 0xe1, 0x56, 0xd6, 0xcc, 0x25, 0x3b, 0x83, 0x3d,
    0xf1, 0xdd, 0x69, 0xb1, 0xb0, 0x4e, 0x75, 0x1f, 0x0f, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};

/* A TLS 1.2 ServerHello record as a server choosing
 * TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA sends it: 16 03 03 00 31 | 02 00 00 2d |
 * 03 03 | random 70..8f | 00 (no session id) | c0 13 | 00 | 00 05 ff 01 00 01 00
 * (renegotiation_info, empty). */
static const uint8_t tls12_sh_record[] = {
    0x16, 0x03, 0x03, 0x00, 0x31, 0x02, 0x00, 0x00, 0x2d, 0x03, 0x03, 0x70, 0x71, 0x72,
    0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80,
    0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e,
    0x8f, 0x00, 0xc0, 0x13, 0x00, 0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00};

static const char rfc8448_ch_event[] =
    "CH legacy=0303 v2=0 suites=1301,1303,1302 versions=0304 sni=server\n";
static const char rfc8448_sh_event[] =
    "SH legacy=0303 version=0304 cipher=1301 hrr=0 v2=0 v2cipher=000000\n";

/* ---- driver ---- */

struct tfeed {
    int dir;
    const uint8_t *p;
    size_t n;
};

enum tmode { T_WHOLE, T_BYTES, T_RANDOM, T_SPLIT_AT };

struct topts {
    enum tmode mode;
    uint64_t seed;
    size_t split_at;
    bool prefix;
    size_t limit;
    bool skip_records;
};

static struct recorder rec;
/* The reference recording of check_splits, freed by the next call or the
 * group teardown (a failed assertion skips the rest of the function). */
static char *split_ref;
static struct tls last; /* the decoder of the last run, for state checks */

static int setup(void **state)
{
    (void)state;
    rec_init(&rec);
    tls_init(&last);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tls_free(&last);
    rec_free(&rec);
    free(split_ref);
    split_ref = NULL;
    tb_free_all();
    return 0;
}

static const char *drive(const struct tfeed *f, size_t nf, const struct topts *o)
{
    tls_free(&last);
    tls_init(&last);
    rec_reset(&rec);
    rec.skip_records = o->skip_records;
    struct prng rng = prng_seed(o->seed);
    size_t global = 0;
    for (size_t i = 0; i < nf; i++) {
        size_t off = 0;
        while (off < f[i].n) {
            size_t k = f[i].n - off;
            if (o->mode == T_BYTES)
                k = 1;
            else if (o->mode == T_RANDOM)
                k = prng_range(&rng, 1, 23);
            else if (o->mode == T_SPLIT_AT && global + off < o->split_at &&
                     o->split_at < global + f[i].n)
                k = o->split_at - (global + off);
            if (k > f[i].n - off)
                k = f[i].n - off;
            if (o->prefix && global + off + k > o->limit)
                k = o->limit > global + off ? o->limit - (global + off) : 0;
            if (k == 0)
                goto done;
            uint8_t *chunk = tb_dup(f[i].p + off, k);
            tls_feed(&last, f[i].dir, chunk, k, &rec_tls_events, &rec);
            free(chunk);
            off += k;
            for (int d = 0; d < 2; d++)
                assert_true(last.d[d].hs_cap <= LIMIT_TLS_HS_MSG + 4u);
        }
        global += f[i].n;
    }
done:
    return rec_text(&rec);
}

static const char *run(const struct tfeed *f, size_t nf)
{
    struct topts o = {T_WHOLE, 0, 0, false, 0, false};
    return drive(f, nf, &o);
}

static void expect(const struct tfeed *f, size_t nf, const char *want)
{
    const char *got = run(f, nf);
    if (strcmp(got, want) != 0)
        fail_msg("events differ.\n--- got:\n%s--- want:\n%s", got, want);
}

static char *dup_text(const char *t)
{
    return (char *)tb_dup((const uint8_t *)t, strlen(t) + 1);
}

/* Whole, byte by byte, random chunks, every single cut: the same events;
 * every prefix: a prefix of the events (and never a read past the input). */
static void check_splits(const struct tfeed *f, size_t nf)
{
    free(split_ref);
    split_ref = NULL;
    const char *ref = split_ref = dup_text(run(f, nf));
    size_t total = 0;
    for (size_t i = 0; i < nf; i++)
        total += f[i].n;
    struct topts o = {T_BYTES, 0, 0, false, 0, false};
    const char *got = drive(f, nf, &o);
    if (strcmp(got, ref) != 0)
        fail_msg("byte-at-a-time differs.\n--- got:\n%s--- whole:\n%s", got, ref);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct topts r = {T_RANDOM, seed, 0, false, 0, false};
        got = drive(f, nf, &r);
        if (strcmp(got, ref) != 0)
            fail_msg("random chunks (seed %llu) differ.\n--- got:\n%s--- whole:\n%s",
                     (unsigned long long)seed, got, ref);
    }
    for (size_t k = 1; k < total; k++) {
        struct topts a = {T_SPLIT_AT, 0, k, false, 0, false};
        got = drive(f, nf, &a);
        if (strcmp(got, ref) != 0)
            fail_msg("cut at %zu differs.\n--- got:\n%s--- whole:\n%s", k, got, ref);
        struct topts p = {T_WHOLE, 0, 0, true, k, false};
        got = drive(f, nf, &p);
        if (strncmp(got, ref, strlen(got)) != 0)
            fail_msg("prefix of %zu bytes is no prefix of the events.\n--- got:\n%s--- whole:\n%s",
                     k, got, ref);
    }
    free(split_ref);
    split_ref = NULL;
}

static void record_of(struct tbuf *out, uint8_t ct, uint16_t v, const uint8_t *p, size_t n)
{
    tlsb_records(out, ct, v, p, n, 16384);
}

/* ---- positive cases ---- */

static void test_client_hello_rfc8448(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    record_of(&b, 22, 0x0301, rfc8448_ch, sizeof rfc8448_ch);
    struct tfeed f[] = {{CL, b.p, b.len}};
    char want[256];
    snprintf(want, sizeof want, "REC c 22 clear 196\n%s", rfc8448_ch_event);
    expect(f, 1, want);
    check_splits(f, 1);
    tb_free(&b);
}

static void test_server_hello_rfc8448_tls13(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    record_of(&b, 22, 0x0303, rfc8448_sh, sizeof rfc8448_sh);
    tlsb_opaque_record(&b, 23, 0x0303, 32, 1); /* EncryptedExtensions... */
    struct tfeed f[] = {{SV, b.p, b.len}};
    char want[256];
    snprintf(want, sizeof want, "REC s 22 clear 90\n%sREC s 23 enc 32\n", rfc8448_sh_event);
    expect(f, 1, want);
    assert_int_equal(last.version, TLS_VERSION_TLS13);
    check_splits(f, 1);
    tb_free(&b);
}

static void test_server_hello_tls12(void **state)
{
    (void)state;
    struct tfeed f[] = {{SV, tls12_sh_record, sizeof tls12_sh_record}};
    expect(f, 1,
           "REC s 22 clear 49\n"
           "SH legacy=0303 version=0303 cipher=c013 hrr=0 v2=0 v2cipher=000000\n");
    assert_int_equal(last.version, TLS_VERSION_TLS12);
}

static void test_client_hello_builder_fields(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    static const uint16_t suites[] = {0xC02B, 0xC02F, 0x009E, 0x0035};
    static const uint16_t versions[] = {0x0304, 0x0303, 0x0302};
    struct tlsb_ch ch = {.sid_len = 32,
                         .suites = suites,
                         .nsuites = 4,
                         .sni = "mx.example.com",
                         .versions = versions,
                         .nversions = 3};
    tlsb_client_hello(&m, &ch);
    record_of(&b, 22, 0x0301, m.p, m.len);
    struct tfeed f[] = {{CL, b.p, b.len}};
    struct topts o = {.skip_records = true};
    const char *got = drive(f, 1, &o);
    assert_string_equal(got, "CH legacy=0303 v2=0 suites=c02b,c02f,009e,0035 "
                             "versions=0304,0303,0302 sni=mx.example.com\n");
    /* No extensions at all (an SSLv3-era hello) */
    tb_reset(&m);
    tb_reset(&b);
    struct tlsb_ch old = {.legacy_version = 0x0300, .no_extensions = true};
    tlsb_client_hello(&m, &old);
    record_of(&b, 22, 0x0300, m.p, m.len);
    struct tfeed g[] = {{CL, b.p, b.len}};
    got = drive(g, 1, &o);
    assert_string_equal(got, "CH legacy=0300 v2=0 suites=c02f,c030,009c versions= sni=-\n");
    tb_free(&m);
    tb_free(&b);
}

/* A full TLS 1.2 handshake, both directions: records after each side's
 * ChangeCipherSpec are encrypted; an alert after it is not read. */
static void test_tls12_encrypted_after_ccs(void **state)
{
    (void)state;
    struct tbuf c1, s1, c2, s2, c3, s3;
    tb_init(&c1);
    tb_init(&s1);
    tb_init(&c2);
    tb_init(&s2);
    tb_init(&c3);
    tb_init(&s3);
    tlsb_client_hello_record(&c1, "mx.example.com", NULL, 0);
    tlsb_tls12_server_flight(&s1, 0xC02F);
    tlsb_tls12_client_finish(&c2);
    tlsb_tls12_server_finish(&s2);
    tlsb_opaque_record(&c3, 23, 0x0303, 100, 40);
    tlsb_alert(&s3, 0x0303, 1, 0); /* close_notify, encrypted in TLS 1.2 */
    struct tfeed f[] = {{CL, c1.p, c1.len}, {SV, s1.p, s1.len}, {CL, c2.p, c2.len},
                        {SV, s2.p, s2.len}, {CL, c3.p, c3.len}, {SV, s3.p, s3.len}};
    char want[1024];
    snprintf(want, sizeof want,
             "REC c 22 clear %zu\n"
             "CH legacy=0303 v2=0 suites=c02f,c030,009c versions= sni=mx.example.com\n"
             "REC s 22 clear %zu\n"
             "SH legacy=0303 version=0303 cipher=c02f hrr=0 v2=0 v2cipher=000000\n"
             "REC c 22 clear 70\n"
             "REC c 20 clear 1\n"
             "REC c 22 enc 40\n"
             "REC s 20 clear 1\n"
             "REC s 22 enc 40\n"
             "REC c 23 enc 100\n"
             "REC s 21 enc 2\n",
             c1.len - 5, s1.len - 5);
    expect(f, 6, want);
    check_splits(f, 6);
    tb_free(&c1);
    tb_free(&s1);
    tb_free(&c2);
    tb_free(&s2);
    tb_free(&c3);
    tb_free(&s3);
}

/* TLS 1.3 with middlebox compatibility (RFC 8446 D.4): the client's
 * ChangeCipherSpec does not make its second ClientHello (after a
 * HelloRetryRequest) encrypted. */
static void test_tls13_ccs_does_not_encrypt(void **state)
{
    (void)state;
    static const uint16_t v13[] = {0x0304};
    struct tbuf ch1, hrr, ccs_ch2, sh;
    tb_init(&ch1);
    tb_init(&hrr);
    tb_init(&ccs_ch2);
    tb_init(&sh);
    tlsb_client_hello_record(&ch1, "a.example", v13, 1);
    struct tbuf m;
    tb_init(&m);
    struct tlsb_sh h = {.sid_len = 32, .cipher = 0x1301, .selected_version = 0x0304, .hrr = true};
    tlsb_server_hello(&m, &h);
    record_of(&hrr, 22, 0x0303, m.p, m.len);
    tlsb_ccs(&hrr, 0x0303);
    tlsb_ccs(&ccs_ch2, 0x0303);
    tlsb_client_hello_record(&ccs_ch2, "a.example", v13, 1);
    tlsb_tls13_server_flight(&sh, 0x1301);
    struct tfeed f[] = {{CL, ch1.p, ch1.len},
                        {SV, hrr.p, hrr.len},
                        {CL, ccs_ch2.p, ccs_ch2.len},
                        {SV, sh.p, sh.len}};
    const char *got = run(f, 4);
    static const char ch_line[] =
        "CH legacy=0303 v2=0 suites=1301,1302,1303,c02f versions=0304 sni=a.example";
    /* two ClientHellos parsed, the second after the client's CCS */
    const char *first = strstr(got, ch_line);
    assert_non_null(first);
    assert_non_null(strstr(first + 1, ch_line));
    assert_true(rec_has_line(&rec, "REC c 20 clear 1"));
    assert_null(strstr(got, "REC c 22 enc"));
    assert_true(rec_has_line(&rec, "REC s 23 enc 900"));
    assert_int_equal(last.version, TLS_VERSION_TLS13);
    tb_free(&ch1);
    tb_free(&hrr);
    tb_free(&ccs_ch2);
    tb_free(&sh);
    tb_free(&m);
}

static void test_hello_retry_request(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    struct tlsb_sh h = {.sid_len = 32, .cipher = 0x1301, .selected_version = 0x0304, .hrr = true};
    tlsb_server_hello(&m, &h);
    struct tlsb_sh s = {.sid_len = 32, .cipher = 0x1302, .selected_version = 0x0304};
    tlsb_server_hello(&m, &s);
    record_of(&b, 22, 0x0303, m.p, m.len);
    struct tfeed f[] = {{SV, b.p, b.len}};
    struct topts o = {.skip_records = true};
    const char *got = drive(f, 1, &o);
    assert_string_equal(got,
                        "SH legacy=0303 version=0304 cipher=1301 hrr=1 v2=0 v2cipher=000000\n"
                        "SH legacy=0303 version=0304 cipher=1302 hrr=0 v2=0 v2cipher=000000\n");
    assert_int_equal(last.version, TLS_VERSION_TLS13);
    check_splits(f, 1);
    tb_free(&m);
    tb_free(&b);
}

static void test_server_hello_split_across_records(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* the 90-byte message in records of 40 and 50 bytes */
    tlsb_records(&b, 22, 0x0303, rfc8448_sh, sizeof rfc8448_sh, 40);
    struct tfeed f[] = {{SV, b.p, b.len}};
    char want[256];
    snprintf(want, sizeof want, "REC s 22 clear 40\nREC s 22 clear 40\nREC s 22 clear 10\n%s",
             rfc8448_sh_event);
    expect(f, 1, want);
    check_splits(f, 1);
    /* one record per byte */
    tb_reset(&b);
    tlsb_records(&b, 22, 0x0303, rfc8448_sh, sizeof rfc8448_sh, 1);
    struct tfeed g[] = {{SV, b.p, b.len}};
    struct topts o = {.skip_records = true};
    assert_string_equal(drive(g, 1, &o), rfc8448_sh_event);
    tb_free(&b);
}

static void test_handshake_spanning_records(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    struct tlsb_sh s = {.sid_len = 32, .cipher = 0xC030};
    tlsb_server_hello(&m, &s);
    tlsb_certificate(&m, 3, 3000); /* 9 KB, across records of 1000 */
    tlsb_server_kx_ecdhe(&m);
    tlsb_handshake(&m, 14, NULL, 0);
    tlsb_records(&b, 22, 0x0303, m.p, m.len, 1000);
    struct tfeed f[] = {{SV, b.p, b.len}};
    struct topts o = {.skip_records = true};
    assert_string_equal(drive(f, 1, &o),
                        "SH legacy=0303 version=0303 cipher=c030 hrr=0 v2=0 v2cipher=000000\n");
    check_splits(f, 1);
    tb_free(&m);
    tb_free(&b);
}

static void test_tls13_draft_layout(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    /* draft-18 ServerHello: 7f 12, random, cipher 13 01, extensions */
    struct tlsb_sh s = {.legacy_version = 0x7F12, .cipher = 0x1301, .draft = true};
    tlsb_server_hello(&m, &s);
    record_of(&b, 22, 0x0301, m.p, m.len);
    struct tfeed f[] = {{SV, b.p, b.len}};
    struct topts o = {.skip_records = true};
    assert_string_equal(drive(f, 1, &o),
                        "SH legacy=7f12 version=7f12 cipher=1301 hrr=0 v2=0 v2cipher=000000\n");
    assert_int_equal(last.version, 0x7F12);
    /* draft-18 HelloRetryRequest, handshake type 6: version, extensions */
    tb_reset(&m);
    tb_reset(&b);
    tlsb_draft_hrr(&m, 0x7F12);
    record_of(&b, 22, 0x0301, m.p, m.len);
    struct tfeed g[] = {{SV, b.p, b.len}};
    assert_string_equal(drive(g, 1, &o),
                        "SH legacy=7f12 version=7f12 cipher=0000 hrr=1 v2=0 v2cipher=000000\n");
    char buf[32];
    assert_string_equal(tls_version_name(0x7F12, buf, sizeof buf), "TLSv1.3-draft18");
    tb_free(&m);
    tb_free(&b);
}

static const uint32_t v2_kinds[] = {0x010080, 0x0700C0, 0x000039, 0x00002F};

static void test_sslv2_client_hello(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    /* 80 2e | 01 | 03 01 | 00 0c | 00 00 | 00 10 | 01 00 80 07 00 c0 00 00 39 00 00 2f | challenge
     */
    tlsb_sslv2_client_hello(&b, 0x0301, v2_kinds, 4);
    struct tfeed f[] = {{CL, b.p, b.len}};
    struct topts o = {.skip_records = true};
    assert_string_equal(drive(f, 1, &o),
                        "CH legacy=0301 v2=1 suites=010080,0700c0,000039,00002f versions= sni=-\n");
    tb_free(&b);
}

static void test_sslv2_client_hello_split(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    tlsb_sslv2_client_hello(&b, 0x0301, v2_kinds, 4);
    struct tfeed f[] = {{CL, b.p, b.len}};
    check_splits(f, 1);
    tb_free(&b);
}

/* RFC 5246 E.2: after a v2-compatible CLIENT-HELLO the server answers with
 * a TLS ServerHello and the client goes on with ordinary TLS records. */
static void test_sslv2_compatible_hello_then_tls_records(void **state)
{
    (void)state;
    struct tbuf c1, s1, c2;
    tb_init(&c1);
    tb_init(&s1);
    tb_init(&c2);
    tlsb_sslv2_client_hello(&c1, 0x0301, v2_kinds, 4);
    struct tbuf m;
    tb_init(&m);
    struct tlsb_sh s = {.legacy_version = 0x0301, .cipher = 0x0039, .no_extensions = true};
    tlsb_server_hello(&m, &s);
    tlsb_handshake(&m, 14, NULL, 0);
    record_of(&s1, 22, 0x0301, m.p, m.len);
    tb_reset(&m);
    tlsb_handshake_opaque(&m, 16, 130, 2); /* ClientKeyExchange */
    record_of(&c2, 22, 0x0301, m.p, m.len);
    tlsb_ccs(&c2, 0x0301);
    tlsb_opaque_record(&c2, 22, 0x0301, 48, 3); /* encrypted Finished */
    struct tfeed f[] = {{CL, c1.p, c1.len}, {SV, s1.p, s1.len}, {CL, c2.p, c2.len}};
    run(f, 3);
    assert_true(rec_has_line(&rec, "SH legacy=0301 version=0301 cipher=0039 hrr=0 v2=0 "
                                   "v2cipher=000000"));
    assert_true(rec_has_line(&rec, "REC c 22 clear 134"));
    assert_true(rec_has_line(&rec, "REC c 20 clear 1"));
    assert_true(rec_has_line(&rec, "REC c 22 enc 48"));
    assert_false(tls_failed(&last, CL));
    tb_free(&c1);
    tb_free(&s1);
    tb_free(&c2);
    tb_free(&m);
}

static void test_sslv2_server_hello(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    tlsb_sslv2_server_hello(&b, 0x010080);
    struct tfeed f[] = {{SV, b.p, b.len}};
    struct topts o = {.skip_records = true};
    assert_string_equal(drive(f, 1, &o),
                        "SH legacy=0002 version=0002 cipher=0000 hrr=0 v2=1 v2cipher=010080\n");
    assert_int_equal(last.version, TLS_VERSION_SSL2);
    tb_free(&b);
}

static void test_alerts_in_clear(void **state)
{
    (void)state;
    /* 15 03 03 00 02 02 28: fatal handshake_failure;
     * 15 03 01 00 04 01 00 02 2e: warning close_notify, fatal certificate_unknown */
    static const uint8_t a[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    static const uint8_t b[] = {0x15, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x02, 0x2e};
    struct tfeed f[] = {{SV, a, sizeof a}, {CL, b, sizeof b}};
    expect(f, 2,
           "REC s 21 clear 2\n"
           "ALERT s 2 40\n"
           "REC c 21 clear 4\n"
           "ALERT c 1 0\n"
           "ALERT c 2 46\n");
    check_splits(f, 2);
}

/* ---- negative cases ---- */

static void test_bad_record_header(void **state)
{
    (void)state;
    /* "EHLO x\r\n" where TLS was expected, then a good record that is ignored */
    struct tbuf b;
    tb_init(&b);
    tb_str(&b, "EHLO x\r\n");
    tlsb_alert(&b, 0x0303, 2, 40);
    struct tfeed f[] = {{CL, b.p, b.len}};
    expect(f, 1, "ANOM c tls-expected-but-not-tls\n");
    assert_true(tls_failed(&last, CL));
    assert_false(tls_failed(&last, SV));

    /* A good record, then type 0x42, version 3.5 or 2.0, or what would be an
     * SSLv2 hello header (80 2e 01: only a first record may be SSLv2): a bad
     * record (found by fuzz_tls) */
    static const uint8_t bad[][5] = {{0x42, 3, 3, 0, 2}, {0x16, 3, 5, 0, 2}, {0x16, 2, 0, 0, 2},
                                     {0x13, 3, 3, 0, 2}, {0x19, 3, 3, 0, 2}, {0x80, 0x2e, 1, 0, 2},
                                     {0x80, 0x2e, 4, 0, 2}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tb_reset(&b);
        tlsb_ccs(&b, 0x0303);
        tb_put(&b, bad[i], 5);
        tb_fill(&b, 0, 2);
        tlsb_ccs(&b, 0x0303);
        struct tfeed g[] = {{SV, b.p, b.len}};
        expect(g, 1, "REC s 20 clear 1\nANOM s tls-bad-record\n");
        assert_true(tls_failed(&last, SV));
    }
    tb_free(&b);
}

static void test_record_length_cap(void **state)
{
    (void)state;
    struct tbuf b;
    tb_init(&b);
    tlsb_opaque_record(&b, 23, 0x0303, LIMIT_TLS_RECORD, 5);
    struct tfeed f[] = {{SV, b.p, b.len}};
    char want[64];
    snprintf(want, sizeof want, "REC s 23 enc %u\n", LIMIT_TLS_RECORD);
    expect(f, 1, want);
    assert_false(tls_failed(&last, SV));
    tb_reset(&b);
    tlsb_opaque_record(&b, 23, 0x0303, LIMIT_TLS_RECORD + 1, 5);
    struct tfeed g[] = {{SV, b.p, b.len}};
    expect(g, 1, "ANOM s tls-record-too-long\n");
    assert_true(tls_failed(&last, SV));
    tb_free(&b);
}

static void test_handshake_message_cap(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    /* a Certificate message one byte over the cap, then a ServerHello */
    tlsb_handshake_opaque(&m, 11, LIMIT_TLS_HS_MSG + 1, 6);
    tb_put(&m, rfc8448_sh, sizeof rfc8448_sh);
    tlsb_records(&b, 22, 0x0303, m.p, m.len, 16384);
    struct tfeed f[] = {{SV, b.p, b.len}};
    struct topts o = {.skip_records = true};
    char want[256];
    snprintf(want, sizeof want, "ANOM s tls-handshake-too-long\n%s", rfc8448_sh_event);
    assert_string_equal(drive(f, 1, &o), want);
    assert_true(last.d[SV].hs_cap <= LIMIT_TLS_HS_MSG + 4u);
    o.mode = T_RANDOM;
    o.seed = 3;
    assert_string_equal(drive(f, 1, &o), want);

    /* exactly at the cap: collected, no anomaly */
    tb_reset(&m);
    tb_reset(&b);
    tlsb_handshake_opaque(&m, 13, LIMIT_TLS_HS_MSG, 6); /* CertificateRequest */
    tb_put(&m, rfc8448_sh, sizeof rfc8448_sh);
    tlsb_records(&b, 22, 0x0303, m.p, m.len, 16384);
    struct tfeed g[] = {{SV, b.p, b.len}};
    o.mode = T_WHOLE;
    assert_string_equal(drive(g, 1, &o), rfc8448_sh_event);
    tb_free(&m);
    tb_free(&b);
}

static void test_duplicate_extension(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    struct tlsb_ch ch = {.sni = "first.example", .dup_sni = true};
    tlsb_client_hello(&m, &ch);
    record_of(&b, 22, 0x0301, m.p, m.len);
    struct tlsb_sh sh = {.cipher = 0x1301, .selected_version = 0x0304, .dup_versions = true};
    struct tbuf sm, sb;
    tb_init(&sm);
    tb_init(&sb);
    tlsb_server_hello(&sm, &sh);
    record_of(&sb, 22, 0x0303, sm.p, sm.len);
    struct tfeed f[] = {{CL, b.p, b.len}, {SV, sb.p, sb.len}};
    struct topts o = {.skip_records = true};
    assert_string_equal(drive(f, 2, &o),
                        "ANOM c tls-duplicate-extension\n"
                        "CH legacy=0303 v2=0 suites=c02f,c030,009c versions= sni=first.example\n"
                        "ANOM s tls-duplicate-extension\n"
                        "SH legacy=0303 version=0304 cipher=1301 hrr=0 v2=0 v2cipher=000000\n");
    tb_free(&m);
    tb_free(&b);
    tb_free(&sm);
    tb_free(&sb);
}

/* More extensions than LIMIT_TLS_EXTENSIONS: the walk stops at the cap and
 * says so; the hello is still reported. */
static void test_extension_count_cap(void **state)
{
    (void)state;
    struct tbuf m, b;
    tb_init(&m);
    tb_init(&b);
    tb_u8(&m, 1);
    size_t msg = tb_open(&m, 3);
    tb_u16(&m, 0x0303);
    tb_fill(&m, 0x11, 32);
    tb_u8(&m, 0);
    tb_u16(&m, 2);
    tb_u16(&m, 0x1301);
    tb_u8(&m, 1);
    tb_u8(&m, 0);
    size_t exts = tb_open(&m, 2);
    for (unsigned i = 0; i < LIMIT_TLS_EXTENSIONS + 10; i++) {
        tb_u16(&m, 0x1000 + i); /* unassigned types, empty bodies */
        tb_u16(&m, 0);
    }
    tb_close(&m, exts, 2);
    tb_close(&m, msg, 3);
    record_of(&b, 22, 0x0301, m.p, m.len);
    struct tfeed f[] = {{CL, b.p, b.len}};
    struct topts o = {.skip_records = true};
    const char *got = drive(f, 1, &o);
    assert_non_null(strstr(got, "ANOM c "));
    assert_non_null(strstr(got, "CH legacy=0303 v2=0 suites=1301 "));
    tb_free(&m);
    tb_free(&b);
}

struct lenfield {
    const char *name;
    size_t off; /* within the handshake message */
    int width;
};

/* Every length field of a hello plus and minus one: the decoder reports an
 * anomaly or waits for more bytes (no hello event); it never accepts the
 * damaged hello silently nor reads past it. */
static void mutate_lengths(const uint8_t *msg, size_t n, int dir, const struct lenfield *fields,
                           size_t nf)
{
    char silent[2048] = "";
    for (size_t i = 0; i < nf; i++) {
        for (int delta = -1; delta <= 1; delta += 2) {
            uint8_t *m = tb_dup(msg, n);
            uint32_t v = 0;
            for (int k = 0; k < fields[i].width; k++)
                v = v << 8 | m[fields[i].off + (size_t)k];
            v = (uint32_t)((int64_t)v + delta);
            for (int k = fields[i].width - 1; k >= 0; k--) {
                m[fields[i].off + (size_t)k] = (uint8_t)v;
                v >>= 8;
            }
            struct tbuf b;
            tb_init(&b);
            record_of(&b, 22, 0x0303, m, n);
            struct tfeed f[] = {{dir, b.p, b.len}};
            struct topts o = {.skip_records = true};
            const char *got = drive(f, 1, &o);
            bool anomaly = strstr(got, "ANOM") != NULL;
            bool hello = strstr(got, dir == CL ? "CH " : "SH ") != NULL;
            if (!anomaly && hello) {
                size_t len = strlen(silent);
                snprintf(silent + len, sizeof silent - len, "  %s %+d: %s", fields[i].name, delta,
                         got);
            }
            tb_free(&b);
            free(m);
        }
    }
    if (silent[0])
        fail_msg("damaged hellos accepted without an anomaly:\n%s", silent);
}

static void test_client_hello_length_fields_pm1(void **state)
{
    (void)state;
    /* Offsets in the RFC 8448 ClientHello: message length 1, session id 38,
     * suites 39, compression 47, extensions 49; each extension's length,
     * and inside server_name (type at 51) its list (55) and host_name (58)
     * lengths, inside supported_versions its list length. */
    struct lenfield fields[32] = {
        {"message length", 1, 3},         {"session id", 38, 1}, {"cipher suites", 39, 2},
        {"compression", 47, 1},           {"extensions", 49, 2}, {"server_name list", 55, 2},
        {"server_name host_name", 58, 2},
    };
    size_t nf = 7;
    for (size_t off = 51; off + 4 <= sizeof rfc8448_ch && nf < 30;) {
        unsigned type = (unsigned)rfc8448_ch[off] << 8 | rfc8448_ch[off + 1];
        unsigned len = (unsigned)rfc8448_ch[off + 2] << 8 | rfc8448_ch[off + 3];
        static char names[32][32];
        snprintf(names[nf], sizeof names[0], "extension %u length", type);
        fields[nf] = (struct lenfield){names[nf], off + 2, 2};
        nf++;
        if (type == 43)
            fields[nf++] = (struct lenfield){"supported_versions list", off + 4, 1};
        off += 4 + len;
    }
    mutate_lengths(rfc8448_ch, sizeof rfc8448_ch, CL, fields, nf);
}

static void test_server_hello_length_fields_pm1(void **state)
{
    (void)state;
    /* RFC 8448 ServerHello: message length 1, session id 38, extensions 42,
     * key_share length 46 and its key_exchange length 50, supported_versions
     * length 86 */
    static const struct lenfield fields[] = {
        {"message length", 1, 3}, {"session id", 38, 1},   {"extensions", 42, 2},
        {"key_share", 46, 2},     {"key_exchange", 50, 2}, {"supported_versions", 86, 2},
    };
    mutate_lengths(rfc8448_sh, sizeof rfc8448_sh, SV, fields, sizeof fields / sizeof fields[0]);
}

/* ---- gaps ---- */

static void test_gap_inside_record_body(void **state)
{
    (void)state;
    /* 100 bytes of an application_data record are lost; the next record is
     * read normally */
    struct tbuf a, b;
    tb_init(&a);
    tb_init(&b);
    tlsb_opaque_record(&a, 23, 0x0303, 300, 8);
    tlsb_alert(&b, 0x0303, 2, 80);
    tls_free(&last);
    tls_init(&last);
    rec_reset(&rec);
    tls_feed(&last, SV, a.p, 105, &rec_tls_events, &rec);
    tls_gap(&last, SV, 100);
    tls_feed(&last, SV, a.p + 205, a.len - 205, &rec_tls_events, &rec);
    tls_feed(&last, SV, b.p, b.len, &rec_tls_events, &rec);
    assert_string_equal(rec_text(&rec), "REC s 23 enc 300\nREC s 21 clear 2\nALERT s 2 80\n");
    tb_free(&a);
    tb_free(&b);
}

static void test_gap_inside_handshake_record(void **state)
{
    (void)state;
    /* One record: ServerHello then a 2000-byte Certificate; 500 bytes of the
     * certificate are lost. The rest of that record is the middle of a
     * message, not the start of one: it yields no event. The next record is
     * read normally. */
    struct tbuf m, a, b;
    tb_init(&m);
    tb_init(&a);
    tb_init(&b);
    struct tlsb_sh s = {.sid_len = 32, .cipher = 0xC02F};
    tlsb_server_hello(&m, &s);
    size_t sh_len = m.len;
    tlsb_certificate(&m, 1, 2000);
    record_of(&a, 22, 0x0303, m.p, m.len);
    tlsb_alert(&b, 0x0303, 2, 42);
    tls_free(&last);
    tls_init(&last);
    rec_reset(&rec);
    size_t cut = 5 + sh_len + 600;
    tls_feed(&last, SV, a.p, cut, &rec_tls_events, &rec);
    tls_gap(&last, SV, 500);
    tls_feed(&last, SV, a.p + cut + 500, a.len - cut - 500, &rec_tls_events, &rec);
    tls_feed(&last, SV, b.p, b.len, &rec_tls_events, &rec);
    char want[256];
    snprintf(want, sizeof want,
             "REC s 22 clear %zu\n"
             "SH legacy=0303 version=0303 cipher=c02f hrr=0 v2=0 v2cipher=000000\n"
             "REC s 21 clear 2\n"
             "ALERT s 2 42\n",
             a.len - 5);
    const char *got = rec_text(&rec);
    if (strcmp(got, want) != 0)
        fail_msg("events differ.\n--- got:\n%s--- want:\n%s", got, want);
    tb_free(&m);
    tb_free(&a);
    tb_free(&b);
}

static void test_gap_across_record_boundary_resyncs(void **state)
{
    (void)state;
    /* The gap swallows the end of one record and the start of the next; the
     * decoder finds the following record header again. */
    struct tbuf b;
    tb_init(&b);
    tlsb_opaque_record(&b, 23, 0x0303, 200, 8);
    tlsb_opaque_record(&b, 23, 0x0303, 200, 9);
    size_t third = b.len;
    tlsb_alert(&b, 0x0303, 1, 0);
    tlsb_opaque_record(&b, 23, 0x0303, 50, 10);
    tls_free(&last);
    tls_init(&last);
    rec_reset(&rec);
    tls_feed(&last, SV, b.p, 100, &rec_tls_events, &rec);
    tls_gap(&last, SV, 200);
    tls_feed(&last, SV, b.p + 300, b.len - 300, &rec_tls_events, &rec);
    const char *got = rec_text(&rec);
    assert_non_null(strstr(got, "REC s 21 clear 2\nALERT s 1 0\nREC s 23 enc 50\n"));
    assert_false(tls_failed(&last, SV));
    (void)third;
    tb_free(&b);
}

/* ---- names ---- */

static void test_version_names(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(tls_version_name(0x0002, buf, sizeof buf), "SSLv2");
    assert_string_equal(tls_version_name(0x0300, buf, sizeof buf), "SSLv3");
    assert_string_equal(tls_version_name(0x0301, buf, sizeof buf), "TLSv1");
    assert_string_equal(tls_version_name(0x0302, buf, sizeof buf), "TLSv1.1");
    assert_string_equal(tls_version_name(0x0303, buf, sizeof buf), "TLSv1.2");
    assert_string_equal(tls_version_name(0x0304, buf, sizeof buf), "TLSv1.3");
    assert_string_equal(tls_version_name(0x7F12, buf, sizeof buf), "TLSv1.3-draft18");
    assert_string_equal(tls_version_name(0x7F1C, buf, sizeof buf), "TLSv1.3-draft28");
    assert_null(tls_version_name(0, buf, sizeof buf));
}

static void test_alert_names(void **state)
{
    (void)state;
    /* RFC 8446 6 and the IANA TLS Alerts registry */
    static const struct {
        uint8_t code;
        const char *name;
    } names[] = {
        {0, "close_notify"},
        {10, "unexpected_message"},
        {20, "bad_record_mac"},
        {22, "record_overflow"},
        {40, "handshake_failure"},
        {42, "bad_certificate"},
        {45, "certificate_expired"},
        {46, "certificate_unknown"},
        {47, "illegal_parameter"},
        {48, "unknown_ca"},
        {50, "decode_error"},
        {51, "decrypt_error"},
        {70, "protocol_version"},
        {71, "insufficient_security"},
        {80, "internal_error"},
        {86, "inappropriate_fallback"},
        {90, "user_canceled"},
        {109, "missing_extension"},
        {110, "unsupported_extension"},
        {112, "unrecognized_name"},
        {116, "certificate_required"},
        {120, "no_application_protocol"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(tls_alert_name(names[i].code), names[i].name);
    assert_string_equal(tls_alert_name(255), "unknown");
}

static enum tls_look look(const char *bytes, size_t n, struct tls_header *h)
{
    return tls_header_check((const uint8_t *)bytes, n, h);
}

/* The one judgement of "is this a TLS record header", byte by byte. */
static void test_header_check(void **state)
{
    (void)state;
    struct tls_header h;
    /* 16 03 01 00 c8: a handshake record of 200 bytes */
    assert_int_equal(look("\x16\x03\x01\x00\xc8", 5, &h), TLS_LOOK_YES);
    assert_true(h.hello && !h.sslv2);
    assert_int_equal(h.type, 22);
    assert_int_equal(h.len, 200);
    assert_int_equal(h.size, 5);
    /* every prefix of it: maybe */
    for (size_t n = 0; n < 5; n++)
        assert_int_equal(look("\x16\x03\x01\x00\xc8", n, &h), TLS_LOOK_MAYBE);
    /* 17 03 03: application data is a record, not a hello */
    assert_int_equal(look("\x17\x03\x03\x00\x20", 5, &h), TLS_LOOK_YES);
    assert_false(h.hello);
    /* 18 (heartbeat) and 14 (change_cipher_spec) are record types; 13 and 19 are not */
    assert_int_equal(look("\x18\x03\x03\x00\x03", 5, &h), TLS_LOOK_YES);
    assert_int_equal(look("\x14\x03\x03\x00\x01", 5, &h), TLS_LOOK_YES);
    assert_int_equal(look("\x13", 1, &h), TLS_LOOK_NO);
    assert_int_equal(look("\x19", 1, &h), TLS_LOOK_NO);
    /* "EHLO": text, told by the first byte */
    assert_int_equal(look("E", 1, &h), TLS_LOOK_NO);
    /* 16 03 05: a version no TLS has; 16 02: no major 2 */
    assert_int_equal(look("\x16\x03\x05", 3, &h), TLS_LOOK_NO);
    assert_int_equal(look("\x16\x02", 2, &h), TLS_LOOK_NO);
    /* a length past the ciphertext limit (RFC 8446 5.2: 2^14 + 2048) */
    assert_int_equal(look("\x17\x03\x03\x48\x00", 5, &h), TLS_LOOK_YES);
    assert_int_equal(look("\x17\x03\x03\x48\x01", 5, &h), TLS_LOOK_NO);
    assert_int_equal(h.len, 0x4801);
    /* SSLv2: 80 2e 01 (CLIENT-HELLO) and 80 2e 04 (SERVER-HELLO) yes, 80 2e 02 no */
    assert_int_equal(look("\x80\x2e\x01", 3, &h), TLS_LOOK_YES);
    assert_true(h.sslv2 && h.hello);
    assert_int_equal(h.len, 0x2e);
    assert_int_equal(look("\x80\x2e\x04", 3, &h), TLS_LOOK_YES);
    assert_int_equal(look("\x80\x2e\x02", 3, &h), TLS_LOOK_NO);
    assert_int_equal(look("\x80\x2e", 2, &h), TLS_LOOK_MAYBE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello_rfc8448),
        cmocka_unit_test(test_server_hello_rfc8448_tls13),
        cmocka_unit_test(test_server_hello_tls12),
        cmocka_unit_test(test_client_hello_builder_fields),
        cmocka_unit_test(test_tls12_encrypted_after_ccs),
        cmocka_unit_test(test_tls13_ccs_does_not_encrypt),
        cmocka_unit_test(test_hello_retry_request),
        cmocka_unit_test(test_server_hello_split_across_records),
        cmocka_unit_test(test_handshake_spanning_records),
        cmocka_unit_test(test_tls13_draft_layout),
        cmocka_unit_test(test_sslv2_client_hello),
        cmocka_unit_test(test_sslv2_client_hello_split),
        cmocka_unit_test(test_sslv2_compatible_hello_then_tls_records),
        cmocka_unit_test(test_sslv2_server_hello),
        cmocka_unit_test(test_alerts_in_clear),
        cmocka_unit_test(test_bad_record_header),
        cmocka_unit_test(test_record_length_cap),
        cmocka_unit_test(test_handshake_message_cap),
        cmocka_unit_test(test_duplicate_extension),
        cmocka_unit_test(test_extension_count_cap),
        cmocka_unit_test(test_client_hello_length_fields_pm1),
        cmocka_unit_test(test_server_hello_length_fields_pm1),
        cmocka_unit_test(test_gap_inside_record_body),
        cmocka_unit_test(test_gap_inside_handshake_record),
        cmocka_unit_test(test_gap_across_record_boundary_resyncs),
        cmocka_unit_test(test_version_names),
        cmocka_unit_test(test_alert_names),
        cmocka_unit_test(test_header_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
