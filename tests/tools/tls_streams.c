/* Every TCP flow of a capture as a session record, whatever its port: the
 * TLS conformance test compares the ServerHello and fingerprints of the
 * public TLS captures (mostly port 443) with their expected values.
 * usage: tls_streams FILE */
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "findings.h"
#include "json.h"
#include "link.h"
#include "pipeline.h"

static void on_record(void *ctx, const struct session_record *r)
{
    struct verdict v;
    memset(&v, 0, sizeof v);
    (void)ctx;
    json_write_session(stdout, NULL, r, &v);
}

static void on_packet(void *ctx, const struct capture_packet *cp)
{
    struct packet p = {cp->ts_us, cp->caplen, cp->wirelen, cp->linktype, cp->data};
    pipeline_packet(ctx, &p);
}

int main(int argc, char **argv)
{
    char err[512];
    enum capture_status st;
    if (argc != 2) {
        fputs("usage: tls_streams FILE\n", stderr);
        return 1;
    }
    const char *files[] = {argv[1]};
    struct capture_options opt = {.files = files, .nfiles = 1, .linktype_ok = link_supported};
    struct capture *cap = capture_open(&opt, &st, err, sizeof err);
    if (!cap) {
        fprintf(stderr, "tls_streams: %s\n", err);
        return 2;
    }
    static const uint16_t implicit[] = {465, 993, 995};
    struct pipeline_config cfg = {
        .max_flows = 4096,
        .idle_timeout_us = 300000000u,
        .implicit_ports = implicit,
        .nimplicit_ports = 3,
        .all_flows = true,
    };
    struct pipeline *pl = pipeline_new(&cfg, on_record, NULL);
    struct capture_sink sink = {.packet = on_packet, .ctx = pl};
    st = capture_run(cap, 0, &sink, err, sizeof err);
    pipeline_finish(pl);
    pipeline_free(pl);
    capture_close(cap);
    return st == CAPTURE_OK ? 0 : 4;
}
