"""Running the web app: where its database lives and how it is served.

Waitress is a production WSGI server in pure Python, so the same command
serves one person on a laptop and a small team on a shared machine, on any
operating system, with nothing to compile."""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def default_db_path() -> Path:
    """Where the database lives unless --db says otherwise: the platform's
    usual place for an application's own data."""
    if override := os.environ.get("FORETHOUGHT_DB"):
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return base / "Forethought" / "forethought.db"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Forethought" / "forethought.db"
    base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "forethought" / "forethought.db"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


SERVER_OPTIONS = {
    "ident": "Forethought",
    "max_request_body_size": 4 * 1024 * 1024,
    "clear_untrusted_proxy_headers": True,
}

# What is believed from a reverse proxy that terminates TLS: whether the browser's connection
# was HTTPS, and the browser's address (for the sign-in throttle). Nothing else it sends.
PROXY_HEADERS = frozenset({"x-forwarded-proto", "x-forwarded-for"})


@dataclass(frozen=True)
class Exposure:
    """How people reach the app: on this computer only, or over the network; the names they
    use for it (`--server-name`); and the reverse proxy in front, if any (`--behind-proxy`),
    the only sender whose forwarded headers are believed."""

    network: bool = False
    names: tuple[str, ...] = ()
    proxy: str | None = None

    def trusted_hosts(self) -> tuple[str, ...] | None:
        """The Host names the app answers to; None (any) on the network until names are given."""
        from .web.hosts import LOOPBACK_NAMES

        if self.network and not self.names:
            return None
        return (*self.names, *LOOPBACK_NAMES)

    def waitress_options(self) -> dict:
        options = dict(SERVER_OPTIONS)
        if self.proxy:
            options.update(trusted_proxy=self.proxy, trusted_proxy_headers=PROXY_HEADERS, trusted_proxy_count=1)
        return options

    def args(self) -> list[str]:
        """The same, as a worker's command-line arguments."""
        return [
            *(["--network"] if self.network else []),
            *(f"--server-name={name}" for name in self.names),
            *([f"--behind-proxy={self.proxy}"] if self.proxy else []),
        ]


def serve(app, host: str, port: int, threads: int = 8, exposure: Exposure = Exposure()) -> None:
    """One process: waitress binds host:port itself and serves until Ctrl+C."""
    from waitress import serve as waitress_serve

    waitress_serve(app, host=host, port=port, threads=threads, **exposure.waitress_options())


# --- Several worker processes over one database ---------------------------------------------
#
# The parent binds the listening sockets once, then starts worker processes that each
# run waitress on those same sockets: the kernel hands each new connection to one of
# them. Everything the workers share lives in the SQLite file (assessments, the session
# key, the sign-in tries); each one's score cache checks the stored version on every
# load. A worker is `python -m forethought.server --fd N ...`, given the sockets by file
# descriptor (Linux, macOS) or by socket.share through its standard input (Windows).


BACKLOG = 1024  # waitress's default


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Bind and listen on every address `host` names (as waitress does: "localhost" may be
    127.0.0.1 and ::1). Raises OSError if the port is taken, before any worker starts."""
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(
            host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        ):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if sys.platform != "win32":
                # Lets a restarted server bind at once; on Windows this would let another program share the port.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address[:2])
            sock.listen(BACKLOG)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Worker:
    """One worker process and when it started."""

    def __init__(self, args: list[str], sockets: list[socket.socket]):
        self.started = time.monotonic()
        command = [sys.executable, "-m", "forethought.server", *args]
        if sys.platform == "win32":
            # Windows passes sockets by socket.share, which needs the child's pid: write it to its stdin.
            self.process = subprocess.Popen([*command, "--shared"], stdin=subprocess.PIPE)
            shares = [sock.share(self.process.pid) for sock in sockets]
            assert self.process.stdin is not None
            self.process.stdin.write(b"".join(len(s).to_bytes(4, "big") + s for s in shares))
            self.process.stdin.close()
        else:
            fds = [sock.fileno() for sock in sockets]
            self.process = subprocess.Popen([*command, *(f"--fd={fd}" for fd in fds)], pass_fds=fds)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: the worker finishes what it is doing and exits


def worker_args(
    db_path: Path,
    threads: int,
    require_password: bool,
    extra_banks: tuple[Path, ...],
    exposure: Exposure = Exposure(),
) -> list[str]:
    """A worker's command-line arguments: plain strings, no shell, nothing pickled."""
    args = [f"--db={db_path}", f"--threads={threads}", *(f"--banks={path}" for path in extra_banks)]
    args += exposure.args()
    return [*args, "--require-password"] if require_password else args


def supervise(sockets: list[socket.socket], args: list[str], workers: int) -> int:
    """Run `workers` worker processes on the sockets until Ctrl+C or SIGTERM, then stop
    them all and return. A worker that dies is reported on stderr and replaced, unless
    workers keep dying as soon as they start (then all stop, status 1). One that exits
    cleanly (someone stopped it) is reported and not replaced."""
    running = [Worker(args, sockets) for _ in range(workers)]
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    quick_deaths = 0
    try:
        while running and quick_deaths < 3:
            time.sleep(0.2)
            for worker in list(running):
                code = worker.process.poll()
                if code is None:
                    continue
                running.remove(worker)
                if code == 0:
                    print(f"Worker {worker.pid} stopped.", file=sys.stderr)
                    continue
                print(f"Worker {worker.pid} died (exit status {code}); starting another.", file=sys.stderr)
                quick_deaths = quick_deaths + 1 if time.monotonic() - worker.started < 10 else 0
                running.append(Worker(args, sockets))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop_all(running)
    return 1 if quick_deaths >= 3 else 0


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_all(workers: list[Worker]) -> None:
    for worker in workers:
        worker.stop()
    for worker in workers:
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def _inherited_sockets(fds: list[int], shared: bool) -> list[socket.socket]:
    """The parent's listening sockets, by descriptor or (Windows) from socket.share data on stdin."""
    if sys.platform == "win32" and shared:
        data, sockets = sys.stdin.buffer.read(), []
        while data:
            size = int.from_bytes(data[:4], "big")
            sockets.append(socket.fromshare(data[4 : 4 + size]))
            data = data[4 + size :]
        return sockets
    return [socket.socket(fileno=fd) for fd in fds]


def worker_main(argv: list[str] | None = None) -> None:
    """One worker: build the app over the database and serve it on the inherited sockets."""
    import argparse

    from .loading import load_library
    from .store import Store
    from .web import create_app

    parser = argparse.ArgumentParser(prog="python -m forethought.server")
    parser.add_argument("--fd", type=int, action="append", default=[])
    parser.add_argument("--shared", action="store_true")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--banks", type=Path, action="append", default=[])
    parser.add_argument("--require-password", action="store_true")
    parser.add_argument("--network", action="store_true")
    parser.add_argument("--server-name", action="append", default=[])
    parser.add_argument("--behind-proxy")
    options = parser.parse_args(argv)
    exposure = Exposure(options.network, tuple(options.server_name), options.behind_proxy)
    sockets = _inherited_sockets(options.fd, options.shared)
    app = create_app(
        Store(options.db),
        load_library(extra=tuple(options.banks)),
        require_password=options.require_password,
        trusted_hosts=exposure.trusted_hosts(),
    )
    # SIGTERM from the parent: leave waitress's loop as Ctrl+C would, closing cleanly.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    serve_sockets(app, sockets, threads=options.threads, exposure=exposure)


def serve_sockets(app, sockets: list[socket.socket], threads: int = 8, exposure: Exposure = Exposure()) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(app, sockets=sockets, threads=threads, **exposure.waitress_options())


if __name__ == "__main__":
    worker_main()
