/* Text of times and addresses, for the text report and the JSON writers.
 * Each function writes a NUL-terminated text into buf (cut to len - 1 bytes
 * if buf is smaller than its _LEN) and returns its length. */
#ifndef SMTPTLS_FORMAT_H
#define SMTPTLS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_TIME_LEN 32     /* "2026-11-30T00:00:00.123456Z"; years past 9999 fit */
#define FMT_ADDR_LEN 46     /* INET6_ADDRSTRLEN */
#define FMT_ENDPOINT_LEN 56 /* "[" address "]:" port */

/* ISO 8601 UTC with microseconds: "2026-11-30T00:00:00.123456Z". */
size_t fmt_time(uint64_t us, char *buf, size_t len);
/* ISO 8601 UTC in whole seconds: "2026-11-30T00:00:00Z". */
size_t fmt_time_secs(uint64_t secs, char *buf, size_t len);
/* The same for a signed count of seconds (a certificate's dates may come
 * before 1970): years below 1000 get four digits; 0 (and an empty buf) for a
 * time before the year 0. For secs >= 0 it writes what fmt_time_secs does. */
size_t fmt_time_secs_signed(int64_t secs, char *buf, size_t len);
/* Read ISO 8601 back into microseconds since 1970 (negative before it):
 * "YYYY-MM-DD", then optionally "T" (or a space) and "HH:MM", ":SS" and a
 * fraction of up to 6 digits, then optionally "Z" or an offset "+HH:MM",
 * "-HHMM"; no offset is UTC. What fmt_time and fmt_time_secs write reads
 * back to the same value. 0, or -1 when s (n bytes, no NUL needed) is not
 * such a time or a field is out of range. */
int fmt_parse_time(const char *s, size_t n, int64_t *us);

/* Address text as inet_ntop(3) writes it: family 6 is IPv6 (16 bytes),
 * anything else IPv4 (4 bytes). */
size_t fmt_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len);
/* "192.0.2.1:25", "[2001:db8::1]:25". */
size_t fmt_endpoint(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t len);

#endif
