/* utf8.h - decoding untrusted UTF-8, one sequence at a time. */
#ifndef LW_UTF8_H
#define LW_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at s (n > 0 bytes left) into *cp.  Returns its
 * length, or 0 when it is not well-formed UTF-8 (overlong, surrogate, out
 * of range, cut short); *cp is then untouched. */
size_t lw_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
