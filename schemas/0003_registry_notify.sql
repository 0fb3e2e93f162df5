-- 0003_registry_notify: every change to the dataset registry (imports, drops, metadata and
-- access levels) notifies the channel jumeau_registry once per statement. Servers LISTEN to
-- it and drop their cached view of the registry, so that a cached tile is never answered
-- for a version or an access level that has changed.
CREATE FUNCTION jumeau.notify_registry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jumeau_registry', TG_OP);
    RETURN NULL;
END
$$;

CREATE TRIGGER datasets_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jumeau.datasets
    FOR EACH STATEMENT EXECUTE FUNCTION jumeau.notify_registry();
