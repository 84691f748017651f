#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"

struct output {
    pthread_mutex_t lock;
    char *path;
    int fd;
    bool is_stdout;
    enum output_mode mode;
    int error; /* errno of the first failed write, latched */
    char *buf; /* OUTPUT_BLOCK: whole lines not yet written */
    size_t len;
};

static int open_path(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

struct output *output_open(const char *path, enum output_mode mode)
{
    struct output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->mode = mode;
    o->is_stdout = strcmp(path, "-") == 0;
    o->path = strdup(path);
    o->buf = mode == OUTPUT_BLOCK ? malloc(LIMIT_OUTPUT_BUFFER) : NULL;
    o->fd = o->is_stdout ? STDOUT_FILENO : -1;
    if (!o->path || (mode == OUTPUT_BLOCK && !o->buf)) {
        free(o->path);
        free(o->buf);
        free(o);
        errno = ENOMEM;
        return NULL;
    }
    if (!o->is_stdout && (o->fd = open_path(path)) < 0) {
        int e = errno;
        free(o->path);
        free(o->buf);
        free(o);
        errno = e;
        return NULL;
    }
    pthread_mutex_init(&o->lock, NULL);
    return o;
}

int output_give(struct output *o, uid_t uid)
{
    struct stat st;
    if (o->is_stdout || fstat(o->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid == uid)
        return 0;
    return fchown(o->fd, uid, (gid_t)-1);
}

/* Takes back the last `extra` bytes written to a regular file: a line cut
 * short by a failed write must not stay. O_APPEND leaves the offset at the
 * end of what was written. */
static void take_back(int fd, size_t extra)
{
    struct stat st;
    if (!extra || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return;
    off_t end = lseek(fd, 0, SEEK_CUR);
    if (end >= (off_t)extra && ftruncate(fd, end - (off_t)extra) < 0)
        return; /* nothing better to do: the write error is reported anyway */
}

/* Writes buf (whole lines) until done. On failure the bytes after the last
 * complete line written are taken back, and the error is latched. */
static int write_lines(struct output *o, const char *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(o->fd, buf + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        o->error = n < 0 ? errno : EIO;
        size_t whole = done;
        while (whole > 0 && buf[whole - 1] != '\n')
            whole--;
        take_back(o->fd, done - whole);
        errno = o->error;
        return -1;
    }
    return 0;
}

static int flush_locked(struct output *o)
{
    if (o->error) {
        errno = o->error;
        return -1;
    }
    if (o->mode != OUTPUT_BLOCK || o->len == 0)
        return 0;
    size_t len = o->len;
    o->len = 0;
    return write_lines(o, o->buf, len);
}

int output_write(struct output *o, const char *line, size_t len)
{
    int rc = 0;
    pthread_mutex_lock(&o->lock);
    if (o->error) {
        errno = o->error;
        rc = -1;
    } else if (o->mode == OUTPUT_LINE || len >= LIMIT_OUTPUT_BUFFER) {
        rc = flush_locked(o);
        if (rc == 0)
            rc = write_lines(o, line, len);
    } else {
        if (o->len + len > LIMIT_OUTPUT_BUFFER)
            rc = flush_locked(o);
        if (rc == 0) {
            memcpy(o->buf + o->len, line, len);
            o->len += len;
        }
    }
    pthread_mutex_unlock(&o->lock);
    return rc;
}

int output_flush(struct output *o)
{
    pthread_mutex_lock(&o->lock);
    int rc = flush_locked(o);
    int e = errno;
    pthread_mutex_unlock(&o->lock);
    errno = e;
    return rc;
}

int output_reopen(struct output *o)
{
    int rc = 0, e = 0;
    pthread_mutex_lock(&o->lock);
    if (!o->is_stdout && flush_locked(o) == 0) {
        int fd = open_path(o->path);
        if (fd >= 0) {
            close(o->fd);
            o->fd = fd;
        } else {
            rc = -1;
            e = errno;
        }
    } else if (!o->is_stdout) {
        rc = -1;
        e = errno;
    }
    pthread_mutex_unlock(&o->lock);
    errno = e;
    return rc;
}

int output_error(const struct output *o)
{
    return o->error;
}

const char *output_path(const struct output *o)
{
    return o->path;
}

int output_close(struct output *o)
{
    if (!o)
        return 0;
    int rc = output_flush(o);
    int e = errno;
    if (!o->is_stdout && close(o->fd) < 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    pthread_mutex_destroy(&o->lock);
    free(o->path);
    free(o->buf);
    free(o);
    errno = e;
    return rc;
}
