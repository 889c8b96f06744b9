"""The quiz: questions generated from the fact store, a Discord-free game engine, and the
scores kept in the state store.

- `questions`: templates that turn what the fact store knows into four-choice questions.
- `engine`: `QuizGame`, the state machine of one game (timing, scoring, streaks, idling).
- `clock`: the clocks the engine and the Discord session share (real, or manual in tests).
- `scores`: the state-store side (games, per-question results, leaderboards, memory).

The cog (`cogs.quiz`) only turns this state into embeds and buttons.
"""
