/* A live capture: one worker thread per capture handle (capture_handles),
 * each with its own pipeline feeding the shared records, and the calling
 * thread, which waits for signals and does the periodic work:
 *   SIGINT, SIGTERM  end the capture (each worker closes its flows; the
 *                    caller writes the final report);
 *   SIGHUP           hooks->reopen (reopen the output files);
 *   SIGUSR1          hooks->report (the report so far, on stderr).
 * A worker whose capture fails, or a record that cannot be written
 * (capture_stop), ends the capture for all. */
#ifndef SMTPTLS_LIVE_H
#define SMTPTLS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "pipeline.h"
#include "records.h"

struct live_hooks {
    void (*reopen)(void *ctx);
    void (*report)(void *ctx);
    /* Every LIMIT_LIVE_CONTROL_MS or so, with the wall clock: where work
     * that runs on an interval (a statistics line, a metrics file) goes. */
    void (*periodic)(void *ctx, uint64_t now_us);
    void *ctx;
};

enum live_status {
    LIVE_OK,
    LIVE_ERR_CAPTURE, /* a worker's capture failed: err says how */
    LIVE_ERR_NOMEM,   /* a pipeline or a thread could not be had */
};

/* Runs until stopped; every worker's flows are closed and their records
 * taken by rec before it returns. The signals above are blocked in the
 * calling thread from then on. */
enum live_status live_run(struct capture *cap, const struct pipeline_config *pc,
                          struct records *rec, const struct live_hooks *hooks, char *err,
                          size_t errlen);

#endif
