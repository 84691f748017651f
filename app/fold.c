#include "fold.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caps.h"
#include "decompress.h"
#include "lines.h"

#define FOLD_TICK_RECORDS 256u /* records between ticks: the clock looked at cheaply */

struct fold {
    struct fold_config cfg;
    struct record_reader *rr;
    struct record_read *rd;
    struct aggregate_records counts;
    uint64_t total;          /* bytes of every file; 0 when one is not a regular file */
    uint64_t done;           /* bytes of the files read before the current one */
    FILE *stdin_stream;      /* standard input, opened up front (it cannot be again) */
    struct decompress *stdin_dz;
    unsigned told, told_unknown; /* lines said on stderr */
    enum fold_status status;
    /* The sensors of the records taken, sorted; past the cap, counted. */
    char sensors[LIMIT_FILTER_VALUES][LIMIT_SENSOR_NAME + 1];
    unsigned nsensors;
    bool more_sensors;
    char sensor_text[LIMIT_FOLD_SENSORS * (LIMIT_SENSOR_NAME + 1) + 32];
};

static const char *shown(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard input" : path;
}

static void say(struct fold *f)
{
    if (f->cfg.say)
        f->cfg.say(f->cfg.ctx);
}

/* Open one file and look at its first bytes: the stream to read it from;
 * *size is its size, or UINT64_MAX when it is no regular file. */
static FILE *open_one(const char *path, struct decompress **dz, uint64_t *size, char *err,
                      size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *raw = is_stdin ? stdin : fopen(path, "rb");
    struct stat st;
    *size = UINT64_MAX;
    if (!raw || fstat(fileno(raw), &st) < 0) {
        snprintf(err, errlen, "%s: %s", shown(path), strerror(errno));
        if (raw && !is_stdin)
            fclose(raw);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a folder, not a file of session records", path);
        fclose(raw);
        return NULL;
    }
    if (S_ISREG(st.st_mode))
        *size = (uint64_t)st.st_size;
    char why[256] = "";
    FILE *in = decompress_open(raw, dz, why, sizeof why);
    if (!in) {
        snprintf(err, errlen, "%s: %s", shown(path), why);
        if (!is_stdin)
            fclose(raw);
        return NULL;
    }
    return in;
}

static void close_one(FILE *in, struct decompress *dz)
{
    if (in != stdin)
        fclose(in); /* and the raw file under a decompressing stream */
    decompress_free(dz);
}

struct fold *fold_open(const struct fold_config *cfg, enum fold_status *st, char *err,
                       size_t errlen)
{
    struct fold *f = calloc(1, sizeof *f);
    *st = FOLD_ERR_NOMEM;
    if (!f || !(f->rr = record_reader_new()) || !(f->rd = malloc(sizeof *f->rd))) {
        snprintf(err, errlen, "out of memory");
        fold_close(f);
        return NULL;
    }
    f->cfg = *cfg;
    bool sizes_known = cfg->nfiles > 0;
    for (size_t i = 0; i < cfg->nfiles; i++) {
        struct decompress *dz = NULL;
        uint64_t size;
        FILE *in = open_one(cfg->files[i], &dz, &size, err, errlen);
        if (!in) {
            *st = FOLD_ERR_OPEN;
            fold_close(f);
            return NULL;
        }
        sizes_known &= size != UINT64_MAX;
        f->total += size != UINT64_MAX ? size : 0;
        if (strcmp(cfg->files[i], "-") == 0) {
            f->stdin_stream = in;
            f->stdin_dz = dz;
        } else {
            close_one(in, dz);
        }
    }
    if (!sizes_known)
        f->total = 0;
    *st = FOLD_OK;
    return f;
}

void fold_close(struct fold *f)
{
    if (!f)
        return;
    if (f->stdin_stream)
        close_one(f->stdin_stream, f->stdin_dz);
    record_reader_free(f->rr);
    free(f->rd);
    free(f);
}

const struct aggregate_records *fold_counts(const struct fold *f)
{
    return &f->counts;
}

const char *fold_sensors(const struct fold *f)
{
    return f->sensor_text;
}

static void sensor_text(struct fold *f)
{
    size_t n = 0, cap = sizeof f->sensor_text;
    unsigned shown_n = f->nsensors < LIMIT_FOLD_SENSORS ? f->nsensors : LIMIT_FOLD_SENSORS;
    f->sensor_text[0] = '\0';
    for (unsigned i = 0; i < shown_n; i++)
        n += (size_t)snprintf(f->sensor_text + n, cap - n, "%s%s", i ? "," : "", f->sensors[i]);
    if (f->nsensors > shown_n || f->more_sensors)
        snprintf(f->sensor_text + n, cap - n, ",+%u%s more", f->nsensors - shown_n,
                 f->more_sensors ? " or" : "");
}

/* A record's sensor among those seen (sorted, so that the text does not
 * depend on the order of the files). */
static void note_sensor(struct fold *f, const struct record_read *rd)
{
    if (!rd->has_sensor)
        return;
    unsigned lo = 0, hi = f->nsensors;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        int c = strcmp(f->sensors[mid], rd->sensor);
        if (c == 0)
            return;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (f->nsensors == LIMIT_FILTER_VALUES) {
        f->more_sensors = true;
    } else {
        memmove(f->sensors[lo + 1], f->sensors[lo], (f->nsensors - lo) * sizeof f->sensors[0]);
        snprintf(f->sensors[lo], sizeof f->sensors[lo], "%s", rd->sensor);
        f->nsensors++;
    }
    sensor_text(f);
}

static void worst(struct fold *f, enum fold_status st)
{
    if (f->status == FOLD_OK || st == FOLD_ERR_NOMEM ||
        (st == FOLD_ERR_OPEN && f->status == FOLD_ERR_DAMAGED))
        f->status = st;
}

/* A line that is no record: counted, and told while under the cap. */
static void bad_line(struct fold *f, const char *path, uint64_t lineno, uint64_t *kind,
                     const char *why)
{
    f->counts.bad++;
    (*kind)++;
    worst(f, FOLD_ERR_DAMAGED);
    if (f->told++ < LIMIT_FOLD_TOLD) {
        say(f);
        fprintf(stderr, "smtptls: %s:%llu: %s (skipped)\n", shown(path),
                (unsigned long long)lineno, why);
    }
}

static void unknown(struct fold *f, const char *path, uint64_t lineno, const char *key)
{
    f->counts.unknown_keys++;
    if (f->told_unknown++ < LIMIT_FOLD_TOLD) {
        say(f);
        fprintf(stderr,
                "smtptls: %s:%llu: key \"%s\" is not one this smtptls knows (a newer one's?): "
                "the record is read without it\n",
                shown(path), (unsigned long long)lineno, key);
    }
}

static void no_domains(struct session_record *r)
{
    r->domains_kept = false;
    r->mail_from_domain[0] = '\0';
    r->nrcpt_domains = 0;
    r->rcpt_domains_dropped = 0;
    memset(r->rcpt_domains, 0, sizeof r->rcpt_domains);
}

/* One line: a record to take, to leave out, or a bad line. */
static void line(struct fold *f, const char *path, uint64_t lineno, const char *s, size_t n,
                 bool last_cut)
{
    char why[320];
    enum record_status st = record_read(f->rr, s, n, f->rd, why, sizeof why);
    if (st == RECORD_NOMEM) {
        worst(f, FOLD_ERR_NOMEM);
        return;
    }
    if (st == RECORD_NOT_JSON && last_cut) {
        bad_line(f, path, lineno, &f->counts.not_json,
                 "the last line is cut short (no newline ends the file; still being written?)");
        return;
    }
    if (st != RECORD_OK) {
        bad_line(f, path, lineno,
                 st == RECORD_NOT_JSON ? &f->counts.not_json : &f->counts.not_record, why);
        return;
    }
    struct record_read *rd = f->rd;
    if (rd->unknown_keys)
        unknown(f, path, lineno, rd->unknown_key);
    const struct home_net *home = f->cfg.home;
    enum direction d = home && home->n ? direction_of(home, &rd->rec)
                                       : (enum direction)rd->verdict.direction;
    if (f->cfg.filter && !filter_match(f->cfg.filter, &rd->rec, rd->sensor, d)) {
        f->counts.filtered++;
        return;
    }
    if (f->cfg.no_domains)
        no_domains(&rd->rec);
    f->counts.records++;
    note_sensor(f, rd);
    f->cfg.take(f->cfg.ctx, rd, d);
}

static bool tick(struct fold *f, uint64_t done)
{
    struct fold_progress p = {f->done + done, f->total, f->counts.records};
    return !f->cfg.tick || f->cfg.tick(f->cfg.ctx, &p);
}

/* Bytes of the current file read so far: compressed ones for a compressed
 * file, else what its lines took. */
static uint64_t position(const struct decompress *dz, const struct lines *l)
{
    return dz ? decompress_consumed(dz) : l->bytes;
}

/* One file, to its end; false when the fold is to stop. */
static bool one_file(struct fold *f, size_t i)
{
    const char *path = f->cfg.files[i];
    char err[512];
    struct decompress *dz = NULL;
    uint64_t size;
    FILE *in;
    if (strcmp(path, "-") == 0) {
        in = f->stdin_stream;
        dz = f->stdin_dz;
        f->stdin_stream = NULL;
    } else if (!(in = open_one(path, &dz, &size, err, sizeof err))) {
        say(f); /* it was there when the fold began */
        fprintf(stderr, "smtptls: %s (its records are not read)\n", err);
        worst(f, FOLD_ERR_OPEN);
        return true;
    }
    struct lines l;
    if (lines_init(&l, in, LIMIT_JSON_RECORD) < 0) {
        close_one(in, dz);
        worst(f, FOLD_ERR_NOMEM);
        return false;
    }
    f->counts.files++;
    bool go_on = true;
    for (;;) {
        const char *s;
        size_t n;
        enum lines_result lr = lines_next(&l, &s, &n);
        if (lr == LINES_END || lr == LINES_ERROR)
            break;
        f->counts.lines++;
        if (lr == LINES_TOO_LONG) {
            char why[96];
            snprintf(why, sizeof why, "a line longer than %u bytes, which no record is",
                     LIMIT_JSON_RECORD);
            bad_line(f, path, l.lineno, &f->counts.too_long, why);
        } else {
            line(f, path, l.lineno, s, n, lr == LINES_UNTERMINATED);
        }
        if (f->status == FOLD_ERR_NOMEM) {
            go_on = false;
            break;
        }
        if (f->counts.lines % FOLD_TICK_RECORDS == 0 && !tick(f, position(dz, &l))) {
            go_on = false;
            break;
        }
    }
    if (l.error || decompress_error(dz)) {
        say(f);
        fprintf(stderr, "smtptls: %s: %s (the records before it are read)\n", shown(path),
                decompress_error(dz) ? decompress_error(dz) : strerror(errno));
        worst(f, FOLD_ERR_DAMAGED);
    }
    f->done += position(dz, &l);
    lines_free(&l);
    close_one(in, dz);
    return go_on && tick(f, 0);
}

enum fold_status fold_run(struct fold *f)
{
    for (size_t i = 0; i < f->cfg.nfiles; i++)
        if (!one_file(f, i))
            break;
    if (f->told > LIMIT_FOLD_TOLD || f->told_unknown > LIMIT_FOLD_TOLD)
        say(f);
    const struct aggregate_records *c = &f->counts;
    if (f->told > LIMIT_FOLD_TOLD)
        fprintf(stderr,
                "smtptls: %llu lines were no record and were skipped (%llu not JSON or cut short, "
                "%llu not a record, %llu too long); the first %u are told above\n",
                (unsigned long long)c->bad, (unsigned long long)c->not_json,
                (unsigned long long)c->not_record, (unsigned long long)c->too_long,
                LIMIT_FOLD_TOLD);
    if (f->told_unknown > LIMIT_FOLD_TOLD)
        fprintf(stderr,
                "smtptls: %llu records had keys this smtptls does not know; the first %u are "
                "told above\n",
                (unsigned long long)c->unknown_keys, LIMIT_FOLD_TOLD);
    return f->status;
}
