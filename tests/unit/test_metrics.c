/*
 * test_metrics.c - the --metrics text (app/metrics.h): its families in the
 * exposition format (HELP and TYPE before the samples, one family once), the
 * label escaping, the bound on cipher series with "other" past it, and the
 * file replaced atomically (mode, content, no temporary file left, errors).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "metrics.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls_names.h"

static struct session_record encrypted(uint32_t cipher, uint16_t version)
{
    struct session_record r;
    memset(&r, 0, sizeof r);
    r.mode = SESSION_STARTTLS;
    r.cipher_key = cipher;
    r.tls_version = version;
    return r;
}

static struct stats_snapshot snapshot(bool live)
{
    struct stats_snapshot s;
    memset(&s, 0, sizeof s);
    s.c.sessions = 6;
    s.c.modes[SESSION_PLAINTEXT] = 2;
    s.c.modes[SESSION_STARTTLS] = 3;
    s.c.modes[SESSION_IMPLICIT_TLS] = 1;
    s.c.encrypted = 4;
    s.c.starttls_offered = 5;
    s.c.leak_envelope = 2;
    s.c.findings[FINDING_CERT_EXPIRED] = 1;
    s.c.packets = 1000;
    s.c.bytes = 123456;
    s.c.kernel_drops = 7;
    s.live = live;
    s.flows_open = 9;
    s.rss_bytes = 14680064;
    return s;
}

static char *format(const struct stats_snapshot *s, const struct metrics_ciphers *t,
                    const char *iface)
{
    char *text;
    size_t len;
    assert_int_equal(metrics_format(s, t, "0.1.0", iface, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    return text;
}

static void assert_has(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("metrics lack \"%s\":\n%s", part, text);
}

/* Every family: "# HELP name", "# TYPE name type", then only its samples;
 * no family twice; every sample line "name[{...}] integer". */
static void assert_well_formed(const char *text)
{
    char names[64][64];
    size_t nnames = 0;
    char family[64] = "";
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        char line[512];
        size_t n = (size_t)(nl - p);
        assert_true(n < sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl + 1;
        if (strncmp(line, "# HELP ", 7) == 0) {
            assert_true(sscanf(line + 7, "%63s", family) == 1);
            for (size_t i = 0; i < nnames; i++)
                assert_string_not_equal(names[i], family);
            assert_true(nnames < 64);
            strcpy(names[nnames++], family);
            const char *next = p;
            char want[128];
            snprintf(want, sizeof want, "# TYPE %s ", family);
            assert_int_equal(strncmp(next, want, strlen(want)), 0);
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0)
            continue;
        assert_int_equal(strncmp(line, family, strlen(family)), 0);
        char c = line[strlen(family)];
        assert_true(c == '{' || c == ' ');
        const char *value = strrchr(line, ' ') + 1;
        assert_true(strspn(value, "0123456789") == strlen(value) && *value);
    }
}

static void test_families(void **state)
{
    (void)state;
    struct metrics_ciphers t;
    memset(&t, 0, sizeof t);
    struct session_record r = encrypted(0xC030, TLS_VERSION_TLS12);
    metrics_count(&t, &r);
    metrics_count(&t, &r);
    r = encrypted(0x1302, TLS_VERSION_TLS13);
    metrics_count(&t, &r);
    r = encrypted(SESSION_NO_CIPHER, 0); /* joined mid-stream: no ServerHello */
    metrics_count(&t, &r);
    r = encrypted(0xC030, TLS_VERSION_TLS12);
    r.mode = SESSION_STARTTLS_FAILED; /* not encrypted: not counted */
    metrics_count(&t, &r);
    struct stats_snapshot s = snapshot(false);
    char *text = format(&s, &t, NULL);
    assert_well_formed(text);
    assert_has(text, "# HELP smtptls_info smtptls's version; always 1.\n"
                     "# TYPE smtptls_info gauge\n"
                     "smtptls_info{version=\"0.1.0\"} 1\n"
                     "# HELP smtptls_sessions_total SMTP sessions reported, by mode.\n"
                     "# TYPE smtptls_sessions_total counter\n"
                     "smtptls_sessions_total{mode=\"plaintext\"} 2\n"
                     "smtptls_sessions_total{mode=\"starttls\"} 3\n"
                     "smtptls_sessions_total{mode=\"implicit-tls\"} 1\n"
                     "smtptls_sessions_total{mode=\"starttls-failed\"} 0\n"
                     "smtptls_sessions_total{mode=\"implicit-tls-failed\"} 0\n"
                     "smtptls_sessions_total{mode=\"unknown\"} 0\n");
    assert_has(text, "\nsmtptls_encrypted_sessions_total 4\n");
    assert_has(text, "\nsmtptls_starttls_offered_sessions_total 5\n");
    assert_has(text, "\nsmtptls_leak_sessions_total{kind=\"envelope\"} 2\n"
                     "smtptls_leak_sessions_total{kind=\"auth\"} 0\n");
    assert_has(text, "\nsmtptls_findings_total{code=\"cert-expired\"} 1\n");
    /* sorted by cipher name, then version; "unknown" without a ServerHello */
    assert_has(text, "# TYPE smtptls_cipher_sessions_total counter\n"
                     "smtptls_cipher_sessions_total{cipher=\"ECDHE-RSA-AES256-GCM-SHA384\","
                     "version=\"TLSv1.2\"} 2\n"
                     "smtptls_cipher_sessions_total{cipher=\"TLS_AES_256_GCM_SHA384\","
                     "version=\"TLSv1.3\"} 1\n"
                     "smtptls_cipher_sessions_total{cipher=\"unknown\",version=\"unknown\"} 1\n"
                     "# HELP smtptls_packets_total");
    assert_has(text, "\nsmtptls_packets_total 1000\n");
    assert_has(text, "\nsmtptls_bytes_total 123456\n");
    assert_has(text, "\nsmtptls_flows_open 9\n");
    assert_has(text, "# TYPE smtptls_resident_memory_bytes gauge\n"
                     "smtptls_resident_memory_bytes 14680064\n");
    /* reading files: no kernel drops, not even a zero */
    assert_null(strstr(text, "kernel_drops"));
    free(text);

    s = snapshot(true);
    s.rss_bytes = 0; /* unknown: no series rather than a false 0 */
    text = format(&s, &t, "eth1");
    assert_well_formed(text);
    assert_has(text, "smtptls_info{interface=\"eth1\",version=\"0.1.0\"} 1\n");
    assert_has(text, "smtptls_kernel_drops_total{interface=\"eth1\"} 7\n");
    assert_has(text, "smtptls_encrypted_sessions_total{interface=\"eth1\"} 4\n");
    assert_has(text, "smtptls_cipher_sessions_total{interface=\"eth1\",cipher=\"unknown\","
                     "version=\"unknown\"} 1\n");
    assert_null(strstr(text, "resident_memory"));
    free(text);
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(metrics_escape("plain", out, sizeof out), 5);
    assert_string_equal(out, "plain");
    assert_int_equal(metrics_escape("a\"b\\c\nd", out, sizeof out), 10);
    assert_string_equal(out, "a\\\"b\\\\c\\nd");
    /* cut before an escape that does not fit, never in the middle of one */
    assert_int_equal(metrics_escape("ab\"", out, 4), 4);
    assert_string_equal(out, "ab");
    assert_int_equal(metrics_escape("ab\"", out, 5), 4);
    assert_string_equal(out, "ab\\\"");
    assert_int_equal(metrics_escape("x", out, 0), 1);

    struct metrics_ciphers t;
    memset(&t, 0, sizeof t);
    struct stats_snapshot s = snapshot(true);
    char *text = format(&s, &t, "we\"ird\\if\n");
    assert_has(text, "smtptls_flows_open{interface=\"we\\\"ird\\\\if\\n\"} 9\n");
    assert_well_formed(text);
    free(text);
}

static void test_cipher_bound(void **state)
{
    (void)state;
    struct metrics_ciphers t;
    memset(&t, 0, sizeof t);
    uint64_t total = 0;
    /* 40 distinct suites, three sessions each, then the first suite again */
    for (int round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < 40; i++) {
            struct session_record r = encrypted(0xC000 + i, TLS_VERSION_TLS12);
            metrics_count(&t, &r);
            total++;
        }
    }
    struct session_record r = encrypted(0xC000, TLS_VERSION_TLS12);
    metrics_count(&t, &r);
    total++;
    /* the same suite under another version is another pair: past the bound */
    r = encrypted(0xC000, TLS_VERSION_TLS13);
    metrics_count(&t, &r);
    total++;
    assert_int_equal(t.n, LIMIT_METRICS_CIPHER_SERIES);
    assert_int_equal(t.pair[0].count, 4);
    assert_int_equal(t.other, (40 - LIMIT_METRICS_CIPHER_SERIES) * 3 + 1);

    struct stats_snapshot s = snapshot(false);
    char *text = format(&s, &t, NULL);
    assert_well_formed(text);
    size_t series = 0;
    uint64_t sum = 0;
    for (const char *p = text; (p = strstr(p, "\nsmtptls_cipher_sessions_total{")) != NULL; p++) {
        series++;
        sum += strtoull(strchr(p, '}') + 2, NULL, 10);
    }
    assert_int_equal(series, LIMIT_METRICS_CIPHER_SERIES + 1);
    assert_int_equal(sum, total);
    assert_has(text, "smtptls_cipher_sessions_total{cipher=\"other\",version=\"other\"} 25\n");
    free(text);
}

static char *slurp(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, st), 0);
    char *buf = calloc(1, (size_t)st->st_size + 1);
    assert_int_equal(read(fd, buf, (size_t)st->st_size), st->st_size);
    close(fd);
    return buf;
}

static size_t entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_atomic_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/smtptls-test-metrics-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/smtptls.prom", dir);
    mode_t old = umask(077); /* the file is readable by node_exporter's user anyway */
    assert_int_equal(metrics_write_file(path, "a 1\n", 4, err, sizeof err), 0);
    struct stat st1, st2;
    char *first = slurp(path, &st1);
    assert_string_equal(first, "a 1\n");
    assert_int_equal(st1.st_mode & 07777, 0644);

    /* A reader that opened the old file keeps it whole; the path gets the new
     * one, another inode: a rename, not a rewrite in place. */
    int reader = open(path, O_RDONLY);
    assert_true(reader >= 0);
    assert_int_equal(metrics_write_file(path, "a 2\nb 3\n", 8, err, sizeof err), 0);
    char *second = slurp(path, &st2);
    assert_string_equal(second, "a 2\nb 3\n");
    assert_true(st1.st_ino != st2.st_ino);
    char old_text[8] = "";
    assert_int_equal(read(reader, old_text, sizeof old_text - 1), 4);
    assert_string_equal(old_text, "a 1\n");
    close(reader);
    assert_int_equal(entries(dir), 1); /* no temporary file left */
    umask(old);

    /* errors: one line naming the path; nothing left behind */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such-dir/x.prom", dir);
    assert_int_equal(metrics_write_file(missing, "a 1\n", 4, err, sizeof err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    assert_string_equal(err, want);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(metrics_write_file(sub, "a 1\n", 4, err, sizeof err), -1); /* a directory */
    assert_non_null(strstr(err, "sub: "));
    assert_int_equal(entries(dir), 2); /* the file and sub */
    assert_int_equal(entries(sub), 0);
    assert_int_equal(metrics_write_file("", "a 1\n", 4, err, sizeof err), -1);
    assert_string_equal(err, ": not a file name");

    unlink(path);
    rmdir(sub);
    rmdir(dir);
    free(first);
    free(second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_cipher_bound),
        cmocka_unit_test(test_atomic_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
