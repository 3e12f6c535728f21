/* libFuzzer target: model files and checkpoints (gr_model_load,
 * gr_checkpoint_load), the untrusted binary readers.
 *
 * The first byte chooses how the rest is used.  Bit 0: recompute every
 * section's CRC32 before reading, so mutations get past the checksums and
 * reach the parsing of DIMS, the id maps, CONF and TRST (otherwise almost
 * every mutation stops at "CRC mismatch", which is what a real corrupt file
 * gets).  Seeds: a tiny trained model and checkpoint, with integer and with
 * string ids, written by build/gnnrec at `make fuzz` time (fuzz/run.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/bytes.h"
#include "fuzz/memfile.h"
#include "gnn/checkpoint.h"
#include "gnn/model_file.h"

/* Walks the sections (12-byte header after which each is tag, u64 length,
 * payload, u32 CRC) and rewrites each CRC that lies inside the buffer. */
static void fix_crcs(unsigned char *p, size_t n)
{
    size_t pos = 12;
    while (pos <= n && n - pos >= 16) {
        uint64_t len = gr_get_u64(p + pos + 4);
        if (len > n - pos - 16) return;
        gr_put_u32(p + pos + 12 + len, (uint32_t)crc32_z(0L, p + pos + 12, (size_t)len));
        pos += 16 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (4u << 20)) return 0;
    unsigned char *buf = malloc(size);
    if (buf == NULL) abort();
    memcpy(buf, data + 1, size - 1);
    if (data[0] & 1) fix_crcs(buf, size - 1);
    const char *path = gr_fuzz_memfile(0, buf, size - 1);
    char msg[GR_MSG_LEN];
    gr_model m;
    if (gr_model_load(&m, path, msg) == GR_OK) gr_model_free(&m);
    gr_checkpoint ck;
    if (gr_checkpoint_load(&ck, path, msg) == GR_OK) gr_checkpoint_free(&ck);
    free(buf);
    return 0;
}
