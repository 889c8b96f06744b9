-- 0003: the quiz keys on facts (rotation, hidden questions, reports) and plays typed
-- games. Applied once by bot.store.state in one transaction; never edit an applied
-- migration, add the next NNNN_*.sql instead. Portable SQL (plain types, no SQLite-only
-- functions); times are ISO 8601 text in UTC, written by the bot.

-- How a game is answered: 'buttons' (four choices) or 'typed' (a modal).
ALTER TABLE quiz_games ADD COLUMN mode TEXT NOT NULL DEFAULT 'buttons';

-- Every question a game asked, with the fact it asks: the channel's rotation (no fact
-- again before every other has had its turn) and what a report refers to.
CREATE TABLE quiz_asked (
    game_id      TEXT NOT NULL REFERENCES quiz_games (id),
    question     INTEGER NOT NULL,            -- 0-based index in the game
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    turn         INTEGER NOT NULL,            -- 1, 2, ... per channel: the rotation's order
    question_key TEXT NOT NULL,
    fact_key     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    prompt       TEXT NOT NULL,
    answer       TEXT NOT NULL,
    sources      TEXT NOT NULL,               -- JSON list of source names
    asked_at     TEXT NOT NULL,
    PRIMARY KEY (game_id, question)
);

CREATE INDEX quiz_asked_channel ON quiz_asked (channel_id, fact_key, turn);

-- Facts a server's managers took out of its games (from a report).
CREATE TABLE quiz_hidden (
    guild_id  INTEGER NOT NULL,
    fact_key  TEXT NOT NULL,
    report_id TEXT NULL,
    hidden_by INTEGER NOT NULL,
    hidden_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, fact_key)
);

-- What players said was wrong with a question, with the question as it was asked.
CREATE TABLE quiz_reports (
    id           TEXT PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    game_id      TEXT NOT NULL,
    question     INTEGER NOT NULL,
    question_key TEXT NOT NULL,
    fact_key     TEXT NOT NULL,
    prompt       TEXT NOT NULL,
    answer       TEXT NOT NULL,
    sources      TEXT NOT NULL,               -- JSON list of source names
    reporter_id  INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'hidden', 'dismissed')),
    created_at   TEXT NOT NULL,
    resolved_by  INTEGER NULL,
    resolved_at  TEXT NULL
);

CREATE INDEX quiz_reports_guild ON quiz_reports (guild_id, status, created_at);
