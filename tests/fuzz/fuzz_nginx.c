/* fuzz_nginx.c - lw_nginx_parse: nginx configuration text or `nginx -T`
 * output, as the checks read it.
 *
 * Invariants: every server block has its file name and line, NULL-ended
 * lists, and claiming a name never crashes whatever the server_name
 * values are. */
#include "config.h"

#include "fuzz.h"
#include "lw/nginx_conf.h"

static const char *const domains[] = {"link.example.com", "example.com",
                                      "a.b.c.example.org", "x", NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_nginx_config c;
    struct lw_err err;
    enum lw_status st;
    char *in = fuzz_copy(data, size);

    memset(&c, 0xA5, sizeof(c)); /* "on failure out is empty" is checked */
    lw_err_clear(&err);
    st = lw_nginx_parse(in, size, "nginx.conf", &c, &err);
    fuzz_say("nginx", st, &err);
    fuzz_check_err(st, &err);
    if (st != LW_OK) {
        FUZZ_ASSERT(c.servers == NULL && c.n == 0);
        goto out;
    }
    for (size_t i = 0; i < c.n; i++) {
        const struct lw_nginx_server *s = &c.servers[i];
        size_t k;

        FUZZ_ASSERT(s->file != NULL && s->line >= 1);
        FUZZ_ASSERT(s->names != NULL && s->listens != NULL);
        for (k = 0; s->names[k] != NULL; k++)
            (void)strlen(s->names[k]);
        for (k = 0; s->listens[k] != NULL; k++)
            (void)strlen(s->listens[k]);
        for (k = 0; domains[k] != NULL; k++)
            (void)lw_nginx_server_claims(s, domains[k]);
    }
out:
    lw_nginx_config_free(&c);
    free(in);
    return 0;
}
