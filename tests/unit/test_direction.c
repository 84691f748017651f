/*
 * test_direction.c - --home-net and the direction of a session
 * (report/direction.h).
 *
 * Contract under test: a list of networks, IPv4 and IPv6, parses into
 * prefixes with their host bits cleared (an address alone is a /32 or a
 * /128); every malformed list is refused with one line and leaves the
 * networks as they were; membership follows the prefix length to the bit,
 * and an IPv4 network holds IPv4-mapped IPv6 addresses; a session is
 * inbound, outbound, internal or external by where its client and server
 * are, and has no direction without networks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "direction.h"
#include "session.h"

static void addr(const char *text, uint8_t *family, uint8_t a[16])
{
    memset(a, 0, 16);
    if (inet_pton(AF_INET, text, a) == 1)
        *family = 4;
    else if (inet_pton(AF_INET6, text, a) == 1)
        *family = 6;
    else
        fail_msg("bad test address %s", text);
}

static bool contains(const struct home_net *h, const char *text)
{
    uint8_t family, a[16];
    addr(text, &family, a);
    return home_net_contains(h, family, a);
}

static void parse_ok(struct home_net *h, const char *text)
{
    char err[256] = "";
    if (home_net_parse(h, text, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", text, err);
}

static void test_parses_ipv4_and_ipv6(void **state)
{
    (void)state;
    struct home_net h = {0};
    char net[64];
    parse_ok(&h, "192.0.2.0/24,10.1.2.3/8, 2001:db8::/32 ,198.51.100.7,::1,2001:db8:1::5/48");
    assert_int_equal(h.n, 6);
    static const char *const want[] = {"192.0.2.0/24",    "10.0.0.0/8", "2001:db8::/32",
                                       "198.51.100.7/32", "::1/128",    "2001:db8:1::/48"};
    for (unsigned i = 0; i < h.n; i++) {
        home_net_text(&h, i, net, sizeof net);
        assert_string_equal(net, want[i]);
    }
    assert_int_equal(h.nets[0].family, 4);
    assert_int_equal(h.nets[2].family, 6);
    /* another --home-net adds to the list */
    parse_ok(&h, "0.0.0.0/0");
    assert_int_equal(h.n, 7);
    home_net_text(&h, 6, net, sizeof net);
    assert_string_equal(net, "0.0.0.0/0");
}

static void refused(const char *text, const char *msg)
{
    struct home_net h = {0};
    char err[256] = "";
    parse_ok(&h, "192.0.2.0/24");
    assert_int_equal(home_net_parse(&h, text, err, sizeof err), -1);
    assert_int_equal(h.n, 1); /* unchanged */
    if (!strstr(err, msg))
        fail_msg("'%s': message '%s' lacks '%s'", text, err, msg);
    assert_null(strchr(err, '\n'));
    assert_true(strncmp(err, "--home-net: ", 12) == 0);
}

static void test_refuses_bad_lists(void **state)
{
    (void)state;
    refused("", "an empty network");
    refused("10.0.0.0/8,", "an empty network");
    refused(",10.0.0.0/8", "an empty network");
    refused("10.0.0.0/8,,192.0.2.0/24", "an empty network");
    refused(" , ", "an empty network");
    refused("10.0.0.0/33", "prefix length from 0 to 32");
    refused("2001:db8::/129", "prefix length from 0 to 128");
    refused("10.0.0.0/", "prefix length");
    refused("10.0.0.0/+8", "prefix length");
    refused("10.0.0.0/ 8", "prefix length");
    refused("10.0.0.0/0x8", "prefix length");
    refused("10.0.0.0/8/8", "prefix length");
    refused("10.0.0.0/0008", "prefix length");
    refused("/8", "not an address");
    refused("10.0.0", "not an address");
    refused("10.0.0.256/8", "not an address");
    refused("example.com/24", "not an address");
    refused("!10.0.0.0/8", "not an address");
    refused("2001:db8:::1/64", "not an address");
    refused("10.0.0.0/8 192.0.2.0/24", "prefix length");
    refused("192.0.2.0 /24", "not an address");
}

static void test_caps_the_networks(void **state)
{
    (void)state;
    struct home_net h = {0};
    char list[LIMIT_HOME_NETS * 20], err[256];
    size_t used = 0;
    for (unsigned i = 0; i < LIMIT_HOME_NETS; i++)
        used +=
            (size_t)snprintf(list + used, sizeof list - used, "%s10.%u.0.0/16", i ? "," : "", i);
    parse_ok(&h, list);
    assert_int_equal(h.n, LIMIT_HOME_NETS);
    assert_int_equal(home_net_parse(&h, "192.0.2.0/24", err, sizeof err), -1);
    assert_non_null(strstr(err, "more than"));
    assert_int_equal(h.n, LIMIT_HOME_NETS);
}

static void test_membership_to_the_bit(void **state)
{
    (void)state;
    struct home_net h = {0};
    parse_ok(&h, "192.0.2.128/25,10.0.0.0/8,2001:db8:8000::/33,198.51.100.7");
    assert_true(contains(&h, "192.0.2.128"));
    assert_true(contains(&h, "192.0.2.255"));
    assert_false(contains(&h, "192.0.2.127"));
    assert_true(contains(&h, "10.255.255.255"));
    assert_false(contains(&h, "11.0.0.0"));
    assert_true(contains(&h, "198.51.100.7"));
    assert_false(contains(&h, "198.51.100.6"));
    assert_true(contains(&h, "2001:db8:8000::1"));
    assert_true(contains(&h, "2001:db8:ffff:ffff::1"));
    assert_false(contains(&h, "2001:db8:7fff::1"));
    assert_false(contains(&h, "2001:db9:8000::1"));
    /* IPv4 networks hold IPv4-mapped addresses, and only them */
    assert_true(contains(&h, "::ffff:10.1.2.3"));
    assert_false(contains(&h, "::ffff:11.1.2.3"));
    assert_false(contains(&h, "::10.1.2.3"));
    /* a /0 holds every address of its family */
    struct home_net all = {0};
    parse_ok(&all, "0.0.0.0/0");
    assert_true(contains(&all, "255.255.255.255"));
    assert_false(contains(&all, "2001:db8::1"));
    struct home_net none = {0};
    assert_false(contains(&none, "10.0.0.1"));
}

static struct session_record session(const char *client, const char *server)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    addr(client, &r.family, r.client);
    addr(server, &r.family, r.server);
    return r;
}

static void test_direction_of_a_session(void **state)
{
    (void)state;
    struct home_net h = {0};
    parse_ok(&h, "192.0.2.0/24,2001:db8::/32");
    struct session_record in = session("203.0.113.9", "192.0.2.25");
    struct session_record out = session("192.0.2.25", "203.0.113.9");
    struct session_record internal = session("192.0.2.1", "192.0.2.25");
    struct session_record external = session("203.0.113.9", "198.51.100.1");
    struct session_record in6 = session("2001:db9::1", "2001:db8::25");
    assert_int_equal(direction_of(&h, &in), DIRECTION_INBOUND);
    assert_int_equal(direction_of(&h, &out), DIRECTION_OUTBOUND);
    assert_int_equal(direction_of(&h, &internal), DIRECTION_INTERNAL);
    assert_int_equal(direction_of(&h, &external), DIRECTION_EXTERNAL);
    assert_int_equal(direction_of(&h, &in6), DIRECTION_INBOUND);
    assert_int_equal(direction_of(NULL, &in), DIRECTION_NONE);
    struct home_net none = {0};
    assert_int_equal(direction_of(&none, &in), DIRECTION_NONE);
    assert_string_equal(direction_name(DIRECTION_INBOUND), "inbound");
    assert_string_equal(direction_name(DIRECTION_OUTBOUND), "outbound");
    assert_string_equal(direction_name(DIRECTION_INTERNAL), "internal");
    assert_string_equal(direction_name(DIRECTION_EXTERNAL), "external");
    assert_null(direction_name(DIRECTION_NONE));
    assert_true(direction_server_inside(DIRECTION_INBOUND));
    assert_true(direction_server_inside(DIRECTION_INTERNAL));
    assert_false(direction_server_inside(DIRECTION_OUTBOUND));
    assert_false(direction_server_inside(DIRECTION_EXTERNAL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_ipv4_and_ipv6),   cmocka_unit_test(test_refuses_bad_lists),
        cmocka_unit_test(test_caps_the_networks),      cmocka_unit_test(test_membership_to_the_bit),
        cmocka_unit_test(test_direction_of_a_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
