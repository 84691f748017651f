/* One run: open the inputs and outputs, drop privileges, feed the capture to
 * the pipeline, write the report. */
#ifndef SMTPTLS_RUN_H
#define SMTPTLS_RUN_H

#include <stdio.h>

#include "aggregate.h"
#include "findings.h"
#include "options.h"
#include "privdrop.h"
#include "records.h"

/* The exit status (enum app_status); errors are one line on stderr. */
int run_main(const struct options *o);
/* --version: smtptls's and its libraries' versions. */
void run_version(FILE *f);
/* What a fold shares with a run over packets (run_fold.h): */
/* The text report's width: $COLUMNS when standard output is a terminal,
 * within the caps; else LIMIT_TEXT_WIDTH. */
unsigned run_text_width(void);
/* --fail-on, a records_view_fn with the options as ctx: one line per code
 * found; 1 when any was. */
int run_fail_on(void *ctx, const struct aggregate *a, const struct aggregate_capture *cap,
                const struct findings *fi);
/* --html: the file emptied at start (mode 0640, as the other outputs: the
 * page names hosts and domains; a regular file becomes drop's user, so that
 * a directory only root may write to works); NULL with errno. drop may be
 * NULL. */
FILE *run_open_html(const char *path, const struct privdrop_target *drop);
/* The page, after the text or JSON report and from the same view; closes f
 * (NULL: nothing to do). APP_OK, or the status its failure calls for (said
 * on stderr). */
int run_write_html(FILE *f, const char *path, struct records *rec, bool damaged);

#endif
