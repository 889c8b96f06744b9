"""The console and `dramabot ask`, run as a person runs them: real processes, real bot,
offline Discord, text in and rendered text out."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from bot.offline.render import as_seen


def _environ(data_dir: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("DISCORD_", "DRAMABOT_", "DEV_GUILD", "DEFAULT_DRAMA"))}
    environ["DRAMABOT_DATA_DIR"] = str(data_dir)
    return environ


def dramabot(*args: str, data_dir: Path, stdin: str | None = None
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
        env=_environ(data_dir), cwd=data_dir, timeout=120, check=False,
    )


def test_console_types_a_command_and_reads_the_reply(tmp_path: Path) -> None:
    result = dramabot("console", data_dir=tmp_path,
                      stdin="/ost track 7\n/drama soundtrack1\n3\nuser fan2\nquit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Just A Little Bit More" in out
    assert "Doyoung" in out
    assert "[1] Overview" in out  # buttons are numbered
    assert "Episodes" in out and "2022-04-13" in out  # button 3 switched to Episodes
    assert "You are now fan2." in out
    assert "Traceback" not in out + result.stderr


def test_console_explains_mistakes(tmp_path: Path) -> None:
    result = dramabot("console", data_dir=tmp_path,
                      stdin="/nosuchcommand\nhello\n7\nhelp\n")
    assert result.returncode == 0, result.stderr
    assert "! " in result.stdout  # the unknown command is explained, not a crash
    assert "I don't know 'hello'" in result.stdout
    assert "no message with buttons yet" in result.stdout
    assert "Press a button" in result.stdout  # help


def test_ask_prints_the_rendered_reply(tmp_path: Path) -> None:
    result = dramabot("ask", "/ost track 7", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Just A Little Bit More" in result.stdout
    assert "아주 조금만 더" in result.stdout


def test_ask_json_prints_the_callback_body(tmp_path: Path) -> None:
    result = dramabot("ask", "--json", "/ost track 7", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert "Just A Little Bit More" in json.dumps(body, ensure_ascii=False)


def test_ask_exit_status_1_for_an_error_reply(tmp_path: Path) -> None:
    result = dramabot("ask", "/ost track 12", data_dir=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no track 12" in result.stdout


def test_ask_exit_status_2_for_a_usage_error(tmp_path: Path) -> None:
    result = dramabot("ask", "/no-such-command", data_dir=tmp_path)
    assert result.returncode == 2
    assert "dramabot ask:" in result.stderr


def test_make_run_without_token_in_a_terminal_starts_the_console(tmp_path: Path) -> None:
    """`make run` runs `dramabot run --console-fallback`; in a terminal it explains and
    opens the console."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--console-fallback"],
        stdin=follower, stdout=follower, stderr=follower, env=_environ(tmp_path),
        cwd=tmp_path,
    )
    os.close(follower)
    seen = _read_until(leader, b"fan1 #general>", timeout=90)
    os.write(leader, b"/ost track 1\n")
    seen += _read_until(leader, b"Love Beyond Words", timeout=30)
    os.write(leader, b"quit\n")
    assert process.wait(timeout=30) == 0
    os.close(leader)
    text = seen.decode(errors="replace")
    assert "no DISCORD_TOKEN" in text
    assert "Starting the offline console" in text
    assert "Love Beyond Words" in text


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"did not see {marker!r}; got:\n{data.decode(errors='replace')}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            data += chunk
    return data



def test_console_and_ask_keep_one_world_across_restarts(tmp_path: Path) -> None:
    chosen = dramabot("ask", "/settings default-drama drama:vincenzo", "--user", "admin",
                      data_dir=tmp_path)
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    later = dramabot("ask", "/ost list", data_dir=tmp_path)  # a new process, same server
    assert "Vincenzo" in later.stdout, later.stdout
    console = dramabot("console", data_dir=tmp_path, stdin="/ost track 1\nquit\n")
    assert "Vincenzo" in console.stdout


def test_mentions_and_timestamps_read_as_in_discord(tmp_path: Path) -> None:
    result = dramabot("console", data_dir=tmp_path,
                      stdin="channel quiz\n/quiz start questions:1\n/quiz start\nquit\n")
    out = result.stdout
    assert "A quiz is already running in this channel, started by @Fan1." in out
    assert "<@" not in out


def test_as_seen_renders_mentions_and_timestamps() -> None:
    names = {"user": {1: "Fan1"}, "channel": {2: "quiz"}, "role": {3: "Admin"}}
    text = "<@1> and <@!1> in <#2>, ask <@&3>; time's up <t:1020:R>, began <t:0:R> · <t:0:f>"
    assert as_seen(text, names, now=1000.0) == (
        "@Fan1 and @Fan1 in #quiz, ask @Admin; time's up in 20 seconds, began 17 minutes ago"
        " · 1970-01-01 00:00 UTC")
    assert as_seen("<@99>", names, now=0) == "<@99>"  # unknown ids stay as Discord sent them


def test_a_misspelled_option_name_is_an_error_naming_the_options(tmp_path: Path) -> None:
    result = dramabot("ask", "/drama nmae:soundtrack1", data_dir=tmp_path)
    assert result.returncode == 2
    assert "no option named 'nmae'; its options: name" in result.stderr


def test_no_spec_warning_outside_the_tests(tmp_path: Path) -> None:
    environ = {**_environ(tmp_path), "DISCORD_OPENAPI_SPEC": str(tmp_path / "missing.json")}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "/ost track 7"],
                            capture_output=True, text=True, env=environ, cwd=tmp_path,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "spec" not in result.stderr.lower() and "Warning" not in result.stderr


def test_run_without_network_says_so_in_one_line_and_retries(tmp_path: Path) -> None:
    environ = {**_environ(tmp_path), "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
               "DISCORD_TOKEN": "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GabcDE." + "a" * 38}
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=environ,
                               cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while sum("Cannot reach Discord" in line for line in lines) < 2:
            assert time.monotonic() < deadline, "".join(lines)
            line = process.stdout.readline() if process.stdout else ""
            assert line, "".join(lines)
            lines.append(line)
    finally:
        process.kill()
        process.wait()
    text = "".join(lines)
    assert "Traceback" not in text
    assert "trying again in 2 s" in text and "trying again in 4 s" in text
