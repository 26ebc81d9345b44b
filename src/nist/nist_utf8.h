/* nist_utf8.h - character encoding checks of ANSI/NIST-ITL text (1.015). */
#ifndef TERN_NIST_UTF8_H
#define TERN_NIST_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/nist.h"

/* Returns the offset of the first byte that breaks UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) in s[0..len), or
 * len if s is valid. */
size_t nist_utf8_invalid_at(const uint8_t *s, size_t len);
/* If 1.015 (DCS) declares UTF-8 (code 3), checks that every text field of
 * every record is valid UTF-8; the error names record, field and offset. */
tern_status nist_check_encoding(const tern_nist *t, tern_error *err);

#endif
