/* libFuzzer target: the INI config parser and key=value overrides.
 *
 * The input is split at NUL bytes: the first piece is a config file's text
 * (gr_config_load_string), each further piece one command-line override
 * (gr_config_set_arg), as `gnnrec train --config F k=v ...` applies them.
 * A config that passes gr_config_check must survive gr_config_format and
 * load back to an equal config: that is what a model file and a compare
 * report rely on, so a difference aborts like a crash.  Seeds: configs/ and
 * configs/ with a few overrides appended (fuzz/run.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16)) return 0;
    char *text = malloc(size + 1);
    if (text == NULL) abort();
    memcpy(text, data, size);
    text[size] = 0;
    char msg[GR_MSG_LEN];
    gr_config c;
    gr_config_default(&c);
    size_t at = strlen(text) + 1;
    if (gr_config_load_string(&c, text, "fuzz.ini", msg) != GR_OK) gr_config_default(&c);
    while (at <= size) {
        const char *arg = text + at;
        (void)gr_config_set_arg(&c, arg, msg);
        at += strlen(arg) + 1;
    }
    if (gr_config_check(&c, msg) == GR_OK) {
        char *out = NULL;
        size_t len = 0;
        gr_config back;
        if (gr_config_format(&c, &out, &len, msg) != GR_OK) abort();
        if (gr_config_load_string(&back, out, "formatted.ini", msg) != GR_OK || !gr_config_equal(&c, &back)) abort();
        free(out);
    }
    free(text);
    return 0;
}
