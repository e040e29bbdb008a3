/* fuzz_profile.c - lw_profile_parse (the --profiles file).
 *
 * Invariants: an accepted profile has at least one region, each findable
 * by its key, with a port in range and an origin that is a host name. */
#include "config.h"

#include "fuzz.h"
#include "lw/domain.h"
#include "lw/profile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_profile *p = NULL;
    struct lw_err err;
    enum lw_status st;
    char keys[256];
    char *in = fuzz_copy(data, size);

    lw_err_clear(&err);
    st = lw_profile_parse(in, size, "profiles.yaml", &p, &err);
    fuzz_say("profile", st, &err);
    fuzz_check_err(st, &err);
    if (st == LW_OK) {
        FUZZ_ASSERT(p != NULL && p->n_regions > 0);
        FUZZ_ASSERT(p->provider != NULL && p->health_path != NULL);
        for (size_t i = 0; i < p->n_regions; i++) {
            const struct lw_region *r = &p->regions[i];

            FUZZ_ASSERT(r->key != NULL && r->label != NULL);
            FUZZ_ASSERT(lw_profile_region(p, r->key) == r);
            FUZZ_ASSERT(r->port >= 1 && r->port <= 65535);
            FUZZ_ASSERT(r->origin != NULL);
            FUZZ_ASSERT(lw_domain_is_normalized(r->origin));
        }
        lw_profile_region_keys(p, keys, sizeof(keys));
        FUZZ_ASSERT(memchr(keys, '\0', sizeof(keys)) != NULL);
    } else {
        FUZZ_ASSERT(p == NULL);
    }
    lw_profile_free(p);
    free(in);
    return 0;
}
