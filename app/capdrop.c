#define _DEFAULT_SOURCE /* syscall() */
#include "capdrop.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* glibc wraps neither capget nor capset (libcap does): the raw calls, for
 * the two 32-bit words of _LINUX_CAPABILITY_VERSION_3. */
static int caps_get(struct __user_cap_data_struct data[2])
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    return (int)syscall(SYS_capget, &h, data);
}

static int caps_set(struct __user_cap_data_struct data[2])
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    return (int)syscall(SYS_capset, &h, data);
}

int capdrop_all(char *err, size_t errlen)
{
    if (geteuid() == 0)
        return 0;
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (caps_get(data) != 0) {
        snprintf(err, errlen, "cannot read capabilities: %s", strerror(errno));
        return -1;
    }
    if (!(data[0].permitted | data[1].permitted | data[0].inheritable | data[1].inheritable))
        return 0;
#ifdef PR_CAP_AMBIENT
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL before Linux 4.3 */
#endif
    memset(data, 0, sizeof data);
    if (caps_set(data) != 0) {
        snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    if (caps_get(data) != 0 ||
        data[0].permitted | data[1].permitted | data[0].effective | data[1].effective) {
        snprintf(err, errlen, "capabilities could not be dropped");
        return -1;
    }
    return 0;
}
