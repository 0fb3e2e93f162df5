/* network_topology: turns a table of raw network lines into a routable topology (edges that
 * meet at shared nodes, with pgRouting's source/target/cost/reverse_cost), all in SQL inside
 * the caller's transaction. Internal to the importers module (prefix imp__): the import driver
 * calls it after it has COPYed a network source into data.<raw_table>.
 *
 * Noding rule.
 *  1. Every LineString part of every raw line (ST_Dump; empty and zero-length parts dropped)
 *     gives its start and end points, and every vertex whose 2D coordinates occur two or more
 *     times among all the vertices of all parts (a vertex shared by two lines, or visited twice
 *     by one) — the candidate points. Consecutive vertices at the same 2D place count once.
 *  2. Candidate points within snap_m of each other (2D) are one node: single-linkage clusters
 *     (ST_ClusterDBSCAN, eps = snap_m, minpoints = 1). A node's geometry is one of its
 *     candidate points, unchanged: the one shared by most vertices (then the lowest x, y), so
 *     existing coordinates are kept exactly.
 *  3. Each part is split at its start vertex, its end vertex and each of its shared vertices
 *     (at the node of that vertex's cluster, at every visit), and at every node that holds a
 *     line end and lies within snap_m of the part without being one of its own vertices' nodes
 *     (T-junctions: a line ending on another line's segment; fraction = ST_LineLocatePoint).
 *     Nodes made only of shared interior vertices do not split other lines that merely pass
 *     near them, so lines that cross without sharing a vertex (bridges, pipes at different
 *     depths) are not noded, even over a junction.
 *  4. A piece runs between consecutive splits (ST_LineSubstring); its first and last points
 *     are moved onto its source and target nodes (x and y; a Z line keeps its own z), so edge
 *     ends coincide with node geometries exactly. Pieces of zero 2D length are dropped; so are
 *     nodes that end no piece.
 *  Limits: a part that passes twice within snap_m of one T-junction node is split there once
 *  (ST_LineLocatePoint picks the nearest place); nodes are 2D (a shared x, y at two depths is
 *  one node).
 *
 * Thread-safety: one call per connection at a time (libpq's rule). */
#ifndef JUMEAU_NETWORK_TOPOLOGY_H
#define JUMEAU_NETWORK_TOPOLOGY_H

#include <libpq-fe.h>

#include "err.h"

struct imp__network_report {
    long long features; /* raw lines read */
    long long edges;    /* edges after noding */
    long long nodes;
    long long components;  /* connected components (-1 when pgRouting is absent) */
    long long dangling;    /* nodes of degree 1 */
    long long points;      /* point features */
    long long points_tied; /* points tied to a node within the tolerance */
    double seconds;
};

/* Builds the topology of data.<raw_table> inside the transaction open on `conn` (it fails
 * with JM_EINTERNAL when none is open) and then drops data.<raw_table>. Table names are
 * unqualified names in schema data, at most 63 bytes, quoted here.
 *
 * Input: data.<raw_table>(id bigint PRIMARY KEY, geom geometry(MultiLineString[Z] or
 * LineString[Z], srid) NOT NULL, network_type text, oneway text, any other columns);
 * network_type and oneway may be missing (then NULL). `srid` must be a projected CRS in
 * metres (snap_m and ST_DWithin work in its units); 0 <= `snap_m` <= 100 (JM_ELIMIT above).
 *
 * Output, created (JM_EEXISTS when either exists already):
 *  - data.<edges_table>(id bigint PRIMARY KEY 1..n, feature_id bigint (the raw id),
 *    geom geometry(LineString[Z], srid) NOT NULL, source bigint NOT NULL, target bigint NOT NULL,
 *    length_m (ellipsoidal, on WGS 84), cost, reverse_cost (-1 against a oneway: oneway 'yes',
 *    '1' or 'true' closes the reverse way, '-1' the forward way), network_type text, then the
 *    raw table's other columns in their order and types; a raw column whose name the edges
 *    table reserves (feature_id, source, target, length_m, cost, reverse_cost) is renamed
 *    name_src (then name_2, name_3… if taken). Edge ids follow the raw ids, then the
 *    order along each line. Indexes (PostgreSQL's default names, which it shortens for long
 *    table names): <t>_pkey, GiST <t>_geom_idx, btree <t>_source_idx and <t>_target_idx.
 *  - data.<nodes_table>(id bigint PRIMARY KEY, geom geometry(Point[Z], srid) NOT NULL,
 *    degree int (edge ends at the node; a loop counts twice)), ids in spatial order (the
 *    order of ORDER BY geom), GiST <t>_geom_idx. Every edge starts exactly on its source's
 *    geometry and ends exactly on its target's (in x and y).
 * Neither table is granted to any role: the caller does that, as for any dataset table.
 *
 * points_table (NULL when none): an existing data.<points_table>(id bigint PRIMARY KEY,
 * geom geometry(Point[Z], srid), …) gets two new columns: node_id (the nearest node when it
 * lies within snap_m, else NULL) and node_distance_m (2D distance to the nearest node,
 * whatever it is; NULL when the point has no geometry or there is no node). JM_EINPUT when it
 * has one of those columns already.
 *
 * Report: components come from pgr_connectedComponents when the pgrouting extension is
 * installed. `r` (required) is filled on success.
 * Errors: JM_EINPUT for bad arguments or an unusable raw table, JM_ENOTFOUND when the raw or
 * points table is missing, JM_EEXISTS as above, JM_EDB when a statement fails — then the
 * transaction is aborted and the caller must roll it back.
 * Session state: temporary tables pg_temp.imp_net_* (ON COMMIT DROP, and dropped on success);
 * work_mem is raised to 128MB (never lowered) for the work and set back on success. */
enum jm_status imp__network_build(PGconn *conn, const char *raw_table, const char *edges_table, const char *nodes_table,
                                  const char *points_table, int srid, double snap_m, struct imp__network_report *r,
                                  struct err *e);

#endif
