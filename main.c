/* smtptls: the command line (app/options.c), then the run (app/run.c). */
#include <stdio.h>

#include "options.h"
#include "run.h"
#include "status.h"

int main(int argc, char **argv)
{
    struct options opts;
    char err[256];
    int status = APP_OK;
    int rc = options_parse(argc, argv, &opts, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "smtptls: %s\n", err);
        status = rc == OPTIONS_ERR_NOMEM ? APP_NOMEM : APP_USAGE;
    } else if (opts.action == OPTIONS_HELP) {
        options_usage(stdout);
    } else if (opts.action == OPTIONS_VERSION) {
        run_version(stdout);
    } else {
        status = run_main(&opts);
    }
    options_free(&opts);
    return status;
}
