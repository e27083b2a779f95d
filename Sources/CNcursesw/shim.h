#ifndef LITEVL_NCURSESW_SHIM_H
#define LITEVL_NCURSESW_SHIM_H
// SwiftPM drops -D flags from pkg-config, so the wide-character API is switched on here.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

// Swift 6 refuses C globals (shared mutable state); wrap them.
static inline WINDOW *litevl_stdscr(void) { return stdscr; }
static inline int litevl_lines(void) { return LINES; }
static inline int litevl_cols(void) { return COLS; }
static inline int litevl_colors(void) { return COLORS; }
static inline int litevl_color_pairs(void) { return COLOR_PAIRS; }
static inline int litevl_key_resize(void) { return KEY_RESIZE; }
static inline int litevl_key_mouse(void) { return KEY_MOUSE; }
static inline chtype litevl_color_pair(int n) { return COLOR_PAIR(n); }
static inline attr_t litevl_a_bold(void) { return A_BOLD; }
static inline attr_t litevl_a_reverse(void) { return A_REVERSE; }
static inline attr_t litevl_a_dim(void) { return A_DIM; }
static inline attr_t litevl_a_underline(void) { return A_UNDERLINE; }
static inline int litevl_err(void) { return ERR; }
static inline int litevl_set_locale_all(const char *name) { return setlocale(LC_ALL, name) != NULL; }
static inline const char *litevl_current_ctype(void) { return setlocale(LC_CTYPE, NULL); }
static inline mmask_t litevl_all_mouse_events(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t litevl_button1_pressed(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED; }
/// Draws one wide character with an explicit colour pair at (y, x).
static inline int litevl_put_wch(int y, int x, wchar_t ch, attr_t attrs, short pair) {
    cchar_t cc;
    wchar_t wstr[2] = { ch, 0 };
    setcchar(&cc, wstr, attrs, pair, NULL);
    return mvadd_wch(y, x, &cc);
}
// ---- Additions for TerminalUI (NcursesDriver) ----
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/// Key codes (macros in octal) as functions.
static inline int litevl_key_code_yes(void) { return KEY_CODE_YES; }
static inline int litevl_key_up(void) { return KEY_UP; }
static inline int litevl_key_down(void) { return KEY_DOWN; }
static inline int litevl_key_left(void) { return KEY_LEFT; }
static inline int litevl_key_right(void) { return KEY_RIGHT; }
static inline int litevl_key_home(void) { return KEY_HOME; }
static inline int litevl_key_end(void) { return KEY_END; }
static inline int litevl_key_ppage(void) { return KEY_PPAGE; }
static inline int litevl_key_npage(void) { return KEY_NPAGE; }
static inline int litevl_key_backspace(void) { return KEY_BACKSPACE; }
static inline int litevl_key_dc(void) { return KEY_DC; }
static inline int litevl_key_enter(void) { return KEY_ENTER; }
static inline int litevl_key_btab(void) { return KEY_BTAB; }
static inline int litevl_key_f(int n) { return KEY_F(n); }

/// Reads one key: returns ERR on timeout, else sets *is_key (function key) and *value.
static inline int litevl_get_wch(int *is_key, int *value) {
    wint_t w = 0;
    int r = get_wch(&w);
    *is_key = (r == KEY_CODE_YES);
    *value = (int)w;
    return r;
}

/// Draws one grapheme cluster (spacing char + combining chars, NUL-terminated) with an extended colour pair.
static inline int litevl_put_cell(int y, int x, const wchar_t *wstr, attr_t attrs, int pair) {
    cchar_t cc;
    if (setcchar(&cc, wstr, attrs, 0, &pair) == ERR) return ERR;
    return mvadd_wch(y, x, &cc);
}

/// Latest mouse event (button-1 press/click) position; returns ERR when none.
static inline int litevl_get_mouse(int *x, int *y, int *pressed) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return ERR;
    *x = ev.x; *y = ev.y;
    *pressed = (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED)) != 0;
    return OK;
}
static inline mmask_t litevl_button1_events(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_RELEASED; }

/// newterm on stdout/stdin (stdin/stdout are C globals); term NULL means $TERM. Returns 1 on success.
static inline int litevl_newterm(const char *term) {
    SCREEN *s = newterm(term, stdout, stdin);
    if (s == NULL) return 0;
    set_term(s);
    return 1;
}

/// Restores the terminal on SIGINT/SIGTERM/SIGHUP, then dies of the signal as usual.
static void litevl_restore_on_signal(int sig) {
    endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}
static inline void litevl_install_signal_handlers(void) {
    signal(SIGINT, litevl_restore_on_signal);
    signal(SIGTERM, litevl_restore_on_signal);
    signal(SIGHUP, litevl_restore_on_signal);
}
static inline void litevl_reset_signal_handlers(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}
#endif
