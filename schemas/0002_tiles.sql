-- 0002_tiles: the zoom range in which a dataset's vector tiles carry it. NULL means the
-- kind's default (server/routes_tiles.c): network from z10, buildings from z13, cadastre
-- from z14, up to z22; `jumeau datasets set NAME minzoom=… maxzoom=…` changes it.
ALTER TABLE jumeau.datasets
    ADD COLUMN tile_min_zoom integer CHECK (tile_min_zoom BETWEEN 0 AND 24),
    ADD COLUMN tile_max_zoom integer CHECK (tile_max_zoom BETWEEN 0 AND 24),
    ADD CONSTRAINT tile_zoom_order CHECK (tile_min_zoom IS NULL OR tile_max_zoom IS NULL OR tile_min_zoom <= tile_max_zoom);
