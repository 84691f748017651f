/* SMTP dialogues for unit tests: a dialogue is a list of steps (side, text),
 * fed to the SMTP decoder whole, one byte at a time, in seeded random chunks
 * or with one extra cut at a chosen offset. Each chunk is an exactly-sized
 * heap copy, so ASan catches any read past it. */
#ifndef SMTPTLS_TEST_SMTPDRIVE_H
#define SMTPTLS_TEST_SMTPDRIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder.h"
#include "smtp.h"

struct smtp_step {
    int dir; /* SIDE_CLIENT or SIDE_SERVER */
    const char *text;
    size_t len; /* 0: strlen(text) */
};

enum drive_mode { DRIVE_WHOLE, DRIVE_BYTES, DRIVE_RANDOM, DRIVE_SPLIT_AT };

struct drive_opts {
    enum drive_mode mode;
    uint64_t seed;    /* DRIVE_RANDOM */
    size_t max_chunk; /* DRIVE_RANDOM: chunks of 1..max_chunk bytes (0: 16) */
    size_t split_at;  /* DRIVE_SPLIT_AT: offset in the whole dialogue of the extra cut */
    bool prefix;      /* feed only the first limit bytes of the dialogue */
    size_t limit;
};

/* Feed the dialogue; events go to r. When smtp_feed hands a direction over
 * to TLS, "TLS c|s step=<i> off=<offset within the step>" is recorded and that
 * direction is fed no more. Returns the bytes fed. */
size_t smtp_drive(struct smtp *s, const struct smtp_step *steps, size_t n,
                  const struct drive_opts *o, struct recorder *r);
/* Total bytes of a dialogue. */
size_t smtp_dialogue_len(const struct smtp_step *steps, size_t n);

#endif
