/* cli: the `jumeau` command: global options, the subcommand table, and the helpers the
 * subcommands share. Exit statuses follow err_exit_status(): 0 ok, 1 the user's input,
 * 2 the environment or an internal error (ARCHITECTURE.md). */
#ifndef JUMEAU_CLI_H
#define JUMEAU_CLI_H

#include <stdbool.h>

#include "config.h"
#include "db_target.h"
#include "err.h"

/* What every subcommand gets: the resolved configuration and its own arguments. */
struct cli_ctx {
    struct config cfg;
    bool quiet;
    int argc;          /* the subcommand's arguments, global options removed; argv[0] is its name */
    char **argv;
};

/* One option of a subcommand. */
struct cli_opt {
    const char *name;  /* "--layer" */
    const char *arg;   /* "L" when it takes a value, NULL for a switch */
    const char *help;
};

#define CLI_MAX_OPTS 24
#define CLI_MAX_POSITIONAL 16

struct cli_parsed {
    const char *value[CLI_MAX_OPTS]; /* by index in the option table; "" for a given switch */
    const char *pos[CLI_MAX_POSITIONAL];
    int npos;
    bool help;
};

/* Parses argv[first..argc) against `opts` (NULL-name terminated). Unknown options and missing
 * values are JM_EINPUT naming the option and the command. */
enum jm_status cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, const char *command,
                         struct cli_parsed *out, struct err *e);

/* What `jumeau CMD --help` prints. */
struct cli_help {
    const char *command;
    const char *usage;
    const char *summary;
    const struct cli_opt *opts; /* NULL-name terminated, or NULL */
};

/* Every subcommand's prologue: parses its arguments against help->opts and, when --help
 * was given, prints the help and sets p->help (the caller then returns JM_OK). */
enum jm_status cli_begin(struct cli_ctx *ctx, const struct cli_help *help, struct cli_parsed *p, struct err *e);

/* The value of option `name` in `p` (parsed against `opts`), or NULL. */
const char *cli_get(const struct cli_parsed *p, const struct cli_opt *opts, const char *name);

/* Prints a usage block: `usage` line, `summary`, and the options. */
void cli_print_usage(const char *usage, const char *summary, const struct cli_opt *opts);

/* Resolves the database target and makes it ready (starts the private cluster when needed,
 * applies migrations). */
enum jm_status cli_db_ready(struct cli_ctx *ctx, struct db_target *t, struct err *e);

/* "cli:<user>": who did it, for the audit log. */
void cli_principal(char *out, size_t size);

/* Subcommands. Each returns a status; main() prints the error and maps it to an exit code. */
enum jm_status cmd_db(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_import(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_datasets(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_serve(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_demo(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_keys(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_tile(struct cli_ctx *ctx, struct err *e);
enum jm_status cmd_not_yet(struct cli_ctx *ctx, struct err *e);

#endif
