/* tern_test.h - helpers for Tern's Criterion tests: locating the reference
 * data in ../shared/data (or $TERN_SHARED_DATA) and skipping, with a reason,
 * when it is absent. Tests run from the project root. */
#ifndef TERN_TEST_H
#define TERN_TEST_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the path of `rel` inside the shared data folder into buf. Returns
 * true if that file or folder exists. */
bool tern_test_data_path(const char *rel, char *buf, size_t size);

/* Declares `var` (a char[1024]) holding the path of `rel`, or skips the test
 * saying which file is missing. */
#define TERN_REQUIRE_DATA(var, rel)                                                        \
    char var[1024];                                                                        \
    do {                                                                                   \
        if (!tern_test_data_path((rel), var, sizeof var)) {                               \
            cr_skip_test("reference data %s not found (looked in ../shared/data or "       \
                         "$TERN_SHARED_DATA): skipping",                                  \
                         (rel));                                                           \
        }                                                                                  \
    } while (0)

/* Reads a whole file for a test; fails the test if it cannot. free() it. */
uint8_t *tern_test_read(const char *path, size_t *len);

#endif
