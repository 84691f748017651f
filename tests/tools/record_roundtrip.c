/* Records read back and written again (report/record_read.h): every line of
 * each FILE must come out byte for byte as it went in, with the writer's own
 * verdict and sensor as the record gives them. Prints the first line that
 * does not, and the two texts; exit 0 when every line does.
 * usage: record_roundtrip FILE|DIR... (a folder: its *.sessions.jsonl) */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "json.h"
#include "record_read.h"

static int roundtrip(const char *path, struct record_reader *rr, struct json_context *ctx,
                     struct jsonb *b, unsigned long *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    int rc = 0;
    struct record_read *rd = malloc(sizeof *rd);
    while (rc == 0 && rd && (len = getline(&line, &cap, f)) > 0) {
        lineno++;
        char why[256];
        enum record_status st = record_read(rr, line, (size_t)len, rd, why, sizeof why);
        if (st != RECORD_OK) {
            printf("%s:%lu: %s\n", path, lineno, why);
            rc = -1;
            break;
        }
        if (rd->unknown_keys) {
            printf("%s:%lu: unknown key %s\n", path, lineno, rd->unknown_key);
            rc = -1;
            break;
        }
        ctx->sensor = rd->has_sensor ? rd->sensor : NULL;
        size_t out_len;
        const char *out = json_session(b, ctx, &rd->rec, &rd->verdict, &out_len);
        if (!out || out_len != (size_t)len || memcmp(out, line, out_len) != 0) {
            printf("%s:%lu: written again differently\n< %s> %.*s", path, lineno, line,
                   out ? (int)out_len : 0, out ? out : "");
            rc = -1;
        }
        (*n)++;
    }
    free(rd);
    free(line);
    fclose(f);
    return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int records_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name), k = strlen(".sessions.jsonl");
    return n > k && strcmp(e->d_name + n - k, ".sessions.jsonl") == 0;
}

/* A file, or each records file of a folder. */
static int each(const char *path, struct record_reader *rr, struct json_context *ctx,
                struct jsonb *b, unsigned long *n, unsigned *files)
{
    struct dirent **list;
    int k = scandir(path, &list, records_file, by_name);
    if (k < 0) {
        (*files)++;
        return roundtrip(path, rr, ctx, b, n);
    }
    int rc = 0;
    for (int i = 0; i < k; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", path, list[i]->d_name);
        if (rc == 0) {
            (*files)++;
            rc = roundtrip(file, rr, ctx, b, n);
        }
        free(list[i]);
    }
    free(list);
    return rc;
}

int main(int argc, char **argv)
{
    struct record_reader *rr = record_reader_new();
    struct json_context ctx = {NULL, community_id_new()};
    struct jsonb b;
    jb_init(&b, LIMIT_JSON_RECORD);
    unsigned long n = 0;
    unsigned files = 0;
    int failed = !rr || !ctx.cid;
    for (int i = 1; i < argc && !failed; i++)
        failed = each(argv[i], rr, &ctx, &b, &n, &files) < 0;
    if (!failed && n == 0)
        failed = puts("no records") < 0 || 1;
    if (!failed)
        printf("%lu records of %u files read and written again, byte for byte\n", n, files);
    jb_free(&b);
    community_id_free(ctx.cid);
    record_reader_free(rr);
    return failed;
}
