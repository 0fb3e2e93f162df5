#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

static const char *pick(const char *flag, config_getenv_fn env, const char *var, const char **source)
{
    if (flag) {
        *source = NULL;
        return flag;
    }
    const char *v = env(var);
    if (v && *v) {
        *source = var;
        return v;
    }
    return NULL;
}

static enum jm_status make_absolute(const char *path, char *out, size_t size, struct err *e)
{
    if (path[0] == '/') {
        if ((size_t)snprintf(out, size, "%s", path) >= size)
            return err_set(e, JM_EINPUT, "home folder path is too long: %s", path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return err_set(e, JM_EENV, "cannot read the current folder");
        const char *rel = strncmp(path, "./", 2) == 0 ? path + 2 : path;
        const char *sep = strcmp(cwd, "/") == 0 ? "" : "/";
        if ((size_t)snprintf(out, size, "%s%s%s", cwd, sep, rel) >= size)
            return err_set(e, JM_EINPUT, "home folder path is too long: %s", path);
    }
    /* drop trailing slashes so that derived paths stay tidy */
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
    return JM_OK;
}

enum jm_status config_parse_listen(const char *text, const char *what, char *host, size_t host_size,
                                   int *port, struct err *e)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return err_set(e, JM_EINPUT, "%s: expected HOST:PORT, got '%s'", what, text);
    const char *h = text;
    size_t hlen = (size_t)(colon - text);
    if (h[0] == '[') { /* [::1]:8080 */
        if (hlen < 3 || h[hlen - 1] != ']')
            return err_set(e, JM_EINPUT, "%s: malformed IPv6 address in '%s'", what, text);
        h++;
        hlen -= 2;
    }
    if (hlen + 1 > host_size)
        return err_set(e, JM_EINPUT, "%s: host name too long in '%s'", what, text);
    long p;
    if (!parse_long(colon + 1, 1, 65535, &p))
        return err_set(e, JM_EINPUT, "%s: port must be a number from 1 to 65535, got '%s'", what, colon + 1);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return JM_OK;
}

static const char *real_getenv(const char *name)
{
    return getenv(name);
}

enum jm_status config_resolve(struct config *c, const struct config_flags *flags, config_getenv_fn env,
                              struct err *e)
{
    static const struct config_flags no_flags;
    if (!flags)
        flags = &no_flags;
    if (!env)
        env = real_getenv;
    memset(c, 0, sizeof *c);
    const char *source;

    const char *db = pick(flags->db_url, env, "JUMEAU_DB", &source);
    if (db && (size_t)snprintf(c->db_url, sizeof c->db_url, "%s", db) >= sizeof c->db_url)
        return err_set(e, JM_EINPUT, "%s: database URL is too long", source ? source : "--db");

    const char *home = pick(flags->home, env, "JUMEAU_HOME", &source);
    enum jm_status rc = make_absolute(home ? home : ".jumeau", c->home, sizeof c->home, e);
    if (rc)
        return rc;

    const char *listen = pick(flags->listen, env, "JUMEAU_LISTEN", &source);
    rc = config_parse_listen(listen ? listen : "127.0.0.1:8080", source ? source : "--listen", c->listen_host,
                             sizeof c->listen_host, &c->listen_port, e);
    if (rc)
        return rc;

    const char *threads = pick(flags->threads, env, "JUMEAU_THREADS", &source);
    if (threads) {
        long t;
        if (!parse_long(threads, 1, 256, &t))
            return err_set(e, JM_EINPUT, "%s: thread count must be a number from 1 to 256, got '%s'",
                           source ? source : "--threads", threads);
        c->threads = (int)t;
    } else {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        c->threads = cores < 2 ? 2 : cores > 64 ? 64 : (int)cores;
    }

    c->tile_cache_mb = 256;
    const char *cache = env("JUMEAU_TILE_CACHE_MB");
    if (cache && *cache) {
        long mb;
        if (!parse_long(cache, 0, 65536, &mb))
            return err_set(e, JM_EINPUT, "JUMEAU_TILE_CACHE_MB: expected MiB from 0 to 65536, got '%s'", cache);
        c->tile_cache_mb = (int)mb;
    }

    c->log_level = LOG_WARN;
    const char *level = env("JUMEAU_LOG");
    if (level && *level) {
        int l = log_level_parse(level);
        if (l < 0)
            return err_set(e, JM_EINPUT, "JUMEAU_LOG: expected error, warn, info or debug, got '%s'", level);
        c->log_level = (enum log_level)l;
    }
    if (flags->verbosity) {
        int l = (int)LOG_WARN + flags->verbosity;
        c->log_level = l < (int)LOG_ERROR ? LOG_ERROR : l > (int)LOG_DEBUG ? LOG_DEBUG : (enum log_level)l;
    }
    return JM_OK;
}

/* In a key=value connection string, the value of `password` (spaces allowed around '=',
 * single-quoted values with \' and \\ escapes, as libpq parses them) is replaced. */
static void redact_keyword_password(char *out, size_t out_size)
{
    for (char *p = out; (p = strstr(p, "password")) != NULL; p += 8) {
        if (p != out && p[-1] != ' ' && p[-1] != '\t')
            continue; /* part of another word */
        char *q = p + 8;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        char *end = q;
        if (*end == '\'') {
            for (end++; *end && *end != '\''; end++)
                if (*end == '\\' && end[1])
                    end++;
            if (*end == '\'')
                end++;
        } else {
            while (*end && *end != ' ' && *end != '\t')
                end++;
        }
        char tail[4096];
        snprintf(tail, sizeof tail, "%s", end);
        snprintf(q, out_size - (size_t)(q - out), "***%s", tail);
    }
}

void config_redact_url(const char *url, char *out, size_t out_size)
{
    /* scheme://user:password@host… → scheme://user:***@host… */
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme_end + 3, ':', (size_t)(at - (scheme_end + 3))) : NULL;
    if (colon)
        snprintf(out, out_size, "%.*s:***%s", (int)(colon - url), url, at);
    else
        snprintf(out, out_size, "%s", url);
    /* a URL's query (?password=…) and the key=value form */
    char *query = strstr(out, "password=");
    if (query && query != out && (query[-1] == '?' || query[-1] == '&')) {
        char *end = query + 9;
        while (*end && *end != '&')
            end++;
        char tail[4096];
        snprintf(tail, sizeof tail, "%s", end);
        snprintf(query + 9, out_size - (size_t)(query + 9 - out), "***%s", tail);
    }
    redact_keyword_password(out, out_size);
}
