-- 0004: the PostgreSQL twin of sqlite/0004_guild_language.sql: a server's language for
-- its public messages, chosen with /settings language. NULL: follow guild_locale.

ALTER TABLE guild_settings ADD COLUMN language TEXT NULL;
