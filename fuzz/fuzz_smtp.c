/* SMTP dialogue decoder, and TLS from where smtp_feed hands a side over (as
 * decode/session.c does). Input: a flags byte (bit 0: the capture saw the
 * SYN, so the greeting is still to come), a byte that seeds the split points,
 * then chunks (fuzz.h): client, server, client... Properties: see
 * fuzz_stream.h; in addition smtp_feed never claims more than it was given,
 * and hands over exactly at a byte that can start a TLS record. */
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    bool at_start = data[0] & 1u;
    uint64_t seed = fuzz_mix(0, data[1]) ^ size;
    data += 2;
    size -= 2;

    static struct flog logs[FEED_COUNT];
    for (int s = 0; s < FEED_COUNT; s++) {
        struct fstate st;
        fs_init(&st, &logs[s], at_start, false);
        fs_run(&st, data, size, s, seed);
        fs_free(&st);
    }
    for (int s = 1; s < FEED_COUNT; s++)
        flog_same(&logs[0], feed_names[0], &logs[s], feed_names[s]);
    return 0;
}
