/* crypto.c - key files, sealing at rest, hashing, signatures (tern/crypto.h).
 *
 * Sealed value layout: version byte 1 | 24-byte random nonce | ciphertext |
 * 16-byte Poly1305 tag, from crypto_aead_xchacha20poly1305_ietf_encrypt
 * (XChaCha20-Poly1305, draft-irtf-cfrg-xchacha section 2 over RFC 8439).
 * Key files: 64 hex digits or 32 raw bytes, mode 0600 at most, never inside
 * the data directory (checked on resolved paths).
 */
#include "tern/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((tern_hash *)0)->state),
               "tern_hash too small for crypto_generichash_state");

#define SEAL_VERSION 1u
#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_MAX ((size_t)1 << 30) /* 1 GiB: far above any sample */

/* sodium_init is idempotent and thread-safe; a failure here cannot be
 * reported by a void function, and every key-taking path has already called
 * tern_crypto_init, which reports it. */
static void ensure_init(void)
{
    if (sodium_init() < 0)
        return;
}

tern_status tern_crypto_init(tern_error *err)
{
    if (sodium_init() < 0)
        return tern_error_set(err, TERN_E_INTERNAL, "libsodium failed to initialise");
    return TERN_OK;
}

void tern_key_wipe(void *key, size_t size) { sodium_memzero(key, size); }

void tern_random(void *buf, size_t n)
{
    ensure_init();
    randombytes_buf(buf, n);
}

void tern_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Parses 32 raw bytes or 64 hex digits (optionally followed by "\n"). */
static tern_status parse_key_text(const uint8_t *text, size_t len, uint8_t out[32],
                                  const char *where, tern_error *err)
{
    if (len == 32) {
        memcpy(out, text, 32);
        return TERN_OK;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    size_t got = 0;
    if (len != 64 || sodium_hex2bin(out, 32, (const char *)text, len, NULL, &got, NULL) != 0 ||
        got != 32)
        return tern_error_set(err, TERN_E_FORMAT,
                              "%s: a key is 64 hexadecimal digits or 32 raw bytes", where);
    return TERN_OK;
}

/* True if path (resolved) lies inside dir (resolved). */
static int path_inside(const char *path, const char *dir)
{
    char rp[PATH_MAX], rd[PATH_MAX];
    if (!realpath(path, rp) || !realpath(dir, rd))
        return 0;
    size_t n = strlen(rd);
    if (n == 1 && rd[0] == '/')
        return 1;
    return strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

static tern_status read_key_file(const char *path, const char *forbidden_dir, uint8_t out[32],
                                 tern_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return tern_error_set(err, errno == ENOENT ? TERN_E_NOT_FOUND : TERN_E_DENIED,
                              "key file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tern_error_set(err, TERN_E_DENIED, "key file %s: not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return tern_error_set(err, TERN_E_DENIED,
                              "key file %s: mode %04o is too open; it must be 0600 or stricter",
                              path, (unsigned)(st.st_mode & 07777));
    }
    if (forbidden_dir && path_inside(path, forbidden_dir)) {
        close(fd);
        return tern_error_set(err, TERN_E_DENIED,
                              "key file %s: lies inside the data directory %s; keep keys apart "
                              "from the data they protect",
                              path, forbidden_dir);
    }
    uint8_t buf[80];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0)
        return tern_error_set(err, TERN_E_IO, "key file %s: %s", path, strerror(errno));
    tern_status s = parse_key_text(buf, (size_t)n, out, path, err);
    sodium_memzero(buf, sizeof buf);
    return s;
}

tern_status tern_key_load(const char *path, const char *env_name, const char *forbidden_dir,
                          tern_key *out, tern_error *err)
{
    tern_status s = tern_crypto_init(err);
    if (s != TERN_OK)
        return s;
    if (path)
        return read_key_file(path, forbidden_dir, out->bytes, err);
    if (!env_name)
        return tern_error_set(err, TERN_E_ARG, "data key: neither a key file nor a variable named");
    const char *v = getenv(env_name);
    if (!v || !*v)
        return tern_error_set(err, TERN_E_NOT_FOUND, "data key: environment variable %s is unset",
                              env_name);
    return parse_key_text((const uint8_t *)v, strlen(v), out->bytes, env_name, err);
}

tern_status tern_key_file_create(const char *path, tern_error *err)
{
    tern_status s = tern_crypto_init(err);
    if (s != TERN_OK)
        return s;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return tern_error_set(err, errno == EEXIST ? TERN_E_EXISTS : TERN_E_IO, "key file %s: %s",
                              path, strerror(errno));
    uint8_t key[32];
    char hex[66];
    randombytes_buf(key, sizeof key);
    tern_hex(key, sizeof key, hex);
    hex[64] = '\n';
    ssize_t n = write(fd, hex, 65);
    int ok = n == 65 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(key, sizeof key);
    sodium_memzero(hex, sizeof hex);
    if (!ok) {
        unlink(path);
        return tern_error_set(err, TERN_E_IO, "key file %s: write failed", path);
    }
    return TERN_OK;
}

tern_status tern_sign_key_load(const char *path, const char *forbidden_dir, tern_sign_key *out,
                               tern_error *err)
{
    tern_status s = tern_crypto_init(err);
    if (s != TERN_OK)
        return s;
    uint8_t seed[32];
    s = read_key_file(path, forbidden_dir, seed, err);
    if (s == TERN_OK)
        crypto_sign_seed_keypair(out->pk, out->sk, seed);
    sodium_memzero(seed, sizeof seed);
    return s;
}

void tern_sign_key_generate(tern_sign_key *out)
{
    ensure_init();
    crypto_sign_keypair(out->pk, out->sk);
}

void tern_sign(const tern_sign_key *key, const void *msg, size_t len, uint8_t sig[TERN_SIGN_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, len, key->sk);
}

tern_status tern_sign_verify(const uint8_t pk[TERN_SIGN_PK_BYTES], const void *msg, size_t len,
                             const uint8_t sig[TERN_SIGN_BYTES], tern_error *err)
{
    ensure_init();
    if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
        return tern_error_set(err, TERN_E_DENIED, "Ed25519 signature does not verify");
    return TERN_OK;
}

tern_status tern_seal(const tern_key *key, const void *ad, size_t ad_len, const void *pt,
                      size_t len, uint8_t **out, size_t *out_len, tern_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (len > SEAL_MAX)
        return tern_error_set(err, TERN_E_LIMIT, "seal: %zu bytes is over the limit of %zu", len,
                              SEAL_MAX);
    size_t total = 1 + SEAL_NONCE + len + SEAL_TAG;
    uint8_t *buf = malloc(total);
    if (!buf)
        return tern_error_set(err, TERN_E_NOMEM, "seal: cannot allocate %zu bytes", total);
    buf[0] = SEAL_VERSION;
    tern_random(buf + 1, SEAL_NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + 1 + SEAL_NONCE, &clen, pt, len, ad, ad_len,
                                               NULL, buf + 1, key->bytes);
    *out = buf;
    *out_len = total;
    return TERN_OK;
}

tern_status tern_unseal(const tern_key *key, const void *ad, size_t ad_len, const uint8_t *sealed,
                        size_t len, uint8_t **out, size_t *out_len, tern_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (len < 1 + SEAL_NONCE + SEAL_TAG)
        return tern_error_set(err, TERN_E_FORMAT, "sealed value of %zu bytes is too short", len);
    if (sealed[0] != SEAL_VERSION)
        return tern_error_set(err, TERN_E_FORMAT, "sealed value has unknown version %u",
                              sealed[0]);
    size_t plen = len - (1 + SEAL_NONCE + SEAL_TAG);
    uint8_t *buf = malloc(plen + 1);
    if (!buf)
        return tern_error_set(err, TERN_E_NOMEM, "unseal: cannot allocate %zu bytes", plen + 1);
    unsigned long long got = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(buf, &got, NULL, sealed + 1 + SEAL_NONCE,
                                                   len - 1 - SEAL_NONCE, ad, ad_len, sealed + 1,
                                                   key->bytes) != 0) {
        free(buf);
        return tern_error_set(err, TERN_E_DENIED,
                              "sealed value fails authentication (wrong key, moved, or altered)");
    }
    buf[plen] = 0;
    *out = buf;
    *out_len = plen;
    return TERN_OK;
}

void tern_hash_init(tern_hash *h)
{
    ensure_init();
    crypto_generichash_init((crypto_generichash_state *)h->state, NULL, 0, TERN_HASH_BYTES);
}

void tern_hash_update(tern_hash *h, const void *data, size_t len)
{
    crypto_generichash_update((crypto_generichash_state *)h->state, data, len);
}

void tern_hash_final(tern_hash *h, uint8_t out[TERN_HASH_BYTES])
{
    crypto_generichash_final((crypto_generichash_state *)h->state, out, TERN_HASH_BYTES);
}

void tern_apikey_hash(const tern_key *data_key, const uint8_t secret[32],
                      uint8_t out[TERN_HASH_BYTES])
{
    ensure_init();
    uint8_t sub[32];
    crypto_kdf_derive_from_key(sub, sizeof sub, 1, "ternapik", data_key->bytes);
    crypto_generichash(out, TERN_HASH_BYTES, secret, 32, sub, sizeof sub);
    sodium_memzero(sub, sizeof sub);
}
