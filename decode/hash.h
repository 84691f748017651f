/* The one keyed hash of smtptls, for every table whose keys come off the
 * wire (flows, servers, client-server pairs, certificates): SipHash
 * (Aumasson and Bernstein, 2012) under a 128-bit key drawn once per process,
 * so that nobody who cannot read the key can aim packets at one chain.
 *
 * hash_bytes is SipHash-1-3: one compression round per 8-byte word and three
 * finalization rounds, the variant Rust's standard HashMap and CPython (since
 * 3.11) use for exactly this job. Table hashes are never shown to anyone, so
 * the margin that SipHash-2-4 buys as a MAC is not needed, and the flow table
 * hashes every packet: its 12-byte IPv4 key costs 5 rounds instead of 8.
 * Both variants share one implementation, which the unit test checks against
 * the reference SipHash-2-4 vectors. */
#ifndef SMTPTLS_HASH_H
#define SMTPTLS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* k0 is bytes 0-7 of the key, k1 bytes 8-15, both little-endian. */
struct hash_key {
    uint64_t k0, k1;
};

/* A key from getrandom(2), or from /dev/urandom where that fails (an old
 * kernel, a sandbox that forbids the call, a pool not yet ready at boot).
 * 0, or -1 with errno set when neither gives 16 bytes. */
int hash_key_random(struct hash_key *key);

/* SipHash-1-3 of n bytes. */
uint64_t hash_bytes(const struct hash_key *key, const void *p, size_t n);

/* SipHash-c-d, any number of rounds: the reference vectors are for 2-4. */
uint64_t hash_siphash(const struct hash_key *key, const void *p, size_t n, unsigned c, unsigned d);

#endif
