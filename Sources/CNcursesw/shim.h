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
#include <pthread.h>
#include <unistd.h>

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

/// Pushes back what `litevl_get_wch` read, so that the next read returns it again.
static inline int litevl_unget_wch(int is_key, int value) {
    return is_key ? ungetch(value) : unget_wch((wchar_t)value);
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

/// Bracketed paste: the terminal wraps pasted text in ESC[200~ … ESC[201~, which ncurses reports as
/// these key codes (defined with define_key; above every KEY_* code).
static inline int litevl_key_paste_start(void) { return 0x3F0; }
static inline int litevl_key_paste_end(void) { return 0x3F1; }
static inline void litevl_enable_bracketed_paste(void) {
    define_key("\033[200~", litevl_key_paste_start());
    define_key("\033[201~", litevl_key_paste_end());
    fputs("\033[?2004h", stdout);
    fflush(stdout);
}
static inline void litevl_disable_bracketed_paste(void) {
    fputs("\033[?2004l", stdout);
    fflush(stdout);
}
/// 1 when the terminal has an alternate screen (terminfo `smcup`) that endwin leaves; vt100 has none.
static inline int litevl_has_alternate_screen(void) {
    const char *smcup = tigetstr((char *)"smcup");
    return smcup != NULL && smcup != (char *)-1 && smcup[0] != 0;
}
/// Clears the screen now (used on exit when there is no alternate screen to leave).
static inline void litevl_clear_now(void) {
    wclear(stdscr);
    wrefresh(stdscr);
}
/// 1 when the terminal (terminfo `cup`) can move the cursor to any cell; TERM=dumb cannot.
static inline int litevl_can_address_cursor(void) {
    const char *cup = tigetstr((char *)"cup");
    return cup != NULL && cup != (char *)-1;
}
#endif
