/* keygen.c - private keys: generation, PEM in and out, fingerprints.
 *
 * OpenSSL 3 EVP only.  Key bytes that pass through our own memory (PEM
 * text) are cleansed before they are freed; the key objects themselves
 * live in OpenSSL's (secure) heap. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "lw/keygen.h"
#include "lw/nls.h"

/* Longest piece of untrusted text (a word from the answers file, a file
 * name) quoted back in a message. */
#define QUOTE_MAX 80

/* Copy s into dst for a message: control bytes become '?', long text is
 * cut with "...". */
static const char *
quote(char *dst, size_t n, const char *s)
{
    size_t i = 0;

    if (s == NULL)
        s = "";
    for (; *s != '\0' && i + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        dst[i++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (*s != '\0') {
        memcpy(dst + i, "...", 3);
        i += 3;
    }
    dst[i] = '\0';
    return dst;
}

struct kind {
    enum lw_key_type type;
    unsigned bits;
    const char *name; /* for people: algorithm names are not translated */
    const char *size_word;
    const char *group; /* EC: OpenSSL group name */
};

/* What lw_keyspec_parse accepts comes first; the others are sizes that
 * lw_key_spec_of can meet in a key supplied by the operator. */
static const struct kind kinds[] = {
    {LW_KEY_RSA, 2048, "RSA 2048", "2048", NULL},
    {LW_KEY_RSA, 3072, "RSA 3072", "3072", NULL},
    {LW_KEY_RSA, 4096, "RSA 4096", "4096", NULL},
    {LW_KEY_EC, 256, "EC P-256", "p256", "P-256"},
    {LW_KEY_EC, 384, "EC P-384", "p384", "P-384"},
    {LW_KEY_RSA, 1024, "RSA 1024", "1024", NULL},
    {LW_KEY_RSA, 1536, "RSA 1536", "1536", NULL},
    {LW_KEY_RSA, 8192, "RSA 8192", "8192", NULL},
};
#define N_OFFERED 5

static const struct kind *
find_kind(const struct lw_keyspec *spec, bool offered_only)
{
    size_t n = offered_only ? N_OFFERED : sizeof(kinds) / sizeof(kinds[0]);

    for (size_t i = 0; i < n; i++)
        if (kinds[i].type == spec->type && kinds[i].bits == spec->bits)
            return &kinds[i];
    return NULL;
}

enum lw_status
lw_keyspec_parse(const char *type, unsigned long bits, const char *curve,
                 struct lw_keyspec *out, struct lw_err *err)
{
    char q[QUOTE_MAX];

    if (type != NULL && strcasecmp(type, "rsa") == 0) {
        if (bits != 2048 && bits != 3072 && bits != 4096)
            return lw_err_set(err, LW_ERR_INPUT,
                              _("RSA keys of %lu bits are not offered: "
                                "use 2048, 3072 or 4096"),
                              bits);
        out->type = LW_KEY_RSA;
        out->bits = (unsigned)bits;
        return LW_OK;
    }
    if (type != NULL && strcasecmp(type, "ec") == 0) {
        if (curve == NULL)
            return lw_err_set(err, LW_ERR_INPUT, "%s",
                              _("an EC key needs a curve: use p256 or "
                                "p384"));
        if (strcasecmp(curve, "p256") == 0) {
            out->type = LW_KEY_EC;
            out->bits = 256;
            return LW_OK;
        }
        if (strcasecmp(curve, "p384") == 0) {
            out->type = LW_KEY_EC;
            out->bits = 384;
            return LW_OK;
        }
        return lw_err_set(err, LW_ERR_INPUT,
                          _("the EC curve \"%s\" is not offered: use p256 "
                            "or p384"),
                          quote(q, sizeof(q), curve));
    }
    return lw_err_set(err, LW_ERR_INPUT,
                      _("the key type \"%s\" is not offered: use rsa "
                        "(2048, 3072 or 4096 bits) or ec (p256 or p384)"),
                      quote(q, sizeof(q), type));
}

const char *
lw_keyspec_name(const struct lw_keyspec *spec)
{
    const struct kind *k = find_kind(spec, false);

    if (k != NULL)
        return k->name;
    return spec->type == LW_KEY_RSA ? "RSA" : "EC";
}

const char *
lw_keyspec_type_word(const struct lw_keyspec *spec)
{
    return spec->type == LW_KEY_RSA ? "rsa" : "ec";
}

const char *
lw_keyspec_size_word(const struct lw_keyspec *spec)
{
    const struct kind *k = find_kind(spec, false);

    return k != NULL ? k->size_word : "?";
}

/* What the OpenSSL callback needs to reach ours. */
struct progress {
    lw_keygen_progress_fn fn;
    void *ud;
    bool cancelled;
};

static int
on_keygen_progress(EVP_PKEY_CTX *ctx)
{
    struct progress *p = EVP_PKEY_CTX_get_app_data(ctx);

    if (p == NULL || p->fn == NULL)
        return 1;
    /* OpenSSL may call again on its way out; ask the caller only once. */
    if (p->cancelled)
        return 0;
    if (!p->fn(p->ud, EVP_PKEY_CTX_get_keygen_info(ctx, 0),
               EVP_PKEY_CTX_get_keygen_info(ctx, 1))) {
        p->cancelled = true;
        return 0;
    }
    return 1;
}

enum lw_status
lw_keygen_generate(const struct lw_keyspec *spec,
                   lw_keygen_progress_fn progress, void *ud, EVP_PKEY **out,
                   struct lw_err *err)
{
    const struct kind *k = find_kind(spec, true);
    struct progress p = {progress, ud, false};
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    enum lw_status st = LW_OK;

    *out = NULL;
    if (k == NULL)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("cannot generate %s keys: use RSA 2048, 3072 "
                            "or 4096, or EC P-256 or P-384"),
                          lw_keyspec_name(spec));
    ctx = EVP_PKEY_CTX_new_from_name(NULL, k->type == LW_KEY_RSA ? "RSA" : "EC",
                                     NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0) {
        st = lw_err_openssl(err, _("cannot start %s key generation"), k->name);
        goto out;
    }
    if (k->type == LW_KEY_RSA) {
        if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)k->bits) <= 0) {
            st = lw_err_openssl(err, _("cannot set the size of a %s key"),
                                k->name);
            goto out;
        }
    } else if (EVP_PKEY_CTX_set_group_name(ctx, k->group) <= 0) {
        st =
            lw_err_openssl(err, _("cannot set the curve of a %s key"), k->name);
        goto out;
    }
    EVP_PKEY_CTX_set_app_data(ctx, &p);
    EVP_PKEY_CTX_set_cb(ctx, on_keygen_progress);
    if (EVP_PKEY_generate(ctx, &key) <= 0) {
        if (p.cancelled) {
            ERR_clear_error();
            st = lw_err_set(err, LW_ERR_INPUT, "%s",
                            _("key generation cancelled"));
        } else {
            st = lw_err_openssl(err, _("%s key generation failed"), k->name);
        }
        goto out;
    }
    *out = key;
    key = NULL;
out:
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

/* Never ask for a pass phrase: without this OpenSSL would prompt on the
 * terminal, in the middle of the wizard's screen. */
static int
/* NOLINTNEXTLINE(readability-non-const-parameter): pem_password_cb */
refuse_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static bool
contains(const void *data, size_t len, const char *needle)
{
    return memmem(data, len, needle, strlen(needle)) != NULL;
}

enum lw_status
lw_key_parse(const void *data, size_t len, const char *name, EVP_PKEY **out,
             struct lw_err *err)
{
    char q[QUOTE_MAX];
    EVP_PKEY *key = NULL;
    BIO *bio = NULL;

    *out = NULL;
    quote(q, sizeof(q), name);
    if (len == 0 || data == NULL) {
        lw_err_set(err, LW_ERR_INPUT, _("%s is empty: it holds no private key"),
                   q);
        lw_err_hint(err, "%s",
                    _("Remove the empty file to have a new key made, or put "
                      "the key back from your backup."));
        return LW_ERR_INPUT;
    }
    if (contains(data, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
        (contains(data, len, "PRIVATE KEY-----") &&
         contains(data, len, "Proc-Type: 4,ENCRYPTED"))) {
        lw_err_set(err, LW_ERR_INPUT,
                   _("the private key in %s is encrypted; linkwiz needs it "
                     "unencrypted: openssl pkey -in %s -out %s.plain"),
                   q, q, q);
        lw_err_hint(err, "%s",
                    _("Decrypt it with that command (it asks for the pass "
                      "phrase), then give the .plain file and keep it "
                      "readable by root only."));
        return LW_ERR_INPUT;
    }
    /* The PEM reader wants each "-----BEGIN" at the start of a line; an
     * editor's UTF-8 byte order mark would hide the first one. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data = (const char *)data + 3;
        len -= 3;
    }
    if (len > (size_t)INT_MAX)
        return lw_err_set(err, LW_ERR_INPUT, _("%s is too large to be a key"),
                          q);
    bio = BIO_new_mem_buf(data, (int)len);
    if (bio == NULL)
        return lw_err_openssl(err, _("cannot read %s"), q);
    key = PEM_read_bio_PrivateKey_ex(bio, NULL, refuse_password, NULL, NULL,
                                     NULL);
    BIO_free(bio);
    if (key == NULL) {
        ERR_clear_error();
        lw_err_set(err, LW_ERR_INPUT, _("no private key found in %s"), q);
        lw_err_hint(err, "%s",
                    _("Give a PEM file that starts with \"-----BEGIN "
                      "PRIVATE KEY-----\" (or \"RSA PRIVATE KEY\", \"EC "
                      "PRIVATE KEY\")."));
        return LW_ERR_INPUT;
    }
    *out = key;
    return LW_OK;
}

enum lw_status
lw_key_to_pem(EVP_PKEY *key, struct lw_buf *out, struct lw_err *err)
{
    enum lw_status st = LW_OK;
    BIO *bio;
    char *p;
    long n;

    /* The secure-heap BIO clears the PEM text when it is freed. */
    bio = BIO_new(BIO_s_secmem());
    if (bio == NULL)
        return lw_err_openssl(err, "%s", _("cannot write the private key"));
    if (!PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
        st = lw_err_openssl(err, "%s", _("cannot write the private key"));
        goto out;
    }
    n = BIO_get_mem_data(bio, &p);
    if (n <= 0) {
        st = lw_err_openssl(err, "%s", _("cannot write the private key"));
        goto out;
    }
    lw_buf_append(out, p, (size_t)n);
    st = lw_buf_status(out, err);
out:
    BIO_free(bio);
    return st;
}

/* An OpenSSL group name ("prime256v1", "P-256", "secp384r1") as a NID. */
static int
group_nid(const char *group)
{
    int nid = OBJ_sn2nid(group);

    if (nid == NID_undef)
        nid = OBJ_ln2nid(group);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(group);
    return nid;
}

bool
lw_key_spec_of(EVP_PKEY *key, struct lw_keyspec *out)
{
    char group[64];
    size_t glen = 0;
    int nid;

    if (key == NULL)
        return false;
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        if (EVP_PKEY_get_bits(key) <= 0)
            return false;
        out->type = LW_KEY_RSA;
        out->bits = (unsigned)EVP_PKEY_get_bits(key);
        return true;
    case EVP_PKEY_EC:
        if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), &glen))
            return false;
        nid = group_nid(group);
        if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
            return false;
        out->type = LW_KEY_EC;
        out->bits = nid == NID_secp384r1 ? 384 : 256;
        return true;
    default:
        return false;
    }
}

/* "AB:CD:..." of a SHA-256 digest into out (LW_FINGERPRINT_MAX bytes). */
static void
hex_colons(const unsigned char *md, unsigned n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (unsigned i = 0; i < n && o + 3 <= LW_FINGERPRINT_MAX; i++) {
        out[o++] = hex[md[i] >> 4];
        out[o++] = hex[md[i] & 0xf];
        out[o++] = ':';
    }
    out[o != 0 ? o - 1 : 0] = '\0';
}

enum lw_status
lw_key_fingerprint(EVP_PKEY *key, char out[LW_FINGERPRINT_MAX],
                   struct lw_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned char *der = NULL;
    unsigned mdlen = 0;
    int n;

    out[0] = '\0';
    n = i2d_PUBKEY(key, &der);
    if (n <= 0)
        return lw_err_openssl(err, "%s", _("cannot encode the public key"));
    if (!EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL)) {
        OPENSSL_free(der);
        return lw_err_openssl(err, "%s",
                              _("cannot compute the public key fingerprint"));
    }
    OPENSSL_free(der);
    hex_colons(md, mdlen, out);
    return LW_OK;
}
