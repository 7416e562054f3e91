"""Run a command as an unprivileged user, as a grader without root runs, from a test running as root.

    python unprivileged.py [--no-user-namespaces] [--uid N] COMMAND...

The command runs with that uid and gid (1000 by default) and no supplementary groups, in a mount namespace of its
own where every folder above Python's installation is readable (a pyenv under /root, mode 0700, is not: /root is
replaced there by an empty folder into which the installation is bound back). With ``--no-user-namespaces`` it runs
inside a user namespace (mapping root and that uid to themselves) whose limit on further user namespaces is 0, as on
a machine where unprivileged user namespaces are turned off: the grader's probe then finds none.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    encoded = [None if s is None else str(s).encode() for s in (source, target, fstype, data)]
    _check(_libc.mount(*encoded[:3], flags, encoded[3]), f"mount {target}")


def user_namespace_without_more(uid: int, gid: int) -> None:
    """Enter a new user namespace mapping root and ``uid``/``gid`` to themselves, in which no user namespace can be made.

    Only a process outside it may write such a map: a child, still outside, writes it for this process.
    """
    go, done = os.pipe(), os.pipe()
    helper = os.fork()
    if helper == 0:
        os.read(go[0], 1)
        parent = os.getppid()
        for name, first in (("uid_map", uid), ("gid_map", gid)):
            Path(f"/proc/{parent}/{name}").write_text(f"0 0 1\n{first} {first} 1\n")
        os.write(done[1], b"x")
        os._exit(0)
    _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
    os.write(go[1], b"x")
    os.read(done[0], 1)
    os.waitpid(helper, 0)
    Path("/proc/sys/user/max_user_namespaces").write_text("0")


def reach_python() -> None:
    """In a new mount namespace, make every folder above Python's installation readable by anyone."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    python = Path(sys.base_prefix).resolve()
    closed = next((p for p in reversed(python.parents) if p != Path("/") and not os.stat(p).st_mode & 0o001), None)
    if closed is None:
        return
    kept = tempfile.mkdtemp()
    _mount(python, kept, None, MS_BIND | MS_REC)
    _mount("tmpfs", closed, "tmpfs", 0, "mode=0755")
    python.mkdir(parents=True)
    for folder in [python, *python.parents]:
        if folder == closed:
            break
        folder.chmod(0o755)
    _mount(kept, python, None, MS_BIND | MS_REC)
    _check(_libc.umount2(kept.encode(), MNT_DETACH), "umount")
    os.rmdir(kept)


def main(argv: list[str]) -> None:
    uid = 1000
    no_user_namespaces = False
    while argv and argv[0].startswith("--"):
        option = argv.pop(0)
        if option == "--no-user-namespaces":
            no_user_namespaces = True
        elif option == "--uid":
            uid = int(argv.pop(0))
    if no_user_namespaces:
        user_namespace_without_more(uid, uid)
    reach_python()
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
