"""Helpers shared by the cogs (and the quiz): fact formatting and Discord limits
(`formatting`), embeds that always fit (`embeds`), persistent buttons (`views`) and
forgiving drama/person resolution with autocomplete (`lookup`)."""
