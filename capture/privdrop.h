/* Drop root privileges after the capture and the output files are open: to
 * the named user, or, live as root with none named, to "nobody". Planned
 * first (the user looked up) so that files can be given to that user before
 * the drop. */
#ifndef SMTPTLS_PRIVDROP_H
#define SMTPTLS_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct privdrop_target {
    bool drop; /* false: nothing to do (not root, or a file run without -Z) */
    uid_t uid;
    gid_t gid;
    char name[64];
};

/* Fills *t. 0, or -1 with a one-line message in err (-Z without root, an
 * unknown user). */
int privdrop_plan(const char *user, bool live, struct privdrop_target *t, char *err, size_t errlen);
/* 0 on success (or nothing to do); -1 with a one-line message in err. */
int privdrop_apply(const struct privdrop_target *t, char *err, size_t errlen);

#endif
