/* fuzz_cert.c - certificate import: lw_cert_parse on any bytes, then
 * lw_cert_import with a fixed key, domain and trust anchor.
 *
 * The first input byte picks what import is asked to check (bit 0: the
 * key, bit 1: the domain and the test root as a trust anchor); the rest is
 * the file.  Every certificate read is also described, fingerprinted and
 * matched, since those show untrusted text to people.
 *
 * The key and root below are test material made for this target only
 * (tests/fuzz/README says how); the seeds hold a chain for them. */
#include "config.h"

#include <unistd.h>

#include "fuzz.h"
#include "lw/buf.h"
#include "lw/cert.h"
#include "lw/keygen.h"

#include <openssl/pem.h>

/* 2030-01-01T00:00:00Z: inside the seed chain's validity. */
#define NOW ((time_t)1893456000)

static const char key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQga0lACdVLxL0mAW7C\n"
    "/2aQDr/HMZPnrWcjUgnzJdx0ykqhRANCAAQOtj5pcCilekMYxLO3047SiuAChsOD\n"
    "MPD08zLCyUkiLbGfp+sfmTwcFV/xD8g5vtD9Vt/9y9nry0qZeEUVYF5b\n"
    "-----END PRIVATE KEY-----\n";

static const char root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBeTCCASCgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlGdXp6IFJv\n"
    "b3QwHhcNMjYxMjAzMTU0MDMwWhcNNDYxMTI4MTU0MDMwWjAUMRIwEAYDVQQDDAlG\n"
    "dXp6IFJvb3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS+3gLcP1CBLRdazBLA\n"
    "PT5J56uH+Yv20li0FrpxPU6hRQ6M3QXXdj1uvIJMihZLAn9j4myD5P+k8X6TK5l7\n"
    "bZ7Ho2MwYTAdBgNVHQ4EFgQUgfCHezV3JFhWEFZ3LAp06Xip/vowHwYDVR0jBBgw\n"
    "FoAUgfCHezV3JFhWEFZ3LAp06Xip/vowDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B\n"
    "Af8EBAMCAQYwCgYIKoZIzj0EAwIDRwAwRAIgPEw5RfZ5A+w6P2LvKTC1XXl+Y2yP\n"
    "Q+Lr/fntD8HstYECIF4WSIhdBcva1y+BTQkmMMcwnu9gc7NbS7ivuYMRkYRe\n"
    "-----END CERTIFICATE-----\n";

static EVP_PKEY *key;
static char ca_file[] = "/tmp/lw-fuzz-root-XXXXXX";

static void
remove_ca(void)
{
    unlink(ca_file);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct lw_err err;
    int fd;

    (void)argc;
    (void)argv;
    /* Each import loads the system trust store: ~150 certificates parsed
     * under ASan per input would make this target a hundred times slower.
     * Only the test root (ca_file) is a trust anchor here. */
    setenv("SSL_CERT_FILE", "/nonexistent/lw-fuzz.pem", 1);
    setenv("SSL_CERT_DIR", "/nonexistent/lw-fuzz", 1);
    if (lw_key_parse(key_pem, sizeof(key_pem) - 1, "fuzz key", &key, &err) !=
        LW_OK) {
        fprintf(stderr, "fuzz key: %s\n", err.msg);
        abort();
    }
    fd = mkstemp(ca_file);
    if (fd < 0 ||
        write(fd, root_pem, sizeof(root_pem) - 1) !=
            (ssize_t)(sizeof(root_pem) - 1) ||
        close(fd) != 0)
        abort();
    atexit(remove_ca);
    return 0;
}

static void
look_at(X509 *x)
{
    struct lw_buf b = LW_BUF_INIT;
    char fp[96];
    time_t nb, na;

    lw_cert_describe(x, &b);
    FUZZ_ASSERT(lw_buf_ok(&b));
    if (b.data != NULL)
        fuzz_check_shown(b.data);
    lw_buf_reset(&b);
    lw_cert_names(x, &b);
    FUZZ_ASSERT(lw_buf_ok(&b));
    if (b.data != NULL)
        fuzz_check_shown(b.data);
    lw_cert_fingerprint(x, fp);
    FUZZ_ASSERT(strlen(fp) == 95);
    (void)lw_cert_times(x, &nb, &na);
    (void)lw_cert_covers(x, "link.example.com");
    (void)lw_cert_covers(x, "a.example.org");
    lw_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *certs = NULL;
    struct lw_chain chain;
    struct lw_cert_expect ex = {0};
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_err err;
    enum lw_status st;
    unsigned mode;
    char *in;

    if (size < 1)
        return 0;
    mode = data[0];
    in = fuzz_copy(data + 1, size - 1);
    size--;

    lw_err_clear(&err);
    st = lw_cert_parse(in, size, "chain.pem", &certs, &err);
    fuzz_say("parse", st, &err);
    fuzz_check_err(st, &err);
    if (st == LW_OK) {
        FUZZ_ASSERT(certs != NULL && sk_X509_num(certs) > 0);
        for (int i = 0; i < sk_X509_num(certs); i++)
            look_at(sk_X509_value(certs, i));
    }
    sk_X509_pop_free(certs, X509_free);

    ex.now = NOW;
    ex.key_name = "link.example.com.key";
    if (mode & 1)
        ex.key = key;
    if (mode & 2) {
        ex.domain = "link.example.com";
        ex.ca_file = ca_file;
    }
    lw_err_clear(&err);
    st = lw_cert_import(in, size, "chain.pem", (mode & 3) ? &ex : NULL,
                        &chain, &err);
    fuzz_say("import", st, &err);
    fuzz_check_err(st, &err);
    if (st == LW_OK) {
        FUZZ_ASSERT(chain.certs != NULL && sk_X509_num(chain.certs) > 0);
        FUZZ_ASSERT(chain.not_before <= chain.not_after);
        if (mode & 2)
            FUZZ_ASSERT(lw_cert_covers(sk_X509_value(chain.certs, 0),
                                       "link.example.com"));
        FUZZ_ASSERT(lw_chain_to_pem(&chain, &pem, &err) == LW_OK);
        lw_chain_free(&chain);
        /* What is written is read back as the same chain. */
        FUZZ_ASSERT(lw_cert_parse(pem.data, pem.len, "chain.pem", &certs,
                                  &err) == LW_OK);
        sk_X509_pop_free(certs, X509_free);
    }
    lw_buf_free(&pem);
    free(in);
    return 0;
}
