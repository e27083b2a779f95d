#ifndef LITEVL_SIGNALS_H
#define LITEVL_SIGNALS_H
/// SIGINT/SIGTERM/SIGHUP for the terminal app: the handler only records the signal (async-signal-safe);
/// the app's event loop polls `litevl_pending_signal()` every 20 ms, leaves curses (endwin, outside the
/// handler) and then dies of the signal with `litevl_die_of_signal`. A second signal before that (a loop
/// that does not answer) kills the process at once with the default action.
///
/// The recorded signal lives in signals.c, one variable for the whole program. (It used to be a `static`
/// in a header: an optimised build compiles each Swift file into its own LLVM module, each got its own
/// copy, and the loop polled a copy the handler never wrote.)
void litevl_install_signal_handlers(void);
void litevl_reset_signal_handlers(void);
/// The signal received since the handlers were installed, or 0.
int litevl_pending_signal(void);
/// Ends the process by `sig`'s default action (the exit status a shell shows as 128+sig).
void litevl_die_of_signal(int sig);
#endif
