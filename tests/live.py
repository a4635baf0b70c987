"""A real Forethought server in its own process on 127.0.0.1, and a small
HTTP client that behaves like a browser (cookies, CSRF tokens, hidden fields)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

FORETHOUGHT = str(Path(sys.executable).parent / "forethought")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, db_path: Path, port: int | None = None, extra: tuple[str, ...] = (), new_session: bool = False):
        self.db_path, self.port, self.extra = db_path, port or free_port(), extra
        # In a session of its own, the server and its workers are one process group, as in a terminal.
        self.new_session = new_session
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.process = subprocess.Popen(
            [FORETHOUGHT, "serve", "--db", str(self.db_path), "--port", str(self.port), *self.extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=self.new_session,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stdout.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start within 30 seconds")

    def kill(self) -> None:
        """As abruptly as a crash or a pulled plug: SIGKILL, no clean shutdown."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class _Hidden(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")


class Browserish:
    """Just enough of a browser: keeps the session cookie, loads a form before
    posting it, and sends the form's hidden fields back."""

    def __init__(self, server: LiveServer):
        self.server = server
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookie = value.split(";", 1)[0]
        conn.close()
        return response.status, response.headers, data.decode("utf-8", "replace")

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, data: dict):
        status, _, html = self.get(path)
        parser = _Hidden()
        parser.feed(html)
        fields = {**parser.fields, **data}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def assessment_id_from(headers) -> str:
    return re.search(r"/a/([^/#?]+)", headers["Location"]).group(1)


# --- Which process served a connection (Linux: /proc) -----------------------------------------


def child_pids(pid: int) -> set[int]:
    """The live processes whose parent is `pid`, from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    """The socket inode of the server's end of a loopback connection, from /proc/net/tcp."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == server_port and int(remote, 16) == client_port:
                return fields[9]
    return None


def serving_pid(conn: http.client.HTTPConnection, server_port: int, candidates: set[int]) -> int | None:
    """Which of `candidates` holds the server's end of an open keep-alive connection:
    nothing in the responses says which worker answered, the operating system does."""
    inode = _server_side_inode(server_port, conn.sock.getsockname()[1])
    for pid in candidates:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


class Connection:
    """One keep-alive connection with a cookie jar that connections may share, as
    tabs of one browser do; it knows which worker process accepted it."""

    def __init__(self, server: LiveServer, jar: dict | None = None):
        self.server = server
        self.jar = jar if jar is not None else {}
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.jar.get("cookie"):
            headers["Cookie"] = self.jar["cookie"]
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.jar["cookie"] = value.split(";", 1)[0]
        return response.status, response.headers, data.decode("utf-8", "replace")

    def hidden_fields(self, path: str) -> dict:
        parser = _Hidden()
        parser.feed(self.request("GET", path)[2])
        return parser.fields

    def post(self, path: str, fields: dict):
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def worker(self) -> int | None:
        """The pid of the worker serving this connection (it must have been used once)."""
        return serving_pid(self.conn, self.server.port, child_pids(self.server.process.pid))

    def close(self) -> None:
        self.conn.close()


def connections_to_each_worker(server: LiveServer, workers: int, jar: dict | None = None, tries: int = 200):
    """Open connections until one is served by each of `workers` distinct worker
    processes; {pid: connection}. The kernel, not us, chooses who accepts."""
    found: dict[int, Connection] = {}
    for _ in range(tries):
        connection = Connection(server, jar)
        connection.request("GET", "/healthz")
        pid = connection.worker()
        if pid is not None and pid not in found:
            found[pid] = connection
            if len(found) == workers:
                break
        else:
            connection.close()
    return found
