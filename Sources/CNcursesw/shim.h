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
#endif
