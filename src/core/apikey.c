/* apikey.c - API keys (tern/core.h): an id plus a 256-bit random secret,
 * stored only as a keyed BLAKE2b-256 hash (tern/crypto.h), compared in
 * constant time; issue and revoke by an admin, each audited. Argon2id is for
 * passwords people choose; a random 256-bit secret needs no stretching. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/core_impl.h"

typedef struct issue_ctx {
    const char *user_id;
    int64_t expires_ms, now_ms;
    char *token;
} issue_ctx;

static tern_status issue_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                              tern_error *err)
{
    issue_ctx *x = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ADMIN, op, "issue an API key", err);
    if (rc != TERN_OK)
        return rc;
    if (x->expires_ms <= x->now_ms)
        return tern_error_set(err, TERN_E_ARG, "API key: the expiry must be in the future");
    uint8_t secret[32];
    tern_random(secret, sizeof secret);
    tern_api_key k = {.created_ms = x->now_ms, .expires_ms = x->expires_ms};
    snprintf(k.user_id, sizeof k.user_id, "%s", x->user_id ? x->user_id : "");
    tern_store_api_key_hash(c->store, secret, k.secret_hash);
    rc = tern_store_api_key_insert(c->store, &k, err);
    if (rc == TERN_OK) {
        char hex[65];
        tern_hex(secret, sizeof secret, hex);
        snprintf(x->token, TERN_APIKEY_TOKEN_MAX, "%s.%s", k.id, hex);
        sodium_memzero(hex, sizeof hex);
        memcpy(op->object_id, k.id, TERN_ID_MAX);
        snprintf(op->detail, sizeof op->detail, "user=%s", k.user_id);
    }
    sodium_memzero(secret, sizeof secret);
    return rc;
}

tern_status tern_core_apikey_issue(tern_core *c, const tern_actor *who, const char *user_id,
                                   int64_t expires_ms, int64_t now_ms,
                                   char token[TERN_APIKEY_TOKEN_MAX], tern_error *err)
{
    token[0] = 0;
    issue_ctx x = {user_id, expires_ms, now_ms, token};
    core_op op = {.action = "apikey.issue", .object_type = "user"};
    snprintf(op.object_id, sizeof op.object_id, "%s", user_id ? user_id : "");
    tern_status rc = core_run(c, who, &op, issue_body, &x, err);
    if (rc != TERN_OK)
        sodium_memzero(token, TERN_APIKEY_TOKEN_MAX);
    return rc;
}

static tern_status revoke_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    (void)ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ADMIN, op, "revoke an API key", err);
    if (rc != TERN_OK)
        return rc;
    tern_api_key k;
    rc = tern_store_api_key_get(c->store, op->object_id, &k, err);
    if (rc != TERN_OK)
        return rc;
    if (k.revoked)
        rc = tern_error_set(err, TERN_E_STATE, "API key \"%s\" is already revoked", k.id);
    k.revoked = 1;
    if (rc == TERN_OK)
        rc = tern_store_api_key_update(c->store, &k, err);
    tern_api_key_clear(&k);
    return rc;
}

tern_status tern_core_apikey_revoke(tern_core *c, const tern_actor *who, const char *key_id,
                                    int64_t now_ms, tern_error *err)
{
    (void)now_ms;
    core_op op = {.action = "apikey.revoke", .object_type = "api_key"};
    snprintf(op.object_id, sizeof op.object_id, "%s", key_id ? key_id : "");
    return core_run(c, who, &op, revoke_body, NULL, err);
}

/* Splits "<id>.<64 hex>" into id and secret. */
static tern_status parse_token(const char *token, char id[TERN_ID_MAX], uint8_t secret[32],
                               tern_error *err)
{
    const char *dot = token ? strchr(token, '.') : NULL;
    size_t idlen = dot ? (size_t)(dot - token) : 0;
    size_t got = 0;
    if (!dot || idlen == 0 || idlen >= TERN_ID_MAX || strlen(dot + 1) != 64 ||
        sodium_hex2bin(secret, 32, dot + 1, 64, NULL, &got, NULL) != 0 || got != 32)
        return tern_error_set(err, TERN_E_DENIED, "API key: malformed token");
    memcpy(id, token, idlen);
    id[idlen] = 0;
    return tern_store_check_id(id, "API key", err) == TERN_OK
               ? TERN_OK
               : tern_error_set(err, TERN_E_DENIED, "API key: malformed token");
}

static tern_status check_token(tern_core *c, const char *token, int64_t now_ms, tern_user *user,
                               char id[TERN_ID_MAX], tern_error *err)
{
    uint8_t secret[32], hash[TERN_HASH_BYTES];
    tern_status rc = parse_token(token, id, secret, err);
    if (rc != TERN_OK)
        return rc;
    tern_store_api_key_hash(c->store, secret, hash);
    sodium_memzero(secret, sizeof secret);
    tern_api_key k;
    rc = tern_store_api_key_get(c->store, id, &k, err);
    if (rc == TERN_E_NOT_FOUND)
        return tern_error_set(err, TERN_E_DENIED, "API key \"%s\": unknown", id);
    if (rc != TERN_OK)
        return rc;
    if (sodium_memcmp(hash, k.secret_hash, TERN_HASH_BYTES) != 0)
        rc = tern_error_set(err, TERN_E_DENIED, "API key \"%s\": wrong secret", id);
    else if (k.revoked)
        rc = tern_error_set(err, TERN_E_DENIED, "API key \"%s\": revoked", id);
    else if (k.expires_ms <= now_ms)
        rc = tern_error_set(err, TERN_E_DENIED, "API key \"%s\": expired", id);
    if (rc == TERN_OK) {
        rc = tern_store_user_get(c->store, k.user_id, user, err);
        if (rc == TERN_OK && !user->active) {
            tern_user_clear(user);
            rc = tern_error_set(err, TERN_E_DENIED, "API key \"%s\": user \"%s\" is disabled",
                                id, k.user_id);
        }
    }
    tern_api_key_clear(&k);
    return rc;
}

tern_status tern_core_apikey_authenticate(tern_core *c, const char *token, int64_t now_ms,
                                          tern_user *user, tern_error *err)
{
    memset(user, 0, sizeof *user);
    char id[TERN_ID_MAX] = "";
    tern_status rc = check_token(c, token, now_ms, user, id, err);
    if (rc == TERN_OK)
        return TERN_OK;
    core_op op = {.action = "auth.apikey", .object_type = "api_key"};
    snprintf(op.object_id, sizeof op.object_id, "%s", id[0] ? id : "none");
    snprintf(op.detail, sizeof op.detail, "%s", tern_status_name(rc));
    (void)core_audit(c, "anonymous", "none", &op, "authentication", "denied", NULL);
    return rc;
}
