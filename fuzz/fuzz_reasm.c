/* TCP reassembly of one connection. Input: two 32-bit initial sequence
 * numbers (client, server; big endian), then segment descriptors of 9 bytes
 * followed by the captured bytes:
 *
 *   flags   bit 0 direction, 1 SYN, 2 FIN, 3 delta * 4096, 4 extra * 256,
 *           5 stop both directions when this segment delivers data (as the
 *           pipeline does when a session has seen enough), 6 delta counts
 *           from the direction's initial number instead of from the end of
 *           its previous segment, 7 the segment carries an ACK
 *   delta   int16, sequence number relative to the running position
 *   caplen  uint16, captured bytes that follow (cut short by the input end)
 *   extra   uint16, wire length - captured length (bytes the capture cut)
 *   ack     int16, acknowledgement number relative to the end of the peer's
 *           last segment (0: everything the peer sent)
 *
 * then reasm_flush and reasm_release. Properties: each direction's deliveries
 * (data and gaps) are contiguous and match the reassembler's own counters;
 * the sequence number of the next byte minus the bytes delivered stays fixed
 * once anything was delivered (no byte twice, none skipped silently); every
 * byte delivered as data is the first captured copy of that stream byte (the
 * "first copy wins" rule of reasm.h), checked against a model; held-byte
 * accounting agrees between the directions and the global counters, stays
 * under the caps, and is zero after release; the sink hears of each counted
 * anomaly once. */
#include "fuzz.h"

#include "caps.h"
#include "reasm.h"

/* ---- model: the first captured copy of each stream byte ---- */

#define MODEL_BITS 17
#define MODEL_SIZE (1u << MODEL_BITS)

struct slot {
    uint64_t off;
    uint32_t gen, epoch;
    uint8_t dir, val;
};

static struct slot model[MODEL_SIZE];
static uint32_t model_gen;
static size_t model_used;

static size_t model_hash(int dir, uint32_t epoch, uint64_t off)
{
    uint64_t k = (off * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)epoch << 1 | (uint64_t)dir);
    k ^= k >> 29;
    k *= 0xBF58476D1CE4E5B9ull;
    k ^= k >> 32;
    return (size_t)(k & (MODEL_SIZE - 1u));
}

/* The slot of (dir, epoch, off), or the empty slot where it would go. */
static struct slot *model_find(int dir, uint32_t epoch, uint64_t off)
{
    size_t i = model_hash(dir, epoch, off);
    for (;;) {
        struct slot *s = &model[i];
        if (s->gen != model_gen)
            return s;
        if (s->off == off && s->epoch == epoch && s->dir == dir)
            return s;
        i = (i + 1u) & (MODEL_SIZE - 1u);
    }
}

static void model_put(int dir, uint32_t epoch, uint64_t off, uint8_t v)
{
    if (model_used >= MODEL_SIZE / 2u)
        return; /* full enough: later bytes go unchecked */
    struct slot *s = model_find(dir, epoch, off);
    if (s->gen == model_gen)
        return; /* the first copy stays */
    s->gen = model_gen;
    s->off = off;
    s->epoch = epoch;
    s->dir = (uint8_t)dir;
    s->val = v;
    model_used++;
}

static const struct slot *model_get(int dir, uint32_t epoch, uint64_t off)
{
    const struct slot *s = model_find(dir, epoch, off);
    return s->gen == model_gen ? s : NULL;
}

/* ---- harness state ---- */

#define DEFER_BYTES 65536u
#define DEFER_MAX 1024u

struct deferred {
    int dir;
    uint64_t off;
    size_t len, at;
};

struct rstate {
    struct reasm_conn rc;
    struct reasm_global g;
    uint64_t off[2];                   /* delivered to the sink so far, data and gaps */
    uint64_t gap_bytes[2];             /* of which gaps */
    uint64_t anomalies[ANOMALY_COUNT]; /* told to the sink */
    bool stop_on_data;                 /* the segment being fed stops both sides on data */
    /* base = next_seq - delivered: fixed once data or gaps were delivered */
    bool base_known[2], base_seen[2];
    uint32_t base[2];
    uint32_t epoch[2]; /* bumps when the base moves before any delivery */
    bool check_now[2]; /* the base was known when the current call began */
    /* deliveries made while the base was unknown, checked after the call */
    struct deferred def[DEFER_MAX];
    size_t ndef;
    uint8_t arena[DEFER_BYTES];
    size_t arena_len;
};

static void check_bytes(const struct rstate *st, int dir, uint64_t off, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct slot *s = model_get(dir, st->epoch[dir], off + i);
        if (s && s->val != p[i]) {
            fprintf(stderr,
                    "reasm: dir %d stream byte %llu delivered as 0x%02x, first captured copy "
                    "was 0x%02x\n",
                    dir, (unsigned long long)(off + i), p[i], s->val);
            fuzz_fail("every byte delivered is the first captured copy", __FILE__, __LINE__);
        }
    }
}

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n)
{
    struct rstate *st = ctx;
    FUZZ_CHECK(dir == 0 || dir == 1);
    FUZZ_CHECK(n > 0 && p != NULL);
    FUZZ_CHECK(!st->rc.dir[dir].stopped);
    (void)fuzz_digest(0, p, n); /* every byte must be readable */
    uint64_t at = st->off[dir];
    st->off[dir] += n;
    FUZZ_CHECK(st->off[dir] == st->rc.dir[dir].delivered);
    if (st->check_now[dir]) {
        check_bytes(st, dir, at, p, n);
    } else if (st->ndef < DEFER_MAX) {
        size_t k = n < DEFER_BYTES - st->arena_len ? n : DEFER_BYTES - st->arena_len;
        memcpy(st->arena + st->arena_len, p, k);
        st->def[st->ndef++] = (struct deferred){dir, at, k, st->arena_len};
        st->arena_len += k;
    }
    if (st->stop_on_data) {
        reasm_stop(&st->rc, &st->g, 0);
        reasm_stop(&st->rc, &st->g, 1);
    }
}

static void on_gap(void *ctx, int dir, uint64_t n)
{
    struct rstate *st = ctx;
    FUZZ_CHECK(dir == 0 || dir == 1);
    FUZZ_CHECK(n > 0);
    st->off[dir] += n;
    st->gap_bytes[dir] += n;
    FUZZ_CHECK(st->off[dir] == st->rc.dir[dir].delivered);
}

static void on_anomaly(void *ctx, int dir, enum anomaly a)
{
    struct rstate *st = ctx;
    FUZZ_CHECK(dir == 0 || dir == 1);
    FUZZ_CHECK(a == ANOMALY_REASM_OVERLAP_CONFLICT || a == ANOMALY_REASM_HELD_CAP ||
               a == ANOMALY_REASM_OUT_OF_WINDOW);
    st->anomalies[a]++;
}

static const struct reasm_sink sink = {on_data, on_gap, on_anomaly};

static void check_accounting(const struct rstate *st)
{
    const struct reasm_dir *d0 = &st->rc.dir[0], *d1 = &st->rc.dir[1];
    FUZZ_CHECK(st->g.held_bytes == (uint64_t)d0->held_bytes + d1->held_bytes);
    FUZZ_CHECK(st->g.held_peak >= st->g.held_bytes);
    FUZZ_CHECK(st->g.gaps == (uint64_t)d0->gaps + d1->gaps);
    FUZZ_CHECK(st->g.gap_bytes == d0->gap_bytes + d1->gap_bytes);
    FUZZ_CHECK(st->g.conflicts == (uint64_t)d0->conflicts + d1->conflicts);
    /* The sink hears of every counted anomaly, once. */
    FUZZ_CHECK(st->anomalies[ANOMALY_REASM_OVERLAP_CONFLICT] == st->g.conflicts);
    FUZZ_CHECK(st->anomalies[ANOMALY_REASM_HELD_CAP] == st->g.held_cap_hits);
    FUZZ_CHECK(st->anomalies[ANOMALY_REASM_OUT_OF_WINDOW] == st->g.out_of_window);
    for (int i = 0; i < 2; i++) {
        const struct reasm_dir *d = &st->rc.dir[i];
        FUZZ_CHECK(d->held_bytes <= LIMIT_REASM_HELD_PER_DIR);
        FUZZ_CHECK(d->held_segs <= LIMIT_REASM_HELD_SEGS_PER_DIR);
        FUZZ_CHECK((d->held == NULL) == (d->held_segs == 0));
        FUZZ_CHECK(d->held_segs > 0 || d->held_bytes == 0);
        FUZZ_CHECK(!d->stopped || d->held == NULL);
        FUZZ_CHECK(d->delivered == st->off[i]);
        FUZZ_CHECK(d->gap_bytes == st->gap_bytes[i]);
        FUZZ_CHECK(d->wait_packets <= LIMIT_REASM_WAIT_PACKETS);
        FUZZ_CHECK(d->tail_len <= LIMIT_REASM_TAIL);
    }
    FUZZ_CHECK(st->g.held_bytes <= LIMIT_REASM_HELD_TOTAL);
}

/* After a call: the base, the model, the deferred checks. */
static void after_call(struct rstate *st, int dir, const struct reasm_in *in, bool fed,
                       uint64_t out_of_window_before)
{
    for (int i = 0; i < 2; i++) {
        const struct reasm_dir *d = &st->rc.dir[i];
        if (!d->started || d->stopped)
            continue;
        uint32_t base = (uint32_t)(d->next_seq - (uint32_t)d->delivered);
        if (st->base_known[i]) {
            if (base != st->base[i])
                fprintf(stderr, "reasm: dir %d next_seq %u delivered %llu, base was %u\n", i,
                        d->next_seq, (unsigned long long)d->delivered, st->base[i]);
            FUZZ_CHECK(base == st->base[i]);
        } else {
            if (st->base_seen[i] && base != st->base[i])
                st->epoch[i]++; /* moved (a SYN) before any delivery: a new stream */
            st->base[i] = base;
            st->base_seen[i] = true;
            st->base_known[i] = d->delivered > 0;
        }
    }
    /* The segment's captured bytes, where nothing earlier was, go in the model. */
    const struct reasm_dir *d = &st->rc.dir[dir];
    if (fed && d->started && !d->stopped && st->g.out_of_window == out_of_window_before &&
        in->caplen > 0) {
        uint32_t seq = in->seq + (in->syn ? 1u : 0u);
        int64_t start = (int64_t)d->delivered + (int32_t)(seq - d->next_seq);
        for (uint32_t i = 0; i < in->caplen; i++) {
            int64_t off = start + (int64_t)i;
            if (off >= 0)
                model_put(dir, st->epoch[dir], (uint64_t)off, in->data[i]);
        }
    }
    for (size_t i = 0; i < st->ndef; i++) {
        const struct deferred *df = &st->def[i];
        check_bytes(st, df->dir, df->off, st->arena + df->at, df->len);
    }
    st->ndef = 0;
    st->arena_len = 0;
    check_accounting(st);
}

static void before_call(struct rstate *st)
{
    for (int i = 0; i < 2; i++)
        st->check_now[i] = st->base_known[i];
    st->ndef = 0;
    st->arena_len = 0;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    static struct rstate st;
    memset(&st, 0, sizeof st);
    model_gen++;
    model_used = 0;

    uint32_t isn[2], pos[2];
    for (int i = 0; i < 2; i++) {
        isn[i] = (uint32_t)data[4 * i] << 24 | (uint32_t)data[4 * i + 1] << 16 |
                 (uint32_t)data[4 * i + 2] << 8 | data[4 * i + 3];
        pos[i] = isn[i];
    }
    size_t at = 8;
    while (at + 9 <= size) {
        uint8_t flags = data[at];
        int16_t delta = (int16_t)be16(data + at + 1);
        size_t caplen = be16(data + at + 3);
        uint32_t extra = be16(data + at + 5);
        int16_t ack = (int16_t)be16(data + at + 7);
        at += 9;
        if (caplen > size - at)
            caplen = size - at;
        int dir = flags & 1;
        int32_t step = (flags & 8) ? (int32_t)delta * 4096 : delta;
        if (flags & 16)
            extra <<= 8;
        struct reasm_in in = {
            .seq = ((flags & 64) ? isn[dir] : pos[dir]) + (uint32_t)step,
            .caplen = (uint32_t)caplen,
            .len = (uint32_t)caplen + extra,
            .syn = (flags & 2) != 0,
            .fin = (flags & 4) != 0,
            .has_ack = (flags & 128) != 0,
            .ack = pos[!dir] + (uint32_t)(int32_t)ack,
        };
        /* Never NULL, even when empty: the pipeline's payload views point
         * into the frame. */
        uint8_t *copy = fuzz_dup(data + at, caplen);
        in.data = copy;
        at += caplen;
        pos[dir] = in.seq + (in.syn ? 1u : 0u) + in.len;

        st.stop_on_data = (flags & 32) != 0;
        before_call(&st);
        uint64_t oow = st.g.out_of_window;
        reasm_segment(&st.rc, &st.g, dir, &in, &sink, &st);
        after_call(&st, dir, &in, true, oow);
        free(copy);
    }

    st.stop_on_data = false;
    before_call(&st);
    reasm_flush(&st.rc, &st.g, &sink, &st);
    struct reasm_in none = {0};
    after_call(&st, 0, &none, false, st.g.out_of_window);
    for (int i = 0; i < 2; i++)
        FUZZ_CHECK(st.rc.dir[i].held == NULL && st.rc.dir[i].held_bytes == 0);
    reasm_release(&st.rc, &st.g);
    FUZZ_CHECK(st.g.held_bytes == 0);
    for (int i = 0; i < 2; i++)
        FUZZ_CHECK(st.rc.dir[i].held == NULL && st.rc.dir[i].held_segs == 0 &&
                   st.rc.dir[i].tail == NULL);
    return 0;
}
