/*
 * test_cipher_table.c - cipher suite table and lookups (report/cipher_table.h).
 *
 * Expected names are quoted from their normative sources, not from the generated table:
 * code points and IANA names from the IANA "TLS Cipher Suites" registry and the RFCs it
 * cites (5246, 4346, 5288, 5289, 6209, 6367, 7905, 8446, 8701); OpenSSL names from
 * OpenSSL's openssl-ciphers(1), section "CIPHER SUITE NAMES"; SSLv2 cipher kinds from the
 * SSL 2.0 specification (draft-hickman-netscape-ssl-00, Appendix C).
 */
#include "cipher_table.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

struct suite_fact {
    uint16_t id;
    const char *openssl; /* NULL: OpenSSL implements no such suite */
    const char *iana;
};

static const struct suite_fact suite_facts[] = {
    /* RFC 5246 Appendix A.5 */
    {0x0000, "NULL", "TLS_NULL_WITH_NULL_NULL"},
    {0x0005, "RC4-SHA", "TLS_RSA_WITH_RC4_128_SHA"},
    {0x000A, "DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x002F, "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0039, "DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    /* RFC 4346 Appendix A.5 */
    {0x0003, "EXP-RC4-MD5", "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
    /* RFC 5288 section 3 */
    {0x009C, "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009F, "DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    /* RFC 5289 section 3.2 */
    {0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    /* RFC 7905 section 2 */
    {0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    /* RFC 8446 Appendix B.4; OpenSSL uses the IANA names for TLS 1.3 suites */
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
    /* RFC 6209 section 2 (static-DH ARIA: no OpenSSL implementation) */
    {0xC03E, NULL, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256"},
    /* RFC 6367 section 2.1 (Camellia-GCM: no OpenSSL implementation) */
    {0xC07A, NULL, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
};

static void assert_optional_string_equal(const char *got, const char *want)
{
    if (want == NULL)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

static void test_names_from_registry(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof suite_facts / sizeof suite_facts[0]; i++) {
        const struct suite_fact *f = &suite_facts[i];
        const struct cipher_info *ci = cipher_lookup(f->id);
        assert_non_null(ci);
        assert_int_equal(ci->id, f->id);
        assert_string_equal(ci->iana, f->iana);
        assert_optional_string_equal(ci->openssl, f->openssl);
    }
}

static void test_columns(void **state)
{
    (void)state;
    /* RFC 5289: ECDHE key exchange, RSA signatures, AES-256-GCM (an AEAD). RFC 5288
     * section 4 and RFC 5289 section 4: GCM suites MUST NOT be negotiated before TLS 1.2. */
    const struct cipher_info *ci = cipher_lookup(0xC030);
    assert_non_null(ci);
    assert_string_equal(ci->kx, "ECDH");
    assert_string_equal(ci->au, "RSA");
    assert_string_equal(ci->enc, "AESGCM(256)");
    assert_string_equal(ci->mac, "AEAD");
    assert_string_equal(ci->min_version, "TLSv1.2");
    assert_false(ci->is_export);

    /* RFC 8446 Appendix B.4: TLS 1.3 suites fix only the AEAD and the hash. */
    ci = cipher_lookup(0x1301);
    assert_non_null(ci);
    assert_string_equal(ci->min_version, "TLSv1.3");
    assert_string_equal(ci->enc, "AESGCM(128)");
    assert_string_equal(ci->mac, "AEAD");

    /* RFC 4346 Appendix A.5: an export suite, RC4 with a 40-bit key. */
    ci = cipher_lookup(0x0003);
    assert_non_null(ci);
    assert_true(ci->is_export);
    assert_string_equal(ci->enc, "RC4(40)");

    /* RFC 5246 Appendix A.5: SHA-1 MAC, RSA key transport. */
    ci = cipher_lookup(0x002F);
    assert_non_null(ci);
    assert_string_equal(ci->kx, "RSA");
    assert_string_equal(ci->mac, "SHA1");
    assert_false(ci->is_export);
}

static void test_display_prefers_openssl_name(void **state)
{
    (void)state;
    char buf[7] = "sentin";
    const char *name = cipher_display_name(0xC030, buf);
    assert_string_equal(name, "ECDHE-RSA-AES256-GCM-SHA384");
    assert_ptr_not_equal(name, buf);
    assert_string_equal(buf, "sentin");
    assert_string_equal(cipher_display_name(0x1301, buf), "TLS_AES_128_GCM_SHA256");
}

static void test_display_iana_when_no_openssl_name(void **state)
{
    (void)state;
    char buf[7];
    assert_string_equal(cipher_display_name(0xC07A, buf), "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256");
    assert_string_equal(cipher_display_name(0xC03E, buf), "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256");
}

static void test_display_unknown_as_hex(void **state)
{
    (void)state;
    char buf[7];
    const char *name = cipher_display_name(0xABCD, buf);
    assert_ptr_equal(name, buf);
    assert_string_equal(name, "0xABCD");
    assert_null(cipher_lookup(0xABCD));

    /* RFC 8701 section 2: the sixteen GREASE values {0x?A,0x?A} are never real suites. */
    for (unsigned hi = 0; hi < 16; hi++) {
        uint16_t id = (uint16_t)(((hi << 4 | 0xA) << 8) | (hi << 4 | 0xA));
        char want[7];
        snprintf(want, sizeof want, "0x%X%X%X%X", hi, 0xAu, hi, 0xAu);
        assert_null(cipher_lookup(id));
        assert_string_equal(cipher_display_name(id, buf), want);
    }
    assert_string_equal(cipher_display_name(0x0A0A, buf), "0x0A0A");
}

static void test_tls_table_sorted_and_unique(void **state)
{
    (void)state;
    assert_true(cipher_table_len > 0);
    for (size_t i = 1; i < cipher_table_len; i++)
        assert_true(cipher_table[i - 1].id < cipher_table[i].id);
}

static void test_sslv2_table_sorted_and_unique(void **state)
{
    (void)state;
    assert_true(cipher_sslv2_table_len > 0);
    for (size_t i = 1; i < cipher_sslv2_table_len; i++)
        assert_true(cipher_sslv2_table[i - 1].id < cipher_sslv2_table[i].id);
    for (size_t i = 0; i < cipher_sslv2_table_len; i++)
        assert_true(cipher_sslv2_table[i].id <= 0xFFFFFF);
}

static bool nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static bool is_tls_version(const char *v)
{
    return strcmp(v, "SSLv3") == 0 || strcmp(v, "TLSv1") == 0 || strcmp(v, "TLSv1.2") == 0 ||
           strcmp(v, "TLSv1.3") == 0;
}

static void test_every_entry_named(void **state)
{
    (void)state;
    for (size_t i = 0; i < cipher_table_len; i++) {
        const struct cipher_info *ci = &cipher_table[i];
        /* IANA registry: 0xFF,0x00-FF is "Reserved for Private Use"; only there may a
         * suite lack an IANA-style name. Everywhere a suite has at least one name. */
        if (ci->id < 0xFF00)
            assert_true(nonempty(ci->iana));
        assert_true(nonempty(ci->iana) || nonempty(ci->openssl));
        assert_true(ci->iana == NULL || nonempty(ci->iana));
        assert_true(ci->openssl == NULL || nonempty(ci->openssl));
        assert_true(nonempty(ci->kx) && nonempty(ci->au) && nonempty(ci->enc) && nonempty(ci->mac));
        assert_true(nonempty(ci->min_version) && is_tls_version(ci->min_version));
    }
    for (size_t i = 0; i < cipher_sslv2_table_len; i++) {
        const struct sslv2_cipher_info *ci = &cipher_sslv2_table[i];
        assert_true(nonempty(ci->iana));
        assert_true(ci->openssl == NULL || nonempty(ci->openssl));
        assert_true(nonempty(ci->kx) && nonempty(ci->au) && nonempty(ci->enc) && nonempty(ci->mac));
        assert_string_equal(ci->min_version, "SSLv2");
    }
}

/* The binary search agrees with a linear scan for every possible two-byte id. */
static void test_lookup_matches_linear_scan(void **state)
{
    (void)state;
    size_t found = 0;
    for (uint32_t id = 0; id <= 0xFFFF; id++) {
        const struct cipher_info *want = NULL;
        for (size_t i = 0; i < cipher_table_len; i++) {
            if (cipher_table[i].id == id) {
                want = &cipher_table[i];
                break;
            }
        }
        assert_ptr_equal(cipher_lookup((uint16_t)id), want);
        found += want != NULL;
    }
    assert_int_equal(found, cipher_table_len);
    for (size_t i = 0; i < cipher_sslv2_table_len; i++)
        assert_ptr_equal(cipher_lookup_sslv2(cipher_sslv2_table[i].id), &cipher_sslv2_table[i]);
}

static void test_sslv2_lookup(void **state)
{
    (void)state;
    /* SSL 2.0 specification, Appendix C. */
    const struct sslv2_cipher_info *ci = cipher_lookup_sslv2(0x010080);
    assert_non_null(ci);
    assert_string_equal(ci->openssl, "RC4-MD5");
    assert_string_equal(ci->iana, "SSL_CK_RC4_128_WITH_MD5");
    assert_false(ci->is_export);

    ci = cipher_lookup_sslv2(0x020080);
    assert_non_null(ci);
    assert_string_equal(ci->iana, "SSL_CK_RC4_128_EXPORT40_WITH_MD5");
    assert_true(ci->is_export);

    ci = cipher_lookup_sslv2(0x0700C0);
    assert_non_null(ci);
    assert_string_equal(ci->openssl, "DES-CBC3-MD5");
    assert_string_equal(ci->iana, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");

    /* A TLS code point is not an SSLv2 kind. */
    assert_null(cipher_lookup_sslv2(0x00C030));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_from_registry),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_display_prefers_openssl_name),
        cmocka_unit_test(test_display_iana_when_no_openssl_name),
        cmocka_unit_test(test_display_unknown_as_hex),
        cmocka_unit_test(test_tls_table_sorted_and_unique),
        cmocka_unit_test(test_sslv2_table_sorted_and_unique),
        cmocka_unit_test(test_every_entry_named),
        cmocka_unit_test(test_lookup_matches_linear_scan),
        cmocka_unit_test(test_sslv2_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
