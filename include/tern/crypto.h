/* tern/crypto.h - the few cryptographic operations Tern needs, on libsodium:
 * keys kept outside the data directory, authenticated encryption of rows at
 * rest, hashing, Ed25519 signatures and API-key hashes.
 *
 * - Data key: 256 bits, for XChaCha20-Poly1305 (IETF AEAD construction,
 *   RFC 8439 with the 192-bit nonce of draft-irtf-cfrg-xchacha). Each sealed
 *   value carries its own random nonce; the associated data names the table,
 *   the row id and the column, so that a sealed value copied into another row
 *   or column fails to open.
 * - Node signing key: Ed25519 (RFC 8032), used to sign the audit chain head.
 * - Hash: BLAKE2b-256 (RFC 7693).
 * - API keys: an id plus a 256-bit random secret; only the keyed BLAKE2b hash
 *   of the secret (key derived from the data key) is stored.
 *
 * Key files hold 64 hexadecimal digits (optionally followed by a newline) or
 * 32 raw bytes, must be regular files of mode 0600 or stricter (looser modes
 * are refused), and must not lie inside the data directory, so that a copy
 * of the data directory alone reveals nothing.
 *
 * Thread safety: every function is reentrant; keys are plain values that any
 * number of threads may read.
 */
#ifndef TERN_CRYPTO_H
#define TERN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_KEY_BYTES 32u
#define TERN_HASH_BYTES 32u
#define TERN_SIGN_PK_BYTES 32u
#define TERN_SIGN_BYTES 64u
/* A sealed value is this many bytes longer than its plaintext:
 * 1 version byte + 24-byte nonce + 16-byte tag. */
#define TERN_SEAL_OVERHEAD 41u

/* The data key (encryption at rest). Wipe with tern_key_wipe when done. */
typedef struct tern_key {
    uint8_t bytes[TERN_KEY_BYTES];
} tern_key;

/* The node's Ed25519 signing key pair. */
typedef struct tern_sign_key {
    uint8_t pk[TERN_SIGN_PK_BYTES];
    uint8_t sk[64];
} tern_sign_key;

/* Initialises libsodium; safe to call any number of times from any thread.
 * TERN_E_INTERNAL if the library cannot start. Every function below calls it. */
tern_status tern_crypto_init(tern_error *err);

/* Loads the data key: from the file `path` if path is not NULL, otherwise
 * from the environment variable `env_name` (64 hex digits). If
 * `forbidden_dir` is not NULL, a key file inside it (after resolving
 * symbolic links) is refused with TERN_E_DENIED. Errors: TERN_E_NOT_FOUND
 * (no file, or variable unset), TERN_E_DENIED (mode looser than 0600, not a
 * regular file, inside forbidden_dir), TERN_E_FORMAT (not 32 bytes / 64 hex
 * digits). */
tern_status tern_key_load(const char *path, const char *env_name, const char *forbidden_dir,
                          tern_key *out, tern_error *err);
/* Creates a new key file with a random key, mode 0600; refuses to overwrite
 * (TERN_E_EXISTS). */
tern_status tern_key_file_create(const char *path, tern_error *err);
/* Zeroes a key in a way the compiler cannot elide. */
void tern_key_wipe(void *key, size_t size);

/* Loads the Ed25519 key pair from a key file (its 32-byte seed), with the
 * same rules as tern_key_load. */
tern_status tern_sign_key_load(const char *path, const char *forbidden_dir, tern_sign_key *out,
                               tern_error *err);
/* A new random key pair (for tests and first start; nodes keep theirs in a
 * key file: tern_key_file_create writes a seed that tern_sign_key_load reads). */
void tern_sign_key_generate(tern_sign_key *out);
/* Signs msg: sig receives TERN_SIGN_BYTES bytes. */
void tern_sign(const tern_sign_key *key, const void *msg, size_t len, uint8_t sig[TERN_SIGN_BYTES]);
/* TERN_OK if sig is pk's signature of msg, TERN_E_DENIED otherwise. */
tern_status tern_sign_verify(const uint8_t pk[TERN_SIGN_PK_BYTES], const void *msg, size_t len,
                             const uint8_t sig[TERN_SIGN_BYTES], tern_error *err);

/* Encrypts len bytes of plaintext `pt` under key with associated data `ad`
 * (not secret, not stored, must be given again to open). *out receives a
 * malloc'd buffer of len + TERN_SEAL_OVERHEAD bytes (free() it).
 * TERN_E_NOMEM or TERN_E_LIMIT (len too large). */
tern_status tern_seal(const tern_key *key, const void *ad, size_t ad_len, const void *pt,
                      size_t len, uint8_t **out, size_t *out_len, tern_error *err);
/* Decrypts and authenticates a sealed value. *out receives a malloc'd buffer
 * (free() it; one spare NUL byte follows the plaintext so text can be used
 * as a C string). TERN_E_FORMAT if the value is too short or of an unknown
 * version, TERN_E_DENIED if authentication fails (wrong key, wrong associated
 * data, or altered bytes). */
tern_status tern_unseal(const tern_key *key, const void *ad, size_t ad_len, const uint8_t *sealed,
                        size_t len, uint8_t **out, size_t *out_len, tern_error *err);

/* Incremental BLAKE2b-256. */
typedef struct tern_hash {
    uint8_t state[384]; /* crypto_generichash_state, aligned below */
} __attribute__((aligned(64))) tern_hash;
void tern_hash_init(tern_hash *h);
void tern_hash_update(tern_hash *h, const void *data, size_t len);
void tern_hash_final(tern_hash *h, uint8_t out[TERN_HASH_BYTES]);

/* The stored form of an API key's secret: keyed BLAKE2b-256 with a subkey
 * derived from the data key (crypto_kdf, context "ternapik"). */
void tern_apikey_hash(const tern_key *data_key, const uint8_t secret[32],
                      uint8_t out[TERN_HASH_BYTES]);

/* Fills buf with n cryptographically random bytes. */
void tern_random(void *buf, size_t n);

/* Writes the lower-case hex form of n bytes into out (2n + 1 bytes). */
void tern_hex(const uint8_t *bytes, size_t n, char *out);

#ifdef __cplusplus
}
#endif
#endif
