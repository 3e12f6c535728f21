/* libFuzzer target: social edge files (gr_social_load) against a user id
 * space that is already loaded.
 *
 * The first byte chooses integer ids (the users are 0..63) or string ids
 * (the users are "u0".."u63", interned in order), --skip-bad-rows and a
 * small --max-line; the rest is the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/memfile.h"
#include "loaders/social.h"

#define USERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    const unsigned a = data[0];
    char msg[GR_MSG_LEN];
    gr_idmap *ids = NULL;
    if (a & 1) {
        ids = gr_idmap_new();
        if (ids == NULL) abort();
        for (uint32_t i = 0; i < USERS; i++) {
            char s[16];
            uint32_t id;
            int n = snprintf(s, sizeof s, "u%u", i);
            if (gr_idmap_intern(ids, s, (size_t)n, &id, msg) != GR_OK) abort();
        }
    }
    gr_load_opts o;
    gr_load_opts_default(&o);
    o.skip_bad_rows = (a >> 1) & 1;
    if ((a >> 2) & 1) o.max_line = 64;
    const char *path = gr_fuzz_memfile(0, data + 1, size - 1);
    gr_rows rows;
    if (gr_social_load(&rows, path, ids, USERS, &o, NULL, msg) == GR_OK) gr_rows_free(&rows);
    gr_idmap_free(ids);
    return 0;
}
