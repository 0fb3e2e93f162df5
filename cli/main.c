/* jumeau: global options, then one subcommand from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "imp.h"
#include "log.h"

struct command {
    const char *name;
    enum jm_status (*run)(struct cli_ctx *ctx, struct err *e);
    const char *summary;
};

static const struct command commands[] = {
    {"db", cmd_db, "init | start | stop | status | migrate: the database"},
    {"import", cmd_import, "cadastre|buildings|network|citygml|cityjson|ifc FILE: load a dataset"},
    {"datasets", cmd_datasets, "list | show NAME | set NAME KEY=VALUE | drop NAME: the catalogue"},
    {"serve", cmd_serve, "[--listen HOST:PORT]: the HTTP server (OGC API, tiles, viewer)"},
    {"tile", cmd_tile, "mvt NAME… --out FILE | 3d NAME --out DIR: build tile archives"},
    {"keys", cmd_keys, "add NAME --role partner|internal | list | revoke NAME: API keys"},
    {"extract", cmd_not_yet, "NAME… --bbox …|--area FILE --format F --out FILE: download an area"},
    {"demo", cmd_demo, "load the sample city and serve it"},
};

static void print_help(void)
{
    printf("jumeau %s: the digital twin of a city, from PostGIS to OGC APIs, vector tiles and 3D Tiles.\n\n"
           "usage: jumeau [global options] COMMAND [arguments]\n\ncommands:\n",
           JUMEAU_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-9s %s\n", commands[i].name, commands[i].summary);
    printf("\nglobal options:\n"
           "  --db URL        an external PostgreSQL + PostGIS (or JUMEAU_DB); default: a private\n"
           "                  cluster under the home folder\n"
           "  --home DIR      the home folder (or JUMEAU_HOME; default ./.jumeau)\n"
           "  -v, --verbose   say more (twice for debug)\n"
           "  -q, --quiet     say only errors\n"
           "  -h, --help      this help; 'jumeau COMMAND --help' for a command's\n"
           "  --version       the version\n\n"
           "exit status: 0 success, 1 bad input, 2 environment or internal error\n");
}

/* Removes the global options from argv (they may come before or after the command) and
 * records them in `flags`. Returns the new argc, or -1 with `e` set. */
static int take_global_options(int argc, char **argv, struct config_flags *flags, bool *help, bool *version,
                               struct err *e)
{
    int out = 1;
    bool command_seen = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strcmp(a, "--") == 0) { /* the rest belongs to the command */
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(a, "--db") == 0 || strncmp(a, "--db=", 5) == 0)
            target = &flags->db_url;
        else if (strcmp(a, "--home") == 0 || strncmp(a, "--home=", 7) == 0)
            target = &flags->home;
        if (target) {
            const char *eq = strchr(a, '=');
            if (eq) {
                *target = eq + 1;
            } else if (i + 1 < argc) {
                *target = argv[++i];
            } else {
                err_set(e, JM_EINPUT, "option %s needs a value", a);
                return -1;
            }
            continue;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            flags->verbosity++;
        } else if (strcmp(a, "-vv") == 0) {
            flags->verbosity += 2;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            flags->verbosity = -1;
        } else if (strcmp(a, "--version") == 0) {
            *version = true;
        } else if (!command_seen && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            *help = true;
        } else {
            if (a[0] != '-')
                command_seen = true;
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    struct err e;
    err_clear(&e);
    struct config_flags flags = {0};
    bool help = false, version = false;
    int n = take_global_options(argc, argv, &flags, &help, &version, &e);
    if (n < 0) {
        fprintf(stderr, "jumeau: error: %s\n", e.msg);
        return 1;
    }
    if (version) {
        printf("jumeau %s\n", JUMEAU_VERSION);
        return 0;
    }
    if (help || n < 2 || strcmp(argv[1], "help") == 0) {
        print_help();
        return n < 2 && !help ? 1 : 0;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, argv[1]) == 0)
            cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "jumeau: error: unknown command '%s' (see jumeau --help)\n", argv[1]);
        return 1;
    }
    struct cli_ctx ctx = {.argc = n - 1, .argv = argv + 1, .quiet = flags.verbosity < 0};
    if (config_resolve(&ctx.cfg, &flags, NULL, &e) != JM_OK) {
        fprintf(stderr, "jumeau: error: %s\n", e.msg);
        return err_exit_status(e.code);
    }
    log_set_level(ctx.cfg.log_level);
    imp_init();
    enum jm_status rc = cmd->run(&ctx, &e);
    if (rc != JM_OK) {
        /* one error, one line: libraries' messages may hold newlines */
        for (char *c = e.msg; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        fprintf(stderr, "jumeau: error: %s\n", e.msg[0] ? e.msg : err_code_name(rc));
        return err_exit_status(rc);
    }
    return 0;
}
