/* smtptls's exit statuses (README "Exit status"). */
#ifndef SMTPTLS_STATUS_H
#define SMTPTLS_STATUS_H

enum app_status {
    APP_OK = 0,
    APP_USAGE = 1,    /* bad usage, or privileges could not be dropped */
    APP_INPUT = 2,    /* an input cannot be opened */
    APP_FILTER = 3,   /* the filter does not compile */
    APP_DAMAGED = 4,  /* the capture is damaged; what came before is reported */
    APP_OUTPUT = 5,   /* an output cannot be written */
    APP_FINDINGS = 6, /* --fail-on: a session had one of its finding codes */
    APP_NOMEM = 7,    /* out of memory at start or while writing the report */
};

#endif
