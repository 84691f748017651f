/* Tiny TLS builders for unit tests: hellos with chosen fields (the way
 * negative cases are made: change one field, drop one byte), handshake and
 * record framing, and whole flights of a TLS 1.2 or TLS 1.3 handshake.
 * Layouts: RFC 5246 7.4 (TLS 1.2), RFC 8446 4.1 (TLS 1.3), draft-ietf-tls-tls13
 * before -22 (no session id or compression in the ServerHello),
 * draft-hickman-netscape-ssl-00 (SSLv2 hellos). */
#ifndef SMTPTLS_TEST_TLSBUILD_H
#define SMTPTLS_TEST_TLSBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tbuf.h"

/* SHA-256("HelloRetryRequest"), RFC 8446 4.1.3. */
extern const uint8_t tlsb_hrr_random[32];

struct tlsb_ch {
    uint16_t legacy_version; /* 0: 0x0303 */
    uint8_t sid_len;         /* legacy_session_id length (filler bytes) */
    const uint16_t *suites;  /* NULL: ECDHE-RSA-AES128-GCM-SHA256, ...-AES256-..., AES128-GCM */
    size_t nsuites;
    const char *sni;          /* NULL: no server_name */
    const uint16_t *versions; /* supported_versions; none when nversions is 0 */
    size_t nversions;
    bool dup_sni;       /* server_name twice */
    bool no_extensions; /* nothing after compression_methods */
};

struct tlsb_sh {
    uint16_t legacy_version;   /* 0: 0x0303 */
    uint8_t sid_len;           /* legacy_session_id_echo length */
    uint16_t cipher;           /* cipher_suite */
    uint16_t selected_version; /* supported_versions; 0: no such extension */
    bool hrr;                  /* HelloRetryRequest: the fixed random, key_share names a group */
    bool draft;                /* TLS 1.3 draft layout: no session id, no compression */
    bool dup_versions;         /* supported_versions twice */
    bool no_extensions;
};

/* Handshake messages (type, 24-bit length, body) appended to out. */
void tlsb_client_hello(struct tbuf *out, const struct tlsb_ch *ch);
void tlsb_server_hello(struct tbuf *out, const struct tlsb_sh *sh);
/* draft-ietf-tls-tls13-18 HelloRetryRequest, handshake type 6:
 * server_version, extensions (key_share: secp256r1). */
void tlsb_draft_hrr(struct tbuf *out, uint16_t version);
void tlsb_handshake(struct tbuf *out, uint8_t type, const uint8_t *body, size_t n);
/* A handshake message of type with n opaque body bytes. */
void tlsb_handshake_opaque(struct tbuf *out, uint8_t type, size_t n, uint8_t seed);

/* RFC 5246 7.4.2 Certificate: certificate_list of ncerts DER-like blobs
 * ("30 82 LL LL" then filler) of size bytes each. */
void tlsb_certificate(struct tbuf *out, unsigned ncerts, size_t size);
/* RFC 8422 5.4 ServerKeyExchange: named_curve secp256r1, a 65-byte point,
 * rsa_pss_rsae_sha256 and a 256-byte signature. */
void tlsb_server_kx_ecdhe(struct tbuf *out);

/* Records of content type ct carrying p[0..n), at most frag bytes each. */
void tlsb_records(struct tbuf *out, uint8_t ct, uint16_t version, const uint8_t *p, size_t n,
                  size_t frag);
void tlsb_ccs(struct tbuf *out, uint16_t version);
void tlsb_alert(struct tbuf *out, uint16_t version, uint8_t level, uint8_t desc);
/* One record of type ct with n opaque bytes (ciphertext stand-in). */
void tlsb_opaque_record(struct tbuf *out, uint8_t ct, uint16_t version, size_t n, uint8_t seed);

/* SSLv2 records with a 2-byte header. */
void tlsb_sslv2_client_hello(struct tbuf *out, uint16_t version, const uint32_t *kinds, size_t n);
void tlsb_sslv2_server_hello(struct tbuf *out, uint32_t kind);

/* Whole flights, records included. */
void tlsb_client_hello_record(struct tbuf *out, const char *sni, const uint16_t *versions,
                              size_t nversions);
/* ServerHello (cipher), Certificate, ServerHelloDone in one record. */
void tlsb_tls12_server_flight(struct tbuf *out, uint16_t cipher);
/* ClientKeyExchange, ChangeCipherSpec, encrypted Finished. */
void tlsb_tls12_client_finish(struct tbuf *out);
/* ChangeCipherSpec, encrypted Finished. */
void tlsb_tls12_server_finish(struct tbuf *out);
/* ServerHello (legacy 0x0303, supported_versions 0x0304), ChangeCipherSpec,
 * and one application_data record (EncryptedExtensions...Finished). */
void tlsb_tls13_server_flight(struct tbuf *out, uint16_t cipher);
/* ChangeCipherSpec and one application_data record (the client Finished). */
void tlsb_tls13_client_finish(struct tbuf *out);

#endif
