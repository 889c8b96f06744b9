"""Which of our child processes owns a TCP connection, from /proc (Linux): the port the
offline Discord saw a request come from -> the socket's inode -> the process holding it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def _inodes_by_local_port(port: int) -> set[str]:
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found


def owner_of_port(port: int, pids: Iterable[int]) -> int | None:
    """The pid among `pids` whose socket has local `port`, or None."""
    inodes = {f"socket:[{i}]" for i in _inodes_by_local_port(port)}
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            links = [os.readlink(fd) for fd in fd_dir.iterdir()]
        except OSError:
            continue
        if inodes.intersection(links):
            return pid
    return None
