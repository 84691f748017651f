/* Output files written in whole lines: session records, and any other file
 * of lines (a statistics line per interval). Opened with O_APPEND|O_CREAT,
 * mode 0640, before privileges are dropped: a restart appends, and after
 * logrotate's copytruncate the next line goes to the start of the emptied
 * file (no run of NUL bytes). A line is written whole or taken back: a
 * reader never sees half of one, and a failed write leaves what came before
 * valid. Every call is thread-safe; output_reopen swaps files between lines.
 * Errors come back as -1 with errno; the caller words the message. */
#ifndef SMTPTLS_OUTPUT_H
#define SMTPTLS_OUTPUT_H

#include <stddef.h>
#include <sys/types.h>

enum output_mode {
    OUTPUT_LINE,  /* each line goes out at once, with one write(2): live */
    OUTPUT_BLOCK, /* lines gathered up to LIMIT_OUTPUT_BUFFER, written whole lines at a
                     time: offline, where nobody reads the file while it grows */
};

struct output;

/* path "-" is standard output (left open, never reopened). NULL on failure,
 * with errno set (ENOMEM included). */
struct output *output_open(const char *path, enum output_mode mode);
/* Before the drop: a regular file becomes uid's (its owner only: group and
 * mode are kept) so that uid can go on writing and reopen it after rotation.
 * Devices, pipes and standard output are left alone. 0 or -1. */
int output_give(struct output *o, uid_t uid);
/* One whole line (with its "\n"). 0, or -1 when it could not be written:
 * the error is kept (output_error), and later writes fail at once. */
int output_write(struct output *o, const char *line, size_t len);
/* OUTPUT_BLOCK: write the gathered lines now. 0 or -1. */
int output_flush(struct output *o);
/* SIGHUP: flush, open the path again (created when missing, as the user
 * the process now runs as) and go on there. On failure the old file stays
 * in use: nothing is lost, and -1 with errno says why. */
int output_reopen(struct output *o);
/* The errno of the write that failed, or 0. */
int output_error(const struct output *o);
const char *output_path(const struct output *o);
/* Flush and close (standard output is flushed only). 0, or -1 when the
 * flush or close failed, or an earlier write had. NULL is accepted. */
int output_close(struct output *o);

#endif
