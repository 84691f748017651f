/* --from-sessions: the run of a fold. Session records are read back
 * (fold.h), judged and counted again by the records sink as one run's
 * pipeline would hand them over (records.h), and every report a run writes
 * comes from them: text or --json on standard output, --html, --metrics,
 * --fail-on.
 * A fold writes no records and no statistics lines (it has no clock). */
#ifndef SMTPTLS_RUN_FOLD_H
#define SMTPTLS_RUN_FOLD_H

#include "options.h"

/* The exit status (enum app_status); errors are one line on stderr. */
int run_fold(const struct options *o);

#endif
