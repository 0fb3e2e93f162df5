/* jumeau keys add NAME --role partner|internal | list | revoke NAME */
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db.h"
#include "sha256.h"

static const struct cli_opt opts[] = {
    {"--role", "ROLE", "partner (open + shared data) or internal (everything, closed attributes included)"},
    {NULL, NULL, NULL},
};

static const char usage[] = "jumeau keys add NAME --role partner|internal | list | revoke NAME";
static const char summary[] =
    "add     make a key for a partner or a member of staff; it is printed once, only its hash is kept\n"
    "list    the keys: name, role, created, revoked\n"
    "revoke  stop a key from working (at once, on every server)";

/* A key: "jmk_" and 43 characters of base64url over 32 random bytes (256 bits). */
static enum jm_status new_key(char out[64], struct err *e)
{
    unsigned char random[32];
    if (RAND_bytes(random, sizeof random) != 1)
        return err_set(e, JM_EENV, "no randomness available to make a key");
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *p = out + snprintf(out, 64, "jmk_");
    unsigned bits = 0, nbits = 0;
    for (size_t i = 0; i < sizeof random; i++) {
        bits = (bits << 8) | random[i];
        nbits += 8;
        while (nbits >= 6) {
            *p++ = alphabet[(bits >> (nbits - 6)) & 63];
            nbits -= 6;
        }
    }
    if (nbits)
        *p++ = alphabet[(bits << (6 - nbits)) & 63];
    *p = '\0';
    return JM_OK;
}

enum jm_status cmd_keys(struct cli_ctx *ctx, struct err *e)
{
    static const struct cli_help help = {"keys", usage, summary, opts};
    struct cli_parsed p;
    enum jm_status rc = cli_begin(ctx, &help, &p, e);
    if (rc || p.help)
        return rc;
    const char *action = p.npos ? p.pos[0] : "list";
    const char *role = cli_get(&p, opts, "--role");
    if (strcmp(action, "add") == 0) {
        if (p.npos != 2 || !role)
            return err_set(e, JM_EINPUT, "keys add needs a NAME and --role partner|internal (usage: %s)", usage);
        if (strcmp(role, "partner") && strcmp(role, "internal"))
            return err_set(e, JM_EINPUT, "--role: expected partner or internal, got '%s'", role);
    } else if ((strcmp(action, "revoke") == 0 && p.npos != 2) || (strcmp(action, "list") == 0 && p.npos > 1)) {
        return err_set(e, JM_EINPUT, "wrong arguments for 'keys %s' (usage: %s)", action, usage);
    } else if (strcmp(action, "revoke") && strcmp(action, "list")) {
        return err_set(e, JM_EINPUT, "unknown action 'keys %s' (usage: %s)", action, usage);
    }
    struct db_target t;
    if ((rc = cli_db_ready(ctx, &t, e)))
        return rc;
    PGconn *conn = db_connect(t.conninfo, e);
    if (!conn)
        return JM_EDB;
    char who[64];
    cli_principal(who, sizeof who);
    if (strcmp(action, "add") == 0) {
        char key[64], hash[65];
        if (!(rc = new_key(key, e))) {
            struct sha256 s;
            sha256_init(&s);
            sha256_update(&s, key, strlen(key));
            sha256_final_hex(&s, hash);
            const char *params[] = {p.pos[1], role, hash, who};
            PGresult *r = db_query(conn,
                                   "WITH k AS (INSERT INTO jumeau.api_keys (name, role, key_hash) VALUES ($1, $2, $3)"
                                   " ON CONFLICT (name) DO NOTHING RETURNING name)"
                                   " INSERT INTO jumeau.audit_log (principal, action, target, detail)"
                                   " SELECT $4, 'key-add', name, jsonb_build_object('role', $2::text) FROM k RETURNING id",
                                   4, params, e);
            if (!r)
                rc = JM_EDB;
            else if (PQntuples(r) == 0)
                rc = err_set(e, JM_EEXISTS, "a key named '%s' exists already (revoke it, or choose another name)",
                             p.pos[1]);
            PQclear(r);
            if (!rc) {
                printf("%s\n", key);
                if (!ctx->quiet && isatty(STDOUT_FILENO))
                    fprintf(stderr, "key '%s' (%s) made: give it to its holder now, it is not shown again\n",
                            p.pos[1], role);
            }
        }
    } else if (strcmp(action, "revoke") == 0) {
        const char *params[] = {p.pos[1], who};
        PGresult *r = db_query(conn,
                               "WITH k AS (UPDATE jumeau.api_keys SET revoked_at = now() WHERE name = $1"
                               " AND revoked_at IS NULL RETURNING name)"
                               " INSERT INTO jumeau.audit_log (principal, action, target)"
                               " SELECT $2, 'key-revoke', name FROM k RETURNING id",
                               2, params, e);
        if (!r)
            rc = JM_EDB;
        else if (PQntuples(r) == 0)
            rc = err_set(e, JM_ENOTFOUND, "no active key named '%s' (see jumeau keys list)", p.pos[1]);
        else if (!ctx->quiet)
            printf("revoked %s\n", p.pos[1]);
        PQclear(r);
    } else {
        PGresult *r = db_query(conn,
                               "SELECT name, role, to_char(created_at, 'YYYY-MM-DD HH24:MI'),"
                               " coalesce(to_char(revoked_at, 'YYYY-MM-DD HH24:MI'), '-') FROM jumeau.api_keys ORDER BY name",
                               0, NULL, e);
        if (!r) {
            rc = JM_EDB;
        } else {
            printf("%-32s %-9s %-17s %s\n", "NAME", "ROLE", "CREATED", "REVOKED");
            for (int i = 0; i < PQntuples(r); i++)
                printf("%-32s %-9s %-17s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                       PQgetvalue(r, i, 3));
            PQclear(r);
        }
    }
    PQfinish(conn);
    return rc;
}
