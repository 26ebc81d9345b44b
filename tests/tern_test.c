/* tern_test.c - shared helpers for the tests (see tern_test.h). */
#include "tern_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tern/bytes.h"

bool tern_test_data_path(const char *rel, char *buf, size_t size)
{
    const char *root = getenv("TERN_SHARED_DATA");
    if (!root || !*root)
        root = "../shared/data";
    snprintf(buf, size, "%s/%s", root, rel);
    struct stat st;
    return stat(buf, &st) == 0;
}

uint8_t *tern_test_read(const char *path, size_t *len)
{
    uint8_t *data = NULL;
    tern_error err;
    tern_status s = tern_file_read(path, 1u << 30, &data, len, &err);
    cr_assert_eq(s, TERN_OK, "reading %s: %s", path, err.message);
    return data;
}
