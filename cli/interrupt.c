#include "cli/interrupt.h"

#include <signal.h>
#include <string.h>

/* The one global: a signal handler can only talk to the program through a
 * static object of type volatile sig_atomic_t.  It holds the signal number. */
static volatile sig_atomic_t received;

static void on_signal(int sig)
{
    if (received != 0) {
        /* the second signal: stop now, as if no handler were installed
         * (both calls are async-signal-safe) */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    received = sig;
}

void gr_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* reads and writes go on; the loop polls the flag */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int gr_interrupt_signal(void) { return received; }

int gr_interrupt_exit_code(int sig) { return 128 + sig; }
