/* jumeau serve [--listen HOST:PORT] [--threads N] */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "server.h"

static const struct cli_opt opts[] = {
    {"--listen", "HOST:PORT", "the address to serve on (default 127.0.0.1:8080, or JUMEAU_LISTEN)"},
    {"--threads", "N", "worker threads (default: the number of cores)"},
    {"--archive", "NAME=FILE,…", "answer /tiles/NAME/… from pre-built archives (jumeau tile mvt)"},
    {NULL, NULL, NULL},
};

enum jm_status cmd_serve(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"serve", "jumeau serve [--listen HOST:PORT] [--threads N]",
                                         "Serves the datasets over HTTP: OGC API, tiles, catalogue and viewer.", opts};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    if (p.npos)
        return err_set(e, JM_EINPUT, "'jumeau serve' takes no argument '%s'", p.pos[0]);
    const char *listen = cli_get(&p, opts, "--listen");
    const char *threads = cli_get(&p, opts, "--threads");
    if (listen || threads) {
        /* flags win over the environment: resolve again with them */
        struct config_flags flags = {.listen = listen, .threads = threads};
        struct config with_flags;
        if ((rc = config_resolve(&with_flags, &flags, NULL, e)))
            return rc;
        ctx->cfg.listen_port = with_flags.listen_port;
        snprintf(ctx->cfg.listen_host, sizeof ctx->cfg.listen_host, "%s", with_flags.listen_host);
        ctx->cfg.threads = with_flags.threads;
    }
    /* --archive name=file.pmtiles,other=file.mbtiles */
    enum { MAX_ARCHIVES = 16 };
    struct server_archive archives[MAX_ARCHIVES];
    char spec[4096] = "";
    int narchives = 0;
    const char *list = cli_get(&p, opts, "--archive");
    if (list && (size_t)snprintf(spec, sizeof spec, "%s", list) >= sizeof spec)
        return err_set(e, JM_EINPUT, "--archive: the list is too long");
    for (char *item = spec, *next; item && *item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1] || narchives == MAX_ARCHIVES)
            return err_set(e, JM_EINPUT, "--archive: expected NAME=FILE (at most %d), got '%s'", MAX_ARCHIVES, item);
        *eq = '\0';
        if (access(eq + 1, R_OK) != 0)
            return err_set(e, JM_EINPUT, "--archive: cannot read %s", eq + 1);
        archives[narchives++] = (struct server_archive){item, eq + 1};
    }
    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    return server_run(&ctx->cfg, t.conninfo, !ctx->quiet, archives, narchives, e);
}
