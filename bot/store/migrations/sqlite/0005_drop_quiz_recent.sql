-- 0005: quiz_recent (the question wordings a channel was asked lately) is no longer read:
-- the quiz rotates on facts (quiz_asked) since 0003. Applied once by bot.store.state in
-- one transaction.

DROP TABLE quiz_recent;
