/* fuzz_health.c - lw_check_eval_health and lw_check_eval_link_probe: what
 * an HTTPS server (or anything on the way: a CDN, a captive portal, a
 * hostile peer) answered for /health and for the tracked-link probe.
 *
 * The input is cut into fields: a mode byte (bit 0: a response arrived,
 * bit 1: the body was cut at its limit, bits 2-3: the curl error code
 * when none arrived, bit 4: no expected body given), two status bytes,
 * then NUL-separated URL, expected body, Content-Type, Server, Via,
 * Location and curl's error text; the rest is the body.  A missing field
 * is NULL.  The header values and the error are fed raw, although
 * src/http.c already sanitizes them: the evaluation must not rely on it.
 *
 * Invariants: every result has a summary, and no summary, detail
 * or hint carries terminal controls; the summary is one line; pass only
 * for status 200. */
#include "config.h"

#include "fuzz.h"
#include "lw/check.h"
#include "lw/http.h"

enum { N_FIELDS = 7 };

/* The next NUL-terminated field of *p (n bytes left), as a heap copy, or
 * NULL when the input ends first. */
static char *
field(const uint8_t **p, size_t *n)
{
    const uint8_t *z;
    char *s;

    if (*n == 0)
        return NULL;
    z = memchr(*p, '\0', *n);
    if (z == NULL)
        return NULL;
    s = fuzz_cstr(*p, (size_t)(z - *p));
    *n -= (size_t)(z - *p) + 1;
    *p = z + 1;
    return s;
}

static void
check_result(const struct lw_check_result *r, const struct lw_http_resp *resp)
{
    FUZZ_ASSERT(r->summary != NULL && r->summary[0] != '\0');
    FUZZ_ASSERT(strchr(r->summary, '\n') == NULL);
    fuzz_check_shown(r->summary);
    if (r->detail != NULL)
        fuzz_check_shown(r->detail);
    if (r->hint != NULL)
        fuzz_check_shown(r->hint);
    if (r->status == LW_CHECK_PASS)
        FUZZ_ASSERT(resp->ok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int codes[] = {0, 47, 60, 28};
    struct lw_http_resp resp;
    struct lw_check_result r;
    char *f[N_FIELDS] = {NULL};
    const uint8_t *p = data;
    size_t n = size, i;
    unsigned mode;

    if (size < 3)
        return 0;
    mode = data[0];
    memset(&resp, 0, sizeof(resp));
    resp.ok = (mode & 1) != 0;
    resp.body_truncated = (mode & 2) != 0;
    resp.curl_code = resp.ok ? 0 : codes[(mode >> 2) & 3];
    resp.status = (long)data[1] << 8 | data[2];
    p += 3;
    n -= 3;
    for (i = 0; i < N_FIELDS; i++)
        f[i] = field(&p, &n);
    resp.content_type = f[2];
    resp.server = f[3];
    resp.via = f[4];
    resp.location = f[5];
    if (f[6] != NULL)
        snprintf(resp.error, sizeof(resp.error), "%s", f[6]);
    /* The body as lw_buf keeps it: NUL-terminated after len bytes (it may
     * hold NULs of its own). */
    lw_buf_init(&resp.body);
    lw_buf_append(&resp.body, p, n);
    FUZZ_ASSERT(lw_buf_ok(&resp.body));

    memset(&r, 0, sizeof(r));
    r.id = LW_CK_HTTP_HEALTH;
    lw_check_eval_health(&resp, f[0] != NULL ? f[0] : "https://x/health",
                         (mode & 16) != 0 ? NULL : f[1], &r);
    check_result(&r, &resp);
    if (r.status == LW_CHECK_PASS)
        FUZZ_ASSERT(resp.status == 200 && !resp.body_truncated);
    lw_check_result_clear(&r);

    memset(&r, 0, sizeof(r));
    r.id = LW_CK_HTTP_HEALTH;
    lw_check_eval_link_probe(&resp, f[0] != NULL ? f[0] : "https://x/l",
                             &r);
    check_result(&r, &resp);
    lw_check_result_clear(&r);

    lw_buf_free(&resp.body);
    for (i = 0; i < N_FIELDS; i++)
        free(f[i]);
    return 0;
}
