-- 0002: the quiz, the PostgreSQL twin of sqlite/0002_quiz.sql (same tables, columns and
-- keys). Times are Unix seconds in DOUBLE PRECISION (PostgreSQL's REAL is only 4 bytes);
-- ids are BIGINT. Scores are kept per game and player, written after every question in
-- one transaction by bot.quiz.scores; every shard process reads the same rows.

CREATE TABLE quiz_games (
    id            TEXT PRIMARY KEY,           -- the id in the buttons' custom_id
    guild_id      BIGINT NOT NULL,
    channel_id    BIGINT NOT NULL,
    starter_id    BIGINT NOT NULL,
    drama         TEXT NOT NULL,              -- a drama slug
    questions     INTEGER NOT NULL,           -- how many the game will ask
    seconds       INTEGER NOT NULL,
    up_to_episode INTEGER NULL,
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'finished', 'stopped', 'idle', 'interrupted')),
    asked         INTEGER NOT NULL DEFAULT 0, -- questions closed and recorded so far
    started_at    DOUBLE PRECISION NOT NULL,
    ended_at      DOUBLE PRECISION NULL
);

CREATE INDEX quiz_games_status ON quiz_games (status);

-- One row per player per game: totals so far (rewritten after each question).
CREATE TABLE quiz_players (
    game_id     TEXT NOT NULL REFERENCES quiz_games (id),
    user_id     BIGINT NOT NULL,
    guild_id    BIGINT NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    answers     INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    won         INTEGER NOT NULL DEFAULT 0,   -- 1 when among the game's top scorers
    played_at   DOUBLE PRECISION NOT NULL,    -- the game's start
    PRIMARY KEY (game_id, user_id)
);

CREATE INDEX quiz_players_guild ON quiz_players (guild_id, played_at);
CREATE INDEX quiz_players_user ON quiz_players (user_id, guild_id);

-- One row per press that counted: the audit trail behind the totals.
CREATE TABLE quiz_answers (
    game_id   TEXT NOT NULL REFERENCES quiz_games (id),
    question  INTEGER NOT NULL,               -- 0-based index in the game
    user_id   BIGINT NOT NULL,
    choice    INTEGER NOT NULL,
    correct   INTEGER NOT NULL,
    points    INTEGER NOT NULL,
    elapsed   DOUBLE PRECISION NOT NULL,      -- seconds after the question was asked
    PRIMARY KEY (game_id, question, user_id)
);

-- What each channel was asked lately, so the next games ask something else.
CREATE TABLE quiz_recent (
    channel_id   BIGINT NOT NULL,
    question_key TEXT NOT NULL,
    asked_at     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel_id, question_key)
);

-- The name a player last answered under, for leaderboards (no member intent, no pings).
CREATE TABLE quiz_names (
    user_id    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
