"""Helpers shared by the cogs: replies and the one private-answer helper (`replies`), the
buttons' base and views (`views`), drama and person option transformers (`lookup`),
checks (`checks`), user-facing errors (`errors`), fact formatting and Discord limits
(`formatting`) and embeds that always fit (`embeds`)."""
