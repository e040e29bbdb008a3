/* fuzz_answers.c - lw_answers_parse with the built-in profile.
 *
 * Invariants: an accepted file written back with lw_answers_write parses
 * to the same setup (the wizard's "save answers" promise), and a copy
 * compares equal. */
#include "config.h"

#include "fuzz.h"
#include "lw/answers.h"
#include "lw/profile.h"

/* Absolute, so a relative certificate path never needs getcwd(). */
#define NAME "/etc/linkwiz/answers.yaml"

static struct lw_profile *profile;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct lw_err err;

    (void)argc;
    (void)argv;
    if (lw_profile_load(NULL, &profile, &err) != LW_OK) {
        fprintf(stderr, "built-in profile: %s\n", err.msg);
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_config c, back, copy;
    struct lw_buf out = LW_BUF_INIT;
    struct lw_err err;
    enum lw_status st;
    char *in = fuzz_copy(data, size);

    lw_config_init(&c);
    lw_config_init(&back);
    lw_config_init(&copy);
    lw_err_clear(&err);
    st = lw_answers_parse(in, size, NAME, profile, &c, &err);
    fuzz_say("answers", st, &err);
    fuzz_check_err(st, &err);
    if (st != LW_OK)
        goto out;
    FUZZ_ASSERT(lw_domain_is_normalized(c.domain));
    FUZZ_ASSERT(lw_profile_region(profile, c.region) != NULL);
    FUZZ_ASSERT(c.certificate == NULL || c.certificate[0] == '/');
    st = lw_answers_write(&c, &out, &err);
    if (st != LW_OK) {
        fprintf(stderr, "write refused what parse took: %s\n", err.msg);
        abort();
    }
    st = lw_answers_parse(out.data, out.len, NAME, profile, &back, &err);
    if (st != LW_OK) {
        fprintf(stderr, "written answers do not parse: %s\n---\n%s---\n",
                err.msg, out.data);
        abort();
    }
    FUZZ_ASSERT(lw_config_equal(&c, &back));
    FUZZ_ASSERT(lw_config_copy(&copy, &c, &err) == LW_OK);
    FUZZ_ASSERT(lw_config_equal(&c, &copy));
out:
    lw_config_free(&c);
    lw_config_free(&back);
    lw_config_free(&copy);
    lw_buf_free(&out);
    free(in);
    return 0;
}
