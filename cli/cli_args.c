#include <pwd.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "cli.h"
#include "db.h"

enum jm_status cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, const char *command,
                         struct cli_parsed *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    bool options_done = false;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            out->help = true;
            continue;
        }
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            /* --name=value or --name value */
            const char *eq = strchr(a, '=');
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            int found = -1;
            for (int k = 0; opts && opts[k].name; k++)
                if (strlen(opts[k].name) == n && strncmp(opts[k].name, a, n) == 0)
                    found = k;
            if (found < 0)
                return err_set(e, JM_EINPUT, "unknown option '%.*s' for 'jumeau %s' (see jumeau %s --help)", (int)n, a,
                               command, command);
            if (opts[found].arg) {
                if (eq) {
                    out->value[found] = eq + 1;
                } else if (i + 1 < argc) {
                    out->value[found] = argv[++i];
                } else {
                    return err_set(e, JM_EINPUT, "option %s of 'jumeau %s' needs a value (%s)", opts[found].name,
                                   command, opts[found].arg);
                }
            } else {
                if (eq)
                    return err_set(e, JM_EINPUT, "option %s of 'jumeau %s' takes no value", opts[found].name,
                                   command);
                out->value[found] = "";
            }
            continue;
        }
        if (out->npos == CLI_MAX_POSITIONAL)
            return err_set(e, JM_EINPUT, "too many arguments for 'jumeau %s'", command);
        out->pos[out->npos++] = a;
    }
    return JM_OK;
}

const char *cli_get(const struct cli_parsed *p, const struct cli_opt *opts, const char *name)
{
    for (int k = 0; opts && opts[k].name; k++)
        if (strcmp(opts[k].name, name) == 0)
            return p->value[k];
    return NULL;
}

void cli_print_usage(const char *usage, const char *summary, const struct cli_opt *opts)
{
    printf("usage: %s\n\n%s\n", usage, summary);
    if (opts && opts[0].name) {
        printf("\noptions:\n");
        for (int k = 0; opts[k].name; k++) {
            char left[64];
            snprintf(left, sizeof left, "%s%s%s", opts[k].name, opts[k].arg ? " " : "", opts[k].arg ? opts[k].arg : "");
            printf("  %-24s %s\n", left, opts[k].help);
        }
    }
    printf("\nglobal options: --db URL, --home DIR, -v/--verbose, -q/--quiet, --help, --version\n");
}

void cli_principal(char *out, size_t size)
{
    struct passwd *pw = getpwuid(geteuid());
    snprintf(out, size, "cli:%.59s", pw ? pw->pw_name : "unknown");
}

enum jm_status cli_begin(struct cli_ctx *ctx, const struct cli_help *help, struct cli_parsed *p, struct err *e)
{
    enum jm_status rc = cli_parse(ctx->argc, ctx->argv, 1, help->opts, help->command, p, e);
    if (!rc && p->help)
        cli_print_usage(help->usage, help->summary, help->opts);
    return rc;
}

enum jm_status cli_db_ready(struct cli_ctx *ctx, struct db_target *t, struct err *e)
{
    enum jm_status rc = db_target_resolve(t, &ctx->cfg, e);
    if (!rc)
        rc = db_target_ready(t, false, NULL, e);
    return rc;
}

enum jm_status cmd_not_yet(struct cli_ctx *ctx, struct err *e)
{
    for (int i = 1; i < ctx->argc; i++)
        if (strcmp(ctx->argv[i], "--help") == 0 || strcmp(ctx->argv[i], "-h") == 0) {
            printf("jumeau %s: not yet available in this version of jumeau (see ARCHITECTURE.md for what it will do)\n",
                   ctx->argv[0]);
            return JM_OK;
        }
    return err_set(e, JM_ENOTYET, "'jumeau %s' is not yet available in this version of jumeau", ctx->argv[0]);
}
