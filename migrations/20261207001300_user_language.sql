-- Languages (issue 27): the language a user chose on the account page ('da' or 'en'); NULL
-- follows the browser's Accept-Language, then the site's DEFAULT_LANGUAGE.
ALTER TABLE users ADD COLUMN language text CHECK (language IN ('da', 'en'));

-- The relay reads users (never the password hash) when it checks a token or session: the new
-- column too, or its reads fail.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_video') THEN
        GRANT SELECT (language) ON users TO standhub_video;
    END IF;
END
$$;
