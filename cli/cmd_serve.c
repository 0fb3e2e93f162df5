/* jumeau serve [--listen HOST:PORT] [--threads N] */
#include <stdio.h>

#include "cli.h"
#include "server.h"

static const struct cli_opt opts[] = {
    {"--listen", "HOST:PORT", "the address to serve on (default 127.0.0.1:8080, or JUMEAU_LISTEN)"},
    {"--threads", "N", "worker threads (default: the number of cores)"},
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
    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    return server_run(&ctx->cfg, t.conninfo, !ctx->quiet, e);
}
