-- The fact store: compiled from the data packs by bot.store.build, read-only at run time,
-- rebuilt (never migrated) whenever the packs or this file change.
--
-- Each entity keeps its full pack record as JSON in `data` (facts with every reading,
-- source id, note and episode survive exactly; bot.store.facts decodes them back into the
-- bot.packs.model dataclasses). The plain columns beside it exist only to find, join and
-- order rows, so every query stays one indexed lookup.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sources (
    id   TEXT PRIMARY KEY,
    data TEXT NOT NULL                      -- JSON Source
) WITHOUT ROWID;

CREATE TABLE dramas (
    slug         TEXT PRIMARY KEY,
    title        TEXT NOT NULL,             -- primary reading of the title fact
    korean_title TEXT,
    sort_key     TEXT NOT NULL,             -- folded title, for "by title" order
    data         TEXT NOT NULL,             -- JSON Drama
    cited        TEXT NOT NULL,             -- JSON list: every source id the drama, its
                                            -- cast, crew, episodes, tracks, trivia and
                                            -- questions cite (DramaInfo.sources)
    info         BLOB                       -- pickle: (Drama, cast and crew members with
                                            -- their person refs, episodes by number, track
                                            -- infos by number, trivia, questions): what
                                            -- DramaInfo holds but the sources
                                            -- (bot.store.facts.MODEL_HASH guards it)
);
CREATE INDEX dramas_by_sort_key ON dramas (sort_key, slug);

CREATE TABLE people (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    hangul   TEXT,
    kind     TEXT NOT NULL,                 -- "person" | "group"
    sort_key TEXT NOT NULL,
    data     TEXT NOT NULL,                 -- JSON Person
    cited    TEXT NOT NULL                  -- JSON list: every source id the person and
                                            -- their roles, credits and tracks cite
);
CREATE INDEX people_by_sort_key ON people (sort_key, id);

CREATE TABLE episodes (
    slug   TEXT NOT NULL REFERENCES dramas (slug),
    number INTEGER NOT NULL,
    data   TEXT NOT NULL,                   -- JSON Episode
    PRIMARY KEY (slug, number)
);

-- `position` keeps the pack's order (billing order as the author wrote it).
CREATE TABLE cast_entries (
    slug      TEXT NOT NULL REFERENCES dramas (slug),
    position  INTEGER NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    data      TEXT NOT NULL,                -- JSON CastEntry
    PRIMARY KEY (slug, position)
);
CREATE INDEX cast_by_person ON cast_entries (person_id);

CREATE TABLE credits (
    slug      TEXT NOT NULL REFERENCES dramas (slug),
    position  INTEGER NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    job       TEXT NOT NULL,
    data      TEXT NOT NULL,                -- JSON Credit
    PRIMARY KEY (slug, position)
);
CREATE INDEX credits_by_person ON credits (person_id);

CREATE TABLE tracks (
    id      INTEGER PRIMARY KEY,
    slug    TEXT NOT NULL REFERENCES dramas (slug),
    number  INTEGER NOT NULL,
    data    TEXT NOT NULL,                  -- JSON Track
    UNIQUE (slug, number)
);

-- A narrow copy of what search_tracks scans, kept apart from the JSON so a scan reads few
-- pages. `search` is "|key|key|": folded and loose keys of the titles (every reading) and
-- of every artist's name, Hangul, aliases and groups.
CREATE TABLE track_search (
    id       INTEGER PRIMARY KEY REFERENCES tracks (id),
    sort_key TEXT NOT NULL,                 -- the drama's sort_key
    slug     TEXT NOT NULL,
    number   INTEGER NOT NULL,
    search   TEXT NOT NULL
);

CREATE TABLE track_artists (
    slug      TEXT NOT NULL,
    number    INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    person_id TEXT NOT NULL REFERENCES people (id),
    PRIMARY KEY (slug, number, position),
    FOREIGN KEY (slug, number) REFERENCES tracks (slug, number)
);
CREATE INDEX track_artists_by_person ON track_artists (person_id);

CREATE TABLE trivia (
    slug     TEXT NOT NULL REFERENCES dramas (slug),
    position INTEGER NOT NULL,
    topic    TEXT,
    data     TEXT NOT NULL,                 -- JSON Trivia
    PRIMARY KEY (slug, position)
);

CREATE TABLE questions (
    slug     TEXT NOT NULL REFERENCES dramas (slug),
    position INTEGER NOT NULL,
    data     TEXT NOT NULL,                 -- JSON Question
    PRIMARY KEY (slug, position)
);

-- Every name an entity can be found by, with the keys bot.store.names computes, so that
-- opening the store loads the name index without folding every name again. One row per
-- distinct (kind, key, skey): "Soundtrack 1" adds nothing beside "Soundtrack #1".
CREATE TABLE names (
    kind   TEXT NOT NULL,                   -- "drama" | "person"
    key    TEXT NOT NULL,                   -- slug or person id
    label  TEXT NOT NULL,                   -- the entity's canonical name
    name   TEXT NOT NULL,                   -- this name as the pack writes it
    skey   TEXT NOT NULL,
    loose  TEXT NOT NULL,
    words  TEXT NOT NULL                    -- word start offsets in skey, "5,10"
);  -- rowid order = pack order: a title comes before its aliases

-- Each NameIndex in its stored form (NameIndex.to_parts: sorted orders and packed strings),
-- made by the build from the rows above, so opening the store reads a few blobs instead of
-- sorting every name.
CREATE TABLE name_index (
    kind TEXT NOT NULL,                     -- "drama" | "person"
    part TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (kind, part)
);
