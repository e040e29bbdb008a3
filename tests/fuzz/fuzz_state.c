/* fuzz_state.c - lw_state_parse: the state file as read back from disk
 * (it may be damaged or edited by hand).
 *
 * Invariants: an accepted state has a normalized domain; formatting it
 * and reading that back gives the same text again (what lw_state_save
 * writes, lw_state_load reads). */
#include "config.h"

#include "fuzz.h"
#include "lw/state.h"

#define NAME "/var/lib/linkwiz/state.yaml"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_state s, back;
    struct lw_buf out = LW_BUF_INIT, again = LW_BUF_INIT;
    struct lw_err err;
    enum lw_status st;
    char *in = fuzz_copy(data, size);

    lw_state_init(&s);
    lw_state_init(&back);
    lw_err_clear(&err);
    st = lw_state_parse(in, size, NAME, &s, &err);
    fuzz_say("state", st, &err);
    fuzz_check_err(st, &err);
    if (st != LW_OK)
        goto out;
    FUZZ_ASSERT(lw_domain_is_normalized(s.config.domain));
    if (lw_state_format(&s, &out, &err) != LW_OK) {
        fprintf(stderr, "format refused what parse took: %s\n", err.msg);
        abort();
    }
    st = lw_state_parse(out.data, out.len, NAME, &back, &err);
    if (st != LW_OK) {
        fprintf(stderr, "formatted state does not parse: %s\n---\n%s---\n",
                err.msg, out.data);
        abort();
    }
    FUZZ_ASSERT(lw_config_equal(&s.config, &back.config));
    FUZZ_ASSERT(lw_state_format(&back, &again, &err) == LW_OK);
    if (out.len != again.len || memcmp(out.data, again.data, out.len) != 0) {
        fprintf(stderr, "state changes on a round trip:\n%s---\n%s---\n",
                out.data, again.data);
        abort();
    }
out:
    lw_state_free(&s);
    lw_state_free(&back);
    lw_buf_free(&out);
    lw_buf_free(&again);
    free(in);
    return 0;
}
