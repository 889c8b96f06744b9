-- 0005: the PostgreSQL twin of sqlite/0005_drop_quiz_recent.sql: quiz_recent is no longer
-- read (the quiz rotates on facts, quiz_asked, since 0003).

DROP TABLE quiz_recent;
