-- 0004_key_lookup: the API key lookup as a function the reader roles may call, so that a
-- server connection can stay in a reader role between requests (no RESET ROLE round trip)
-- while the keys table itself stays unreadable to them.
CREATE FUNCTION jumeau.api_key_role(hash text) RETURNS TABLE (name text, role text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = jumeau, pg_temp AS $$
    SELECT k.name, k.role FROM jumeau.api_keys k WHERE k.key_hash = hash AND k.revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION jumeau.api_key_role(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jumeau.api_key_role(text) TO jumeau_open;
