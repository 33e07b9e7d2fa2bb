"""Network namespaces joined to this one by veth pairs: the test's own "hosts".

Each :class:`Host` is a namespace with one veth pair, ``<host_ip>/30`` on this side and
``<ip>/30`` inside, so a process run through :meth:`Host.argv` has an address of its own that
the test (and Chromium, and HAProxy) reach directly. Names carry this process's id and a random
tag, so parallel runs and the leftovers of a killed run never clash; :func:`hosts` tears down
everything it made, whatever happened inside the block.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import random
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

IP = "/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else "ip"
# The test hosts' addresses: one /30 per host out of this /16, a free one picked per run.
POOL = ipaddress.IPv4Network("10.213.0.0/16")


class NamespacesRefused(Exception):
    """This machine does not let the test make network namespaces (no root, no CAP_SYS_ADMIN,
    a sandbox that forbids them)."""


@dataclass(frozen=True)
class Host:
    name: str  # the namespace, as ``ip netns`` knows it
    link: str  # this side of the veth pair (the other side lives inside the namespace)
    host_ip: str  # this side's address
    ip: str  # the namespace's address

    def argv(self, command: list[str]) -> list[str]:
        """``command`` run inside the namespace (``ip netns exec`` execs it: same process)."""
        return [IP, "netns", "exec", self.name, *command]


def _ip(*args: str) -> None:
    done = subprocess.run([IP, *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(
            done.returncode, ["ip", *args], done.stdout, done.stderr
        )


def _used_networks() -> list[ipaddress.IPv4Network]:
    out = subprocess.run(
        [IP, "-4", "-o", "addr", "show"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    nets = []
    for line in out.splitlines():
        fields = line.split()
        if "inet" in fields:
            nets.append(ipaddress.IPv4Interface(fields[fields.index("inet") + 1]).network)
    return nets


def _free_subnets(count: int) -> list[ipaddress.IPv4Network]:
    used = _used_networks()
    candidates = list(POOL.subnets(new_prefix=30))
    random.shuffle(candidates)
    free = [net for net in candidates if not any(net.overlaps(u) for u in used)]
    if len(free) < count:
        raise RuntimeError(f"no {count} free /30 networks left in {POOL}")
    return free[:count]


def _teardown(made: list[Host]) -> None:
    for host in reversed(made):
        # Deleting this side of the pair deletes the other; the namespace goes once no
        # process runs in it any more (the caller has ended them).
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", host.link)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", host.name)


@contextlib.contextmanager
def hosts(count: int) -> Iterator[list[Host]]:
    """``count`` namespaces, each with its veth pair up; all removed when the block ends.

    Raises :class:`NamespacesRefused` when the first namespace cannot be made.
    """
    tag = secrets.token_hex(3)
    made: list[Host] = []
    try:
        for n, net in enumerate(_free_subnets(count)):
            near, far = list(net.hosts())
            host = Host(
                name=f"scormlms-{os.getpid()}-{tag}-{n}",
                link=f"sl{tag}{n}h",
                host_ip=str(near),
                ip=str(far),
            )
            inner = f"sl{tag}{n}n"
            try:
                _ip("netns", "add", host.name)
            except subprocess.CalledProcessError as error:
                if not made:
                    raise NamespacesRefused(error.stderr.strip() or str(error)) from error
                raise
            made.append(host)
            _ip("link", "add", host.link, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", host.name)
            _ip("addr", "add", f"{near}/30", "dev", host.link)
            _ip("link", "set", host.link, "up")
            _ip("-n", host.name, "addr", "add", f"{far}/30", "dev", inner)
            _ip("-n", host.name, "link", "set", inner, "up")
            _ip("-n", host.name, "link", "set", "lo", "up")
        yield made
    finally:
        _teardown(made)
