/* Network topology in SQL: raw lines -> nodes and split edges (see network_topology.h for the
 * noding rule). Every step is one set-based script over temporary tables; C only composes the
 * SQL from fixed templates, quoted identifiers and numbers it formats itself. */
#include "network_topology.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "json_writer.h"
#include "log.h"
#include "parse.h"
#include "progress.h"

#define NAME_MAX_BYTES 63 /* PostgreSQL truncates longer identifiers silently */
#define WORK_MEM "128MB"
#define SNAP_MAX_M 100.0 /* beyond this, snapping merges neighbourhoods, not junctions */

/* Output columns of the edges table; a raw column with one of these names is renamed. */
static const char *const edge_columns[] = {"id",       "feature_id", "geom",         "source",      "target",
                                           "length_m", "cost",       "reverse_cost", "network_type"};

/* A {name} in a template and the SQL text that replaces it. */
struct token {
    const char *name;
    const char *value;
};

// clang-format off
enum {
    T_RAW, T_EDGES, T_NODES, T_POINTS, T_SNAP, T_SRID, T_FORCE, T_XYZ, T_CLUSTER, T_START, T_END,
    T_LINETYPE, T_POINTTYPE, T_NETWORK_TYPE, T_ONEWAY, T_ATTRS, T_DEDUP, T_COUNT
};
// clang-format on

struct net {
    PGconn *conn;
    bool has_z;
    struct buf text[T_COUNT]; /* the value of each token */
    struct token tokens[T_COUNT];
    char old_work_mem[64];
};

/* ---- SQL templates, one per step ------------------------------------------------------ */
// clang-format off

/* The temporary tables are dropped by their pg_temp name: an unqualified DROP would reach a
 * permanent table of the same name when no temporary one exists. */
static const char sql_drop_temps[] =
    "DROP TABLE IF EXISTS pg_temp.imp_net_parts, pg_temp.imp_net_verts, pg_temp.imp_net_cand,"
    " pg_temp.imp_net_pnodes, pg_temp.imp_net_splits, pg_temp.imp_net_pieces, pg_temp.imp_net_degree,"
    " pg_temp.imp_net_nodemap";

/* 1. The line parts, numbered in feature order, with their 2D length (ST_LineSubstring's
 *    fractions are 2D). */
static const char sql_parts[] =
    "CREATE TEMP TABLE imp_net_parts ON COMMIT DROP AS"
    " SELECT row_number() OVER (ORDER BY r.id, d.path) AS pid, r.id AS fid, d.geom, ST_Length(d.geom) AS len"
    " FROM {raw} r CROSS JOIN LATERAL ST_Dump({force}(r.geom)) d"
    " WHERE ST_GeometryType(d.geom) = 'ST_LineString' AND ST_Length(d.geom) > 0;"
    "ALTER TABLE imp_net_parts ADD PRIMARY KEY (pid);"
    "ANALYZE imp_net_parts;";

/* 2. Every vertex with its place along its part: grp 0 = start, 2 = end, 1 = interior;
 *    frac = the 2D length before it / the part's length, which ST_AddMeasure computes as
 *    ST_LineSubstring does. A vertex at the same 2D place as the one before it is skipped
 *    ({dedup} compares in 2D): a repeated point, or a vertical step of a Z line. */
static const char sql_vertices[] =
    "CREATE TEMP TABLE imp_net_verts ON COMMIT DROP AS"
    " SELECT p.pid, ST_X(d.geom) AS x, ST_Y(d.geom) AS y, ST_Z(d.geom) AS z,"
    "  CASE WHEN d.path[1] = 1 THEN 0 WHEN d.path[1] = m.n THEN 2 ELSE 1 END AS grp,"
    "  CASE WHEN d.path[1] = 1 THEN 0 WHEN d.path[1] = m.n THEN 1 ELSE ST_M(d.geom) END AS frac"
    " FROM imp_net_parts p"
    " CROSS JOIN LATERAL (SELECT a.g, ST_NPoints(a.g) AS n"
    "  FROM (SELECT ST_AddMeasure(ST_RemoveRepeatedPoints(p.geom, {dedup}), 0, 1) AS g OFFSET 0) a) m"
    " CROSS JOIN LATERAL ST_DumpPoints(m.g) d;"
    "ANALYZE imp_net_verts;";

/* 3. Candidate points (line ends and vertices occurring twice or more), clustered within the
 *    snapping distance. */
static const char sql_candidates[] =
    "CREATE TEMP TABLE imp_net_cand ON COMMIT DROP AS"
    " SELECT x, y, z, n, has_end, {cluster} AS cid"
    " FROM (SELECT x, y, min(z) AS z, count(*) AS n, bool_or(grp <> 1) AS has_end"
    "  FROM imp_net_verts GROUP BY x, y HAVING count(*) > 1 OR bool_or(grp <> 1)) g;"
    "ANALYZE imp_net_cand;";

/* 4. One provisional node per cluster, at its most shared point; has_end marks the nodes that
 *    may split other lines (T-junctions). */
static const char sql_pnodes[] =
    "CREATE TEMP TABLE imp_net_pnodes ON COMMIT DROP AS"
    " SELECT DISTINCT ON (cid) cid, ST_SetSRID(ST_MakePoint({xyz}), {srid}) AS geom,"
    "  bool_or(has_end) OVER (PARTITION BY cid) AS has_end"
    " FROM imp_net_cand ORDER BY cid, n DESC, x, y;"
    "ALTER TABLE imp_net_pnodes ADD PRIMARY KEY (cid);"
    "CREATE INDEX ON imp_net_pnodes USING gist (geom) WHERE has_end;"
    "ANALYZE imp_net_pnodes;";

/* 5. Where each part is split: at its own candidate vertices, then at the line-end nodes
 *    within the snapping distance that are not already among them (T-junctions). */
static const char sql_splits[] =
    "CREATE TEMP TABLE imp_net_splits ON COMMIT DROP AS"
    " SELECT v.pid, v.grp, v.frac, c.cid"
    " FROM imp_net_verts v JOIN imp_net_cand c ON c.x = v.x AND c.y = v.y;"
    "ANALYZE imp_net_splits;"
    "INSERT INTO imp_net_splits (pid, grp, frac, cid)"
    " SELECT p.pid, 1, ST_LineLocatePoint(p.geom, n.geom), n.cid"
    " FROM imp_net_parts p JOIN imp_net_pnodes n ON n.has_end AND ST_DWithin(p.geom, n.geom, {snap})"
    " WHERE NOT EXISTS (SELECT 1 FROM imp_net_splits s WHERE s.pid = p.pid AND s.cid = n.cid);"
    "ANALYZE imp_net_splits;";

/* 6. The pieces between consecutive splits, their ends moved onto their nodes, with their
 *    ellipsoidal length. Two splits at the same place (two nodes beside one point of the line)
 *    give a straight connector. OFFSET 0 keeps each LATERAL step from being inlined into the
 *    expressions that use it several times (which would compute it again for each use). */
static const char sql_pieces[] =
    "CREATE TEMP TABLE imp_net_pieces ON COMMIT DROP AS"
    " SELECT s.pid, p.fid, s.seq, s.c0, s.c1, g.geom, ST_Length(ST_Transform(g.geom, 4326)::geography) AS length_m"
    " FROM (SELECT pid, cid AS c0, frac AS f0, lead(cid) OVER w AS c1, lead(frac) OVER w AS f1,"
    "   row_number() OVER w AS seq"
    "  FROM imp_net_splits WINDOW w AS (PARTITION BY pid ORDER BY grp, frac, cid)) s"
    " JOIN imp_net_parts p ON p.pid = s.pid"
    " JOIN imp_net_pnodes a ON a.cid = s.c0"
    " JOIN imp_net_pnodes b ON b.cid = s.c1"
    " CROSS JOIN LATERAL (SELECT CASE WHEN s.f1 > s.f0 THEN ST_LineSubstring(p.geom, s.f0, s.f1) END AS sub"
    "  OFFSET 0) l"
    " CROSS JOIN LATERAL (SELECT ST_RemoveRepeatedPoints(CASE WHEN ST_GeometryType(l.sub) = 'ST_LineString'"
    "   THEN ST_SetPoint(ST_SetPoint(l.sub, 0, {start}), ST_NPoints(l.sub) - 1, {end})"
    "   ELSE ST_MakeLine(a.geom, b.geom) END) AS geom OFFSET 0) g"
    " WHERE ST_Length(g.geom) > 0;"
    "ANALYZE imp_net_pieces;";

/* 7. Final node ids (in spatial order) for the nodes that end a piece, with their degree.
 *    The degrees go through their own analysed table so that the join is planned as the
 *    hash join of two large sets that it is. */
static const char sql_nodemap[] =
    "CREATE TEMP TABLE imp_net_degree ON COMMIT DROP AS"
    " SELECT cid, count(*) AS degree"
    " FROM (SELECT c0 AS cid FROM imp_net_pieces UNION ALL SELECT c1 FROM imp_net_pieces) e GROUP BY cid;"
    "ANALYZE imp_net_degree;"
    "CREATE TEMP TABLE imp_net_nodemap ON COMMIT DROP AS"
    " SELECT n.cid, row_number() OVER (ORDER BY n.geom, n.cid) AS id, d.degree"
    " FROM imp_net_degree d JOIN imp_net_pnodes n ON n.cid = d.cid;"
    "ALTER TABLE imp_net_nodemap ADD PRIMARY KEY (cid);"
    "ANALYZE imp_net_nodemap;";

/* 8. The edges table, with the raw attributes, lengths and pgRouting costs. */
static const char sql_edges[] =
    "CREATE TABLE {edges} AS"
    " SELECT row_number() OVER (ORDER BY e.pid, e.seq) AS id, e.fid AS feature_id,"
    "  e.geom::geometry({linetype}, {srid}) AS geom, s.id AS source, t.id AS target, e.length_m,"
    "  CASE WHEN {oneway} = '-1' THEN -1 ELSE e.length_m END AS cost,"
    "  CASE WHEN {oneway} IN ('yes', '1', 'true') THEN -1 ELSE e.length_m END AS reverse_cost,"
    "  {network_type} AS network_type{attrs}"
    " FROM imp_net_pieces e"
    " JOIN imp_net_nodemap s ON s.cid = e.c0"
    " JOIN imp_net_nodemap t ON t.cid = e.c1"
    " JOIN {raw} r ON r.id = e.fid"
    " ORDER BY e.pid, e.seq;"
    "ALTER TABLE {edges} ADD PRIMARY KEY (id), ALTER COLUMN geom SET NOT NULL,"
    " ALTER COLUMN source SET NOT NULL, ALTER COLUMN target SET NOT NULL;"
    "CREATE INDEX ON {edges} USING gist (geom);"
    "CREATE INDEX ON {edges} (source);"
    "CREATE INDEX ON {edges} (target);"
    "ANALYZE {edges};";

/* 9. The nodes table. */
static const char sql_nodes[] =
    "CREATE TABLE {nodes} AS"
    " SELECT m.id, n.geom::geometry({pointtype}, {srid}) AS geom, m.degree::int AS degree"
    " FROM imp_net_nodemap m JOIN imp_net_pnodes n ON n.cid = m.cid ORDER BY m.id;"
    "ALTER TABLE {nodes} ADD PRIMARY KEY (id), ALTER COLUMN geom SET NOT NULL;"
    "CREATE INDEX ON {nodes} USING gist (geom);"
    "ANALYZE {nodes};";

/* 10. Points tied to their nearest node (KNN on the nodes' GiST index). */
static const char sql_points[] =
    "ALTER TABLE {points} ADD COLUMN node_id bigint, ADD COLUMN node_distance_m double precision;"
    "UPDATE {points} p SET node_id = CASE WHEN k.d <= {snap} THEN k.nid END, node_distance_m = k.d"
    " FROM (SELECT q.id, n.id AS nid, ST_Distance(n.geom, q.geom) AS d"
    "  FROM {points} q CROSS JOIN LATERAL (SELECT id, geom FROM {nodes} ORDER BY geom <-> q.geom LIMIT 1) n"
    "  WHERE q.geom IS NOT NULL) k"
    " WHERE p.id = k.id;"
    "ANALYZE {points};";

static const char sql_counts[] =
    "SELECT (SELECT count(*) FROM {raw}), (SELECT count(*) FROM {edges}), (SELECT count(*) FROM {nodes}),"
    " (SELECT count(*) FROM {nodes} WHERE degree = 1)";

static const char sql_point_counts[] = "SELECT count(*), count(node_id) FROM {points}";
// clang-format on

/* ---- composing and running ------------------------------------------------------------ */

/* Appends `tmpl` with each {name} replaced by its token's text. An unknown {name} is a bug. */
static bool expand(struct buf *out, const char *tmpl, const struct net *n)
{
    for (const char *p = tmpl; *p;) {
        const char *open = strchr(p, '{');
        if (!open)
            return buf_puts(out, p);
        if (!buf_append(out, p, (size_t)(open - p)))
            return false;
        const char *close = strchr(open, '}');
        if (!close)
            return false;
        const struct token *t = NULL;
        for (size_t i = 0; i < T_COUNT && !t; i++)
            if (strlen(n->tokens[i].name) == (size_t)(close - open - 1) &&
                memcmp(n->tokens[i].name, open + 1, (size_t)(close - open - 1)) == 0)
                t = &n->tokens[i];
        if (!t || !buf_puts(out, t->value))
            return false;
        p = close + 1;
    }
    return true;
}

/* Runs one step (a template without parameters) and logs its time. */
static enum jm_status run_step(struct net *n, const char *step, const char *tmpl, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 20);
    enum jm_status rc;
    if (!expand(&sql, tmpl, n) || sql.overflow) {
        rc = err_set(e, JM_EINTERNAL, "network topology (%s): cannot compose the SQL", step);
    } else {
        double t0 = progress_now();
        rc = db_exec_script(n->conn, buf_str(&sql), e);
        if (rc)
            err_prefix(e, "network topology (%s): ", step);
        else
            log_debug("network topology: %s in %.3f s", step, progress_now() - t0);
    }
    buf_cleanup(&sql);
    return rc;
}

/* Runs a query template and parses its first row's `count` integer columns into `out`. */
static enum jm_status query_counts(struct net *n, const char *tmpl, int nparams, const char *const *params,
                                   long long *out, int count, struct err *e)
{
    struct buf sql;
    buf_init(&sql, 1 << 16);
    enum jm_status rc = JM_OK;
    PGresult *res = NULL;
    if (!expand(&sql, tmpl, n) || sql.overflow) {
        rc = err_set(e, JM_EINTERNAL, "network topology: cannot compose the SQL");
        goto out;
    }
    res = db_query(n->conn, buf_str(&sql), nparams, params, e);
    if (!res) {
        rc = JM_EDB;
        goto out;
    }
    if (PQntuples(res) < 1 || PQnfields(res) < count) {
        rc = err_set(e, JM_EINTERNAL, "network topology: unexpected result shape");
        goto out;
    }
    for (int i = 0; i < count; i++) {
        long v = 0;
        if (!PQgetisnull(res, 0, i) && !parse_long(PQgetvalue(res, 0, i), 0, LONG_MAX, &v)) {
            rc = err_set(e, JM_EINTERNAL, "network topology: unexpected count '%s'", PQgetvalue(res, 0, i));
            goto out;
        }
        out[i] = v;
    }
out:
    PQclear(res);
    buf_cleanup(&sql);
    return rc;
}

/* ---- checks on the tables ------------------------------------------------------------- */

static bool name_ok(const char *name)
{
    return name && name[0] && strlen(name) <= NAME_MAX_BYTES;
}

static bool in_list(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (list[i] && strcmp(list[i], name) == 0)
            return true;
    return false;
}

/* The columns of data.<table> in order (PQclear the result), or NULL with `e` set. */
static PGresult *table_columns(PGconn *conn, const char *table, struct err *e)
{
    const char *p[] = {table};
    return db_query(conn,
                    "SELECT a.attname FROM pg_attribute a"
                    " WHERE a.attrelid = to_regclass(format('data.%I', $1::text)) AND a.attnum > 0"
                    " AND NOT a.attisdropped ORDER BY a.attnum",
                    1, p, e);
}

/* The geometry column's declared type (upper case, "GEOMETRY" when unconstrained), its
 * coordinate dimension and SRID, from PostGIS's geometry_columns. */
static enum jm_status geometry_of(PGconn *conn, const char *table, char type[32], int *dims, int *srid, struct err *e)
{
    const char *p[] = {table};
    PGresult *res = db_query(conn,
                             "SELECT upper(type), coord_dimension, srid FROM geometry_columns"
                             " WHERE f_table_schema = 'data' AND f_table_name = $1 AND f_geometry_column = 'geom'",
                             1, p, e);
    if (!res)
        return JM_EDB;
    enum jm_status rc = JM_OK;
    long d = 2, s = 0;
    if (PQntuples(res) != 1 || !parse_long(PQgetvalue(res, 0, 1), 0, 4, &d) ||
        !parse_long(PQgetvalue(res, 0, 2), 0, 1L << 30, &s))
        rc = err_set(e, JM_EINPUT, "data.%s: no usable geometry column 'geom'", table);
    else
        snprintf(type, 32, "%s", PQgetvalue(res, 0, 0));
    *dims = (int)d;
    *srid = (int)s;
    PQclear(res);
    return rc;
}

/* Sets n->has_z from the raw table's geometry type, or from its rows when unconstrained. */
static enum jm_status check_raw_geometry(struct net *n, const char *raw, int srid, struct err *e)
{
    char type[32] = "";
    int dims = 2, col_srid = 0;
    enum jm_status rc = geometry_of(n->conn, raw, type, &dims, &col_srid, e);
    if (rc)
        return rc;
    if (col_srid != 0 && col_srid != srid)
        return err_set(e, JM_EINPUT, "data.%s: geometry in SRID %d, expected %d", raw, col_srid, srid);
    static const char *const lines[] = {"MULTILINESTRING", "LINESTRING", "MULTILINESTRINGM", "LINESTRINGM"};
    if (strcmp(type, "GEOMETRY") == 0) {
        struct buf sql;
        buf_init(&sql, 1 << 10);
        buf_puts(&sql, "SELECT coalesce(bool_or(ST_Zmflag(geom) IN (2, 3)), false) FROM data.");
        db_quote_ident(&sql, raw);
        char *v = sql.overflow ? NULL : db_query_value(n->conn, buf_str(&sql), 0, NULL, e);
        buf_cleanup(&sql);
        if (!v)
            return e && e->code ? e->code : err_set(e, JM_EINTERNAL, "network topology: no answer");
        n->has_z = strcmp(v, "t") == 0;
        free(v);
        return JM_OK;
    }
    if (!in_list(type, lines, sizeof lines / sizeof lines[0]))
        return err_set(e, JM_EINPUT, "data.%s: geometry of type %s, expected MultiLineString", raw, type);
    /* coord_dimension is 3 for XYZ and XYM (the type then ends in M), 4 for XYZM */
    size_t len = strlen(type);
    n->has_z = dims == 4 || (dims == 3 && type[len - 1] != 'M');
    return JM_OK;
}

/* Picks the edges-table name of raw column `col`: itself unless the edges table reserves it or
 * another column took it, else col_src, col_2, col_3… */
static void attribute_name(const char *col, const char *const *raw_cols, size_t nraw, const char *const *chosen,
                           size_t nchosen, char out[64])
{
    const size_t nres = sizeof edge_columns / sizeof edge_columns[0];
    snprintf(out, 64, "%s", col);
    for (int i = 1; i < 10000; i++) {
        bool reserved = in_list(out, edge_columns, nres);
        bool taken = in_list(out, chosen, nchosen) || (i > 1 && in_list(out, raw_cols, nraw));
        if (!reserved && !taken)
            return;
        if (i == 1)
            snprintf(out, 64, "%.56s_src", col);
        else
            snprintf(out, 64, "%.56s_%d", col, i);
    }
}

/* Fills the {network_type}, {oneway} and {attrs} tokens from the raw table's columns. */
static enum jm_status raw_attributes(struct net *n, const char *raw, struct err *e)
{
    PGresult *res = table_columns(n->conn, raw, e);
    if (!res)
        return JM_EDB;
    enum jm_status rc = JM_OK;
    int ncols = PQntuples(res);
    const char **cols = calloc((size_t)ncols + 1, sizeof *cols);
    char(*names)[64] = calloc((size_t)ncols + 1, sizeof *names);
    const char **chosen = calloc((size_t)ncols + 1, sizeof *chosen);
    if (!cols || !names || !chosen) {
        rc = err_set(e, JM_EINTERNAL, "out of memory");
        goto out;
    }
    bool has_id = false, has_geom = false, has_type = false, has_oneway = false;
    for (int i = 0; i < ncols; i++) {
        cols[i] = PQgetvalue(res, i, 0);
        has_id |= strcmp(cols[i], "id") == 0;
        has_geom |= strcmp(cols[i], "geom") == 0;
        has_type |= strcmp(cols[i], "network_type") == 0;
        has_oneway |= strcmp(cols[i], "oneway") == 0;
    }
    if (!has_id || !has_geom) {
        rc = err_set(e, JM_EINPUT, "data.%s: needs columns id and geom", raw);
        goto out;
    }
    struct buf *attrs = &n->text[T_ATTRS];
    size_t nchosen = 0;
    for (int i = 0; i < ncols; i++) {
        if (!strcmp(cols[i], "id") || !strcmp(cols[i], "geom") || !strcmp(cols[i], "network_type"))
            continue;
        attribute_name(cols[i], cols, (size_t)ncols, chosen, nchosen, names[nchosen]);
        chosen[nchosen] = names[nchosen];
        buf_puts(attrs, ", r.");
        db_quote_ident(attrs, cols[i]);
        buf_puts(attrs, " AS ");
        db_quote_ident(attrs, names[nchosen]);
        nchosen++;
    }
    buf_puts(&n->text[T_NETWORK_TYPE], has_type ? "r.network_type::text" : "NULL::text");
    buf_puts(&n->text[T_ONEWAY], has_oneway ? "lower(btrim(r.oneway::text))" : "NULL::text");
out:
    free(cols);
    free(names);
    free(chosen);
    PQclear(res);
    return rc;
}

/* JM_OK when data.<points> exists with a geometry in `srid` and without our two columns. */
static enum jm_status check_points(struct net *n, const char *points, int srid, struct err *e)
{
    PGresult *res = table_columns(n->conn, points, e);
    if (!res)
        return JM_EDB;
    enum jm_status rc = JM_OK;
    bool has_id = false, has_geom = false;
    for (int i = 0; i < PQntuples(res) && !rc; i++) {
        const char *c = PQgetvalue(res, i, 0);
        has_id |= strcmp(c, "id") == 0;
        has_geom |= strcmp(c, "geom") == 0;
        if (strcmp(c, "node_id") == 0 || strcmp(c, "node_distance_m") == 0)
            rc = err_set(e, JM_EINPUT, "data.%s: has a column %s already", points, c);
    }
    PQclear(res);
    if (!rc && (!has_id || !has_geom))
        rc = err_set(e, JM_EINPUT, "data.%s: needs columns id and geom", points);
    if (rc)
        return rc;
    char type[32] = "";
    int dims = 2, col_srid = 0;
    if ((rc = geometry_of(n->conn, points, type, &dims, &col_srid, e)))
        return rc;
    if (col_srid != 0 && col_srid != srid)
        return err_set(e, JM_EINPUT, "data.%s: geometry in SRID %d, expected %d", points, col_srid, srid);
    return JM_OK;
}

/* Which of the tables exist: raw and points must, edges and nodes must not. */
static enum jm_status check_tables(struct net *n, const char *raw, const char *edges, const char *nodes,
                                   const char *points, struct err *e)
{
    const char *p[] = {raw, edges, nodes, points};
    PGresult *res = db_query(n->conn,
                             "SELECT to_regclass(format('data.%I', $1::text)) IS NOT NULL,"
                             " to_regclass(format('data.%I', $2::text)) IS NOT NULL,"
                             " to_regclass(format('data.%I', $3::text)) IS NOT NULL,"
                             " $4::text IS NULL OR to_regclass(format('data.%I', $4::text)) IS NOT NULL",
                             4, p, e);
    if (!res)
        return JM_EDB;
    enum jm_status rc = JM_OK;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        rc = err_set(e, JM_ENOTFOUND, "network topology: table data.%s does not exist", raw);
    else if (strcmp(PQgetvalue(res, 0, 1), "f") != 0)
        rc = err_set(e, JM_EEXISTS, "network topology: table data.%s exists already", edges);
    else if (strcmp(PQgetvalue(res, 0, 2), "f") != 0)
        rc = err_set(e, JM_EEXISTS, "network topology: table data.%s exists already", nodes);
    else if (strcmp(PQgetvalue(res, 0, 3), "t") != 0)
        rc = err_set(e, JM_ENOTFOUND, "network topology: table data.%s does not exist", points);
    PQclear(res);
    return rc;
}

/* ---- the pipeline --------------------------------------------------------------------- */

static void net_init(struct net *n, PGconn *conn)
{
    static const char *const names[T_COUNT] = {
        [T_RAW] = "raw",
        [T_EDGES] = "edges",
        [T_NODES] = "nodes",
        [T_POINTS] = "points",
        [T_SNAP] = "snap",
        [T_SRID] = "srid",
        [T_FORCE] = "force",
        [T_XYZ] = "xyz",
        [T_CLUSTER] = "cluster",
        [T_START] = "start",
        [T_END] = "end",
        [T_LINETYPE] = "linetype",
        [T_POINTTYPE] = "pointtype",
        [T_NETWORK_TYPE] = "network_type",
        [T_ONEWAY] = "oneway",
        [T_ATTRS] = "attrs",
        [T_DEDUP] = "dedup",
    };
    memset(n, 0, sizeof *n);
    n->conn = conn;
    for (int i = 0; i < T_COUNT; i++) {
        buf_init(&n->text[i], 1 << 20);
        n->tokens[i].name = names[i];
    }
}

static void net_cleanup(struct net *n)
{
    for (int i = 0; i < T_COUNT; i++)
        buf_cleanup(&n->text[i]);
}

static void put_table(struct buf *b, const char *name)
{
    if (name) {
        buf_puts(b, "data.");
        db_quote_ident(b, name);
    }
}

/* Fills the tokens that depend only on the arguments and on has_z. */
static bool set_tokens(struct net *n, const char *raw, const char *edges, const char *nodes, const char *points,
                       int srid, double snap_m)
{
    char snap[JW_DOUBLE_MAX];
    jw_format_double(snap_m, snap); /* locale-proof: always a '.' */
    put_table(&n->text[T_RAW], raw);
    put_table(&n->text[T_EDGES], edges);
    put_table(&n->text[T_NODES], nodes);
    put_table(&n->text[T_POINTS], points);
    buf_puts(&n->text[T_SNAP], snap);
    buf_printf(&n->text[T_SRID], "%d", srid);
    buf_puts(&n->text[T_FORCE], n->has_z ? "ST_Force3DZ" : "ST_Force2D");
    buf_puts(&n->text[T_XYZ], n->has_z ? "x, y, z" : "x, y");
    /* a tolerance of 0 compares every coordinate; any other compares x and y only */
    buf_puts(&n->text[T_DEDUP], n->has_z ? "1e-9" : "0");
    if (snap_m > 0)
        buf_printf(&n->text[T_CLUSTER], "ST_ClusterDBSCAN(ST_MakePoint(x, y), eps := %s, minpoints := 1) OVER ()",
                   snap);
    else
        buf_puts(&n->text[T_CLUSTER], "row_number() OVER ()");
    if (n->has_z) {
        buf_printf(&n->text[T_START],
                   "ST_SetSRID(ST_MakePoint(ST_X(a.geom), ST_Y(a.geom), ST_Z(ST_StartPoint(l.sub))), %d)", srid);
        buf_printf(&n->text[T_END],
                   "ST_SetSRID(ST_MakePoint(ST_X(b.geom), ST_Y(b.geom), ST_Z(ST_EndPoint(l.sub))), %d)", srid);
    } else {
        buf_puts(&n->text[T_START], "a.geom");
        buf_puts(&n->text[T_END], "b.geom");
    }
    buf_puts(&n->text[T_LINETYPE], n->has_z ? "LineStringZ" : "LineString");
    buf_puts(&n->text[T_POINTTYPE], n->has_z ? "PointZ" : "Point");
    bool ok = true;
    for (int i = 0; i < T_COUNT; i++) {
        ok = ok && !n->text[i].overflow;
        n->tokens[i].value = buf_str(&n->text[i]);
    }
    return ok;
}

static enum jm_status set_work_mem(struct net *n, struct err *e)
{
    char *old = db_query_value(n->conn, "SELECT current_setting('work_mem')", 0, NULL, e);
    if (!old)
        return e && e->code ? e->code : err_set(e, JM_EDB, "network topology: no work_mem setting");
    snprintf(n->old_work_mem, sizeof n->old_work_mem, "%s", old);
    free(old);
    const char *p[] = {WORK_MEM};
    /* only ever raised: a server configured with more keeps it */
    return db_exec(n->conn,
                   "SELECT set_config('work_mem', $1, true)"
                   " WHERE pg_size_bytes($1) > pg_size_bytes(current_setting('work_mem'))",
                   1, p, e);
}

static enum jm_status count_components(struct net *n, const char *edges, long long *out, struct err *e)
{
    char *have = db_query_value(n->conn, "SELECT count(*) FROM pg_extension WHERE extname = 'pgrouting'", 0, NULL, e);
    if (!have)
        return e && e->code ? e->code : err_set(e, JM_EDB, "network topology: no answer from pg_extension");
    bool routing = strcmp(have, "0") != 0;
    free(have);
    if (!routing) {
        *out = -1;
        return JM_OK;
    }
    /* pgRouting takes the edges query as text: it travels as a parameter */
    struct buf inner;
    buf_init(&inner, 1 << 10);
    buf_puts(&inner, "SELECT id, source, target, cost, reverse_cost FROM ");
    put_table(&inner, edges);
    const char *p[] = {buf_str(&inner)};
    enum jm_status rc =
        inner.overflow
            ? err_set(e, JM_EINTERNAL, "network topology: name too long")
            : query_counts(n, "SELECT count(DISTINCT component) FROM pgr_connectedComponents($1)", 1, p, out, 1, e);
    if (rc)
        err_prefix(e, "network topology (components): ");
    buf_cleanup(&inner);
    return rc;
}

enum jm_status imp__network_build(PGconn *conn, const char *raw_table, const char *edges_table, const char *nodes_table,
                                  const char *points_table, int srid, double snap_m, struct imp__network_report *r,
                                  struct err *e)
{
    double started = progress_now();
    memset(r, 0, sizeof *r);
    if (!name_ok(raw_table) || !name_ok(edges_table) || !name_ok(nodes_table) ||
        (points_table && !name_ok(points_table)))
        return err_set(e, JM_EINPUT, "network topology: table names must have 1 to %d bytes", NAME_MAX_BYTES);
    const char *names[] = {raw_table, edges_table, nodes_table, points_table};
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (names[i] && names[j] && strcmp(names[i], names[j]) == 0)
                return err_set(e, JM_EINPUT, "network topology: table data.%s given twice", names[i]);
    if (!isfinite(snap_m) || snap_m < 0)
        return err_set(e, JM_EINPUT, "network topology: snapping distance %g m is not a number >= 0", snap_m);
    if (snap_m > SNAP_MAX_M)
        return err_set(e, JM_ELIMIT, "network topology: snapping distance %g m is over the limit of %g m", snap_m,
                       SNAP_MAX_M);
    if (srid <= 0)
        return err_set(e, JM_EINPUT, "network topology: SRID %d is not a valid storage CRS", srid);
    if (PQtransactionStatus(conn) != PQTRANS_INTRANS)
        return err_set(e, JM_EINTERNAL, "network topology: must run inside an open transaction");

    struct net n;
    net_init(&n, conn);
    enum jm_status rc;
    if ((rc = check_tables(&n, raw_table, edges_table, nodes_table, points_table, e)) ||
        (rc = check_raw_geometry(&n, raw_table, srid, e)) || (rc = raw_attributes(&n, raw_table, e)) ||
        (points_table && (rc = check_points(&n, points_table, srid, e))))
        goto out;
    if (!set_tokens(&n, raw_table, edges_table, nodes_table, points_table, srid, snap_m)) {
        rc = err_set(e, JM_EINTERNAL, "network topology: names too long");
        goto out;
    }
    if ((rc = set_work_mem(&n, e)))
        goto out;

    /* the steps, in order: each reads the temporary tables of the ones before */
    static const struct {
        const char *name;
        const char *sql;
    } steps[] = {
        {"cleanup", sql_drop_temps},    {"parts", sql_parts},      {"vertices", sql_vertices},
        {"candidates", sql_candidates}, {"nodes", sql_pnodes},     {"splits", sql_splits},
        {"pieces", sql_pieces},         {"node ids", sql_nodemap}, {"edges table", sql_edges},
        {"nodes table", sql_nodes},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if ((rc = run_step(&n, steps[i].name, steps[i].sql, e)))
            goto out;
    long long counts[4];
    if ((rc = query_counts(&n, sql_counts, 0, NULL, counts, 4, e)))
        goto out;
    r->features = counts[0];
    r->edges = counts[1];
    r->nodes = counts[2];
    r->dangling = counts[3];
    if (points_table) {
        long long pc[2];
        if ((rc = run_step(&n, "points", sql_points, e)) ||
            (rc = query_counts(&n, sql_point_counts, 0, NULL, pc, 2, e)))
            goto out;
        r->points = pc[0];
        r->points_tied = pc[1];
    }
    if ((rc = count_components(&n, edges_table, &r->components, e)))
        goto out;
    if ((rc = run_step(&n, "drop raw", "DROP TABLE {raw}", e)) || (rc = run_step(&n, "cleanup", sql_drop_temps, e)))
        goto out;
    const char *p[] = {n.old_work_mem};
    if ((rc = db_exec(conn, "SELECT set_config('work_mem', $1, true)", 1, p, e)))
        goto out;
    r->seconds = progress_now() - started;
    log_debug("network topology of data.%s: %lld features, %lld edges, %lld nodes in %.3f s", raw_table, r->features,
              r->edges, r->nodes, r->seconds);
out:
    net_cleanup(&n);
    return rc;
}
