-- 0001_foundation: the jumeau, data and closed schemas, the dataset registry, import runs,
-- API keys, the audit log, and the three reader roles of the data policy.
--
-- Applied once, inside a transaction, by `jumeau db migrate` (common/db.c); PostGIS is
-- enabled before any migration runs.

CREATE SCHEMA IF NOT EXISTS jumeau;   -- registry and the server's own state
CREATE SCHEMA IF NOT EXISTS data;     -- one table per dataset: data.<name>
CREATE SCHEMA IF NOT EXISTS closed;   -- closed (personal) attributes, keyed by feature id

-- The access levels of the municipal data policy, ordered: open < shared < closed.
CREATE TYPE jumeau.access_level AS ENUM ('open', 'shared', 'closed');

CREATE TABLE jumeau.datasets (
    name              text PRIMARY KEY
                      CHECK (name ~ '^[a-z][a-z0-9_]{0,47}$'),  -- room for suffixes within 63 bytes
    kind              text NOT NULL
                      CHECK (kind IN ('cadastre', 'buildings', 'network', 'citygml', 'cityjson', 'ifc')),
    title             text NOT NULL,
    description       text NOT NULL DEFAULT '',
    licence           text NOT NULL DEFAULT '',
    producer          text NOT NULL DEFAULT '',
    access_level      jumeau.access_level NOT NULL DEFAULT 'open',
    update_frequency  text NOT NULL DEFAULT 'irregular',
    keywords          text[] NOT NULL DEFAULT '{}',
    source_srs        text NOT NULL,          -- the CRS of the source file, e.g. EPSG:4326
    storage_srid      integer NOT NULL,       -- the projected CRS of data.<name>.geom
    source_file       text NOT NULL,
    source_sha256     text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    version           integer NOT NULL DEFAULT 1 CHECK (version > 0),
    feature_count     bigint NOT NULL DEFAULT 0,
    bbox_4326         double precision[4],    -- minx, miny, maxx, maxy in lon/lat
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Per-attribute access levels; an attribute with no row here has its dataset's level.
CREATE TABLE jumeau.dataset_attributes (
    dataset       text NOT NULL REFERENCES jumeau.datasets (name) ON DELETE CASCADE ON UPDATE CASCADE,
    column_name   text NOT NULL,
    access_level  jumeau.access_level NOT NULL,
    PRIMARY KEY (dataset, column_name)
);

CREATE TABLE jumeau.import_runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset           text NOT NULL,           -- no foreign key: failed runs are kept too
    kind              text NOT NULL,
    source_file       text NOT NULL,
    source_sha256     text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    status            text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    features_read     bigint NOT NULL DEFAULT 0,
    features_written  bigint NOT NULL DEFAULT 0,
    features_skipped  bigint NOT NULL DEFAULT 0,
    message           text NOT NULL DEFAULT ''
);

CREATE TABLE jumeau.api_keys (
    name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
    role        text NOT NULL CHECK (role IN ('partner', 'internal')),
    key_hash    text NOT NULL UNIQUE,          -- sha256 of the key; the key itself is never stored
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE jumeau.audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    principal  text NOT NULL,                  -- an API key name, 'anonymous' or 'cli:<user>'
    action     text NOT NULL,                  -- import, drop, extract, key-add, key-revoke …
    target     text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON jumeau.audit_log (at);

-- Reader roles, one per access level, each inheriting the one below, so that a grant to
-- jumeau_open reaches everyone and a grant to jumeau_internal reaches staff only. The server
-- connects as the owner and switches with SET ROLE per request: a bug in the server's own
-- filtering still cannot read what the role may not. Roles are cluster-wide, so they may
-- already exist when several jumeau databases share one server.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumeau_open') THEN
        CREATE ROLE jumeau_open NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumeau_shared') THEN
        CREATE ROLE jumeau_shared NOLOGIN IN ROLE jumeau_open;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jumeau_internal') THEN
        CREATE ROLE jumeau_internal NOLOGIN IN ROLE jumeau_shared;
    END IF;
    EXECUTE format('GRANT jumeau_internal TO %I', current_user);
END
$$;

GRANT USAGE ON SCHEMA data TO jumeau_open;
GRANT USAGE ON SCHEMA closed TO jumeau_internal;
GRANT USAGE ON SCHEMA jumeau TO jumeau_open;
-- Readers see the registry rows of the levels they may see (row-level security), never keys.
GRANT SELECT ON jumeau.datasets, jumeau.dataset_attributes TO jumeau_open;
ALTER TABLE jumeau.datasets ENABLE ROW LEVEL SECURITY;
CREATE POLICY datasets_open ON jumeau.datasets FOR SELECT TO jumeau_open USING (access_level = 'open');
CREATE POLICY datasets_shared ON jumeau.datasets FOR SELECT TO jumeau_shared USING (access_level <= 'shared');
CREATE POLICY datasets_internal ON jumeau.datasets FOR SELECT TO jumeau_internal USING (true);
