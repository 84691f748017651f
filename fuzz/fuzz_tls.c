/* TLS record and handshake decoder, fed from byte 0 of TLS on both sides.
 * Input: one byte that seeds the split points, then chunks (fuzz.h):
 * client, server, client... Properties: see fuzz_stream.h. */
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint64_t seed = fuzz_mix(0, data[0]) ^ size;
    data++;
    size--;

    /* The record-header judgement everyone asks: decided by five bytes
     * (three for SSLv2), and a prefix never contradicts the longer view. */
    enum tls_look prev = TLS_LOOK_MAYBE;
    for (size_t n = 0; n <= 5 && n <= size; n++) {
        struct tls_header h;
        uint8_t *b = fuzz_dup(data, n);
        enum tls_look v = tls_header_check(b, n, &h);
        free(b);
        FUZZ_CHECK(prev == TLS_LOOK_MAYBE || v == prev);
        if (n == 5 || (n >= 3 && h.sslv2))
            FUZZ_CHECK(v != TLS_LOOK_MAYBE);
        prev = v;
    }

    static struct flog logs[FEED_COUNT];
    for (int s = 0; s < FEED_COUNT; s++) {
        struct fstate st;
        fs_init(&st, &logs[s], true, true);
        fs_run(&st, data, size, s, seed);
        fs_free(&st);
    }
    for (int s = 1; s < FEED_COUNT; s++)
        flog_same(&logs[0], feed_names[0], &logs[s], feed_names[s]);
    return 0;
}
