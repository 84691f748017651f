/* The command line: every option, its default and its rules, in one place.
 * Adding an option is one row in options.c's table, one field here and, if
 * it takes a value, the function that checks it. */
#ifndef SMTPTLS_OPTIONS_H
#define SMTPTLS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "direction.h"
#include "filter.h"

enum options_action {
    OPTIONS_RUN,     /* read the capture and report */
    OPTIONS_HELP,    /* -h: print options_usage */
    OPTIONS_VERSION, /* -V: print the versions */
};

struct options {
    enum options_action action;
    const char **files; /* -r, in the order given (owned array, borrowed strings) */
    size_t nfiles;
    const char *iface;         /* -i */
    const char *user;          /* -Z */
    const char *sessions_path; /* --sessions; "-" is standard output */
    const char *html_path;     /* --html: the HTML report, written at the end */
    bool json;                 /* --json */
    bool any_port;             /* --any-port */
    int ndpi;                  /* --ndpi-all, --no-ndpi: a PIPELINE_NDPI_* value */
    bool no_domains;           /* --no-domains */
    uint64_t idle_timeout_s;   /* --idle-timeout */
    uint32_t max_flows;        /* --max-flows */
    const char *stats_path;    /* --stats: a JSON line per interval; "-" is standard output */
    const char *metrics_path;  /* --metrics: Prometheus text, rewritten each interval */
    uint64_t stats_interval_s; /* --stats-interval */
    unsigned buffer_kib;       /* -B: kernel buffer per worker in KiB; 0 for the default */
    unsigned workers;          /* --workers; 0 when not given (one plain capture handle) */
    struct home_net home_net;  /* --home-net, repeatable; n 0 without it */
    const char *sensor;        /* --sensor; NULL: the host name */
    uint64_t bin_s;            /* --bin in seconds; 0: chosen from the span */
    uint32_t fail_on;          /* --fail-on: bits 1 << enum finding */
    bool quiet;                /* -q: no progress line on a terminal */
    /* --from-sessions: session records instead of a capture; the words after
     * the options are their files (owned array, borrowed strings), and the
     * fold's filters (--since, --until, --sensor, --server, --direction). */
    bool from_sessions;
    const char **record_files;
    size_t nrecord_files;
    struct filter fold_filter;
    const char *capture_only; /* the first option given that only reads captures */
    const char *fold_only;    /* the first option given that only a fold takes */
    /* The BPF filter: the words after the options, joined (owned), or the
     * default, with a fallback for link types where the default does not
     * compile; filter_given says which. */
    const char *filter;
    const char *fallback_filter; /* NULL when the filter was given */
    bool filter_given;
    const char *filter_desc; /* the default filter in words (start-up line); NULL when given */
    char *filter_owned;
};

enum options_status {
    OPTIONS_OK = 0,
    OPTIONS_ERR_USAGE = -1, /* a bad or missing option; one line in err */
    OPTIONS_ERR_NOMEM = -2, /* out of memory; "out of memory" in err */
};

/* Parse and check argv into *o (defaults first). On error, err holds one line
 * without the "smtptls: " prefix. *o is to be released with options_free
 * whatever the result. Uses getopt_long and may be called again. */
int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);
void options_free(struct options *o);
/* --help: the usage text, generated from the table. */
void options_usage(FILE *f);

#endif
