/* Faults end to end, on generated data:
 *  - SIGTERM (and SIGINT) stop `gnnrec train` at the end of the epoch with a
 *    checkpoint, exit 143 (130), and the checkpoint resumes to the same model
 *    bytes as an uninterrupted run; a second signal stops at once, leaving
 *    no torn file;
 *  - kill -9 at seeded random points of a run with checkpoint_every=1, then
 *    --resume (or a restart when no checkpoint was written yet), ends with
 *    the model bytes, test metrics and log of the uninterrupted run;
 *  - a writer killed mid-write leaves the previous output intact and a
 *    temporary NAME.tmp.PID.XXXXXX that the next successful write removes;
 *  - a full disk (a 64 KiB tmpfs, /dev/full) is a clear error naming the
 *    output, with no partial output and the previous one intact. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "tests/support.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = gr_test_generated_split("--users 300 --items 200 --edges 8000 --communities 4 --exponent 0.5 --p-in 0.9 --seed 3");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *full = gr_test_path(dir, "full");
    umount2(full, MNT_DETACH); /* when a failed test left it mounted */
    free(full);
    gr_test_rmdir(dir);
    free(dir);
    return 0;
}

/* dim=64 makes an epoch ~20 ms here: long enough to kill inside a run. */
static const char settings[] = "dim=64 batch=256 lr=0.01 eval_every=3 patience=0 threads=2";

static char *path(const char *name)
{
    char *p = gr_test_path(dir, name);
    assert_non_null(p);
    return p;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Starts "$GNNREC_BIN ARGS" in the background, stdout to /dev/null and stderr
 * to dir/ERR_NAME; exec keeps the pid the shell's, so signals reach gnnrec. */
static pid_t spawn(const char *err_name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pid_t spawn(const char *err_name, const char *fmt, ...)
{
    const char *bin = getenv("GNNREC_BIN");
    if (bin == NULL || *bin == '\0') bin = "build/gnnrec";
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "OMP_WAIT_POLICY=passive exec %s %s >/dev/null 2>%s/%s", bin, args, dir, err_name);
    pid_t pid = fork();
    if (pid < 0) fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The exit code, or minus the signal that ended the process. */
static int status_of(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int wait_exit(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) fail_msg("waitpid: %s", strerror(errno));
    return status_of(st);
}

/* Polls until file contains text (1), or the process exits first (0, its
 * status in *done).  Gives up after 60 s. */
static int wait_for_text(pid_t pid, const char *file, const char *text, int *done)
{
    for (int i = 0; i < 60000; i++) {
        char *s = gr_test_file_exists(file) ? gr_test_read_file(file, NULL) : NULL;
        int found = s != NULL && strstr(s, text) != NULL;
        free(s);
        if (found) return 1;
        int st = 0;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            *done = status_of(st);
            return 0;
        }
        sleep_us(1000);
    }
    fail_msg("%s never showed '%s'", file, text);
    return 0;
}

/* Entries of d whose name holds ".tmp." (core/output.c's temporaries). */
static int count_temporaries(const char *d)
{
    DIR *dh = opendir(d);
    if (dh == NULL) fail_msg("%s: %s", d, strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(dh);
    return n;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *fa = gr_test_read_file(a, &la), *fb = gr_test_read_file(b, &lb);
    if (fa == NULL || fb == NULL) fail_msg("cannot read %s or %s", a, b);
    if (la != lb || memcmp(fa, fb, la) != 0) fail_msg("%s and %s differ", a, b);
    free(fa);
    free(fb);
}

static void run_ok(gr_test_run r, const char *what)
{
    if (r.exit_code != 0) fail_msg("%s: exit %d\n%s", what, r.exit_code, r.err);
    gr_test_run_free(&r);
}

/* The test metrics of a --json file: its "metric@k" lines (timings differ). */
static char *metrics_of(const char *file)
{
    char *s = gr_test_read_file(file, NULL);
    if (s == NULL) fail_msg("cannot read %s", file);
    char *out = calloc(strlen(s) + 1, 1);
    size_t n = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
        if (strchr(line, '@')) n += (size_t)sprintf(out + n, "%s\n", line);
    free(s);
    return out;
}

/* A training log without its timings: per line the epoch and loss, and the
 * metric when evaluated. */
static char *log_of(const char *file)
{
    char *s = gr_test_read_file(file, NULL);
    if (s == NULL) fail_msg("cannot read %s", file);
    char *out = calloc(strlen(s) + 1, 1);
    size_t n = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        char *cut = strstr(line, ", \"seconds\"");
        if (cut) *cut = '\0';
        n += (size_t)sprintf(out + n, "%s", line);
        char *metric = cut ? strstr(cut + 1, "\"recall@") : NULL;
        n += (size_t)sprintf(out + n, " %s\n", metric ? metric : "");
    }
    free(s);
    return out;
}

static void assert_same_text(char *a, char *b, const char *what)
{
    if (strcmp(a, b) != 0) fail_msg("%s differ:\n%s\n---\n%s", what, a, b);
    free(a);
    free(b);
}

/* ---- SIGTERM / SIGINT ---------------------------------------------------- */

/* Interrupts a 1000-epoch run once its log shows epoch 3, resumes the
 * checkpoint to 40 epochs and compares with an uninterrupted run of 40. */
static void interrupt_and_resume(int sig, const char *tag, const char *ckpt_opt, const char *ckpt_name,
                                 const char *resume_extra)
{
    char ref[64], ref_log[64], log[64], err[64], model[64], resumed[64];
    snprintf(ref, sizeof ref, "%s-ref.gnr", tag);
    snprintf(ref_log, sizeof ref_log, "%s-ref.log", tag);
    snprintf(log, sizeof log, "%s.log", tag);
    snprintf(err, sizeof err, "%s.err", tag);
    snprintf(model, sizeof model, "%s.gnr", tag);
    snprintf(resumed, sizeof resumed, "%s-resumed.gnr", tag);
    run_ok(gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s epochs=40 --quiet -o %s/%s "
                       "--log %s/%s", dir, dir, settings, dir, ref, dir, ref_log), "reference run");
    pid_t pid = spawn(err, "train train=%s/split/train.txt test=%s/split/test.txt %s epochs=1000 --no-progress "
                      "-o %s/%s --log %s/%s %s", dir, dir, settings, dir, model, dir, log, ckpt_opt);
    char *log_path = path(log), *err_path = path(err), *ckpt = path(ckpt_name);
    int done = 0;
    if (!wait_for_text(pid, log_path, "\"epoch\": 3,", &done)) fail_msg("training ended (%d) before epoch 3", done);
    kill(pid, sig);
    assert_int_equal(wait_exit(pid), 128 + sig);
    char *msg = gr_test_read_file(err_path, NULL), want[512];
    snprintf(want, sizeof want, "checkpoint written to %s; resume with gnnrec train --resume %s", ckpt, ckpt);
    if (strstr(msg, "gnnrec train: interrupted ") == NULL || strstr(msg, want) == NULL) fail_msg("message: %s", msg);
    print_message("%s", strstr(msg, "gnnrec train: interrupted "));
    char *model_path = path(model);
    assert_false(gr_test_file_exists(model_path)); /* no model of an unfinished run */
    run_ok(gr_test_cli("train --resume %s epochs=40 %s --quiet -o %s/%s --log %s", ckpt, resume_extra, dir, resumed,
                       log_path), "resume");
    char *a = path(ref), *b = path(resumed), *c = path(ref_log);
    assert_same_file(a, b);
    /* the interrupted epoch's loss too: its batches' loss sum is in the checkpoint */
    assert_same_text(log_of(c), log_of(log_path), "training logs");
    free(c);
    assert_int_equal(count_temporaries(dir), 0);
    free(a);
    free(b);
    free(msg);
    free(model_path);
    free(log_path);
    free(err_path);
    free(ckpt);
}

/* Without checkpoint_every: the checkpoint goes to OUTPUT.ckpt. */
static void test_sigterm_checkpoints_and_resumes(void **state)
{
    (void)state;
    interrupt_and_resume(SIGTERM, "term", "", "term.gnr.ckpt", "");
}

/* With checkpoint_every and --checkpoint: the interrupt writes there. */
static void test_sigint_writes_the_checkpoint_path(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "checkpoint_every=100 --checkpoint %s/int.ckpt", dir);
    /* the model file records checkpoint_every: back to the reference's 0 */
    interrupt_and_resume(SIGINT, "int", opt, "int.ckpt", "checkpoint_every=0");
}

/* Two signals: the second ends the process at once, by the signal; whatever
 * is on disk loads (no torn checkpoint), and the next run cleans up. */
static void test_second_signal_stops_at_once(void **state)
{
    (void)state;
    pid_t pid = spawn("twice.err", "train train=%s/split/train.txt test=%s/split/test.txt %s epochs=1000 "
                      "checkpoint_every=1 --no-progress -o %s/twice.gnr --log %s/twice.log", dir, dir, settings, dir,
                      dir);
    char *log_path = path("twice.log"), *ckpt = path("twice.gnr.ckpt");
    int done = 0;
    if (!wait_for_text(pid, log_path, "\"epoch\": 2,", &done)) fail_msg("training ended (%d) before epoch 2", done);
    kill(pid, SIGTERM);
    kill(pid, SIGTERM);
    int st = wait_exit(pid);
    /* usually the signal itself; 143 when the first stop won the race */
    if (st != -SIGTERM && st != 128 + SIGTERM) fail_msg("status %d", st);
    run_ok(gr_test_cli("eval %s --train %s/split/train.txt --test %s/split/test.txt --quiet", ckpt, dir, dir),
           "the checkpoint left loads");
    /* the next successful write of the checkpoint removes a temporary the
     * killed run may have left */
    run_ok(gr_test_cli("train --resume %s epochs=40 --quiet", ckpt), "resume");
    assert_int_equal(count_temporaries(dir), 0);
    free(log_path);
    free(ckpt);
}

/* ---- kill -9 at random points -------------------------------------------- */

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define KILL_EPOCHS 30
#define KILL_POINTS 5

static void test_kill9_and_resume_matches(void **state)
{
    (void)state;
    run_ok(gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s epochs=%d checkpoint_every=1 --quiet "
                       "-o %s/k-ref.gnr --log %s/k-ref.log --json %s/k-ref.json", dir, dir, settings, KILL_EPOCHS, dir,
                       dir, dir), "reference run");
    char *ref = path("k-ref.gnr"), *ref_json = path("k-ref.json"), *ref_log = path("k-ref.log");
    uint64_t rng = 0x9e3779b97f4a7c15ULL; /* fixed: the same kill points every run */
    int killed = 0, resumed = 0;
    for (int p = 0; p < KILL_POINTS; p++) {
        /* point 0 kills during start-up (before any checkpoint); the others
         * a random 0-20 ms (about one epoch) after the log shows a random
         * epoch of their share of the run */
        const int share = (KILL_EPOCHS - 2) / (KILL_POINTS - 1);
        const int epoch = p == 0 ? 0 : 1 + (p - 1) * share + (int)(next_random(&rng) % share);
        const long delay_us = (long)(next_random(&rng) % 20000);
        char name[64], model[64], log[64], json[64];
        snprintf(name, sizeof name, "k%d", p);
        snprintf(model, sizeof model, "%s/%s.gnr", dir, name);
        snprintf(log, sizeof log, "%s.log", name);
        snprintf(json, sizeof json, "%s/%s.json", dir, name);
        char *log_path = path(log), ckpt[600];
        snprintf(ckpt, sizeof ckpt, "%s.ckpt", model);
        pid_t pid = spawn("k.err", "train train=%s/split/train.txt test=%s/split/test.txt %s epochs=%d "
                          "checkpoint_every=1 --quiet -o %s --log %s --json %s", dir, dir, settings, KILL_EPOCHS, model,
                          log_path, json);
        char text[32];
        snprintf(text, sizeof text, "\"epoch\": %d,", epoch);
        int done = -1000;
        if (epoch == 0 || wait_for_text(pid, log_path, text, &done)) {
            sleep_us(delay_us);
            kill(pid, SIGKILL);
            done = wait_exit(pid);
        }
        if (done == -SIGKILL) killed++;
        else assert_int_equal(done, 0); /* it finished before the kill */
        /* nothing torn: what the killed run left loads */
        const int had_checkpoint = gr_test_file_exists(ckpt);
        if (had_checkpoint)
            run_ok(gr_test_cli("eval %s --train %s/split/train.txt --test %s/split/test.txt --quiet", ckpt, dir, dir),
                   "the killed run's checkpoint loads");
        if (done == -SIGKILL && had_checkpoint) {
            run_ok(gr_test_cli("train --resume %s --quiet -o %s --log %s --json %s", ckpt, model, log_path, json),
                   "resume");
            resumed++;
        } else if (done == -SIGKILL) {
            run_ok(gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s epochs=%d checkpoint_every=1 "
                               "--quiet -o %s --log %s --json %s", dir, dir, settings, KILL_EPOCHS, model, log_path,
                               json), "restart");
        }
        assert_same_file(ref, model);
        assert_same_text(metrics_of(ref_json), metrics_of(json), "test metrics");
        assert_same_text(log_of(ref_log), log_of(log_path), "training logs");
        assert_int_equal(count_temporaries(dir), 0);
        print_message("kill point %d: epoch %d + %ld us: %s, model identical\n", p, epoch, delay_us,
                      done == -SIGKILL ? (had_checkpoint ? "killed, resumed" : "killed, restarted")
                                       : "finished first");
        free(log_path);
    }
    print_message("%d of %d runs killed, %d resumed from a checkpoint\n", killed, KILL_POINTS, resumed);
    assert_true(killed >= KILL_POINTS - 1);
    free(ref);
    free(ref_json);
    free(ref_log);
}

/* ---- temporaries of killed writers --------------------------------------- */

static void test_killed_writer_leaves_previous_output(void **state)
{
    (void)state;
    char *out = path("big.tsv"), *prev = path("big-prev.tsv");
    run_ok(gr_test_cli("generate --users 50 --items 40 --edges 300 --seed 2 --quiet -o %s", out), "small output");
    run_ok(gr_test_cli("generate --users 50 --items 40 --edges 300 --seed 2 --quiet -o %s", prev), "its copy");
    pid_t pid = spawn("big.err", "generate --users 100000 --items 50000 --edges 3000000 --seed 1 --quiet -o %s", out);
    /* kill once the temporary holds data (the writer flushes 1 MiB at a time) */
    char tmp[700] = "";
    for (int i = 0; i < 20000 && tmp[0] == '\0'; i++) {
        DIR *dh = opendir(dir);
        struct dirent *e;
        while (dh && (e = readdir(dh)) != NULL) {
            struct stat st;
            char full[700];
            snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
            if (strncmp(e->d_name, "big.tsv.tmp.", 12) == 0 && stat(full, &st) == 0 && st.st_size > 0)
                snprintf(tmp, sizeof tmp, "%s", full);
        }
        if (dh) closedir(dh);
        if (tmp[0] == '\0') sleep_us(500);
    }
    if (tmp[0] == '\0') fail_msg("never saw the writer's temporary");
    kill(pid, SIGKILL);
    assert_int_equal(wait_exit(pid), -SIGKILL);
    assert_same_file(prev, out);
    assert_true(gr_test_file_exists(tmp));
    char pid_part[32];
    snprintf(pid_part, sizeof pid_part, ".tmp.%ld.", (long)pid);
    if (strstr(tmp, pid_part) == NULL) fail_msg("%s does not name the writer's pid %ld", tmp, (long)pid);
    /* a live writer's temporary (this test's pid) is left alone */
    char live[700];
    snprintf(live, sizeof live, "%s.tmp.%ld.AbCdEf", out, (long)getpid());
    gr_test_write_text(live, "being written");
    run_ok(gr_test_cli("generate --users 60 --items 40 --edges 300 --seed 4 --quiet -o %s", out), "next write");
    assert_false(gr_test_file_exists(tmp));
    assert_true(gr_test_file_exists(live));
    unlink(live);
    assert_int_equal(count_temporaries(dir), 0);
    free(out);
    free(prev);
}

/* ---- disk full ------------------------------------------------------------ */

static void expect_enospc(gr_test_run r, const char *name, const char *what)
{
    if (r.exit_code == 0) fail_msg("%s succeeded on a full disk", what);
    if (strstr(r.err, "No space left on device") == NULL || strstr(r.err, name) == NULL)
        fail_msg("%s: unclear error: %s", what, r.err);
    gr_test_run_free(&r);
}

static void test_disk_full_is_a_clear_error(void **state)
{
    (void)state;
    char *full = path("full");
    assert_int_equal(mkdir(full, 0755), 0);
    if (mount("tmpfs", full, "tmpfs", 0, "size=64k") != 0) {
        print_message("skipped: cannot mount a 64 KiB tmpfs (%s); /dev/full only\n", strerror(errno));
    } else {
        static const char *const names[] = {"g.tsv", "g.tsv.gz"};
        for (int k = 0; k < 2; k++) {
            char out[700], prev[700];
            snprintf(out, sizeof out, "%s/%s", full, names[k]);
            snprintf(prev, sizeof prev, "%s/prev-%s", dir, names[k]);
            run_ok(gr_test_cli("generate --users 20 --items 20 --edges 100 --seed 2 --quiet -o %s", out), "small output");
            run_ok(gr_test_cli("generate --users 20 --items 20 --edges 100 --seed 2 --quiet -o %s", prev), "its copy");
            /* gzip level 6 squeezes generated edges ~3x: 200k edges still overflow */
            expect_enospc(gr_test_cli("generate --users 5000 --items 3000 --edges 200000 --seed 1 --quiet -o %s", out),
                          names[k], "a large edge file");
            assert_same_file(prev, out);
            assert_int_equal(count_temporaries(full), 0);
            unlink(out);
        }
        /* the model (500 x 64 floats twice: 256 KB) and a checkpoint */
        char model[700];
        snprintf(model, sizeof model, "%s/m.gnr", full);
        expect_enospc(gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s epochs=2 --quiet -o %s", dir,
                                  dir, settings, model), "m.gnr", "a model file");
        assert_false(gr_test_file_exists(model));
        expect_enospc(gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s epochs=2 checkpoint_every=1 "
                                  "--quiet --checkpoint %s/c.ckpt", dir, dir, settings, full), "c.ckpt", "a checkpoint");
        assert_int_equal(gr_test_count_entries(full), 0);
        if (umount(full) != 0) fail_msg("umount %s: %s", full, strerror(errno));
    }
    expect_enospc(gr_test_cli("generate --users 5000 --items 3000 --edges 200000 --seed 1 --quiet -o /dev/full"),
                  "/dev/full", "/dev/full");
    free(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm_checkpoints_and_resumes),
        cmocka_unit_test(test_sigint_writes_the_checkpoint_path),
        cmocka_unit_test(test_second_signal_stops_at_once),
        cmocka_unit_test(test_kill9_and_resume_matches),
        cmocka_unit_test(test_killed_writer_leaves_previous_output),
        cmocka_unit_test(test_disk_full_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
