/* fuzz_domain.c - lw_domain_parse: operator input to a host name.
 *
 * Invariants: what is accepted is in normalized form, parses back to
 * itself, and its zone is a suffix of it. */
#include "config.h"

#include "fuzz.h"
#include "lw/buf.h"
#include "lw/domain.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_domain d, again;
    struct lw_buf notes = LW_BUF_INIT;
    struct lw_err err;
    enum lw_status st;
    char *in;
    size_t nl, zl;

    if (size > 4096)
        return 0;
    in = fuzz_cstr(data, size);
    lw_err_clear(&err);
    st = lw_domain_parse(in, &d, &err);
    fuzz_say("domain", st, &err);
    fuzz_check_err(st, &err);
    if (st == LW_OK) {
        FUZZ_ASSERT(lw_domain_is_normalized(d.name));
        nl = strlen(d.name);
        zl = strlen(d.zone);
        FUZZ_ASSERT(zl > 0 && zl <= nl);
        FUZZ_ASSERT(strcmp(d.name + nl - zl, d.zone) == 0);
        FUZZ_ASSERT(zl == nl || d.name[nl - zl - 1] == '.');
        FUZZ_ASSERT(d.apex == (zl == nl));
        FUZZ_ASSERT(memchr(d.display, '\0', sizeof(d.display)) != NULL);
        lw_err_clear(&err);
        FUZZ_ASSERT(lw_domain_parse(d.name, &again, &err) == LW_OK);
        FUZZ_ASSERT(strcmp(again.name, d.name) == 0);
        FUZZ_ASSERT(again.notes == 0);
        lw_domain_describe_notes(&d, &notes);
        FUZZ_ASSERT(lw_buf_ok(&notes));
        FUZZ_ASSERT((notes.len == 0) == (d.notes == 0));
    }
    /* A name already in normalized form is left as it is (the parser
     * may still refuse it for other reasons: a public suffix). */
    if (lw_domain_is_normalized(in)) {
        lw_err_clear(&err);
        if (lw_domain_parse(in, &again, &err) == LW_OK)
            FUZZ_ASSERT(strcmp(again.name, in) == 0);
    }
    lw_buf_free(&notes);
    free(in);
    return 0;
}
