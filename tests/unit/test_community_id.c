/*
 * test_community_id.c - the Community ID flow hash v1 (report/community_id.h)
 * against the published test vectors of its specification
 * (corelight/community-id-spec, baseline/baseline_deflt.json and
 * baseline_seed1.json): TCP, UDP and SCTP over IPv4 and IPv6, both
 * directions of each flow, seed 0 and seed 1, with SHA-1 fetched once and
 * without.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "community_id.h"

struct vector {
    uint8_t proto;
    const char *saddr, *daddr;
    uint16_t sport, dport;
    uint16_t seed;
    const char *id;
};

static const struct vector vectors[] = {
    /* baseline_deflt.json: seed 0 */
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 0,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 0,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    /* baseline_seed1.json: seed 1 */
    {6, "128.232.110.120", "66.35.250.204", 34855, 80, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 1,
     "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53, 1, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7, 1, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
};

static uint8_t parse(const char *text, uint8_t a[16])
{
    memset(a, 0, 16);
    if (inet_pton(AF_INET, text, a) == 1)
        return 4;
    assert_int_equal(inet_pton(AF_INET6, text, a), 1);
    return 6;
}

static void check_all(struct community_id *c)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        uint8_t s[16], d[16];
        uint8_t family = parse(v->saddr, s);
        assert_int_equal(parse(v->daddr, d), family);
        char id[COMMUNITY_ID_LEN];
        memset(id, 'x', sizeof id);
        size_t n = community_id_v1(c, v->seed, family, s, d, v->proto, v->sport, v->dport, id);
        if (strcmp(id, v->id) != 0)
            fail_msg("vector %zu: %s, want %s", i, id, v->id);
        assert_int_equal(n, strlen(v->id));
    }
}

static void test_vectors_with_sha1_fetched_once(void **state)
{
    (void)state;
    struct community_id *c = community_id_new();
    assert_non_null(c);
    check_all(c);
    check_all(c); /* the context is reused */
    community_id_free(c);
}

static void test_vectors_without_a_context(void **state)
{
    (void)state;
    check_all(NULL);
    community_id_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_with_sha1_fetched_once),
        cmocka_unit_test(test_vectors_without_a_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
