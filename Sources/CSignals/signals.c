#include "litevl_signals.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t received = 0;

static void note_signal(int sig) {
    if (received != 0) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    received = sig;
}

void litevl_install_signal_handlers(void) {
    received = 0;
    signal(SIGINT, note_signal);
    signal(SIGTERM, note_signal);
    signal(SIGHUP, note_signal);
}

void litevl_reset_signal_handlers(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}

int litevl_pending_signal(void) { return (int)received; }

/// Swift's worker threads block signals, so unblock it on this thread first (raise then delivers it
/// before returning); `_exit(128 + sig)` is the fallback that gives the parent the same status.
void litevl_die_of_signal(int sig) {
    sigset_t set;
    signal(sig, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}
