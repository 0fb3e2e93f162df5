#include "db_cluster.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

#define SOCKET_NAME "/.s.PGSQL.5432"
#define UNIX_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 on Linux */

static enum jm_status join(char *out, size_t size, const char *a, const char *b, struct err *e)
{
    if ((size_t)snprintf(out, size, "%s%s", a, b) >= size)
        return err_set(e, JM_EINPUT, "path too long: %s%s", a, b);
    return JM_OK;
}

static bool is_file(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    return (size_t)snprintf(p, sizeof p, "%s/%s", dir, name) < sizeof p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_server_binaries(const char *dir)
{
    return is_file(dir, "initdb") && is_file(dir, "pg_ctl") && is_file(dir, "postgres");
}

/* The PostgreSQL server binaries: $JUMEAU_PG_BINDIR, else the newest Debian-style
 * /usr/lib/postgresql/N/bin, else the folder of pg_ctl on PATH. */
static enum jm_status find_bindir(char *out, size_t size, struct err *e)
{
    const char *env = getenv("JUMEAU_PG_BINDIR");
    if (env && *env) {
        if (!has_server_binaries(env))
            return err_set(e, JM_EENV, "JUMEAU_PG_BINDIR=%s has no initdb, pg_ctl and postgres", env);
        snprintf(out, size, "%s", env);
        return JM_OK;
    }
    long best = -1;
    DIR *d = opendir("/usr/lib/postgresql");
    if (d) {
        struct dirent *ent;
        while ((ent = readdir(d))) {
            long version;
            char bin[PATH_MAX];
            if (!parse_long(ent->d_name, 9, 999, &version) || version <= best)
                continue;
            if ((size_t)snprintf(bin, sizeof bin, "/usr/lib/postgresql/%s/bin", ent->d_name) >= sizeof bin)
                continue;
            if (has_server_binaries(bin)) {
                best = version;
                snprintf(out, size, "%s", bin);
            }
        }
        closedir(d);
    }
    if (best >= 0)
        return JM_OK;
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t n = strcspn(path, ":");
        char dir[PATH_MAX];
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
            if (has_server_binaries(dir)) {
                snprintf(out, size, "%s", dir);
                return JM_OK;
            }
        }
        path += n + (path[n] == ':');
    }
    return err_set(e, JM_EENV,
                   "no PostgreSQL server found (initdb, pg_ctl): install postgresql-15 and "
                   "postgresql-15-postgis-3 ('make deps'), or give an external database with --db URL");
}

enum jm_status db_cluster_open(struct db_cluster *c, const char *home, struct err *e)
{
    memset(c, 0, sizeof *c);
    enum jm_status rc;
    if ((rc = join(c->home, sizeof c->home, home, "", e)) || (rc = join(c->pgdata, sizeof c->pgdata, home, "/pgdata", e)) ||
        (rc = join(c->partial, sizeof c->partial, home, "/pgdata.partial", e)) ||
        (rc = join(c->sockdir, sizeof c->sockdir, home, "/run", e)) ||
        (rc = join(c->logdir, sizeof c->logdir, home, "/log", e)) ||
        (rc = join(c->logfile, sizeof c->logfile, home, "/log/postgres.log", e)) ||
        (rc = join(c->lockfile, sizeof c->lockfile, home, "/.lock", e)))
        return rc;
    if (strlen(c->sockdir) + strlen(SOCKET_NAME) > UNIX_PATH_MAX)
        return err_set(e, JM_EINPUT,
                       "home folder %s is too deep for a Unix socket (at most %d characters): choose a "
                       "shorter --home or JUMEAU_HOME",
                       home, UNIX_PATH_MAX - (int)strlen("/run" SOCKET_NAME));
    if ((rc = find_bindir(c->bindir, sizeof c->bindir, e)))
        return rc;
    c->run_uid = geteuid();
    c->run_gid = getegid();
    if (c->run_uid == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw)
            return err_set(e, JM_EENV,
                           "jumeau runs as root, and PostgreSQL refuses root: it needs the 'postgres' "
                           "system user, which the postgresql-15 package creates");
        c->drop_to_postgres = true;
        c->run_uid = pw->pw_uid;
        c->run_gid = pw->pw_gid;
    }
    return JM_OK;
}

/* The live postmaster of a data folder, else 0. */
static long datadir_pid(const char *datadir)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/postmaster.pid", datadir) >= sizeof path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[64] = "";
    long pid = 0;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!parse_long(line, 1, 1L << 30, &pid))
            pid = 0;
    }
    fclose(f);
    /* a stale file after a crash names a dead process */
    if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        pid = 0;
    return pid;
}

long db_cluster_pid(const struct db_cluster *c)
{
    return datadir_pid(c->pgdata);
}

enum db_cluster_state db_cluster_state(const struct db_cluster *c)
{
    if (!is_file(c->pgdata, "PG_VERSION"))
        return DB_CLUSTER_ABSENT;
    return db_cluster_pid(c) > 0 ? DB_CLUSTER_RUNNING : DB_CLUSTER_STOPPED;
}

void db_cluster_conninfo(const struct db_cluster *c, const char *dbname, char *out, size_t size)
{
    /* key=value form: the socket folder may contain characters a URL would need escaped */
    snprintf(out, size, "host='%s' port=5432 dbname='%s' user=jumeau connect_timeout=10", c->sockdir, dbname);
}

/* Runs argv[0] (a full path) with its output appended to `logpath`, as the cluster's user,
 * in a session of its own, so that a Ctrl-C meant for jumeau never reaches the PostgreSQL
 * server it starts. `inherit_fd` (or -1) stays open in the child: initdb holds the home's
 * lock that way, so a second init waits for an orphaned initdb instead of racing it.
 * Returns the exit status, or -1 when it could not run or was killed by a signal. */
static int run_as_cluster_user(const struct db_cluster *c, char *const argv[], const char *logpath, int inherit_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setsid();
        if (inherit_fd >= 0)
            fcntl(inherit_fd, F_SETFD, 0);
        /* drop privileges first, so that the log is created by the user who appends to it later */
        if (c->drop_to_postgres &&
            (setgroups(0, NULL) != 0 || setgid(c->run_gid) != 0 || setuid(c->run_uid) != 0))
            _exit(126);
        int in = open("/dev/null", O_RDONLY);
        int out = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        if (chdir("/") != 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether the cluster's user can write in `dir` (false when a parent folder is closed to it). */
static bool cluster_user_can_write(const struct db_cluster *c, const char *dir)
{
    if (!c->drop_to_postgres)
        return access(dir, W_OK | X_OK) == 0;
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(c->run_gid) != 0 || setuid(c->run_uid) != 0)
            _exit(1);
        _exit(access(dir, W_OK | X_OK) == 0 ? 0 : 1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The line of a log that says why a PostgreSQL tool failed: the last FATAL, ERROR or
 * "could not" line, else the last non-empty one. */
static void last_log_line(const char *path, char *out, size_t size)
{
    snprintf(out, size, "see %s", path);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    bool have_cause = false;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        bool cause = strstr(line, "FATAL") || strstr(line, "ERROR") || strstr(line, "could not") ||
                     strstr(line, "cannot") || strstr(line, "Permission denied");
        if (line[0] && (cause || !have_cause))
            snprintf(out, size, "%s (log: %s)", line, path);
        have_cause = have_cause || cause;
    }
    fclose(f);
}

static enum jm_status make_dir(const struct db_cluster *c, const char *dir, mode_t mode, bool for_cluster,
                               struct err *e)
{
    if (mkdir(dir, mode) != 0 && errno != EEXIST)
        return err_set(e, JM_EENV, "cannot create %s: %s", dir, strerror(errno));
    if (for_cluster && c->drop_to_postgres && chown(dir, c->run_uid, c->run_gid) != 0)
        return err_set(e, JM_EENV, "cannot hand %s to the postgres user: %s", dir, strerror(errno));
    return JM_OK;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p for the home itself, with a message that says what to do on failure. */
static enum jm_status make_home(const char *home, struct err *e)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", home);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST)
                return err_set(e, JM_EENV, "cannot create the jumeau home %s: %s (choose a writable folder with --home or JUMEAU_HOME)",
                               home, strerror(errno));
            *p = saved;
            if (!saved)
                break;
        }
    }
    if (access(home, W_OK | X_OK) != 0)
        return err_set(e, JM_EENV, "the jumeau home %s is not writable: %s (choose a writable folder with --home or JUMEAU_HOME)",
                       home, strerror(errno));
    return JM_OK;
}

/* Serialises init/start/stop on one home. Returns the descriptor to close, or -1. */
static int lock_home(const struct db_cluster *c, struct err *e)
{
    int fd = open(c->lockfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_set(e, JM_EENV, "cannot open %s: %s", c->lockfile, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            err_set(e, JM_EENV, "cannot lock %s: %s", c->lockfile, strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void unlock_home(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* Settings jumeau needs: no TCP at all, a private socket, logs that say what failed. */
static enum jm_status write_settings(const struct db_cluster *c, struct err *e)
{
    char path[PATH_MAX];
    enum jm_status rc = join(path, sizeof path, c->partial, "/postgresql.conf", e);
    if (rc)
        return rc;
    FILE *f = fopen(path, "a");
    if (!f)
        return err_set(e, JM_EENV, "cannot write %s: %s", path, strerror(errno));
    fprintf(f,
            "\n# --- written by jumeau db init ---\n"
            "listen_addresses = ''\n"
            "unix_socket_directories = '%s'\n"
            "unix_socket_permissions = 0700\n"
            "port = 5432\n"
            "max_connections = 100\n"
            "shared_buffers = 128MB\n"
            "work_mem = 16MB\n"
            "maintenance_work_mem = 256MB\n"
            "max_wal_size = 2GB\n"
            "# a private single-node cluster: no replicas to feed, so tables created and loaded in\n"
            "# one transaction (every import) skip the WAL; use an external server for replication\n"
            "wal_level = minimal\n"
            "max_wal_senders = 0\n"
            "log_min_messages = warning\n"
            "log_line_prefix = '%%m [%%p] '\n",
            c->sockdir);
    bool ok = fclose(f) == 0;
    return ok ? JM_OK : err_set(e, JM_EENV, "cannot write %s", path);
}

/* pg_ctl start|stop on `datadir`; `why` names the action in errors. */
static enum jm_status pg_ctl(const struct db_cluster *c, const char *datadir, bool start, struct err *e)
{
    char tool[PATH_MAX];
    enum jm_status rc = join(tool, sizeof tool, c->bindir, "/pg_ctl", e);
    if (rc)
        return rc;
    char *start_argv[] = {tool, "start", "-D", (char *)datadir, "-l", (char *)c->logfile, "-w", "-t", "120", "-s", NULL};
    char *stop_argv[] = {tool, "stop", "-D", (char *)datadir, "-m", "fast", "-w", "-t", "120", "-s", NULL};
    if (run_as_cluster_user(c, start ? start_argv : stop_argv, c->logfile, -1) == 0)
        return JM_OK;
    char why[1200];
    last_log_line(c->logfile, why, sizeof why);
    return err_set(e, JM_EENV, "PostgreSQL did not %s: %s", start ? "start" : "stop", why);
}

/* Removes what an interrupted init left, stopping its server first if it got that far. */
static enum jm_status clear_partial(const struct db_cluster *c, struct err *e)
{
    struct stat st;
    if (stat(c->partial, &st) != 0)
        return JM_OK;
    log_info("removing %s, left by an interrupted db init", c->partial);
    if (datadir_pid(c->partial) > 0)
        pg_ctl(c, c->partial, false, NULL);
    if (remove_tree(c->partial) != 0)
        return err_set(e, JM_EENV, "cannot remove %s: %s", c->partial, strerror(errno));
    return JM_OK;
}

enum jm_status db_cluster_create(struct db_cluster *c, db_cluster_prepare_fn prepare, void *ctx, bool *created,
                                 struct err *e)
{
    *created = false;
    enum jm_status rc = make_home(c->home, e);
    if (rc)
        return rc;
    int lock = lock_home(c, e);
    if (lock < 0)
        return JM_EENV;
    if (db_cluster_state(c) != DB_CLUSTER_ABSENT)
        goto out;
    /* the lock proves that nobody else is working on a partial cluster */
    if ((rc = clear_partial(c, e)))
        goto out;
    if ((rc = make_dir(c, c->partial, 0700, true, e)) || (rc = make_dir(c, c->logdir, 0755, true, e)) ||
        (rc = make_dir(c, c->sockdir, 0700, true, e)))
        goto cleanup;
    if (!cluster_user_can_write(c, c->partial)) {
        rc = err_set(e, JM_EENV,
                     "the postgres user cannot reach %s (a folder above it is closed to other users): "
                     "give it access (chmod o+x on those folders) or choose --home in a folder such as /var/tmp",
                     c->home);
        goto cleanup;
    }
    char initdb[PATH_MAX], initlog[PATH_MAX];
    if ((rc = join(initdb, sizeof initdb, c->bindir, "/initdb", e)) ||
        (rc = join(initlog, sizeof initlog, c->logdir, "/initdb.log", e)))
        goto cleanup;
    unlink(initlog);
    char *argv[] = {initdb, "-D", c->partial, "-U", "jumeau", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                    "--no-instructions", NULL};
    log_info("creating a PostgreSQL cluster in %s", c->pgdata);
    if (run_as_cluster_user(c, argv, initlog, lock) != 0) {
        char why[1200];
        last_log_line(initlog, why, sizeof why);
        rc = err_set(e, JM_EENV, "initdb failed: %s", why);
        goto cleanup;
    }
    if ((rc = write_settings(c, e)))
        goto cleanup;
    /* Finish the cluster (database, PostGIS, migrations) while it still has its partial name:
     * a folder called pgdata is then always a complete cluster. */
    if (prepare) {
        if ((rc = pg_ctl(c, c->partial, true, e)))
            goto cleanup;
        rc = prepare(c, ctx, e);
        enum jm_status stop_rc = pg_ctl(c, c->partial, false, rc ? NULL : e);
        if (rc || (rc = stop_rc))
            goto cleanup;
    }
    if (rename(c->partial, c->pgdata) != 0) {
        rc = err_set(e, JM_EENV, "cannot rename %s to %s: %s", c->partial, c->pgdata, strerror(errno));
        goto cleanup;
    }
    *created = true;
    goto out;
cleanup:
    if (datadir_pid(c->partial) > 0)
        pg_ctl(c, c->partial, false, NULL);
    remove_tree(c->partial);
out:
    unlock_home(lock);
    return rc;
}

enum jm_status db_cluster_start(struct db_cluster *c, struct err *e)
{
    /* checked before the lock: a home that does not exist has no lock file either */
    if (db_cluster_state(c) == DB_CLUSTER_ABSENT)
        return err_set(e, JM_EENV, "no database in %s: run 'jumeau db init' first (or give --db URL)", c->home);
    int lock = lock_home(c, e);
    if (lock < 0)
        return JM_EENV;
    enum jm_status rc = JM_OK;
    if (db_cluster_state(c) == DB_CLUSTER_STOPPED) {
        /* run/ may have been cleaned (tmpfs, tidy users): recreate it */
        if (!(rc = make_dir(c, c->sockdir, 0700, true, e)) && !(rc = make_dir(c, c->logdir, 0755, true, e))) {
            log_info("starting PostgreSQL in %s", c->pgdata);
            rc = pg_ctl(c, c->pgdata, true, e);
        }
    }
    unlock_home(lock);
    return rc;
}

enum jm_status db_cluster_stop(struct db_cluster *c, struct err *e)
{
    if (db_cluster_state(c) == DB_CLUSTER_ABSENT)
        return JM_OK;
    int lock = lock_home(c, e);
    if (lock < 0)
        return JM_EENV;
    enum jm_status rc = JM_OK;
    if (db_cluster_state(c) == DB_CLUSTER_RUNNING)
        rc = pg_ctl(c, c->pgdata, false, e);
    unlock_home(lock);
    return rc;
}
