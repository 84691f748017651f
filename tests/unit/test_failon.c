/*
 * test_failon.c - --fail-on (report/failon.h).
 *
 * Contract under test: codes are the finding codes and "leak"; a bad list
 * is refused with one line and changes nothing; after a run, each asked
 * code that a session had gets one line with its count, and only then is
 * the answer "fail".
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "failon.h"

static void test_codes(void **state)
{
    (void)state;
    uint32_t mask = 0;
    char err[256];
    assert_int_equal(failon_parse("leak", &mask, err, sizeof err), 0);
    assert_int_equal(mask, 1u << FINDING_ENVELOPE_CLEARTEXT | 1u << FINDING_AUTH_CLEARTEXT);
    assert_int_equal(failon_parse("weak-cipher,cert-expired", &mask, err, sizeof err), 0);
    assert_int_equal(mask, 1u << FINDING_ENVELOPE_CLEARTEXT | 1u << FINDING_AUTH_CLEARTEXT |
                               1u << FINDING_WEAK_CIPHER | 1u << FINDING_CERT_EXPIRED);
    for (unsigned i = 0; i < FINDING_COUNT; i++) {
        uint32_t one = 0;
        assert_int_equal(failon_parse(finding_name((enum finding)i), &one, err, sizeof err), 0);
        assert_int_equal(one, 1u << i);
    }
    static const char *const bad[] = {"",
                                      "leak,",
                                      ",leak",
                                      "leaks",
                                      "LEAK",
                                      "leak ,weak-cipher",
                                      "envelope_cleartext",
                                      "weak-cipher,,leak"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t m = 7;
        if (failon_parse(bad[i], &m, err, sizeof err) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(m, 7);
        assert_non_null(strstr(err, "--fail-on: not a finding code"));
        assert_null(strchr(err, '\n'));
    }
}

static struct session_record leaky(void)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.family = 4;
    r.server_port = 25;
    r.mode = SESSION_PLAINTEXT;
    r.starttls_offered = SESSION_FALSE;
    r.nleaked = 1;
    r.leaked[0] = SESSION_LEAK_MAIL;
    r.cipher_key = SESSION_NO_CIPHER;
    return r;
}

static void test_check(void **state)
{
    (void)state;
    static const struct hash_key key = {5, 6};
    struct findings *fi = findings_new(&key, NULL);
    struct aggregate a;
    assert_int_equal(aggregate_init(&a, NULL), 0);
    struct session_record r = leaky();
    for (int i = 0; i < 2; i++) {
        struct verdict v;
        findings_judge(fi, &r, &v);
        aggregate_add(&a, &r, &v);
    }
    r.nleaked = 2;
    r.leaked[1] = SESSION_LEAK_AUTH;
    struct verdict v;
    findings_judge(fi, &r, &v);
    aggregate_add(&a, &r, &v);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    uint32_t mask = 0;
    char err[256];
    assert_int_equal(failon_parse("leak,weak-cipher", &mask, err, sizeof err), 0);
    assert_true(failon_check(mask, &a, fi, f));
    fflush(f);
    assert_string_equal(buf, "smtptls: --fail-on: envelope-cleartext in 3 sessions\n"
                             "smtptls: --fail-on: auth-cleartext in 1 session\n");
    fclose(f);
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    mask = 0;
    assert_int_equal(failon_parse("weak-cipher,starttls-stripped", &mask, err, sizeof err), 0);
    assert_false(failon_check(mask, &a, fi, f)); /* none had them: nothing said */
    assert_false(failon_check(0, &a, fi, f));
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
    aggregate_free(&a);
    findings_free(fi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
