#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop_plan(const char *user, bool live, struct privdrop_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (geteuid() != 0) {
        if (user) {
            snprintf(err, errlen, "-Z %s: only root can change user", user);
            return -1;
        }
        return 0;
    }
    if (!user && !live)
        return 0;
    const char *name = user ? user : "nobody";
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw || strlen(pw->pw_name) >= sizeof t->name) {
        snprintf(err, errlen, "-Z %s: no such user", name);
        return -1;
    }
    t->drop = true;
    t->uid = pw->pw_uid;
    t->gid = pw->pw_gid;
    strcpy(t->name, pw->pw_name);
    return 0;
}

int privdrop_apply(const struct privdrop_target *t, char *err, size_t errlen)
{
    if (!t->drop)
        return 0;
    if (initgroups(t->name, t->gid) != 0 || setgid(t->gid) != 0 || setuid(t->uid) != 0) {
        snprintf(err, errlen, "cannot drop privileges to %s: %s", t->name, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) { /* must be impossible now */
        snprintf(err, errlen, "privileges could not be dropped to %s", t->name);
        return -1;
    }
    return 0;
}
