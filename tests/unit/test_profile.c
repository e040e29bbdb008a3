/* test_profile.c - the built-in profile and profile files. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/profile.h"

#define NAME "p.yaml"

static void
test_builtin(void **state)
{
    struct lw_profile *p = NULL;
    const struct lw_region *r;
    struct lw_err err;
    char keys[64];

    (void)state;
    assert_int_equal(lw_profile_load(NULL, &p, &err), LW_OK);
    assert_string_equal(p->provider, "Customer.io");
    assert_string_equal(p->settings,
                        "Workspace Settings > Email > Link tracking");
    assert_string_equal(p->health_path, "/health");
    assert_string_equal(p->health_body, "{}");
    assert_int_equal(p->n_resolvers, 3);
    assert_string_equal(p->resolvers[0], "1.1.1.1");
    assert_string_equal(p->resolvers[1], "8.8.8.8");
    assert_string_equal(p->resolvers[2], "9.9.9.9");
    assert_null(p->resolvers[3]);
    assert_int_equal(p->n_regions, 2);
    r = lw_profile_region(p, "us");
    assert_non_null(r);
    assert_string_equal(r->label, "United States");
    assert_string_equal(r->origin, "track.customer.io");
    assert_int_equal(r->port, 443);
    assert_null(r->address);
    r = lw_profile_region(p, "eu");
    assert_non_null(r);
    assert_string_equal(r->label, "Europe");
    assert_string_equal(r->origin, "track-eu.customer.io");
    assert_int_equal(r->port, 443);
    assert_null(lw_profile_region(p, "moon"));
    assert_null(lw_profile_region(p, NULL));
    lw_profile_region_keys(p, keys, sizeof(keys));
    assert_string_equal(keys, "us, eu");
    lw_profile_region_keys(p, keys, 5); /* "us, eu" does not fit */
    assert_string_equal(keys, "us");
    lw_profile_free(p);
}

static void
test_file_overrides(void **state)
{
    static const char doc[] =
        "regions:\n"
        "  - { key: us, label: \"United States\", origin: track.customer.io }\n"
        "  - key: test-1\n"
        "    label: Local fixture\n"
        "    origin: Origin.Test.Example\n"
        "    port: 8443\n"
        "    address: 127.0.0.1\n"
        "  - { key: v6, origin: v6.test.example, address: '::1' }\n"
        "resolvers: ['127.0.0.1:5353', '[::1]:53', '2001:db8::53']\n";
    struct lw_profile *p = NULL;
    const struct lw_region *r;
    struct lw_err err;
    char keys[64];

    (void)state;
    assert_int_equal(lw_profile_parse(doc, strlen(doc), NAME, &p, &err), LW_OK);
    /* Not given: the built-in values. */
    assert_string_equal(p->provider, "Customer.io");
    assert_string_equal(p->health_path, "/health");
    assert_string_equal(p->health_body, "{}");
    assert_int_equal(p->n_resolvers, 3);
    assert_string_equal(p->resolvers[0], "127.0.0.1:5353");
    assert_string_equal(p->resolvers[1], "[::1]:53");
    assert_string_equal(p->resolvers[2], "2001:db8::53");
    assert_int_equal(p->n_regions, 3);
    assert_null(lw_profile_region(p, "eu")); /* replaced whole */
    r = lw_profile_region(p, "test-1");
    assert_non_null(r);
    assert_string_equal(r->label, "Local fixture");
    assert_string_equal(r->origin, "origin.test.example"); /* normalized */
    assert_int_equal(r->port, 8443);
    assert_string_equal(r->address, "127.0.0.1");
    r = lw_profile_region(p, "v6");
    assert_string_equal(r->label, "v6"); /* defaults to the key */
    assert_int_equal(r->port, 443);
    assert_string_equal(r->address, "::1");
    lw_profile_region_keys(p, keys, sizeof(keys));
    assert_string_equal(keys, "us, test-1, v6");
    lw_profile_free(p);
}

static void
test_file_full(void **state)
{
    static const char doc[] =
        "provider: Example Mail\n"
        "settings: \"Settings > Tracking\"\n"
        "health: { path: /status, body: \"\" }\n"
        "resolvers: 192.0.2.53\n"
        "regions: [{ key: ap, label: Asia, origin: track.example.net }]\n";
    struct lw_profile *p = NULL;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_profile_parse(doc, strlen(doc), NAME, &p, &err), LW_OK);
    assert_string_equal(p->provider, "Example Mail");
    assert_string_equal(p->settings, "Settings > Tracking");
    assert_string_equal(p->health_path, "/status");
    assert_string_equal(p->health_body, "");
    assert_int_equal(p->n_resolvers, 1);
    assert_string_equal(p->resolvers[0], "192.0.2.53");
    assert_int_equal(p->n_regions, 1);
    assert_string_equal(p->regions[0].origin, "track.example.net");
    lw_profile_free(p);
}

struct bad_case {
    const char *what;
    const char *doc;
    const char *msg; /* exact message, or a prefix ending in "..." */
};

#define R0 "regions:\n  - "
static const struct bad_case bad_cases[] = {
    {"unknown top key", "provider: X\ncolour: red\n",
     NAME ":2: unknown key \"colour\"; the accepted keys here are: provider, "
          "settings, health, resolvers, regions"},
    {"unknown region key", R0 "{ key: us, origin: a.example, colour: red }\n",
     NAME ":2: unknown key \"regions[0].colour\"; the accepted keys here are: "
          "key, label, origin, port, address"},
    {"no regions", "provider: X\n",
     NAME ": the required key \"regions\" is missing"},
    {"empty regions", "regions: []\n",
     NAME ":1: regions: expected a list of 1 to 64 regions, each a mapping "
          "with key, label and origin"},
    {"regions a map", "regions: { us: x }\n",
     NAME ":1: regions: expected a list of 1 to 64 regions, each a mapping "
          "with key, label and origin"},
    {"region not a map", R0 "us\n",
     NAME ":2: regions[0] must be a mapping of \"key: value\" lines, found "
          "\"us\""},
    {"upper-case key", R0 "{ key: US, origin: a.example }\n",
     NAME ":2: regions[0].key: \"US\" is not accepted: a region key is 1 to "
          "16 lower-case letters, digits or \"-\""},
    {"long key", R0 "{ key: abcdefghijklmnopq, origin: a.example }\n",
     NAME ":2: regions[0].key: \"abcdefghijklmnopq\" is not accepted: ..."},
    {"duplicate region",
     R0 "{ key: us, origin: a.example }\n"
        "  - { key: us, origin: b.example }\n",
     NAME ":3: regions[1].key: the region \"us\" is listed twice"},
    {"missing origin", R0 "{ key: us }\n",
     NAME ": the required key \"regions[0].origin\" is missing"},
    {"bad origin", R0 "{ key: us, origin: \"a.example;rm\" }\n",
     NAME ":2: regions[0].origin: ..."},
    {"port zero", R0 "{ key: us, origin: a.example, port: 0 }\n",
     NAME ":2: regions[0].port: \"0\" is not accepted: a port is between 1 "
          "and 65535"},
    {"port too big", R0 "{ key: us, origin: a.example, port: 70000 }\n",
     NAME ":2: regions[0].port: the number is too large; the largest "
          "accepted is 65535"},
    {"port a word", R0 "{ key: us, origin: a.example, port: https }\n",
     NAME ":2: regions[0].port: expected a whole number, found \"https\""},
    {"address a name",
     R0 "{ key: us, origin: a.example, address: localhost "
        "}\n",
     NAME ":2: regions[0].address: \"localhost\" is not accepted: it must be "
          "an IPv4 or IPv6 address"},
    {"label with newline",
     R0 "{ key: us, origin: a.example, label: \"a\\nb\" "
        "}\n",
     NAME ":2: regions[0].label: must be one line of at most 200 characters"},
    {"resolver a name",
     "resolvers: [dns.google]\n" R0 "{ key: us, origin: a.example }\n",
     NAME ":1: resolvers: \"dns.google\" is not accepted: a resolver is an IP "
          "address, optionally with :PORT (IPv6 as [ADDRESS]:PORT)"},
    {"resolver bad port",
     "resolvers:\n  - 1.1.1.1\n  - 1.1.1.1:99999\n" R0
     "{ key: us, origin: a.example }\n",
     NAME ":3: resolvers: \"1.1.1.1:99999\" is not accepted: ..."},
    {"no resolvers", "resolvers: []\n" R0 "{ key: us, origin: a.example }\n",
     NAME ":1: resolvers: give between 1 and 16 addresses"},
    {"health path",
     "health: { path: health }\n" R0 "{ key: us, origin: a.example }\n",
     NAME ":1: health.path: \"health\" is not accepted: it must be a URL path "
          "starting with \"/\""},
    {"health body map",
     "health: { body: {} }\n" R0 "{ key: us, origin: a.example }\n",
     NAME ":1: health.body: expected a text value, found a mapping"},
    {"health not a map", "health: /health\n",
     NAME ":1: health must be a mapping of \"key: value\" lines, found "
          "\"/health\""},
    {"alias", "regions: &r [{key: us, origin: a.example}]\n",
     NAME ":1: anchors (&r) are not allowed"},
};

static void
test_bad_files(void **state)
{
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct lw_profile *p = (struct lw_profile *)1;
        struct lw_err err;

        lw_err_clear(&err);
        assert_int_equal(
            lw_profile_parse(c->doc, strlen(c->doc), NAME, &p, &err),
            LW_ERR_INPUT);
        print_message("# %s: %s\n", c->what, err.msg);
        assert_null(p);
        n = strlen(c->msg);
        if (n > 3 && strcmp(c->msg + n - 3, "...") == 0) {
            assert_true(strlen(err.msg) > n - 3);
            assert_memory_equal(err.msg, c->msg, n - 3);
        } else {
            assert_string_equal(err.msg, c->msg);
        }
    }
}

static void
test_load_file(void **state)
{
    static const char doc[] = "regions:\n"
                              "  - { key: eu, origin: track-eu.customer.io, "
                              "port: 9443, address: 127.0.0.2 }\n";
    char dir[] = "/tmp/lw-test-profile-XXXXXX", path[256], msg[512];
    struct lw_profile *p = NULL;
    struct lw_err err;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/profiles.yaml", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(doc, f);
    fputs("extra: 1\n", f);
    fclose(f);

    /* Errors name the file as given. */
    assert_int_equal(lw_profile_load(path, &p, &err), LW_ERR_INPUT);
    snprintf(msg, sizeof(msg),
             "%s:3: unknown key \"extra\"; the accepted keys here are: "
             "provider, settings, health, resolvers, regions",
             path);
    assert_string_equal(err.msg, msg);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs(doc, f);
    fclose(f);
    assert_int_equal(lw_profile_load(path, &p, &err), LW_OK);
    assert_int_equal(p->n_regions, 1);
    assert_int_equal(p->regions[0].port, 9443);
    assert_string_equal(p->regions[0].address, "127.0.0.2");
    lw_profile_free(p);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(lw_profile_load(path, &p, &err), LW_ERR_NOTFOUND);
    assert_null(p);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),   cmocka_unit_test(test_file_overrides),
        cmocka_unit_test(test_file_full), cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_load_file),
    };

    return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
