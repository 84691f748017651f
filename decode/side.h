/* The two sides of a session, by role: the client (who opened the
 * connection) and the server. They index every per-side array of the SMTP
 * and TLS decoders, the session and its record. (The flow table and the
 * reassembler have their own "direction": 0 is the endpoint that sent the
 * flow's first packet, whichever role it plays.) */
#ifndef SMTPTLS_SIDE_H
#define SMTPTLS_SIDE_H

enum side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

#endif
