/* fuzz_yaml.c - lw_yaml_parse, lw_yaml_check_keys and the typed reads,
 * and the writer: a tree read is written with lw_yemit and read again,
 * and must come back with the same shape and the same texts. */
#include "config.h"

#include "fuzz.h"
#include "lw/buf.h"
#include "lw/yamlio.h"

static const char *const allowed[] = {"domain", "region", "method", "key",
                                      "nginx",  "addresses", NULL};

static void
emit_node(struct lw_yemit *e, const struct lw_ynode *n)
{
    switch (n->type) {
    case LW_Y_SCALAR:
        if (n->plain)
            lw_yemit_plain(e, n->value);
        else
            lw_yemit_str(e, n->value);
        break;
    case LW_Y_SEQ:
        lw_yemit_seq_start(e, false);
        for (size_t i = 0; i < n->n; i++)
            emit_node(e, n->items[i]);
        lw_yemit_seq_end(e);
        break;
    case LW_Y_MAP:
        lw_yemit_map_start(e);
        for (size_t i = 0; i < 2 * n->n; i++)
            emit_node(e, n->items[i]);
        lw_yemit_map_end(e);
        break;
    }
}

static bool
same_tree(const struct lw_ynode *a, const struct lw_ynode *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == LW_Y_SCALAR)
        return strcmp(a->value, b->value) == 0;
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < (a->type == LW_Y_MAP ? 2 * a->n : a->n); i++)
        if (!same_tree(a->items[i], b->items[i]))
            return false;
    return true;
}

/* The typed reads on every key of every map, whatever their type. */
static void
read_all(const struct lw_ynode *n, unsigned depth)
{
    struct lw_err err;
    char where[512], shown[512];

    lw_yaml_where(n, "f.yaml", where, sizeof(where));
    if (n->type == LW_Y_SCALAR) {
        FUZZ_ASSERT(n->value != NULL);
        lw_yaml_sanitize(n->value, shown, sizeof(shown));
        fuzz_check_shown(shown);
        lw_yaml_sanitize(n->value, shown, 8);
        FUZZ_ASSERT(strlen(shown) < 8);
        (void)lw_yaml_is_null(n);
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct lw_ynode *key, *val;
        const char *s = NULL;
        bool b = false;
        unsigned long u = 0;
        char **v = NULL;
        size_t nv = 0;
        enum lw_status st;

        if (n->type == LW_Y_SEQ) {
            read_all(n->items[i], depth + 1);
            continue;
        }
        key = n->items[2 * i];
        val = n->items[2 * i + 1];
        FUZZ_ASSERT(key->type == LW_Y_SCALAR);
        FUZZ_ASSERT(lw_yaml_get(n, key->value) != NULL);
        st = lw_yaml_str(n, "f.yaml", "p", key->value, true, &s, &err);
        fuzz_check_err(st, &err);
        st = lw_yaml_bool(n, "f.yaml", "p", key->value, true, &b, &err);
        fuzz_check_err(st, &err);
        st = lw_yaml_uint(n, "f.yaml", "p", key->value, true, 65535, &u,
                          &err);
        fuzz_check_err(st, &err);
        FUZZ_ASSERT(st != LW_OK || u <= 65535);
        st = lw_yaml_strv(n, "f.yaml", "p", key->value, true, &v, &nv, &err);
        fuzz_check_err(st, &err);
        if (st == LW_OK) {
            for (size_t j = 0; j < nv; j++)
                FUZZ_ASSERT(v[j] != NULL);
            FUZZ_ASSERT(v == NULL || v[nv] == NULL);
        }
        lw_strv_free(v);
        /* The path names a key of the caller's own format, never text
         * from the file. */
        st = lw_yaml_check_keys(val, "f.yaml", "nginx", allowed, &err);
        fuzz_check_err(st, &err);
        read_all(val, depth + 1);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lw_ynode *root = NULL, *back = NULL;
    struct lw_yemit *e = NULL;
    struct lw_buf out = LW_BUF_INIT;
    struct lw_err err;
    enum lw_status st;
    char *in = fuzz_copy(data, size);

    lw_err_clear(&err);
    st = lw_yaml_parse(in, size, "f.yaml", &root, &err);
    fuzz_say("yaml", st, &err);
    fuzz_check_err(st, &err);
    if (st != LW_OK) {
        FUZZ_ASSERT(root == NULL);
        goto out;
    }
    st = lw_yaml_check_keys(root, "f.yaml", "", allowed, &err);
    fuzz_check_err(st, &err);
    read_all(root, 0);

    FUZZ_ASSERT(lw_yemit_begin(&e, &out, &err) == LW_OK);
    emit_node(e, root);
    st = lw_yemit_end(e, &err);
    if (st != LW_OK) {
        fprintf(stderr, "cannot write what was read: %s\n", err.msg);
        abort();
    }
    st = lw_yaml_parse(out.data, out.len, "f.yaml", &back, &err);
    if (st != LW_OK) {
        fprintf(stderr, "written YAML does not parse: %s\n---\n%s---\n",
                err.msg, out.data);
        abort();
    }
    if (!same_tree(root, back)) {
        fprintf(stderr, "written YAML reads differently:\n%s---\n", out.data);
        abort();
    }
out:
    lw_yaml_free(root);
    lw_yaml_free(back);
    lw_buf_free(&out);
    free(in);
    return 0;
}
