/* Session records read back (report/record_read.c, --from-sessions). Input:
 * one line, as a --sessions file could hold it after any damage. Properties:
 * record_read never crashes or leaks whatever the line; a line it takes is
 * written again by json_session, and that text is read back (RECORD_OK,
 * nothing unknown) and written again to the same bytes: what the fold judges
 * is what the writer wrote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "fuzz.h"
#include "json.h"
#include "jsonb.h"
#include "record_read.h"

static struct record_reader *reader;
static struct community_id *cid;
static struct record_read first, second;

static const char *write_again(struct jsonb *b, const struct record_read *rd, size_t *len)
{
    struct json_context ctx = {rd->has_sensor ? rd->sensor : NULL, cid};
    return json_session(b, &ctx, &rd->rec, &rd->verdict, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!reader) {
        reader = record_reader_new();
        cid = community_id_new();
        if (!reader || !cid)
            abort();
    }
    char why[320];
    if (record_read(reader, (const char *)data, size, &first, why, sizeof why) != RECORD_OK)
        return 0;
    struct jsonb b1, b2;
    jb_init(&b1, LIMIT_JSON_RECORD);
    jb_init(&b2, LIMIT_JSON_RECORD);
    size_t n1, n2;
    const char *t1 = write_again(&b1, &first, &n1);
    if (!t1)
        fuzz_fail("a record read could not be written again", __FILE__, __LINE__);
    enum record_status st = record_read(reader, t1, n1, &second, why, sizeof why);
    if (st != RECORD_OK || second.unknown_keys)
        fuzz_fail("a record written again does not read back", __FILE__, __LINE__);
    const char *t2 = write_again(&b2, &second, &n2);
    if (!t2 || n1 != n2 || memcmp(t1, t2, n1) != 0)
        fuzz_fail("a record read back writes different bytes", __FILE__, __LINE__);
    jb_free(&b1);
    jb_free(&b2);
    return 0;
}
