/* testpki.c - in-memory test PKI and temp-file helpers (see testpki.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "testpki.h"

#define MAX_LIST 64

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
    va_list ap;

    fputs("testpki: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ERR_print_errors_fp(stderr);
    abort();
}

EVP_PKEY *
tp_key_rsa(unsigned bits)
{
    EVP_PKEY *k = EVP_RSA_gen(bits);

    if (k == NULL)
        die("RSA %u key generation failed", bits);
    return k;
}

EVP_PKEY *
tp_key_ec(const char *curve)
{
    EVP_PKEY *k = EVP_EC_gen(curve);

    if (k == NULL)
        die("EC %s key generation failed", curve);
    return k;
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    /* Fixed, trusted strings only: test code. */
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL || !X509_add_ext(x, ext, -1))
        die("extension %s = %s", OBJ_nid2sn(nid), value);
    X509_EXTENSION_free(ext);
}

/* SAN from raw names, so tests can put anything in one. */
static void
add_sans(X509 *x, const char *const *sans)
{
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();

    for (; *sans != NULL; sans++) {
        GENERAL_NAME *gn = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();

        if (gn == NULL || s == NULL ||
            !ASN1_STRING_set(s, *sans, (int)strlen(*sans)))
            die("SAN %s", *sans);
        GENERAL_NAME_set0_value(gn, GEN_DNS, s);
        sk_GENERAL_NAME_push(names, gn);
    }
    if (!X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0,
                           X509V3_ADD_DEFAULT))
        die("adding the SAN");
    GENERAL_NAMES_free(names);
}

X509 *
tp_cert(const struct tp_cert_spec *spec, EVP_PKEY *key, X509 *issuer,
        EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char serial[16];
    BIGNUM *bn;

    if (x == NULL || name == NULL || !X509_set_version(x, X509_VERSION_3))
        die("X509_new");
    if (RAND_bytes(serial, sizeof(serial)) != 1)
        die("RAND_bytes");
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        die("serial");
    BN_free(bn);
    if (spec->cn != NULL &&
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)spec->cn, -1, -1, 0))
        die("CN %s", spec->cn);
    if (!X509_set_subject_name(x, name) ||
        !X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
                                                : name) ||
        !X509_set_pubkey(x, key) ||
        X509_time_adj_ex(X509_getm_notBefore(x), (int)-spec->days_before, 0,
                         NULL) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), (int)spec->days_after, 0,
                         NULL) == NULL)
        die("certificate fields");
    X509_NAME_free(name);
    add_ext(x, issuer != NULL ? issuer : x, NID_subject_key_identifier, "hash");
    add_ext(x, issuer != NULL ? issuer : x, NID_authority_key_identifier,
            "keyid:always");
    if (spec->ca) {
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer, NID_key_usage,
                "critical,digitalSignature,keyEncipherment");
        add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
    }
    if (spec->sans != NULL)
        add_sans(x, spec->sans);
    if (X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) <= 0)
        die("signing %s", spec->cn != NULL ? spec->cn : "(no CN)");
    return x;
}

X509 *
tp_root(const char *cn, EVP_PKEY *key)
{
    struct tp_cert_spec s = {cn, NULL, 30, 3650, true};

    return tp_cert(&s, key, NULL, NULL);
}

X509 *
tp_inter(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    struct tp_cert_spec s = {cn, NULL, 30, 1825, true};

    return tp_cert(&s, key, issuer, issuer_key);
}

X509 *
tp_leaf(const char *name, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    const char *sans[] = {name, NULL};
    struct tp_cert_spec s = {name, sans, 1, 90, false};

    return tp_cert(&s, key, issuer, issuer_key);
}

void
tp_pki_make(struct tp_pki *pki, const char *domain, EVP_PKEY *leaf_key)
{
    memset(pki, 0, sizeof(*pki));
    pki->root_key = tp_key_ec("P-256");
    pki->inter_key = tp_key_ec("P-256");
    if (leaf_key != NULL) {
        if (!EVP_PKEY_up_ref(leaf_key))
            die("EVP_PKEY_up_ref");
        pki->leaf_key = leaf_key;
    } else {
        pki->leaf_key = tp_key_ec("P-256");
    }
    pki->root = tp_root("Test Root CA", pki->root_key);
    pki->inter = tp_inter("Test Intermediate CA", pki->inter_key, pki->root,
                          pki->root_key);
    pki->leaf = tp_leaf(domain, pki->leaf_key, pki->inter, pki->inter_key);
}

void
tp_pki_free(struct tp_pki *pki)
{
    X509_free(pki->root);
    X509_free(pki->inter);
    X509_free(pki->leaf);
    EVP_PKEY_free(pki->root_key);
    EVP_PKEY_free(pki->inter_key);
    EVP_PKEY_free(pki->leaf_key);
    memset(pki, 0, sizeof(*pki));
}

static void
append_bio(struct lw_buf *out, BIO *bio)
{
    char *p;
    long n = BIO_get_mem_data(bio, &p);

    if (n > 0)
        lw_buf_append(out, p, (size_t)n);
    if (!lw_buf_ok(out))
        die("out of memory");
}

static void
certs_v(struct lw_buf *out, enum tp_format fmt, va_list ap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    STACK_OF(X509) *list = sk_X509_new_null();
    X509 *x;

    if (bio == NULL || list == NULL)
        die("out of memory");
    while ((x = va_arg(ap, X509 *)) != NULL)
        sk_X509_push(list, x);
    if (fmt == TP_PEM || fmt == TP_DER) {
        for (int i = 0; i < sk_X509_num(list); i++) {
            x = sk_X509_value(list, i);
            if (!(fmt == TP_PEM ? PEM_write_bio_X509(bio, x)
                                : i2d_X509_bio(bio, x)))
                die("writing a certificate");
        }
    } else {
        PKCS7 *p7 = PKCS7_new();

        /* A "certs-only" SignedData, as CAs send .p7b files. */
        if (p7 == NULL || !PKCS7_set_type(p7, NID_pkcs7_signed) ||
            !PKCS7_content_new(p7, NID_pkcs7_data))
            die("PKCS7");
        for (int i = 0; i < sk_X509_num(list); i++)
            if (!PKCS7_add_certificate(p7, sk_X509_value(list, i)))
                die("PKCS7_add_certificate");
        if (!(fmt == TP_P7_PEM ? PEM_write_bio_PKCS7(bio, p7)
                               : i2d_PKCS7_bio(bio, p7)))
            die("writing PKCS7");
        PKCS7_free(p7);
    }
    append_bio(out, bio);
    sk_X509_free(list);
    BIO_free(bio);
}

void
tp_certs(struct lw_buf *out, enum tp_format fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    certs_v(out, fmt, ap);
    va_end(ap);
}

void
tp_key_pem(struct lw_buf *out, EVP_PKEY *key, enum tp_key_format fmt,
           const char *password)
{
    const EVP_CIPHER *aes = EVP_aes_256_cbc();
    unsigned char *pw = (unsigned char *)password;
    int pwlen = password != NULL ? (int)strlen(password) : 0;
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = 0;

    if (bio == NULL)
        die("out of memory");
    switch (fmt) {
    case TP_KEY_PKCS8:
        ok = PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    case TP_KEY_PKCS8_ENC:
        ok = PEM_write_bio_PKCS8PrivateKey(bio, key, aes, (char *)password,
                                           pwlen, NULL, NULL);
        break;
    case TP_KEY_TRAD:
        ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL,
                                                  NULL);
        break;
    case TP_KEY_TRAD_ENC:
        ok = PEM_write_bio_PrivateKey_traditional(bio, key, aes, pw, pwlen,
                                                  NULL, NULL);
        break;
    case TP_KEY_DER:
        ok = i2d_PKCS8PrivateKey_bio(bio, key, NULL, NULL, 0, NULL, NULL);
        break;
    }
    if (!ok)
        die("writing a key");
    append_bio(out, bio);
    BIO_free(bio);
}

void
tp_p12(struct lw_buf *out, EVP_PKEY *key, X509 *cert, const char *password, ...)
{
    STACK_OF(X509) *ca = sk_X509_new_null();
    BIO *bio = BIO_new(BIO_s_mem());
    PKCS12 *p12;
    va_list ap;
    X509 *x;

    if (ca == NULL || bio == NULL)
        die("out of memory");
    va_start(ap, password);
    while ((x = va_arg(ap, X509 *)) != NULL)
        sk_X509_push(ca, x);
    va_end(ap);
    p12 = PKCS12_create(password, "test", key, cert, ca, 0, 0, 0, 0, 0);
    if (p12 == NULL || !i2d_PKCS12_bio(bio, p12))
        die("PKCS12_create");
    append_bio(out, bio);
    PKCS12_free(p12);
    sk_X509_free(ca);
    BIO_free(bio);
}

char *
tp_tmpdir(void)
{
    char *dir = strdup("/tmp/lw-test-XXXXXX");

    if (dir == NULL || mkdtemp(dir) == NULL)
        die("mkdtemp: %s", strerror(errno));
    return dir;
}

char *
tp_write_file_mode(const char *dir, const char *name, const void *data,
                   size_t len, unsigned mode)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    int fd;

    if (path == NULL)
        die("out of memory");
    snprintf(path, n, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len) ||
        fchmod(fd, (mode_t)mode) != 0 || close(fd) != 0)
        die("writing %s: %s", path, strerror(errno));
    return path;
}

char *
tp_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    return tp_write_file_mode(dir, name, data, len, 0644);
}

char *
tp_write_certs(const char *dir, const char *name, enum tp_format fmt, ...)
{
    struct lw_buf b = LW_BUF_INIT;
    va_list ap;
    char *path;

    va_start(ap, fmt);
    certs_v(&b, fmt, ap);
    va_end(ap);
    path = tp_write_file(dir, name, b.data, b.len);
    lw_buf_free(&b);
    return path;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        fprintf(stderr, "testpki: cannot remove %s: %s\n", path,
                strerror(errno));
    return 0;
}

void
tp_rmtree(char *dir)
{
    if (dir == NULL)
        return;
    /* Refuse anything that is not one of ours. */
    if (strncmp(dir, "/tmp/", 5) != 0 || strstr(dir, "..") != NULL)
        die("tp_rmtree refuses %s", dir);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

bool
tp_contains(const char *haystack, const char *needle)
{
    if (haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL)
        return true;
    fprintf(stderr, "# expected \"%s\" in \"%s\"\n", needle ? needle : "",
            haystack ? haystack : "(null)");
    return false;
}
