"""/settings default-drama end to end: admins choose a server's default drama, fans cannot,
and /ost follows the choice in that server only."""

from __future__ import annotations

import pytest

from bot.offline import CommandNotAvailable, OfflineDiscord, Reply

BAD_TEXT = ["", "x" * 5000, "😀🎵", "**bold** _it_", "@everyone",
            "'; DROP TABLE guild_settings; --"]


def assert_friendly(reply: Reply) -> None:
    assert reply.ephemeral, reply.text
    assert reply.content.strip(), reply.text
    assert "@everyone" not in reply.content
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}


def settings_command(discord: OfflineDiscord) -> dict[str, object]:
    return next(c for c in discord.commands(scope="global") if c["name"] == "settings")


async def test_declared_admin_only_and_guild_only(dramabot: OfflineDiscord) -> None:
    command = settings_command(dramabot)
    assert int(str(command["default_member_permissions"])) == 1 << 5  # Manage Server
    assert command["dm_permission"] is False
    with pytest.raises(CommandNotAvailable):
        await dramabot.invoke("/settings default-drama drama:vincenzo", user="fan1")
    with pytest.raises(CommandNotAvailable):
        await dramabot.invoke("/settings default-drama drama:vincenzo", user="admin", dm=True)


async def test_admin_sets_the_default_for_this_server_only(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke('/settings default-drama drama:"Soundtrack #2"', user="admin")
    assert not reply.ephemeral  # the whole server is affected, so it is said openly
    assert reply.content.startswith("This server's default drama is now **Soundtrack #2** "
                                    "(it was Soundtrack #1).")

    here = await dramabot.invoke("/ost list", user="fan1")
    assert here.content == "I have no OST tracks on record for Soundtrack #2 yet."
    track = await dramabot.invoke("/ost track 1", user="fan2")
    assert "Soundtrack #2" in track.content
    elsewhere = await dramabot.invoke("/ost track 7", user="fan1", guild="Drama Lounge")
    assert elsewhere.embed["title"].startswith("Soundtrack #1")
    explicit = await dramabot.invoke("/ost track 7 drama:soundtrack1", user="fan1")
    assert explicit.embed["title"].startswith("Soundtrack #1")


async def test_did_you_mean_buttons_set_the_default(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/settings default-drama drama:soundtrack", user="admin")
    assert_friendly(reply)
    assert "Did you mean" in reply.content
    done = await reply.click("Soundtrack #2", user="admin")
    assert done.content.startswith("This server's default drama is now **Soundtrack #2**")
    listing = await dramabot.invoke("/ost list", user="fan1")
    assert "Soundtrack #2" in listing.content


async def test_runtime_check_refuses_a_fan(dramabot: OfflineDiscord,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A server owner can let everyone see the command (Server Settings > Integrations),
    # which Discord applies instead of default_member_permissions: the bot still refuses.
    monkeypatch.setitem(settings_command(dramabot), "default_member_permissions", None)
    reply = await dramabot.invoke("/settings default-drama drama:vincenzo", user="fan1")
    assert_friendly(reply)
    assert "Manage Server" in reply.content
    track = await dramabot.invoke("/ost track 7", user="fan1")
    assert track.embed["title"].startswith("Soundtrack #1")  # unchanged


async def test_owner_may_set_it(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/settings default-drama drama:vincenzo", user="owner")
    assert reply.content.startswith("This server's default drama is now **Vincenzo**")


async def test_bad_input_changes_nothing(dramabot: OfflineDiscord) -> None:
    for text in BAD_TEXT:
        reply = await dramabot.invoke(f'/settings default-drama drama:"{text}"', user="admin")
        assert_friendly(reply)
    unknown = await dramabot.invoke("/settings default-drama drama:zzzqqqxx", user="admin")
    assert "I don't know a drama called" in unknown.content
    track = await dramabot.invoke("/ost track 7", user="fan1")
    assert track.embed["title"].startswith("Soundtrack #1")


async def test_settings_autocomplete(dramabot: OfflineDiscord) -> None:
    choices = await dramabot.autocomplete("/settings default-drama drama:vinc", user="admin")
    assert choices and choices[0]["value"] == "vincenzo"


async def test_a_typo_is_asked_about_never_picked(dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/settings default-drama drama:vincenzzo", user="admin")
    assert_friendly(reply)
    assert "Did you mean" in reply.content and "Vincenzo" in reply.content
    track = await dramabot.invoke("/ost track 7", user="fan1")
    assert track.embed["title"].startswith("Soundtrack #1")  # nothing changed yet
    done = await reply.click("Vincenzo", user="admin")
    assert done.content.startswith("This server's default drama is now **Vincenzo**")
    exact = await dramabot.invoke("/settings default-drama drama:soundtrack #1", user="admin")
    assert exact.content.startswith("This server's default drama is now **Soundtrack #1**")


async def test_the_confirmation_says_what_the_default_drives_and_warns(
        dramabot: OfflineDiscord) -> None:
    reply = await dramabot.invoke("/settings default-drama drama:vincenzo", user="admin")
    assert "`/ost track`, `/ost list` and `/quiz start` use it" in reply.content
    assert "no OST tracks on record for Vincenzo" in reply.content
    assert "quiz question" in reply.content  # too few facts for a full game
    main = await dramabot.invoke("/settings default-drama drama:soundtrack1", user="admin")
    assert "⚠️" not in main.content
