/* libFuzzer target: interaction files through gr_load_file.
 *
 * The first three bytes choose the options a user could give (format, id
 * mode, header, separator, --skip-bad-rows, --graph directed, weights and
 * times, --min-rating, --max-line 64 or 64 KiB so long lines are cheap to reach,
 * and whether the file is gzip-compressed by the harness); the rest is the
 * file.  The same bytes are then loaded a second time into the same dataset
 * as a "test" file, with lookup_only for string ids half of the time, as
 * `gnnrec eval --train A --test B` does.  Seeds: tests/data and
 * tests/data/bad (fuzz/run.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz/memfile.h"
#include "loaders/load.h"

/* Compresses data as a gzip stream, so the harness reaches the gzip reader
 * with valid streams too (a fuzzer rarely builds one by mutation). */
static unsigned char *gzip_bytes(const uint8_t *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    size_t cap = deflateBound(&z, len) + 32;
    unsigned char *out = malloc(cap);
    if (out == NULL) abort();
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) abort();
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > (1u << 20)) return 0;
    const unsigned a = data[0], b = data[1], c = data[2];
    data += 3;
    size -= 3;
    static const char seps[] = {0, '\t', ',', ' ', ':'};
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.format = (gr_format)(a & 3);
    o.ids = (gr_id_mode)((a >> 2) % 3);
    o.header = (gr_header_mode)((a >> 4) % 3);
    o.sep = seps[c % 5];
    o.skip_bad_rows = b & 1;
    o.shared_ids = (b >> 1) & 1;
    o.keep_weights = (b >> 2) & 1;
    o.keep_times = (b >> 3) & 1;
    o.has_min_rating = (b >> 4) & 1;
    o.min_rating = 3.5;
    /* A line up to 16 MiB (the default) costs the harness 16 MiB of copying
     * per execution; 64 KiB reaches the same code. */
    o.max_line = (b >> 5) & 1 ? 64 : 65536;
    const int gz = (b >> 6) & 1, lookup = (b >> 7) & 1;
    if ((c >> 3) & 1) o.ids = GR_IDS_STRING, o.format = GR_FORMAT_AUTO; /* the common case, more often */

    size_t len = size;
    unsigned char *gzbuf = gz ? gzip_bytes(data, size, &len) : NULL;
    const char *path = gr_fuzz_memfile(0, gz ? gzbuf : data, len);
    char msg[GR_MSG_LEN];
    gr_dataset ds;
    gr_dataset_init(&ds);
    gr_load_report rep;
    if (gr_load_file(&ds, path, &o, &rep, msg) == GR_OK) {
        o.lookup_only = lookup;
        (void)gr_load_file(&ds, path, &o, NULL, msg);
    }
    gr_dataset_free(&ds);
    free(gzbuf);
    return 0;
}
