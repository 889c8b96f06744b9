-- 0002: the quiz. Applied once by bot.store.state in one transaction; never edit an
-- applied migration, add the next NNNN_*.sql instead. Times are Unix seconds (REAL, UTC).
-- Scores are kept per game and player (dated by the game's start, so weekly boards are a
-- WHERE clause), written after every question in one transaction by bot.quiz.scores.

CREATE TABLE quiz_games (
    id            TEXT PRIMARY KEY,           -- the id in the buttons' custom_id
    guild_id      INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    starter_id    INTEGER NOT NULL,
    drama         TEXT NOT NULL,              -- a drama slug
    questions     INTEGER NOT NULL,           -- how many the game will ask
    seconds       INTEGER NOT NULL,
    up_to_episode INTEGER NULL,
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'finished', 'stopped', 'idle', 'interrupted')),
    asked         INTEGER NOT NULL DEFAULT 0, -- questions closed and recorded so far
    started_at    REAL NOT NULL,
    ended_at      REAL NULL
);

CREATE INDEX quiz_games_status ON quiz_games (status);

-- One row per player per game: totals so far (rewritten after each question).
CREATE TABLE quiz_players (
    game_id     TEXT NOT NULL REFERENCES quiz_games (id),
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    answers     INTEGER NOT NULL DEFAULT 0,
    best_streak INTEGER NOT NULL DEFAULT 0,
    won         INTEGER NOT NULL DEFAULT 0,   -- 1 when among the game's top scorers
    played_at   REAL NOT NULL,                -- the game's start
    PRIMARY KEY (game_id, user_id)
);

CREATE INDEX quiz_players_guild ON quiz_players (guild_id, played_at);
CREATE INDEX quiz_players_user ON quiz_players (user_id, guild_id);

-- One row per press that counted: the audit trail behind the totals.
CREATE TABLE quiz_answers (
    game_id   TEXT NOT NULL REFERENCES quiz_games (id),
    question  INTEGER NOT NULL,               -- 0-based index in the game
    user_id   INTEGER NOT NULL,
    choice    INTEGER NOT NULL,
    correct   INTEGER NOT NULL,
    points    INTEGER NOT NULL,
    elapsed   REAL NOT NULL,                  -- seconds after the question was asked
    PRIMARY KEY (game_id, question, user_id)
);

-- What each channel was asked lately, so the next games ask something else.
CREATE TABLE quiz_recent (
    channel_id   INTEGER NOT NULL,
    question_key TEXT NOT NULL,
    asked_at     REAL NOT NULL,
    PRIMARY KEY (channel_id, question_key)
);

-- The name a player last answered under, for leaderboards (no member intent, no pings).
CREATE TABLE quiz_names (
    user_id    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    updated_at REAL NOT NULL
);
