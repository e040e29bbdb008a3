/* fuzz_key.c - lw_key_parse (a private key file the operator brings).
 *
 * Invariants: an accepted key has a fingerprint, writes back as PKCS#8
 * that reads as the same key. */
#include "config.h"

#include "fuzz.h"
#include "lw/buf.h"
#include "lw/keygen.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    EVP_PKEY *key = NULL, *back = NULL;
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_keyspec spec;
    struct lw_err err;
    char fp[LW_FINGERPRINT_MAX], fp2[LW_FINGERPRINT_MAX];
    enum lw_status st;
    char *in = fuzz_copy(data, size);

    lw_err_clear(&err);
    st = lw_key_parse(in, size, "link.example.com.key", &key, &err);
    fuzz_say("key", st, &err);
    fuzz_check_err(st, &err);
    if (st != LW_OK) {
        FUZZ_ASSERT(key == NULL);
        goto out;
    }
    (void)lw_key_spec_of(key, &spec);
    FUZZ_ASSERT(lw_key_fingerprint(key, fp, &err) == LW_OK);
    if (lw_key_to_pem(key, &pem, &err) != LW_OK)
        goto out; /* a kind OpenSSL cannot write: refused, not a crash */
    FUZZ_ASSERT(lw_key_parse(pem.data, pem.len, "again", &back, &err) ==
                LW_OK);
    FUZZ_ASSERT(lw_key_fingerprint(back, fp2, &err) == LW_OK);
    FUZZ_ASSERT(strcmp(fp, fp2) == 0);
out:
    EVP_PKEY_free(key);
    EVP_PKEY_free(back);
    lw_buf_free_secure(&pem);
    free(in);
    return 0;
}
