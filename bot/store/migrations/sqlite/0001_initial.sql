-- 0001: per-guild settings. Applied once by bot.store.state in one transaction; never
-- edit an applied migration, add the next NNNN_*.sql instead. No BEGIN/COMMIT here: the
-- runner wraps each file in its own transaction.

CREATE TABLE guild_settings (
    guild_id      INTEGER PRIMARY KEY,      -- Discord snowflake
    default_drama TEXT NULL,                -- a drama slug, or NULL for none
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
