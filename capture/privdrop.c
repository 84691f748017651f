#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop(const char *user, char *err, size_t errlen)
{
    if (geteuid() != 0) {
        if (user) {
            snprintf(err, errlen, "-Z %s: only root can change user", user);
            return -1;
        }
        return 0;
    }
    const char *name = user ? user : "nobody";
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user", name);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "cannot drop privileges to %s: %s", name, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) { /* must be impossible now */
        snprintf(err, errlen, "privileges could not be dropped to %s", name);
        return -1;
    }
    return 0;
}
