/* test_util.c - status names, error messages, the bounded reader, buffers,
 * atomic file writes and the image type. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tern/bytes.h"
#include "tern/image.h"
#include "tern_test.h"

Test(status, every_status_has_a_distinct_name)
{
    for (int i = 0; i < TERN_STATUS_COUNT; i++) {
        cr_assert_str_neq(tern_status_name((tern_status)i), "unknown");
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(tern_status_name((tern_status)i), tern_status_name((tern_status)j));
    }
    cr_assert_str_eq(tern_status_name(TERN_STATUS_COUNT), "unknown");
}

Test(status, prefix_keeps_status_and_adds_context)
{
    tern_error err;
    cr_assert_eq(tern_error_set(&err, TERN_E_FORMAT, "bad tag %d", 7), TERN_E_FORMAT);
    cr_assert_eq(tern_error_prefix(&err, "record %d: ", 4), TERN_E_FORMAT);
    cr_assert_str_eq(err.message, "record 4: bad tag 7");
    cr_assert_eq(tern_error_set(NULL, TERN_E_IO, "ignored"), TERN_E_IO);
}

Test(reader, reads_big_and_little_endian_and_stops_at_the_end)
{
    const uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
    tern_error err;
    tern_reader r;
    tern_reader_init(&r, data, sizeof data, "T", &err);
    uint32_t v32;
    uint8_t v8;
    cr_assert_eq(tern_reader_u32be(&r, &v32), TERN_OK);
    cr_assert_eq(v32, 0x12345678u);
    cr_assert_eq(tern_reader_u32le(&r, &v32), TERN_E_TRUNCATED);
    cr_assert_eq(r.pos, 4, "a failed read must not move");
    cr_assert_str_eq(err.message, "T: truncated at byte offset 4: need 4 bytes, 1 left");
    cr_assert_eq(tern_reader_u8(&r, &v8), TERN_OK);
    cr_assert_eq(v8, 0x9a);
    cr_assert_eq(tern_reader_seek(&r, 0), TERN_OK);
    uint16_t v16;
    cr_assert_eq(tern_reader_u16le(&r, &v16), TERN_OK);
    cr_assert_eq(v16, 0x3412);
    cr_assert_eq(tern_reader_seek(&r, 6), TERN_E_TRUNCATED);
    cr_assert_eq(tern_reader_skip(&r, SIZE_MAX), TERN_E_TRUNCATED);
}

Test(buf, appends_and_takes)
{
    tern_buf b = {0};
    for (int i = 0; i < 1000; i++)
        tern_buf_u16be(&b, (uint16_t)i);
    tern_buf_printf(&b, "end%d", 5);
    cr_assert_eq(tern_buf_status(&b, NULL), TERN_OK);
    size_t len;
    uint8_t *p = tern_buf_take(&b, &len);
    cr_assert_eq(len, 2004);
    cr_assert_eq(p[2 * 999], 999 >> 8);
    cr_assert_eq(p[2 * 999 + 1], 999 & 0xff);
    cr_assert(memcmp(p + 2000, "end5", 4) == 0);
    cr_assert_null(b.data);
    free(p);
}

Test(file, atomic_write_then_read_back_and_size_limit)
{
    char path[] = "/tmp/tern-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    tern_error err;
    cr_assert_eq(tern_file_write(path, "hello", 5, &err), TERN_OK, "%s", err.message);
    uint8_t *data;
    size_t len;
    cr_assert_eq(tern_file_read(path, 100, &data, &len, &err), TERN_OK);
    cr_assert_eq(len, 5);
    cr_assert(memcmp(data, "hello", 5) == 0);
    free(data);
    cr_assert_eq(tern_file_read(path, 4, &data, &len, &err), TERN_E_LIMIT);
    cr_assert_null(data);
    unlink(path);
    cr_assert_eq(tern_file_read(path, 100, &data, &len, &err), TERN_E_NOT_FOUND);
}

Test(image, create_refuses_oversized_and_grey_view_uses_luma)
{
    tern_image *img;
    cr_assert_eq(tern_image_create(TERN_IMAGE_MAX_DIM + 1, 1, 1, &img, NULL), TERN_E_LIMIT);
    cr_assert_eq(tern_image_create(20000, 20000, 1, &img, NULL), TERN_E_LIMIT);
    cr_assert_eq(tern_image_create(4, 2, 2, &img, NULL), TERN_E_ARG);
    cr_assert_eq(tern_image_create(2, 1, 3, &img, NULL), TERN_OK);
    cr_assert_eq(img->ppi_x, 0.0, "resolution starts unknown");
    uint8_t rgb[6] = {255, 0, 0, 255, 255, 255};
    memcpy(img->pixels, rgb, 6);
    img->ppi_x = img->ppi_y = 500;
    tern_image *grey;
    cr_assert_eq(tern_image_to_grey(img, &grey, NULL), TERN_OK);
    cr_assert_eq(grey->channels, 1);
    cr_assert_eq(grey->pixels[0], 76);
    cr_assert_eq(grey->pixels[1], 255);
    cr_assert_eq(grey->ppi_x, 500.0);
    tern_image_free(grey);
    tern_image_free(img);
}

Test(array, reserve_doubles_and_refuses_overflow_unchanged)
{
    int *items = NULL;
    size_t cap = 0, n = 0;
    for (int i = 0; i < 100; i++) {
        cr_assert(tern_array_reserve(&items, &cap, n, sizeof *items, 4));
        items[n++] = i;
    }
    cr_assert_eq(cap, 128, "4 doubled to 128, got %zu", cap);
    cr_assert_eq(items[99], 99);
    cr_assert(tern_array_reserve(&items, &cap, 5, sizeof *items, 4), "room left: no change");
    cr_assert_eq(cap, 128);
    size_t huge = SIZE_MAX / 2 + 1;
    int *before = items;
    cr_assert_not(tern_array_reserve(&items, &huge, huge, sizeof *items, 4));
    cr_assert_eq(items, before);
    cr_assert_eq(huge, SIZE_MAX / 2 + 1);
    free(items);
}
