-- Languages (issue 27): the language a user chose on the account page ('da' or 'en'); NULL
-- follows the browser's Accept-Language, then the site's DEFAULT_LANGUAGE.
ALTER TABLE users ADD COLUMN language text CHECK (language IN ('da', 'en'));
