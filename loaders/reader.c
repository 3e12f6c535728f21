/* Double-buffered reading: a producer thread fills one buffer with gzread while
 * the consumer parses the other.  Each buffer holds whole lines; the partial
 * line at the end of a read is carried to the front of the next buffer. */
#include "loaders/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* make fuzz builds with -DGR_READER_SMALL_BUFFERS: lines then cross block
 * boundaries often, and two 4 MiB blocks and zlib's 768 KiB of buffers per
 * file under ASan would cost most of each execution. */
#ifdef GR_READER_SMALL_BUFFERS
#define BLOCK_BYTES ((size_t)4 << 10)
#define GZ_BUFFER (1u << 13)
#else
#define BLOCK_BYTES ((size_t)4 << 20)
#define GZ_BUFFER (1u << 18)
#endif
#define READ_CHUNK (1u << 18)

typedef struct {
    char *data;
    size_t cap;
    size_t len;      /* bytes of whole lines delivered */
    size_t fill;     /* bytes in the buffer (len + carried partial line) */
    size_t dropped;  /* input bytes of a cut over-long line not delivered */
    int full;        /* 1: ready for the consumer */
} block;

struct gr_reader {
    gzFile gz;
    int is_gz;
    size_t max_line;
    block blocks[2];
    int produce_at;  /* block the producer fills next */
    int consume_at;  /* block the consumer reads next */
    int holding;     /* consumer holds blocks[consume_at ^ 1] */
    int eof;         /* producer reached the end (after the last block) */
    size_t ramp;     /* bytes to read into the next block: grows to BLOCK_BYTES */
    gr_status error; /* producer error, delivered after the blocks before it */
    char error_msg[GR_MSG_LEN];
    int stop;        /* consumer asks the producer to quit */
    uint64_t delivered;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
};

/* zlib's messages start with the name given to gzdopen, "<fd:3>: ", which
 * means nothing to a user; the caller names the file. */
static const char *zlib_what(const char *what)
{
    const char *colon = strstr(what, ": ");
    return what[0] == '<' && colon != NULL ? colon + 2 : what;
}

/* Reads until buf is full or the input ends.  Returns the bytes read; on an
 * error *failed is set and msg filled, and the bytes read before it still
 * count, so that the lines before the damage can be delivered first. */
static size_t read_fully(gzFile gz, char *buf, size_t want, gr_status *failed, char *msg)
{
    size_t got = 0;
    *failed = GR_OK;
    while (got < want) {
        /* Modest chunks: on corrupt data gzread drops what it inflated in
         * the failing call, so this bounds how far before the damage the
         * reported line can be. */
        unsigned chunk = want - got > READ_CHUNK ? READ_CHUNK : (unsigned)(want - got);
        int n = gzread(gz, buf + got, chunk);
        if (n < 0) {
            int err;
            const char *what = gzerror(gz, &err);
            if (err == Z_ERRNO)
                *failed = gr_fail(msg, GR_ERR_IO, "read error: %s", strerror(errno));
            else if (err == Z_BUF_ERROR)
                *failed = gr_fail(msg, GR_ERR_INPUT, "truncated gzip input (unexpected end of file)");
            else
                *failed = gr_fail(msg, GR_ERR_INPUT, "corrupt gzip input (%s)", zlib_what(what));
            break;
        }
        if (n == 0) {
            /* zlib reports a truncated stream as a plain end of file from
             * gzread; gzerror then tells the difference. */
            int err;
            gzerror(gz, &err);
            if (err == Z_BUF_ERROR)
                *failed = gr_fail(msg, GR_ERR_INPUT, "truncated gzip input (unexpected end of file)");
            break;
        }
        got += (size_t)n;
    }
    return got;
}

/* Block b holds nothing but the start of one line longer than max_line.  Cuts
 * it to max_line + 2 bytes and a newline (still too long after the parser
 * drops a '\r'), so that the parser reports the over-long line with its number
 * or, under --skip-bad-rows, counts and skips it like any bad row; the rest of
 * the line is read and dropped.  What follows the line stays in b. */
static gr_status cut_long_line(gr_reader *r, block *b, gr_status *late, char *msg)
{
    size_t keep = r->max_line + 3;
    if (b->cap < keep + READ_CHUNK) {
        char *p = realloc(b->data, keep + READ_CHUNK);
        if (p == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory growing a line buffer");
        b->data = p;
        b->cap = keep + READ_CHUNK;
    }
    size_t consumed = b->fill; /* input bytes of the line so far */
    b->data[keep - 1] = '\n';
    char *tail = b->data + keep;
    for (;;) {
        gr_status failed;
        size_t n = read_fully(r->gz, tail, READ_CHUNK, &failed, msg);
        const char *nl = memchr(tail, '\n', n);
        consumed += nl == NULL ? n : (size_t)(nl + 1 - tail);
        if (nl == NULL && failed == GR_OK && n == READ_CHUNK) continue; /* still inside the line */
        size_t rest = nl == NULL ? 0 : n - (size_t)(nl + 1 - tail);
        if (rest > 0) memmove(tail, nl + 1, rest);
        b->fill = keep + rest;
        b->dropped = consumed - keep;
        b->len = (size_t)((const char *)memrchr(b->data, '\n', b->fill) - b->data) + 1;
        if (failed != GR_OK) {
            *late = failed;
        } else if (n < READ_CHUNK) {
            b->len = b->fill;
            r->eof = 1;
        }
        return GR_OK;
    }
}

/* Fills block b, starting with the carry [carry, carry+carry_len) from the
 * previous block, and sets b->len to the end of the last whole line.  A buffer
 * without any newline grows, up to max_line + 3 bytes (a longest line, '\r',
 * '\n'), and a longer line is cut; the parser checks each line against
 * max_line, so here we only bound memory.  An error after some whole lines
 * were read returns GR_OK with *late set: the block is good, the error comes
 * after it. */
static gr_status fill_block(gr_reader *r, block *b, const char *carry, size_t carry_len, gr_status *late,
                            char *msg)
{
    size_t limit = r->max_line + 3;
    if (carry_len >= b->cap) {
        size_t new_cap = carry_len * 2 < limit ? carry_len * 2 : limit;
        if (new_cap <= carry_len) new_cap = carry_len + 1;
        char *p = realloc(b->data, new_cap);
        if (p == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory growing a line buffer");
        b->data = p;
        b->cap = new_cap;
    }
    if (carry_len > 0) memmove(b->data, carry, carry_len);
    b->fill = carry_len;
    b->dropped = 0;
    for (;;) {
        if (b->fill == b->cap) {
            if (b->cap >= limit) return cut_long_line(r, b, late, msg);
            size_t new_cap = b->cap * 2 < limit ? b->cap * 2 : limit;
            char *p = realloc(b->data, new_cap);
            if (p == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory growing a line buffer");
            b->data = p;
            b->cap = new_cap;
        }
        size_t start = b->fill;
        gr_status failed;
        /* The first blocks are small, so that parsing starts early and a small
         * file is not decompressed whole before any of it is parsed. */
        size_t want = start < r->ramp && r->ramp < b->cap ? r->ramp - start : b->cap - start;
        size_t got = read_fully(r->gz, b->data + start, want, &failed, msg);
        b->fill += got;
        if (failed != GR_OK) {
            /* Deliver the whole lines before the damage, then the error, so
             * that its line number is where the good data stops. */
            const char *nl = memrchr(b->data, '\n', b->fill);
            if (nl == NULL) return failed;
            b->len = (size_t)(nl - b->data) + 1;
            *late = failed;
            return GR_OK;
        }
        if (got < want) { /* end of input: the last line may lack its newline */
            b->len = b->fill;
            r->eof = 1;
            return GR_OK;
        }
        const char *nl = memrchr(b->data + start, '\n', b->fill - start);
        if (nl != NULL) {
            b->len = (size_t)(nl - b->data) + 1;
            return GR_OK;
        }
    }
}

static void *producer(void *arg)
{
    gr_reader *r = arg;
    char msg[GR_MSG_LEN];
    const block *prev = NULL;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        block *b = &r->blocks[r->produce_at];
        while (b->full && !r->stop) pthread_cond_wait(&r->changed, &r->lock);
        int stop = r->stop;
        pthread_mutex_unlock(&r->lock);
        if (stop) return NULL;

        /* The carry lives in prev beyond prev->len; the consumer only reads
         * prev's first len bytes, so copying it out while it parses is safe. */
        const char *carry = prev ? prev->data + prev->len : NULL;
        size_t carry_len = prev ? prev->fill - prev->len : 0;
        gr_status late = GR_OK;
        gr_status s = fill_block(r, b, carry, carry_len, &late, msg);
        if (r->ramp < BLOCK_BYTES) r->ramp *= 2;

        pthread_mutex_lock(&r->lock);
        if (prev == NULL) r->is_gz = !gzdirect(r->gz);
        if (s == GR_OK) {
            b->full = 1;
            r->produce_at ^= 1;
        }
        /* The consumer takes full blocks before it looks at the error. */
        if (s != GR_OK || late != GR_OK) {
            r->error = s != GR_OK ? s : late;
            memcpy(r->error_msg, msg, GR_MSG_LEN);
        }
        int done = s != GR_OK || late != GR_OK || r->eof;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
        if (done) return NULL;
        prev = b;
    }
}

gr_status gr_reader_open(gr_reader **out, const char *path, size_t max_line, char *msg)
{
    gr_status status = GR_OK;
    int fd = -1;
    gr_reader *r = calloc(1, sizeof *r);
    GR_CHECK_ALLOC(r, "reader");
    r->max_line = max_line ? max_line : GR_DEFAULT_MAX_LINE;
    r->ramp = (size_t)64 << 10;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) GR_FAIL(GR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    r->gz = gzdopen(fd, "rb");
    if (r->gz == NULL) GR_FAIL(GR_ERR_NOMEM, "%s: cannot start reading", path);
    fd = -1; /* owned by gz now */
    gzbuffer(r->gz, GZ_BUFFER);
    for (int i = 0; i < 2; i++) {
        r->blocks[i].cap = BLOCK_BYTES;
        r->blocks[i].data = malloc(BLOCK_BYTES);
        GR_CHECK_ALLOC(r->blocks[i].data, "read buffer");
    }
    if (pthread_create(&r->thread, NULL, producer, r) != 0) GR_FAIL(GR_ERR_LIB, "%s: cannot start reader thread", path);
    r->thread_started = 1;
    *out = r;
    return GR_OK;
fail:
    if (fd >= 0) close(fd);
    gr_reader_close(r);
    return status;
}

gr_status gr_reader_next(gr_reader *r, const char **data, size_t *len, char *msg)
{
    pthread_mutex_lock(&r->lock);
    if (r->holding) {
        /* Release the block handed out last time. */
        r->blocks[r->consume_at ^ 1].full = 0;
        r->holding = 0;
        pthread_cond_broadcast(&r->changed);
    }
    block *b = &r->blocks[r->consume_at];
    while (!b->full && r->error == GR_OK && !(r->eof && r->produce_at == r->consume_at))
        pthread_cond_wait(&r->changed, &r->lock);
    gr_status s = GR_OK;
    if (b->full) {
        *data = b->data;
        *len = b->len;
        r->delivered += b->len + b->dropped;
        r->consume_at ^= 1;
        r->holding = 1;
    } else if (r->error != GR_OK) {
        s = gr_fail(msg, r->error, "%s", r->error_msg);
    } else {
        s = GR_EOF;
    }
    pthread_mutex_unlock(&r->lock);
    return s;
}

uint64_t gr_reader_bytes(const gr_reader *r) { return r->delivered; }

int gr_reader_is_gz(const gr_reader *r) { return r->is_gz; }

void gr_reader_close(gr_reader *r)
{
    if (r == NULL) return;
    if (r->thread_started) {
        pthread_mutex_lock(&r->lock);
        r->stop = 1;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
    }
    if (r->gz != NULL) gzclose(r->gz);
    for (int i = 0; i < 2; i++) free(r->blocks[i].data);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
    free(r);
}
