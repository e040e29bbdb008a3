/* yamlio.c - YAML into a small tree with line numbers, and YAML out of a
 * buffer-backed emitter (libyaml event APIs).
 *
 * The parser builds the tree from events rather than with libyaml's
 * document loader so that anchors, aliases, odd tags, duplicate keys and
 * deep nesting are refused as they are met, with the line they are on. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "lw/nls.h"
#include "lw/yamlio.h"

#define SHOW_MAX 80 /* characters of untrusted text shown in a message */
#define KEYPATH_MAX 256

/* ---- messages ---------------------------------------------------------- */

/* Length of the UTF-8 sequence starting at s, or 0 when it is not a valid
 * one (overlong forms, surrogates and values past U+10FFFF included). */
static size_t
utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n, i;
    unsigned long v;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
        (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
        return 0;
    /* C1 controls are as dangerous on a terminal as C0 ones. */
    if (v >= 0x80 && v <= 0x9F)
        return 0;
    return n;
}

void
lw_yaml_sanitize(const char *s, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, chars = 0, n;

    if (outlen == 0)
        return;
    if (s == NULL) {
        out[0] = '\0';
        return;
    }
    while (*p != '\0') {
        n = utf8_len(p);
        if (chars == SHOW_MAX || o + (n == 0 ? 1 : n) + 4 > outlen) {
            if (o + 4 <= outlen) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (n == 0 || *p < 0x20 || *p == 0x7F) {
            out[o++] = '?';
            p++;
        } else {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        }
        chars++;
    }
    out[o] = '\0';
}

static void
keypath(char *out, size_t outlen, const char *path, const char *key)
{
    char k[SHOW_MAX * 4 + 4];

    lw_yaml_sanitize(key, k, sizeof(k));
    if (path == NULL || *path == '\0')
        snprintf(out, outlen, "%s", k);
    else
        snprintf(out, outlen, "%s.%s", path, k);
}

void
lw_yaml_where(const struct lw_ynode *node, const char *name, char *out,
              size_t outlen)
{
    if (node == NULL)
        snprintf(out, outlen, "%s: ", name);
    else
        snprintf(out, outlen, "%s:%u: ", name, node->line);
}

/* "a mapping", "a list", or the scalar's text in quotes: what was found
 * where something else was expected. */
static void
describe(const struct lw_ynode *node, char *out, size_t outlen)
{
    char v[SHOW_MAX * 4 + 4];

    switch (node->type) {
    case LW_Y_MAP:
        /* TRANSLATORS: what was found where a value was expected: completes
         * "expected true or false, found a mapping" (a YAML mapping: key:
         * value lines). */
        snprintf(out, outlen, "%s", _("a mapping"));
        break;
    case LW_Y_SEQ:
        /* TRANSLATORS: what was found: completes "expected ..., found a
         * list". */
        snprintf(out, outlen, "%s", _("a list"));
        break;
    case LW_Y_SCALAR:
        if (lw_yaml_is_null(node)) {
            /* TRANSLATORS: what was found: completes "expected ..., found an
             * empty value". */
            snprintf(out, outlen, "%s", _("an empty value"));
        } else {
            lw_yaml_sanitize(node->value, v, sizeof(v));
            snprintf(out, outlen, "\"%s\"", v);
        }
        break;
    }
}

static enum lw_status
wrong_type(const struct lw_ynode *node, const char *name, const char *kpath,
           const char *expected, struct lw_err *err)
{
    char found[SHOW_MAX * 4 + 8];

    describe(node, found, sizeof(found));
    /* TRANSLATORS: "answers.yaml:4: nginx.reload: expected true or
     * false, found "maybe"". */
    return lw_err_set(err, LW_ERR_INPUT, _("%s:%u: %s: expected %s, found %s"),
                      name, node->line, kpath, expected, found);
}

/* ---- the tree ---------------------------------------------------------- */

void
lw_yaml_free(struct lw_ynode *node)
{
    size_t i, count;

    if (node == NULL)
        return;
    count = node->type == LW_Y_MAP ? 2 * node->n : node->n;
    for (i = 0; i < count; i++)
        lw_yaml_free(node->items[i]);
    free(node->items);
    free(node->value);
    free(node);
}

bool
lw_yaml_is_null(const struct lw_ynode *node)
{
    const char *v;

    if (node == NULL || node->type != LW_Y_SCALAR || !node->plain)
        return false;
    v = node->value;
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

struct lw_ynode *
lw_yaml_get(const struct lw_ynode *map, const char *key)
{
    size_t i;

    if (map == NULL || map->type != LW_Y_MAP)
        return NULL;
    for (i = 0; i < map->n; i++)
        if (strcmp(map->items[2 * i]->value, key) == 0)
            return map->items[2 * i + 1];
    return NULL;
}

/* ---- parser ------------------------------------------------------------ */

struct frame {
    struct lw_ynode *node;
    size_t count; /* items appended (a map's keys and values both count) */
    size_t cap;
};

struct parse {
    const char *name;
    struct lw_ynode *root;
    struct frame stack[LW_YAML_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    struct lw_err *err;
};

#define TAG_PREFIX "tag:yaml.org,2002:"

/* Only the standard tags are let through, and only on the kind of node
 * they name; a scalar tagged !!str (or "!") reads as quoted text. */
static enum lw_status
check_tag(struct parse *ps, const yaml_char_t *tag, enum lw_ynode_type type,
          unsigned line, bool *plain)
{
    static const char *const scalar_typed[] = {"int", "bool", "null", "float",
                                               NULL};
    const char *t = (const char *)tag, *s;
    char shown[SHOW_MAX * 4 + 4];
    size_t i;

    if (t == NULL)
        return LW_OK;
    if (type == LW_Y_SCALAR && strcmp(t, "!") == 0) {
        *plain = false;
        return LW_OK;
    }
    if (strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
        s = t + strlen(TAG_PREFIX);
        if (type == LW_Y_MAP && strcmp(s, "map") == 0)
            return LW_OK;
        if (type == LW_Y_SEQ && strcmp(s, "seq") == 0)
            return LW_OK;
        if (type == LW_Y_SCALAR && strcmp(s, "str") == 0) {
            *plain = false;
            return LW_OK;
        }
        for (i = 0; type == LW_Y_SCALAR && scalar_typed[i] != NULL; i++) {
            if (strcmp(s, scalar_typed[i]) == 0) {
                *plain = true;
                return LW_OK;
            }
        }
    }
    lw_yaml_sanitize(t, shown, sizeof(shown));
    lw_err_set(ps->err, LW_ERR_INPUT,
               _("%s:%u: the tag \"%s\" is not allowed here"), ps->name, line,
               shown);
    lw_err_hint(ps->err, "%s",
                _("Remove the tag: linkwiz files hold plain text, numbers, "
                  "true/false, lists and mappings."));
    return LW_ERR_INPUT;
}

static enum lw_status
refuse_anchor(struct parse *ps, const yaml_char_t *anchor, unsigned line)
{
    char shown[SHOW_MAX * 4 + 4];

    if (anchor == NULL)
        return LW_OK;
    lw_yaml_sanitize((const char *)anchor, shown, sizeof(shown));
    lw_err_set(ps->err, LW_ERR_INPUT, _("%s:%u: anchors (&%s) are not allowed"),
               ps->name, line, shown);
    lw_err_hint(ps->err, "%s",
                _("Write the value out in full instead of using anchors and "
                  "aliases."));
    return LW_ERR_INPUT;
}

static struct lw_ynode *
new_node(struct parse *ps, enum lw_ynode_type type, const yaml_mark_t *mark)
{
    struct lw_ynode *node;

    if (ps->nodes >= LW_YAML_MAX_NODES) {
        lw_err_set(ps->err, LW_ERR_INPUT,
                   _("%s:%zu: too many values (more than %d); is it the "
                     "right file?"),
                   ps->name, mark->line + 1, LW_YAML_MAX_NODES);
        return NULL;
    }
    node = calloc(1, sizeof(*node));
    if (node == NULL) {
        lw_err_set(ps->err, LW_ERR_NOMEM, "%s", _("out of memory"));
        return NULL;
    }
    ps->nodes++;
    node->type = type;
    /* The input is at most LW_YAML_MAX_BYTES: these fit. */
    node->line = (unsigned)mark->line + 1;
    node->column = (unsigned)mark->column + 1;
    return node;
}

/* Attach node to the open container (or make it the root).  Takes node:
 * on failure it is freed. */
static enum lw_status
attach(struct parse *ps, struct lw_ynode *node)
{
    struct frame *f;
    struct lw_ynode **items;
    char shown[SHOW_MAX * 4 + 4];
    size_t i, cap;

    if (ps->depth == 0) {
        ps->root = node;
        return LW_OK;
    }
    f = &ps->stack[ps->depth - 1];
    if (f->node->type == LW_Y_MAP && f->count % 2 == 0) {
        /* The duplicate check below is quadratic: bound it. */
        if (f->count / 2 >= LW_YAML_MAX_KEYS) {
            lw_err_set(ps->err, LW_ERR_INPUT,
                       _("%s:%u: a mapping with more than %d keys; is it the "
                         "right file?"),
                       ps->name, node->line, LW_YAML_MAX_KEYS);
            lw_yaml_free(node);
            return LW_ERR_INPUT;
        }
        if (node->type != LW_Y_SCALAR) {
            lw_err_set(ps->err, LW_ERR_INPUT,
                       _("%s:%u: a key must be text, not a mapping or a "
                         "list"),
                       ps->name, node->line);
            lw_yaml_free(node);
            return LW_ERR_INPUT;
        }
        for (i = 0; i < f->count; i += 2) {
            if (strcmp(f->node->items[i]->value, node->value) != 0)
                continue;
            lw_yaml_sanitize(node->value, shown, sizeof(shown));
            lw_err_set(ps->err, LW_ERR_INPUT,
                       _("%s:%u: duplicate key \"%s\" (it is already at line "
                         "%u)"),
                       ps->name, node->line, shown, f->node->items[i]->line);
            lw_err_hint(ps->err, "%s",
                        _("Keep one of the two lines and remove the other."));
            lw_yaml_free(node);
            return LW_ERR_INPUT;
        }
    }
    if (f->count == f->cap) {
        cap = f->cap != 0 ? 2 * f->cap : 8;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): items are pointers */
        items = realloc(f->node->items, cap * sizeof(*items));
        if (items == NULL) {
            lw_yaml_free(node);
            return lw_err_set(ps->err, LW_ERR_NOMEM, "%s", _("out of memory"));
        }
        f->node->items = items;
        f->cap = cap;
    }
    f->node->items[f->count++] = node;
    /* n counts whole pairs only, so a tree cut short by an error frees
     * cleanly; a key still waiting for its value is freed by
     * free_dangling(). */
    f->node->n = f->node->type == LW_Y_MAP ? f->count / 2 : f->count;
    return LW_OK;
}

/* After an error: free the keys of open mappings whose values never
 * came (lw_yaml_free does not see them). */
static void
free_dangling(struct parse *ps)
{
    size_t i;
    struct frame *f;

    for (i = 0; i < ps->depth; i++) {
        f = &ps->stack[i];
        if (f->node->type == LW_Y_MAP && f->count % 2 == 1) {
            lw_yaml_free(f->node->items[f->count - 1]);
            f->count--;
        }
    }
}

static enum lw_status
on_scalar(struct parse *ps, yaml_event_t *ev)
{
    struct lw_ynode *node;
    unsigned line = (unsigned)ev->start_mark.line + 1;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    enum lw_status st;

    st = refuse_anchor(ps, ev->data.scalar.anchor, line);
    if (st == LW_OK)
        st = check_tag(ps, ev->data.scalar.tag, LW_Y_SCALAR, line, &plain);
    if (st != LW_OK)
        return st;
    if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length) != NULL)
        return lw_err_set(ps->err, LW_ERR_INPUT,
                          _("%s:%u: the text contains a NUL character"),
                          ps->name, line);
    node = new_node(ps, LW_Y_SCALAR, &ev->start_mark);
    if (node == NULL)
        return ps->err != NULL ? ps->err->status : LW_ERR_INPUT;
    node->plain = plain;
    node->value =
        strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
    if (node->value == NULL) {
        free(node);
        return lw_err_set(ps->err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    return attach(ps, node);
}

static enum lw_status
on_start(struct parse *ps, yaml_event_t *ev, enum lw_ynode_type type)
{
    struct lw_ynode *node;
    const yaml_char_t *anchor, *tag;
    unsigned line = (unsigned)ev->start_mark.line + 1;
    bool plain = false;
    enum lw_status st;

    if (type == LW_Y_MAP) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    } else {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    }
    st = refuse_anchor(ps, anchor, line);
    if (st == LW_OK)
        st = check_tag(ps, tag, type, line, &plain);
    if (st != LW_OK)
        return st;
    if (ps->depth == LW_YAML_MAX_DEPTH)
        return lw_err_set(ps->err, LW_ERR_INPUT,
                          _("%s:%u: nested deeper than %d levels"), ps->name,
                          line, LW_YAML_MAX_DEPTH);
    node = new_node(ps, type, &ev->start_mark);
    if (node == NULL)
        return ps->err != NULL ? ps->err->status : LW_ERR_INPUT;
    st = attach(ps, node);
    if (st != LW_OK)
        return st;
    ps->stack[ps->depth].node = node;
    ps->stack[ps->depth].count = 0;
    ps->stack[ps->depth].cap = 0;
    ps->depth++;
    return LW_OK;
}

/* Line (1-based) of byte offset off in data: libyaml's reader errors give
 * an offset, not a mark. */
static unsigned
line_of_offset(const char *data, size_t len, size_t off)
{
    unsigned line = 1;
    size_t i;

    for (i = 0; i < off && i < len; i++)
        if (data[i] == '\n')
            line++;
    return line;
}

static enum lw_status
parser_error(struct parse *ps, const yaml_parser_t *p, const char *data,
             size_t len)
{
    const char *problem = p->problem != NULL ? p->problem : "unknown error";

    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return lw_err_set(ps->err, LW_ERR_NOMEM, "%s", _("out of memory"));
    case YAML_READER_ERROR:
        /* Not text at all (bad UTF-8, control characters, NUL). */
        lw_err_set(ps->err, LW_ERR_INPUT,
                   _("%s:%u: not a readable YAML text file: %s"), ps->name,
                   line_of_offset(data, len, p->problem_offset), problem);
        lw_err_hint(ps->err, "%s",
                    _("The file must be UTF-8 text; is it the right file?"));
        return LW_ERR_INPUT;
    default:
        if (p->context != NULL)
            /* TRANSLATORS: the last two are libyaml's own English text,
             * e.g. "did not find expected key (while parsing a block
             * mapping that starts at line 2)". */
            lw_err_set(ps->err, LW_ERR_INPUT,
                       _("%s:%zu: not valid YAML: %s (%s that starts at line "
                         "%zu)"),
                       ps->name, p->problem_mark.line + 1, problem, p->context,
                       p->context_mark.line + 1);
        else
            lw_err_set(ps->err, LW_ERR_INPUT, _("%s:%zu: not valid YAML: %s"),
                       ps->name, p->problem_mark.line + 1, problem);
        lw_err_hint(ps->err, "%s",
                    _("Check the indentation and the quoting on that line "
                      "and the lines before it."));
        return LW_ERR_INPUT;
    }
}

enum lw_status
lw_yaml_parse(const char *data, size_t len, const char *name,
              struct lw_ynode **root, struct lw_err *err)
{
    struct parse ps;
    yaml_parser_t parser;
    yaml_event_t ev;
    enum lw_status st = LW_OK;
    unsigned docs = 0;
    bool done = false;
    yaml_mark_t zero = {0, 0, 0};

    *root = NULL;
    memset(&ps, 0, sizeof(ps));
    ps.name = name;
    ps.err = err;
    if (len > LW_YAML_MAX_BYTES)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s is larger than %d bytes; is it the right "
                            "file?"),
                          name, LW_YAML_MAX_BYTES);
    if (!yaml_parser_initialize(&parser))
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    while (!done && st == LW_OK) {
        if (!yaml_parser_parse(&parser, &ev)) {
            st = parser_error(&ps, &parser, data, len);
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                st = lw_err_set(err, LW_ERR_INPUT,
                                _("%s:%zu: a second YAML document; the file "
                                  "must hold only one"),
                                name, ev.start_mark.line + 1);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_ALIAS_EVENT:
            st = lw_err_set(err, LW_ERR_INPUT,
                            _("%s:%zu: aliases (*name) are not allowed"), name,
                            ev.start_mark.line + 1);
            lw_err_hint(err, "%s",
                        _("Write the value out in full instead of using "
                          "anchors and aliases."));
            break;
        case YAML_SCALAR_EVENT:
            st = on_scalar(&ps, &ev);
            break;
        case YAML_MAPPING_START_EVENT:
            st = on_start(&ps, &ev, LW_Y_MAP);
            break;
        case YAML_SEQUENCE_START_EVENT:
            st = on_start(&ps, &ev, LW_Y_SEQ);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (ps.depth > 0)
                ps.depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (st != LW_OK)
        goto out;

    /* An empty file, or a document that is only "~", holds no settings:
     * the same as an empty mapping. */
    if (ps.root == NULL || lw_yaml_is_null(ps.root)) {
        lw_yaml_free(ps.root);
        ps.root = new_node(&ps, LW_Y_MAP, &zero);
        if (ps.root == NULL) {
            st = err != NULL ? err->status : LW_ERR_NOMEM;
            goto out;
        }
        ps.root->line = 1;
    }
    *root = ps.root;
    ps.root = NULL;
out:
    if (st != LW_OK)
        free_dangling(&ps);
    lw_yaml_free(ps.root);
    return st;
}

/* ---- typed reads ------------------------------------------------------- */

enum lw_status
lw_yaml_check_keys(const struct lw_ynode *map, const char *name,
                   const char *path, const char *const allowed[],
                   struct lw_err *err)
{
    char kp[KEYPATH_MAX], found[SHOW_MAX * 4 + 8], list[512];
    size_t i, j, o;
    bool ok;

    if (map == NULL)
        return LW_OK;
    if (map->type != LW_Y_MAP) {
        describe(map, found, sizeof(found));
        if (path == NULL || *path == '\0')
            return lw_err_set(err, LW_ERR_INPUT,
                              _("%s:%u: the file must be a mapping of "
                                "\"key: value\" lines, found %s"),
                              name, map->line, found);
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s:%u: %s must be a mapping of \"key: value\" "
                            "lines, found %s"),
                          name, map->line, path, found);
    }
    for (i = 0; i < map->n; i++) {
        const struct lw_ynode *k = map->items[2 * i];

        ok = false;
        for (j = 0; allowed[j] != NULL && !ok; j++)
            ok = strcmp(k->value, allowed[j]) == 0;
        if (ok)
            continue;
        list[0] = '\0';
        for (j = 0, o = 0; allowed[j] != NULL; j++) {
            int w = snprintf(list + o, sizeof(list) - o, "%s%s",
                             j > 0 ? ", " : "", allowed[j]);
            if (w < 0 || (size_t)w >= sizeof(list) - o)
                break;
            o += (size_t)w;
        }
        keypath(kp, sizeof(kp), path, k->value);
        /* TRANSLATORS: the last %s is a list of key names, which stay
         * untranslated: "domain, region, method". */
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s:%u: unknown key \"%s\"; the accepted keys "
                            "here are: %s"),
                          name, k->line, kp, list);
    }
    return LW_OK;
}

/* Find map[key]; LW_OK with *node NULL when absent (or null) and not
 * required. */
static enum lw_status
lookup(const struct lw_ynode *map, const char *name, const char *path,
       const char *key, bool required, const struct lw_ynode **node,
       struct lw_err *err)
{
    const struct lw_ynode *v = lw_yaml_get(map, key);
    char kp[KEYPATH_MAX];

    *node = NULL;
    if (v != NULL && !lw_yaml_is_null(v)) {
        *node = v;
        return LW_OK;
    }
    if (!required)
        return LW_OK;
    keypath(kp, sizeof(kp), path, key);
    if (v != NULL)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s:%u: %s is empty; it needs a value"), name,
                          v->line, kp);
    return lw_err_set(err, LW_ERR_INPUT,
                      _("%s: the required key \"%s\" is missing"), name, kp);
}

enum lw_status
lw_yaml_str(const struct lw_ynode *map, const char *name, const char *path,
            const char *key, bool required, const char **out,
            struct lw_err *err)
{
    const struct lw_ynode *v;
    char kp[KEYPATH_MAX];
    enum lw_status st;

    st = lookup(map, name, path, key, required, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    if (v->type != LW_Y_SCALAR) {
        keypath(kp, sizeof(kp), path, key);
        /* TRANSLATORS: what was expected: completes "expected a text value,
         * found ...". */
        return wrong_type(v, name, kp, _("a text value"), err);
    }
    *out = v->value;
    return LW_OK;
}

enum lw_status
lw_yaml_bool(const struct lw_ynode *map, const char *name, const char *path,
             const char *key, bool required, bool *out, struct lw_err *err)
{
    const struct lw_ynode *v;
    char kp[KEYPATH_MAX];
    enum lw_status st;

    st = lookup(map, name, path, key, required, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    if (v->type == LW_Y_SCALAR && v->plain) {
        if (strcasecmp(v->value, "true") == 0) {
            *out = true;
            return LW_OK;
        }
        if (strcasecmp(v->value, "false") == 0) {
            *out = false;
            return LW_OK;
        }
    }
    keypath(kp, sizeof(kp), path, key);
    /* TRANSLATORS: what was expected: completes "expected true or false,
     * found ..."; true and false are YAML words: keep them. */
    return wrong_type(v, name, kp, _("true or false"), err);
}

enum lw_status
lw_yaml_uint(const struct lw_ynode *map, const char *name, const char *path,
             const char *key, bool required, unsigned long max,
             unsigned long *out, struct lw_err *err)
{
    const struct lw_ynode *v;
    char kp[KEYPATH_MAX];
    unsigned long val = 0;
    const char *p;
    enum lw_status st;

    st = lookup(map, name, path, key, required, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    keypath(kp, sizeof(kp), path, key);
    if (v->type != LW_Y_SCALAR || !v->plain || v->value[0] == '\0')
        /* TRANSLATORS: what was expected: completes "expected a whole
         * number, found ...". */
        return wrong_type(v, name, kp, _("a whole number"), err);
    for (p = v->value; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return wrong_type(v, name, kp, _("a whole number"), err);
        if (val > (ULONG_MAX - (unsigned long)(*p - '0')) / 10) {
            val = ULONG_MAX;
            break;
        }
        val = val * 10 + (unsigned long)(*p - '0');
    }
    if (val > max)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s:%u: %s: the number is too large; the largest "
                            "accepted is %lu"),
                          name, v->line, kp, max);
    *out = val;
    return LW_OK;
}

void
lw_strv_free(char **v)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

enum lw_status
lw_yaml_strv(const struct lw_ynode *map, const char *name, const char *path,
             const char *key, bool required, char ***out, size_t *n,
             struct lw_err *err)
{
    const struct lw_ynode *v, *const *items;
    char kp[KEYPATH_MAX];
    char **vec;
    size_t count, i;
    enum lw_status st;

    st = lookup(map, name, path, key, required, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    keypath(kp, sizeof(kp), path, key);
    if (v->type == LW_Y_MAP)
        return wrong_type(v, name, kp, _("a list of text values"), err);
    if (v->type == LW_Y_SCALAR) {
        items = (const struct lw_ynode *const *)&v;
        count = 1;
    } else {
        items = (const struct lw_ynode *const *)v->items;
        count = v->n;
    }
    for (i = 0; i < count; i++)
        if (items[i]->type != LW_Y_SCALAR || lw_yaml_is_null(items[i]))
            return wrong_type(items[i], name, kp, _("a list of text values"),
                              err);
    vec = calloc(count + 1, sizeof(*vec));
    if (vec == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    for (i = 0; i < count; i++) {
        vec[i] = strdup(items[i]->value);
        if (vec[i] == NULL) {
            lw_strv_free(vec);
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        }
    }
    *out = vec;
    *n = count;
    return LW_OK;
}

/* ---- emitter ----------------------------------------------------------- */

struct lw_yemit {
    yaml_emitter_t em;
    struct lw_buf *out;
    enum lw_status status;
    struct lw_err err; /* the first error */
};

static int
write_out(void *data, unsigned char *buffer, size_t size)
{
    struct lw_yemit *e = data;

    lw_buf_append(e->out, buffer, size);
    return lw_buf_ok(e->out);
}

static void
fail(struct lw_yemit *e)
{
    if (e->status != LW_OK)
        return;
    if (!lw_buf_ok(e->out) || e->em.error == YAML_MEMORY_ERROR) {
        e->status = lw_err_set(&e->err, LW_ERR_NOMEM, "%s", _("out of memory"));
        return;
    }
    e->status = lw_err_set(
        &e->err, LW_ERR_INTERNAL, _("internal error: cannot write YAML: %s"),
        e->em.problem != NULL ? e->em.problem : "unknown error");
}

/* Emit ev, which the emitter takes over whether or not it succeeds. */
static void
emit(struct lw_yemit *e, yaml_event_t *ev)
{
    if (e->status != LW_OK) {
        yaml_event_delete(ev);
        return;
    }
    if (!yaml_emitter_emit(&e->em, ev))
        fail(e);
}

enum lw_status
lw_yemit_begin(struct lw_yemit **out, struct lw_buf *buf, struct lw_err *err)
{
    struct lw_yemit *e;
    yaml_event_t ev;

    *out = NULL;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    if (!yaml_emitter_initialize(&e->em)) {
        free(e);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    e->out = buf;
    yaml_emitter_set_output(&e->em, write_out, e);
    yaml_emitter_set_unicode(&e->em, 1);
    /* Never fold long values (paths, ARNs) over several lines. */
    yaml_emitter_set_width(&e->em, -1);
    yaml_emitter_set_indent(&e->em, 2);
    if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
        emit(e, &ev);
    else
        fail(e);
    if (yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
        emit(e, &ev);
    else
        fail(e);
    *out = e;
    return LW_OK;
}

void
lw_yemit_map_start(struct lw_yemit *e)
{
    yaml_event_t ev;

    if (e->status != LW_OK)
        return;
    if (yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                            YAML_BLOCK_MAPPING_STYLE))
        emit(e, &ev);
    else
        fail(e);
}

void
lw_yemit_map_end(struct lw_yemit *e)
{
    yaml_event_t ev;

    if (e->status != LW_OK)
        return;
    if (yaml_mapping_end_event_initialize(&ev))
        emit(e, &ev);
    else
        fail(e);
}

void
lw_yemit_seq_start(struct lw_yemit *e, bool flow)
{
    yaml_event_t ev;

    if (e->status != LW_OK)
        return;
    if (yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                             flow ? YAML_FLOW_SEQUENCE_STYLE
                                                  : YAML_BLOCK_SEQUENCE_STYLE))
        emit(e, &ev);
    else
        fail(e);
}

void
lw_yemit_seq_end(struct lw_yemit *e)
{
    yaml_event_t ev;

    if (e->status != LW_OK)
        return;
    if (yaml_sequence_end_event_initialize(&ev))
        emit(e, &ev);
    else
        fail(e);
}

/* Would a YAML reader (1.1 or 1.2) take this plain text for a null, a
 * boolean, a number, a date or a merge key?  Then it must be quoted. */
static bool
looks_typed(const char *s)
{
    static const char *const words[] = {"~",   "null", "true", "false",
                                        "yes", "no",   "on",   "off",
                                        "y",   "n",    "<<",   NULL};
    size_t i;

    if (*s == '\0')
        return true;
    for (i = 0; words[i] != NULL; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    if (s[0] >= '0' && s[0] <= '9')
        return true;
    if (s[0] == '.')
        return true;
    if ((s[0] == '+' || s[0] == '-') &&
        ((s[1] >= '0' && s[1] <= '9') || s[1] == '.'))
        return true;
    return false;
}

static bool
utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;

    while (*p != '\0') {
        /* C1 controls are valid UTF-8; libyaml escapes them. */
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            p += 2;
            continue;
        }
        n = utf8_len(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

/* Line breaks and tabs read most clearly as "\n" and "\t". */
static bool
has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20)
            return true;
    return false;
}

static void
scalar(struct lw_yemit *e, const char *s, bool typed)
{
    yaml_event_t ev;
    yaml_scalar_style_t style;
    char shown[SHOW_MAX * 4 + 4];

    if (e->status != LW_OK)
        return;
    if (s == NULL) {
        s = "~";
        typed = true;
    }
    if (!utf8_valid(s)) {
        lw_yaml_sanitize(s, shown, sizeof(shown));
        e->status = lw_err_set(&e->err, LW_ERR_INPUT,
                               _("cannot write \"%s\" to a YAML file: it is "
                                 "not valid UTF-8 text"),
                               shown);
        return;
    }
    if (typed)
        style = YAML_PLAIN_SCALAR_STYLE;
    else if (looks_typed(s) || has_control(s))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    else
        style = YAML_ANY_SCALAR_STYLE; /* plain unless libyaml must quote */
    if (yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s,
                                     (int)strlen(s), 1, 1, style))
        emit(e, &ev);
    else
        fail(e);
}

void
lw_yemit_str(struct lw_yemit *e, const char *s)
{
    scalar(e, s, false);
}

void
lw_yemit_plain(struct lw_yemit *e, const char *s)
{
    scalar(e, s, true);
}

void
lw_yemit_kv(struct lw_yemit *e, const char *key, const char *s)
{
    scalar(e, key, false);
    scalar(e, s, false);
}

void
lw_yemit_kv_plain(struct lw_yemit *e, const char *key, const char *s)
{
    scalar(e, key, false);
    scalar(e, s, true);
}

enum lw_status
lw_yemit_end(struct lw_yemit *e, struct lw_err *err)
{
    yaml_event_t ev;
    enum lw_status st;

    if (e == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: no YAML writer"));
    if (e->status == LW_OK) {
        if (yaml_document_end_event_initialize(&ev, 1))
            emit(e, &ev);
        else
            fail(e);
    }
    if (e->status == LW_OK) {
        if (yaml_stream_end_event_initialize(&ev))
            emit(e, &ev);
        else
            fail(e);
    }
    if (e->status == LW_OK && !yaml_emitter_flush(&e->em))
        fail(e);
    if (e->status == LW_OK && !lw_buf_ok(e->out))
        fail(e);
    st = e->status;
    if (st != LW_OK && err != NULL)
        *err = e->err;
    yaml_emitter_delete(&e->em);
    free(e);
    return st;
}
