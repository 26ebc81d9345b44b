/* file.c - whole-file reads bounded by a size limit, and atomic writes
 * (temporary file, fsync, rename, fsync of the directory). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tern/bytes.h"

tern_status tern_file_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                           tern_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tern_error_set(err, errno == ENOENT ? TERN_E_NOT_FOUND : TERN_E_IO, "%s: %s", path,
                              strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tern_error_set(err, TERN_E_IO, "%s: not a regular file", path);
    }
    if ((uintmax_t)st.st_size > max_bytes) {
        close(fd);
        return tern_error_set(err, TERN_E_LIMIT, "%s: %jd bytes is over the limit of %zu bytes",
                              path, (intmax_t)st.st_size, max_bytes);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return tern_error_set(err, TERN_E_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            free(buf);
            close(fd);
            return tern_error_set(err, TERN_E_IO, "%s: read failed at byte %zu: %s", path, got,
                                  n == 0 ? "file shrank while reading" : strerror(e));
        }
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *len = size;
    return TERN_OK;
}

static tern_status sync_dir_of(const char *path, tern_error *err)
{
    char *copy = strdup(path);
    if (!copy)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory");
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dfd < 0)
        return TERN_OK; /* nothing to sync on filesystems that refuse it */
    fsync(dfd);
    close(dfd);
    return TERN_OK;
}

tern_status tern_file_write(const char *path, const void *data, size_t len, tern_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        tern_status s = tern_error_set(err, TERN_E_IO, "%s: cannot create temporary file: %s",
                                       path, strerror(errno));
        free(tmp);
        return s;
    }
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        done += (size_t)n;
    }
    int e = errno;
    if (done < len || fsync(fd) != 0 || close(fd) != 0) {
        if (done == len)
            e = errno;
        unlink(tmp);
        free(tmp);
        return tern_error_set(err, TERN_E_IO, "%s: write failed: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        free(tmp);
        return tern_error_set(err, TERN_E_IO, "%s: rename failed: %s", path, strerror(e));
    }
    free(tmp);
    return sync_dir_of(path, err);
}
