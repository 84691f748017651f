/* Grades and findings from session records: the cases real mail software on
 * this machine cannot produce (SSLv3, EXPORT, single DES, SSLv2) and the
 * edges of each rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "findings.h"
#include "caps.h"
#include "grade.h"
#include "smtp.h"

/* Two fixed keys: what is found must not depend on the key. */
static const struct hash_key key_a = {1, 2}, key_b = {0x0123456789ABCDEFull, 42};

static struct session_record starttls(uint16_t version, uint32_t cipher)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    r.client[0] = 10, r.client[3] = 1;
    r.server[0] = 10, r.server[3] = 25;
    r.client_port = 40000;
    r.server_port = 25;
    r.mode = SESSION_STARTTLS;
    r.starttls_offered = SESSION_TRUE;
    r.starttls_reply = 220;
    r.tls_version = version;
    r.cipher_key = cipher;
    r.start_us = 1796000000ull * 1000000ull;
    return r;
}

static bool has(const struct verdict *v, enum finding f)
{
    return (v->findings & (1u << f)) != 0;
}

static struct verdict judge(struct session_record r)
{
    struct findings *f = findings_new(&key_a, NULL);
    struct verdict v;
    findings_judge(f, &r, &v);
    findings_free(f);
    return v;
}

static bool flagged(struct session_record r, enum finding f)
{
    struct verdict v = judge(r);
    return has(&v, f);
}

static void test_grades_follow_the_rules(void **state)
{
    (void)state;
    struct cipher_props p;
    /* RFC 9325 4.2 recommended TLS 1.2 suites, and TLS 1.3 */
    grade_cipher(0xC02F, &p); /* ECDHE-RSA-AES128-GCM-SHA256 */
    assert_int_equal(p.grade, GRADE_RECOMMENDED);
    grade_cipher(0xCCA8, &p); /* ECDHE-RSA-CHACHA20-POLY1305 */
    assert_int_equal(p.grade, GRADE_RECOMMENDED);
    grade_cipher(0x1301, &p); /* TLS_AES_128_GCM_SHA256 */
    assert_int_equal(p.grade, GRADE_RECOMMENDED);
    assert_true(p.forward_secrecy);
    grade_cipher(0x009F, &p); /* DHE-RSA-AES256-GCM-SHA384: forward secret AEAD, DHE */
    assert_int_equal(p.grade, GRADE_SECURE);
    grade_cipher(0xC028, &p); /* ECDHE-RSA-AES256-SHA384: CBC */
    assert_int_equal(p.grade, GRADE_WEAK);
    grade_cipher(0x009D, &p); /* AES256-GCM-SHA384: RSA key exchange */
    assert_int_equal(p.grade, GRADE_WEAK);
    assert_false(p.forward_secrecy);
    assert_false(p.weak_cipher);
    grade_cipher(0x000A, &p); /* DES-CBC3-SHA: weak grade, weak-cipher finding */
    assert_int_equal(p.grade, GRADE_WEAK);
    assert_true(p.weak_cipher && p.triple_des);
    grade_cipher(0x0003, &p); /* EXP-RC4-MD5 */
    assert_int_equal(p.grade, GRADE_INSECURE);
    assert_true(p.export_grade && p.rc4 && p.md5 && p.weak_cipher);
    grade_cipher(0x0009, &p); /* DES-CBC-SHA: single DES */
    assert_int_equal(p.grade, GRADE_INSECURE);
    assert_true(p.des);
    grade_cipher(0x0018, &p); /* ADH-RC4-MD5: anonymous */
    assert_int_equal(p.grade, GRADE_INSECURE);
    assert_true(p.anonymous);
    grade_cipher(0x0002, &p); /* NULL-SHA */
    assert_int_equal(p.grade, GRADE_INSECURE);
    assert_true(p.null_cipher);
    grade_cipher(0x0A0A, &p); /* GREASE: not a suite */
    assert_false(p.known);
    assert_int_equal(p.grade, GRADE_UNKNOWN);
    grade_sslv2(0x020080, &p); /* SSL_CK_RC4_128_EXPORT40_WITH_MD5 */
    assert_int_equal(p.grade, GRADE_INSECURE);
}

static void test_obsolete_versions(void **state)
{
    (void)state;
    assert_true(flagged(starttls(0x0300, 0x0035), FINDING_OBSOLETE_VERSION));
    assert_true(flagged(starttls(0x0301, 0xC014), FINDING_OBSOLETE_VERSION));
    assert_true(flagged(starttls(0x0302, 0xC014), FINDING_OBSOLETE_VERSION));
    assert_false(flagged(starttls(0x0303, 0xC02F), FINDING_OBSOLETE_VERSION));
    assert_false(flagged(starttls(0x0304, 0x1301), FINDING_OBSOLETE_VERSION));
    struct session_record r = starttls(0x0002, SESSION_CIPHER_SSLV2 | 0x010080);
    struct verdict v = judge(r);
    assert_true(has(&v, FINDING_OBSOLETE_VERSION) && has(&v, FINDING_WEAK_CIPHER));
    assert_int_equal(v.grade, GRADE_INSECURE);
}

static void test_certificate_dates(void **state)
{
    (void)state;
    struct session_record r = starttls(0x0303, 0xC02F);
    int64_t start = (int64_t)(r.start_us / 1000000u);
    r.has_cert = true;
    r.cert_not_before = start - 86400;
    r.cert_not_after = start - 1; /* expired a second before the session */
    assert_true(flagged(r, FINDING_CERT_EXPIRED));
    r.cert_not_after = start; /* valid to the second */
    assert_false(flagged(r, FINDING_CERT_EXPIRED));
    r.cert_self_signed = true;
    assert_true(flagged(r, FINDING_CERT_SELF_SIGNED));
}

static void test_stripping_by_history_needs_an_earlier_offer(void **state)
{
    (void)state;
    struct findings *f = findings_new(&key_a, NULL);
    struct verdict v;
    struct session_record r = starttls(0x0304, 0x1301);
    r.mode = SESSION_PLAINTEXT;
    r.starttls_offered = SESSION_FALSE;
    r.tls_version = 0;
    r.cipher_key = SESSION_NO_CIPHER;
    r.nverbs = 1;
    r.verbs[0] = SMTP_VERB_EHLO; /* the reply to EHLO could have listed it */
    struct session_record helo = r;
    helo.verbs[0] = SMTP_VERB_HELO; /* a reply to HELO lists no extension */
    findings_judge(f, &r, &v);    /* before any offer: not flagged, counted late */
    assert_false(has(&v, FINDING_STARTTLS_STRIPPED));
    findings_judge(f, &helo, &v); /* a HELO probe: not flagged, not late */
    struct session_record ok = starttls(0x0304, 0x1301);
    findings_judge(f, &ok, &v); /* the server offers STARTTLS */
    findings_judge(f, &r, &v);  /* now it does not: stripped */
    assert_true(has(&v, FINDING_STARTTLS_STRIPPED) && v.stripped_by_history);
    findings_judge(f, &helo, &v); /* a HELO probe after the offer: still nothing */
    assert_false(has(&v, FINDING_STARTTLS_STRIPPED));
    assert_int_equal(findings_stripped_late(f), 1);
    r.server[3] = 26; /* another server never offered it */
    findings_judge(f, &r, &v);
    assert_false(has(&v, FINDING_STARTTLS_STRIPPED));
    findings_free(f);
}

static void test_fallback_is_the_next_session_only(void **state)
{
    (void)state;
    struct findings *f = findings_new(&key_a, NULL);
    struct verdict v;
    struct session_record failed = starttls(0x0301, -1);
    failed.mode = SESSION_STARTTLS_FAILED;
    failed.failure = SESSION_FAIL_ALERT;
    struct session_record clear = starttls(0, -1);
    clear.mode = SESSION_PLAINTEXT;
    clear.starttls_reply = 0;
    clear.leaked[0] = SESSION_LEAK_MAIL;
    clear.nleaked = 1;
    clear.start_us = failed.start_us + 2000000u;
    findings_judge(f, &failed, &v);
    findings_judge(f, &clear, &v);
    assert_true(has(&v, FINDING_TLS_FALLBACK_CLEARTEXT));
    assert_int_equal(v.fallback_after_us, failed.start_us);
    clear.start_us += 1000000u; /* a second clear session is no longer "the retry" */
    findings_judge(f, &clear, &v);
    assert_false(has(&v, FINDING_TLS_FALLBACK_CLEARTEXT));
    failed.start_us = clear.start_us + 1000000u;
    findings_judge(f, &failed, &v);
    clear.start_us = failed.start_us + 301u * 1000000u; /* too late to be a retry */
    findings_judge(f, &clear, &v);
    assert_false(has(&v, FINDING_TLS_FALLBACK_CLEARTEXT));
    findings_free(f);
}

/* The failed session, and its retry in clear, of client number i. */
static struct session_record failed_of(uint32_t i, uint64_t at)
{
    struct session_record r = starttls(0x0301, -1);
    r.mode = SESSION_STARTTLS_FAILED;
    r.failure = SESSION_FAIL_ALERT;
    r.client[1] = (uint8_t)(i >> 16);
    r.client[2] = (uint8_t)(i >> 8);
    r.client[3] = (uint8_t)i;
    r.start_us += at;
    return r;
}

static struct session_record retry_of(uint32_t i, uint64_t at)
{
    struct session_record r = failed_of(i, at);
    r.mode = SESSION_PLAINTEXT;
    r.failure = 0;
    r.tls_version = 0;
    r.leaked[0] = SESSION_LEAK_MAIL;
    r.nleaked = 1;
    return r;
}

static bool fell_back(struct findings *f, uint32_t i, uint64_t at)
{
    struct session_record r = retry_of(i, at);
    struct verdict v;
    findings_judge(f, &r, &v);
    return has(&v, FINDING_TLS_FALLBACK_CLEARTEXT);
}

static void fail_pair(struct findings *f, uint32_t i, uint64_t at)
{
    struct session_record r = failed_of(i, at);
    struct verdict v;
    findings_judge(f, &r, &v);
}

/* Every pair is remembered up to the cap, whatever the hash key. */
static void test_fallback_pairs_do_not_collide(void **state)
{
    (void)state;
    const struct hash_key *keys[] = {&key_a, &key_b};
    for (int k = 0; k < 2; k++) {
        struct findings *f = findings_new(keys[k], NULL);
        assert_non_null(f);
        const uint32_t n = 20000;
        for (uint32_t i = 0; i < n; i++)
            fail_pair(f, i, i);
        for (uint32_t i = 0; i < n; i++)
            if (!fell_back(f, i, n + i))
                fail_msg("key %d: pair %u forgotten", k, i);
        findings_free(f);
    }
}

/* Past LIMIT_FALLBACK_PAIRS the oldest pair is forgotten first; a pair that
 * fails again is the newest. */
static void test_fallback_pairs_forget_the_oldest(void **state)
{
    (void)state;
    const struct hash_key *keys[] = {&key_a, &key_b};
    const uint32_t n = LIMIT_FALLBACK_PAIRS;
    for (int k = 0; k < 2; k++) {
        struct findings *f = findings_new(keys[k], NULL);
        assert_non_null(f);
        for (uint32_t i = 0; i <= n; i++) /* one more than the cap */
            fail_pair(f, i, i);
        assert_false(fell_back(f, 0, 2 * n));
        assert_true(fell_back(f, 1, 2 * n));
        assert_true(fell_back(f, n, 2 * n));
        findings_free(f);

        f = findings_new(keys[k], NULL);
        for (uint32_t i = 0; i < n; i++) /* full */
            fail_pair(f, i, i);
        fail_pair(f, 0, n);     /* pair 0 again: now the newest */
        fail_pair(f, n, n + 1); /* pushes out the oldest: pair 1 */
        assert_true(fell_back(f, 0, 2 * n));
        assert_false(fell_back(f, 1, 2 * n));
        assert_true(fell_back(f, 2, 2 * n));
        assert_true(fell_back(f, n, 2 * n));
        findings_free(f);
    }
}

static void test_refused_and_failed_and_465(void **state)
{
    (void)state;
    struct session_record r = starttls(0, -1);
    r.mode = SESSION_STARTTLS_FAILED;
    r.starttls_reply = 454;
    r.failure = SESSION_FAIL_REFUSED;
    struct verdict v = judge(r);
    assert_true(has(&v, FINDING_STARTTLS_REFUSED));
    assert_false(has(&v, FINDING_TLS_HANDSHAKE_FAILED));
    r.failure = SESSION_FAIL_NO_SERVER_HELLO;
    r.starttls_reply = 220;
    v = judge(r);
    assert_true(has(&v, FINDING_TLS_HANDSHAKE_FAILED));
    r.mode = SESSION_PLAINTEXT;
    r.server_port = 465;
    v = judge(r);
    assert_true(has(&v, FINDING_CLEARTEXT_ON_IMPLICIT_TLS_PORT));
    r.server_port = 587;
    v = judge(r);
    assert_false(has(&v, FINDING_CLEARTEXT_ON_IMPLICIT_TLS_PORT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grades_follow_the_rules),
        cmocka_unit_test(test_obsolete_versions),
        cmocka_unit_test(test_certificate_dates),
        cmocka_unit_test(test_stripping_by_history_needs_an_earlier_offer),
        cmocka_unit_test(test_fallback_is_the_next_session_only),
        cmocka_unit_test(test_fallback_pairs_do_not_collide),
        cmocka_unit_test(test_fallback_pairs_forget_the_oldest),
        cmocka_unit_test(test_refused_and_failed_and_465),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
