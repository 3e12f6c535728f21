/* Fuzz inputs as files: the readers under test open paths (gzopen, fopen),
 * and none of them reads from memory, so each input is written to one
 * anonymous in-memory file (memfd) that the reader opens by its
 * /proc/self/fd path.  No disk, no temporary names to clean up, and the
 * reader runs exactly the code a real file goes through. */
#ifndef GR_FUZZ_MEMFILE_H
#define GR_FUZZ_MEMFILE_H

#include <stddef.h>

/* Replaces the contents of memfd number `slot` (0..3; created on the first
 * call and reused for the process) with data[0..len) and returns
 * its path, or aborts: a harness that cannot write its input must not
 * report the input as harmless. */
const char *gr_fuzz_memfile(int slot, const void *data, size_t len);

#endif
