/* The web viewer and its shaders as static files: /viewer/… from the viewer folder (CesiumJS
 * and MapLibre GL JS from its node_modules, installed by the build from the committed lock
 * file), /shaders/… from the shaders folder. Folders: JUMEAU_VIEWER_DIR and
 * JUMEAU_SHADERS_DIR, else the source tree's (set at build time).
 *
 * Only plain names are served: every path segment is [A-Za-z0-9._-]+ and starts with none of
 * '.', so no "..", no hidden file, no absolute path can be asked for; node_modules only through
 * the two mappings; symbolic links are not followed out (O_NOFOLLOW on the file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "routes_tiles.h"

#ifndef JUMEAU_VIEWER_DIR
#define JUMEAU_VIEWER_DIR "viewer"
#endif
#ifndef JUMEAU_SHADERS_DIR
#define JUMEAU_SHADERS_DIR "shaders"
#endif

enum { STATIC_MAX_PATH = 512, STATIC_MAX_DEPTH = 16 };
#define STATIC_MAX_BYTES ((off_t)64 << 20)

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".glsl", "text/plain; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".webp", "image/webp"},
    {".ktx2", "image/ktx2"},
    {".wasm", "application/wasm"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".glb", "model/gltf-binary"},
    {".gltf", "model/gltf+json"},
    {".xml", "application/xml"},
    {".pbf", "application/x-protobuf"},
    {".dds", "image/vnd-ms.dds"},
    {".csv", "text/csv"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* Whether `path` is made of plain segments (see the top of this file). */
static bool plain_path(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len > STATIC_MAX_PATH)
        return false;
    int depth = 0;
    for (const char *seg = path; *seg;) {
        size_t n = strcspn(seg, "/");
        if (n == 0 || seg[0] == '.' || ++depth > STATIC_MAX_DEPTH)
            return false;
        for (size_t i = 0; i < n; i++) {
            char c = seg[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
            if (!ok)
                return false;
        }
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return path[len - 1] != '/';
}

/* Reads root/rel into the response: 404 when it is not a regular file. */
static enum jm_status send_file(struct http_response *res, const char *root, const char *rel, const char *cache,
                                struct err *e)
{
    char path[STATIC_MAX_PATH + 1024];
    if (!plain_path(rel) || snprintf(path, sizeof path, "%s/%s", root, rel) >= (int)sizeof path)
        return err_set(e, JM_ENOTFOUND, "no file '%.80s'", rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return err_set(e, JM_ENOTFOUND, "no file '%.80s'", rel);
    }
    enum jm_status rc = JM_OK;
    char *dst = st.st_size > STATIC_MAX_BYTES ? NULL : buf_reserve(&res->body, (size_t)st.st_size);
    if (!dst) {
        rc = err_set(e, JM_EINTERNAL, "'%.80s' is too large to serve", rel);
    } else {
        size_t got = 0;
        while (got < (size_t)st.st_size) {
            ssize_t n = read(fd, dst + got, (size_t)st.st_size - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (got != (size_t)st.st_size)
            rc = err_set(e, JM_EINTERNAL, "'%.80s' could not be read", rel);
        else
            buf_commit(&res->body, got);
    }
    close(fd);
    if (!rc) {
        res->content_type = content_type(rel);
        res->cache_control = cache;
    }
    return rc;
}

static const char *folder(const char *env, const char *fallback)
{
    const char *v = getenv(env);
    return v && *v ? v : fallback;
}

/* /viewer/…: the viewer's own files (revalidated, so a new version shows at once), CesiumJS and
 * MapLibre GL JS (versioned by the lock file: cached an hour). */
enum jm_status route_viewer(struct http_request *req, struct http_response *res, struct err *e)
{
    const char *rest = req->params[0] ? req->params[0] : "";
    const char *root = folder("JUMEAU_VIEWER_DIR", JUMEAU_VIEWER_DIR);
    static const struct {
        const char *prefix, *dir;
    } libraries[] = {{"cesium/", "node_modules/cesium/Build/Cesium"}, {"maplibre/", "node_modules/maplibre-gl/dist"}};
    for (size_t i = 0; i < sizeof libraries / sizeof libraries[0]; i++) {
        size_t n = strlen(libraries[i].prefix);
        if (strncmp(rest, libraries[i].prefix, n) == 0) {
            char dir[1024];
            snprintf(dir, sizeof dir, "%s/%s", root, libraries[i].dir);
            return send_file(res, dir, rest + n, "public, max-age=3600", e);
        }
    }
    if (strncmp(rest, "node_modules", 12) == 0)
        return err_set(e, JM_ENOTFOUND, "no file '%.80s'", rest);
    return send_file(res, root, rest[0] ? rest : "index.html", "no-cache", e);
}

/* /shaders/…: the GLSL the viewer loads at run time. */
enum jm_status route_shaders(struct http_request *req, struct http_response *res, struct err *e)
{
    return send_file(res, folder("JUMEAU_SHADERS_DIR", JUMEAU_SHADERS_DIR), req->params[0] ? req->params[0] : "",
                     "no-cache", e);
}
