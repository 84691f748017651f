/* The metrics file replaced atomically: readers (node_exporter) see the old
 * file or the new one, never a part. */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The directory's data and the rename reach the disk; where fsync on a
 * directory is refused (some file systems), the rename still happened. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int metrics_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    char dir[4096], tmp[4096 + 16];
    if (dirlen >= sizeof dir || strlen(path) + 9 >= sizeof tmp || !*base) {
        snprintf(err, errlen, "%s: not a file name", path);
        return -1;
    }
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (dirlen == 0) {
        snprintf(dir, sizeof dir, "/");
    } else {
        memcpy(dir, path, dirlen);
        dir[dirlen] = '\0';
    }
    snprintf(tmp, sizeof tmp, "%.*s%s.%s.XXXXXX", (int)dirlen, path, slash ? "/" : "", base);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0644) != 0 ||
        write_all(fd, text, len) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    sync_dir(dir);
    return 0;
}
