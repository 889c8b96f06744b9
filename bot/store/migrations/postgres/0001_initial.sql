-- 0001: per-guild settings, the PostgreSQL twin of sqlite/0001_initial.sql. Applied once by
-- bot.store.state in one transaction, under pg_advisory_lock; never edit an applied
-- migration, add the next NNNN_*.sql (in both dialect folders) instead. No BEGIN/COMMIT:
-- the runner wraps each file in its own transaction.
-- Types mirror SQLite's so `dramabot state copy` moves values unchanged: snowflakes are
-- BIGINT (they fit in 63 bits), times TEXT (ISO 8601, UTC) or DOUBLE PRECISION (Unix).

CREATE TABLE guild_settings (
    guild_id      BIGINT PRIMARY KEY,       -- Discord snowflake
    default_drama TEXT NULL,                -- a drama slug, or NULL for none
    updated_at    TEXT NOT NULL
                  DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
);
