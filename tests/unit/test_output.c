/*
 * test_output.c - output files in whole lines (app/output.h).
 *
 * Contract under test: files are created 0640 and opened for append (a
 * restart appends; after an outside truncation, as logrotate's copytruncate
 * does, the next line starts the file: no NUL run); OUTPUT_LINE writes each
 * line at once, OUTPUT_BLOCK only whole lines; output_reopen continues in a
 * new file at the path after a rename, losing nothing; a failed write (disk
 * full, a file size limit cut in the middle of a line, a closed pipe) is
 * latched, and the file keeps only whole lines; output_give hands regular
 * files only to the user.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "output.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_output.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* The whole file, NUL-terminated (NULs inside are kept; *len tells). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void assert_file(const char *path, const char *want)
{
    size_t len;
    char *got = slurp(path, &len);
    assert_int_equal(len, strlen(want));
    assert_string_equal(got, want);
    free(got);
}

static void write_line(struct output *o, const char *s)
{
    assert_int_equal(output_write(o, s, strlen(s)), 0);
}

static void test_line_mode_appends_and_creates_0640(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "a.jsonl");
    mode_t old = umask(022);
    struct output *o = output_open(p, OUTPUT_LINE);
    umask(old);
    assert_non_null(o);
    write_line(o, "{\"n\": 1}\n");
    assert_file(p, "{\"n\": 1}\n"); /* at once, no flush */
    assert_int_equal(output_close(o), 0);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);

    o = output_open(p, OUTPUT_LINE); /* a restart appends */
    write_line(o, "{\"n\": 2}\n");
    assert_int_equal(output_close(o), 0);
    assert_file(p, "{\"n\": 1}\n{\"n\": 2}\n");
}

static void test_copytruncate_leaves_no_nul_run(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "b.jsonl");
    struct output *o = output_open(p, OUTPUT_LINE);
    for (int i = 0; i < 100; i++)
        write_line(o, "{\"a line of some length\": true}\n");
    assert_int_equal(truncate(p, 0), 0); /* what copytruncate does after its copy */
    write_line(o, "{\"after\": 1}\n");
    assert_file(p, "{\"after\": 1}\n");
    assert_int_equal(output_close(o), 0);
}

static void test_reopen_after_rename(void **state)
{
    (void)state;
    char p[128], moved[128];
    path_of(p, sizeof p, "c.jsonl");
    path_of(moved, sizeof moved, "c.jsonl.1");
    struct output *o = output_open(p, OUTPUT_BLOCK);
    write_line(o, "1\n");
    write_line(o, "2\n");
    assert_int_equal(rename(p, moved), 0);
    write_line(o, "3\n");                  /* still gathered: goes to the old file */
    assert_int_equal(output_reopen(o), 0); /* flushes first */
    write_line(o, "4\n");
    assert_int_equal(output_close(o), 0);
    assert_file(moved, "1\n2\n3\n");
    assert_file(p, "4\n");
}

static void test_reopen_failure_keeps_old_file(void **state)
{
    (void)state;
    char sub[128], p[160];
    path_of(sub, sizeof sub, "sub");
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(p, sizeof p, "%s/d.jsonl", sub);
    struct output *o = output_open(p, OUTPUT_LINE);
    write_line(o, "1\n");
    char moved[128];
    path_of(moved, sizeof moved, "d.jsonl.1");
    assert_int_equal(rename(p, moved), 0);
    assert_int_equal(rmdir(sub), 0); /* the path cannot be created again */
    assert_int_equal(output_reopen(o), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(output_error(o), 0); /* not a write error */
    write_line(o, "2\n");
    assert_int_equal(output_close(o), 0);
    assert_file(moved, "1\n2\n");
}

static void test_block_mode_writes_whole_lines(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "e.jsonl");
    struct output *o = output_open(p, OUTPUT_BLOCK);
    char line[1000];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    size_t n = 0;
    struct stat st;
    for (; n * sizeof line <= LIMIT_OUTPUT_BUFFER; n++) {
        assert_int_equal(output_write(o, line, sizeof line), 0);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_size % (off_t)sizeof line, 0); /* only whole lines, ever */
    }
    assert_true(st.st_size > 0); /* the buffer filled and went out */
    assert_int_equal(output_flush(o), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, (off_t)(n * sizeof line));

    /* A line longer than the buffer goes out whole, after what was gathered. */
    size_t big = LIMIT_OUTPUT_BUFFER + 10;
    char *b = malloc(big);
    memset(b, 'y', big - 1);
    b[big - 1] = '\n';
    write_line(o, "short\n");
    assert_int_equal(output_write(o, b, big), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, (off_t)(n * sizeof line + 6 + big));
    free(b);
    assert_int_equal(output_close(o), 0);
}

static void test_disk_full_is_latched(void **state)
{
    (void)state;
    struct output *o = output_open("/dev/full", OUTPUT_LINE);
    assert_non_null(o);
    assert_int_equal(output_write(o, "x\n", 2), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(output_error(o), ENOSPC);
    assert_int_equal(output_write(o, "y\n", 2), -1); /* at once, latched */
    assert_int_equal(output_close(o), -1);
    assert_int_equal(errno, ENOSPC);
}

/* A file size limit cuts a write in the middle of a line: the part written
 * is taken back, so the file ends with whole lines. In a child, whose limit
 * and SIGXFSZ do not touch the rest of the tests. */
static void test_cut_line_taken_back(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "f.jsonl");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1000, 1000};
        setrlimit(RLIMIT_FSIZE, &rl);
        struct output *o = output_open(p, OUTPUT_LINE);
        char line[300];
        memset(line, 'z', sizeof line - 1);
        line[sizeof line - 1] = '\n';
        int rc = 0, n = 0;
        while (rc == 0 && n < 10) {
            rc = output_write(o, line, sizeof line);
            n++;
        }
        _exit(rc == -1 && output_error(o) == EFBIG && n == 4 ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 900); /* three whole lines; the fourth's 100 bytes gone */
}

static void test_closed_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    char p[64];
    snprintf(p, sizeof p, "/dev/fd/%d", fds[1]);
    struct output *o = output_open(p, OUTPUT_LINE);
    assert_non_null(o);
    close(fds[1]);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(output_write(o, "x\n", 2), -1);
    assert_int_equal(output_error(o), EPIPE);
    output_close(o);
}

static void test_give_regular_files_only(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char p[128];
    path_of(p, sizeof p, "g.jsonl");
    struct output *o = output_open(p, OUTPUT_LINE);
    assert_int_equal(output_give(o, 65534), 0);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_uid, 65534);
    assert_int_equal(st.st_gid, getegid()); /* the group is kept */
    output_close(o);

    struct stat before, after;
    assert_int_equal(stat("/dev/null", &before), 0);
    o = output_open("/dev/null", OUTPUT_LINE);
    assert_int_equal(output_give(o, 65534), 0);
    output_close(o);
    assert_int_equal(stat("/dev/null", &after), 0);
    assert_int_equal(after.st_uid, before.st_uid);
}

static void test_open_errors(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "no/such/dir.jsonl");
    assert_null(output_open(p, OUTPUT_LINE));
    assert_int_equal(errno, ENOENT);
    struct output *o = output_open("-", OUTPUT_BLOCK); /* standard output: never closed */
    assert_non_null(o);
    assert_string_equal(output_path(o), "-");
    assert_int_equal(output_reopen(o), 0);
    assert_int_equal(output_close(o), 0);
    assert_int_not_equal(fcntl(STDOUT_FILENO, F_GETFD), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_mode_appends_and_creates_0640),
        cmocka_unit_test(test_copytruncate_leaves_no_nul_run),
        cmocka_unit_test(test_reopen_after_rename),
        cmocka_unit_test(test_reopen_failure_keeps_old_file),
        cmocka_unit_test(test_block_mode_writes_whole_lines),
        cmocka_unit_test(test_disk_full_is_latched),
        cmocka_unit_test(test_cut_line_taken_back),
        cmocka_unit_test(test_closed_pipe),
        cmocka_unit_test(test_give_regular_files_only),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
