/* keygen.h - private keys: the kinds linkwiz offers, generation, PEM I/O,
 * fingerprints (OpenSSL 3 EVP).  Key material in memory is cleansed. */
#ifndef LW_KEYGEN_H
#define LW_KEYGEN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "lw/buf.h"
#include "lw/status.h"

enum lw_key_type { LW_KEY_RSA, LW_KEY_EC };

struct lw_keyspec {
    enum lw_key_type type;
    unsigned bits; /* RSA: 2048, 3072 or 4096; EC: 256 (P-256), 384 (P-384) */
};

#define LW_KEYSPEC_DEFAULT {LW_KEY_RSA, 2048}

/* Parse the answers file's form: type "rsa" with bits 2048|3072|4096, or
 * "ec" with curve "p256"|"p384" (bits ignored).  Error names what is
 * accepted. */
enum lw_status lw_keyspec_parse(const char *type, unsigned long bits,
                                const char *curve, struct lw_keyspec *out,
                                struct lw_err *err);
/* "RSA 2048", "EC P-256" (not translated: names of algorithms). */
const char *lw_keyspec_name(const struct lw_keyspec *spec);
/* Answers/state form: "rsa"/"ec" and "2048"/"p256". */
const char *lw_keyspec_type_word(const struct lw_keyspec *spec);
const char *lw_keyspec_size_word(const struct lw_keyspec *spec);

/* Progress of a long generation: called from inside OpenSSL (RSA prime
 * search); return false to cancel.  May be NULL. */
typedef bool (*lw_keygen_progress_fn)(void *ud, int phase, int count);

/* Generate a new key.  *out owned by the caller (EVP_PKEY_free). */
enum lw_status lw_keygen_generate(const struct lw_keyspec *spec,
                                  lw_keygen_progress_fn progress, void *ud,
                                  EVP_PKEY **out, struct lw_err *err);

/* Read an unencrypted private key (PEM: PKCS#8 or traditional).  An
 * encrypted key is refused with the openssl command that decrypts it. */
enum lw_status lw_key_parse(const void *data, size_t len, const char *name,
                            EVP_PKEY **out, struct lw_err *err);
/* Unencrypted PKCS#8 PEM into out (use lw_buf_free_secure on it). */
enum lw_status lw_key_to_pem(EVP_PKEY *key, struct lw_buf *out,
                             struct lw_err *err);
/* The spec the key has (RSA of any size, EC P-256/P-384); false for other
 * kinds. */
bool lw_key_spec_of(EVP_PKEY *key, struct lw_keyspec *out);
/* SHA-256 of the DER SubjectPublicKeyInfo, "AB:CD:..." (96 bytes with the
 * NUL).  Works for a private key and for a certificate's public key. */
#define LW_FINGERPRINT_MAX 96
enum lw_status lw_key_fingerprint(EVP_PKEY *key,
                                  char out[LW_FINGERPRINT_MAX],
                                  struct lw_err *err);

#endif
