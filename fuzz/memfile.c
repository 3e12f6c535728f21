/* In-memory files for the fuzz targets: see memfile.h. */
#include "fuzz/memfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 4

const char *gr_fuzz_memfile(int slot, const void *data, size_t len)
{
    /* One fd per slot for the whole run: creating a memfd per input would
     * cost a syscall pair and an fd per execution for nothing.  Static state
     * is acceptable here: a harness is one process with one caller. */
    static int fds[SLOTS] = {-1, -1, -1, -1};
    static char paths[SLOTS][40];
    if (slot < 0 || slot >= SLOTS) abort();
    if (fds[slot] < 0) {
        fds[slot] = memfd_create("gnnrec-fuzz", 0);
        if (fds[slot] < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(paths[slot], sizeof paths[slot], "/proc/self/fd/%d", fds[slot]);
    }
    int fd = fds[slot];
    if (ftruncate(fd, 0) != 0) abort();
    const char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(fd, p + done, len - done, (off_t)done);
        if (n <= 0) abort();
        done += (size_t)n;
    }
    return paths[slot];
}
