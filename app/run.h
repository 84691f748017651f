/* One run: open the inputs and outputs, drop privileges, feed the capture to
 * the pipeline, write the report. */
#ifndef SMTPTLS_RUN_H
#define SMTPTLS_RUN_H

#include <stdio.h>

#include "options.h"

/* The exit status (enum app_status); errors are one line on stderr. */
int run_main(const struct options *o);
/* --version: smtptls's and its libraries' versions. */
void run_version(FILE *f);

#endif
