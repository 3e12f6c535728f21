/* gnnrec: the command-line entry point.  Each command lives in cli/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "cli/common.h"

static const gr_cli_command commands[] = {
    {"stats", gr_cmd_stats, "statistics of an interaction file (counts, degrees, components, Gini)"},
    {"split", gr_cmd_split, "reproducible train/test(/validation) split into adjacency-list files"},
    {"convert", gr_cmd_convert, "read any supported format, filter (rating, degree, k-core), write it back"},
    {"train", gr_cmd_train, "train LightGCN or MF from a config; validation, early stopping, model file"},
    {"eval", gr_cmd_eval, "full-ranking evaluation of a model: recall, ndcg, ... at K"},
    {"recommend", gr_cmd_recommend, "top-K unseen items per user as TSV; folds in new users from their history"},
    {"export", gr_cmd_export, "user or item embeddings as NumPy .npy or TSV"},
    {"curve", gr_cmd_curve, "plot training logs: a metric against epochs or seconds, as SVG"},
    {"compare", gr_cmd_compare, "train and test several models on the same data: table, JSON, HTML report"},
    {"generate", gr_cmd_generate, "synthetic interactions with planted communities and power-law degrees"},
};

static void usage(FILE *f)
{
    fprintf(f, "gnnrec: a graph-neural-network recommender (LightGCN on GraphBLAS)\n\n"
               "usage: gnnrec COMMAND [options]   (gnnrec COMMAND --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return GR_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return GR_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gnnrec: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return GR_EXIT_USAGE;
}
