/* yamlio.h - YAML documents as a small tree with line numbers, and a YAML
 * writer into a buffer (libyaml).
 *
 * The tree keeps each node's line so errors can name "file:line: key".
 * Anchors, aliases, multiple documents and non-string keys are refused:
 * linkwiz files are plain data. */
#ifndef LW_YAMLIO_H
#define LW_YAMLIO_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/buf.h"
#include "lw/status.h"

/* Limits on what lw_yaml_parse accepts: linkwiz files are small. */
#define LW_YAML_MAX_BYTES (1024 * 1024)
#define LW_YAML_MAX_DEPTH 32
#define LW_YAML_MAX_NODES 100000
#define LW_YAML_MAX_KEYS 1000 /* in one mapping */

enum lw_ynode_type { LW_Y_SCALAR, LW_Y_SEQ, LW_Y_MAP };

struct lw_ynode {
    enum lw_ynode_type type;
    unsigned line;   /* 1-based */
    unsigned column; /* 1-based */
    char *value;     /* scalar: its text (NUL-terminated) */
    bool plain;      /* scalar: unquoted (so `true`, `12`, `~` are typed) */
    size_t n;        /* seq: items; map: pairs */
    struct lw_ynode **items; /* seq: n items; map: 2n, key then value */
};

/* Parse one document.  name is used in messages ("answers.yaml:4: ...").
 * An empty document gives an empty map.  On success *root is owned by the
 * caller (lw_yaml_free).  Refused (LW_ERR_INPUT, naming file and line):
 * YAML syntax errors (libyaml's text), anchors and aliases, tags other than
 * the standard !!str/!!int/!!bool/!!null/!!float/!!map/!!seq, several
 * documents, duplicate keys (both lines named), keys that are mappings or
 * lists, NUL characters in text, nesting deeper than LW_YAML_MAX_DEPTH,
 * more than LW_YAML_MAX_BYTES, LW_YAML_MAX_NODES or (in one mapping)
 * LW_YAML_MAX_KEYS.  A scalar tagged !!str
 * counts as quoted (plain = false). */
enum lw_status lw_yaml_parse(const char *data, size_t len, const char *name,
                             struct lw_ynode **root, struct lw_err *err);
void lw_yaml_free(struct lw_ynode *node);

/* True when node is a plain null scalar: empty, "~", "null". */
bool lw_yaml_is_null(const struct lw_ynode *node);

/* Map lookup; NULL when absent or node is not a map. */
struct lw_ynode *lw_yaml_get(const struct lw_ynode *map, const char *key);

/* Refuse any key of map not in allowed (NULL-terminated): the error names
 * the key, its line and the accepted keys.  path is the dotted key path of
 * map ("" at the top, "nginx" inside nginx:).  Also refuses a map that is
 * not a map ("<path> must be a mapping").  A NULL map (section absent) is
 * accepted. */
enum lw_status lw_yaml_check_keys(const struct lw_ynode *map, const char *name,
                                  const char *path, const char *const allowed[],
                                  struct lw_err *err);

/* Typed reads of map[key].  Absent key: LW_OK with *out untouched when
 * !required, else an error naming the key.  Wrong type: an error naming
 * file, line, key path, what was expected and what was found.  A plain
 * null value (`key:`, `key: ~`) counts as absent.  lw_yaml_str takes any
 * scalar's text (so `country: NO` is "NO"); *out points into the tree.
 * lw_yaml_bool takes plain true/false (any case); lw_yaml_uint plain
 * decimal digits up to max. */
enum lw_status lw_yaml_str(const struct lw_ynode *map, const char *name,
                           const char *path, const char *key, bool required,
                           const char **out, struct lw_err *err);
enum lw_status lw_yaml_bool(const struct lw_ynode *map, const char *name,
                            const char *path, const char *key, bool required,
                            bool *out, struct lw_err *err);
enum lw_status lw_yaml_uint(const struct lw_ynode *map, const char *name,
                            const char *path, const char *key, bool required,
                            unsigned long max, unsigned long *out,
                            struct lw_err *err);
/* A sequence of scalars, or one scalar taken as a one-item list.  *out is
 * a malloc'd NULL-terminated array of malloc'd strings (free with
 * lw_strv_free); *n its length. */
enum lw_status lw_yaml_strv(const struct lw_ynode *map, const char *name,
                            const char *path, const char *key, bool required,
                            char ***out, size_t *n, struct lw_err *err);
void lw_strv_free(char **v);

/* "file:line: " style location of a node, for callers composing their own
 * messages ("file: " when node is NULL). */
void lw_yaml_where(const struct lw_ynode *node, const char *name, char *out,
                   size_t outlen);

/* Untrusted text made fit for a message: control characters and invalid
 * UTF-8 become '?', and text longer than 80 characters (or than outlen
 * allows) is cut on a character boundary and ends in "...".  out is
 * always NUL-terminated (outlen > 0). */
void lw_yaml_sanitize(const char *s, char *out, size_t outlen);

/* YAML writer: a thin, always-quoting-when-needed emitter into a buffer.
 * Call begin, then map/seq/scalars nested properly, then end.  Maps are
 * written in block style; a flow sequence is written [a, b].  lw_yemit_str
 * quotes any text another reader would take for something else ("", "~",
 * "true", "no", "12", "1.5", ".inf"); libyaml itself quotes text that
 * cannot be plain (": ", " #", leading indicators, line breaks).  After
 * the first error the calls do nothing and lw_yemit_end reports it. */
struct lw_yemit;
enum lw_status lw_yemit_begin(struct lw_yemit **out, struct lw_buf *buf,
                              struct lw_err *err);
void lw_yemit_map_start(struct lw_yemit *e);
void lw_yemit_map_end(struct lw_yemit *e);
void lw_yemit_seq_start(struct lw_yemit *e, bool flow);
void lw_yemit_seq_end(struct lw_yemit *e);
void lw_yemit_str(struct lw_yemit *e, const char *s);   /* NULL => ~ */
void lw_yemit_plain(struct lw_yemit *e, const char *s); /* numbers, bools */
void lw_yemit_kv(struct lw_yemit *e, const char *key, const char *s);
void lw_yemit_kv_plain(struct lw_yemit *e, const char *key, const char *s);
/* Finish the document and free e.  Returns the first error seen. */
enum lw_status lw_yemit_end(struct lw_yemit *e, struct lw_err *err);

#endif
