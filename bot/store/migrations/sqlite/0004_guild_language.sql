-- 0004: a server's language for its public messages (info embeds, quiz questions,
-- scoreboards), chosen with /settings language. NULL: follow the server's locale as
-- Discord sends it (guild_locale). Applied once by bot.store.state in one transaction.

ALTER TABLE guild_settings ADD COLUMN language TEXT NULL;
