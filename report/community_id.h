/* The Community ID flow hash, version 1 (corelight/community-id-spec), that
 * Zeek, Suricata, Arkime and Wireshark write beside their flows, so that a
 * session record joins theirs: "1:" and the base64 of the SHA-1 of
 *
 *   seed (2 bytes) . address . address . protocol (1) . 0 (1) . port . port
 *
 * all big-endian, the endpoint with the smaller address (then port) first.
 * SHA-1 and base64 are OpenSSL's libcrypto, never by hand. */
#ifndef SMTPTLS_COMMUNITY_ID_H
#define SMTPTLS_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#define COMMUNITY_ID_LEN 31 /* "1:" + 28 base64 characters + NUL */

/* SHA-1 fetched once (OpenSSL 3 fetches are not free). */
struct community_id;
struct community_id *community_id_new(void);
void community_id_free(struct community_id *c);

/* The ID of a TCP, UDP or SCTP flow (proto its IP protocol number) into out;
 * family 6 is IPv6 (16-byte addresses), else IPv4 (4 bytes). Returns its
 * length, or 0 with out "" when libcrypto failed. c may be NULL (slower). */
size_t community_id_v1(struct community_id *c, uint16_t seed, uint8_t family, const uint8_t *saddr,
                       const uint8_t *daddr, uint8_t proto, uint16_t sport, uint16_t dport,
                       char out[COMMUNITY_ID_LEN]);

#endif
