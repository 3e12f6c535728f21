/* Internal to gnn/config.c and gnn/config_ini.c -- NOT a public API; the
 * public header is gnn/config.h.  The table of config keys (defined in
 * config.c) and the one-key setter that both the INI loader and command-line
 * overrides go through. */
#ifndef GR_CONFIG_KEYS_H
#define GR_CONFIG_KEYS_H

#include <stddef.h>

#include "gnn/config.h"

#define GR_CONFIG_N_KEYS 48  /* entries of gr_config_keys (checked in config.c) */
#define WHY_LEN 160          /* room for what a bad value should have looked like */

typedef enum { T_PATH, T_U32, T_U64, T_DOUBLE, T_OPT_DOUBLE, T_ENUM, T_WEIGHTS, T_TOPK, T_METRIC } key_type;

typedef struct {
    const char *section, *key;
    key_type type;
    size_t off;
    double lo, hi;   /* numeric bounds */
    int lo_open;     /* lo itself is excluded (lr > 0) */
    int hi_open;
    const char *const *names; /* T_ENUM */
    const char *comment;      /* one line, written above the key */
} key_def;

/* Every key, grouped by section in the order a config file lists them. */
extern const key_def *const gr_config_keys;

/* The key called `name` (without a section), or NULL. */
const key_def *gr_config_find_key(const char *name);
/* Sets one key; on a bad value returns -1 with *why (WHY_LEN bytes) saying
 * what was expected. */
int gr_config_set_value(gr_config *c, const key_def *k, const char *v, char *why);
/* names[v], or "?" when v is out of range. */
const char *gr_config_enum_name(const char *const *names, int v);

#endif
