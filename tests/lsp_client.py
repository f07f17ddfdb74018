"""A small JSON-RPC client for language servers over stdio (Content-Length framing), with timeouts.

Only what the editor tests need: requests with responses, notifications, and waiting for a
server notification that satisfies a condition.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from typing import Callable


class LspError(AssertionError):
    pass


class LspClient:
    def __init__(self, command: list[str], cwd: str | None = None, env: dict | None = None):
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self._next_id = 0
        self._messages: queue.Queue = queue.Queue()
        self._pending: list[dict] = []  # server messages read but not consumed yet
        # method -> params -> result, for requests from the server (default: answer null)
        self.request_handlers: dict[str, Callable[[dict], object]] = {}
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- transport ------------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self._messages.put(None)  # the server exited
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self._messages.put(json.loads(body.decode("utf-8")))

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    def _send(self, message: dict) -> None:
        self.send_raw(json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8"))

    def send_raw(self, body: bytes) -> None:
        """One framed message with ``body`` as it is (malformed JSON included)."""
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request_raw(self, method: str, params: object, timeout: float = 30) -> dict:
        """A request whose params are sent as given; the whole response (result or error)."""
        self._next_id += 1
        request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        return self.wait_for(lambda m: m.get("id") == request_id and "method" not in m, timeout)

    def _receive(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise queue.Empty
        message = self._messages.get(timeout=remaining)
        if message is None:
            raise LspError(f"the server exited ({self.process.poll()}):\n{self.stderr()}")
        return message

    def stderr(self) -> str:
        return "".join(self.stderr_lines[-50:])

    # -- protocol -------------------------------------------------------------------------------

    def notify(self, method: str, params: dict | None = None) -> None:
        self._send({"method": method, "params": params or {}})

    def request(self, method: str, params: dict | None = None, timeout: float = 30) -> object:
        self._next_id += 1
        request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params or {}})
        message = self.wait_for(lambda m: m.get("id") == request_id and "method" not in m, timeout)
        if "error" in message:
            raise LspError(f"{method} failed: {message['error']}")
        return message.get("result")

    def wait_for(self, condition: Callable[[dict], bool], timeout: float) -> dict:
        """The first server message (seen before or arriving within ``timeout``) that matches."""
        for index, message in enumerate(self._pending):
            if condition(message):
                return self._pending.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self._receive(deadline)
            except queue.Empty:
                raise LspError(
                    f"no matching message within {timeout} s; seen: "
                    f"{json.dumps(self._pending)[-3000:]}\nserver stderr:\n{self.stderr()}"
                ) from None
            if "method" in message and "id" in message:
                # a request from the server (workspace/configuration, ...): answer it
                handler = self.request_handlers.get(message["method"])
                result = handler(message.get("params")) if handler else None
                self._send({"id": message["id"], "result": result})
            if condition(message):
                return message
            self._pending.append(message)

    def wait_for_notification(
        self, method: str, condition: Callable[[dict], bool], timeout: float
    ) -> dict:
        message = self.wait_for(
            lambda m: m.get("method") == method and condition(m.get("params", {})), timeout
        )
        return message["params"]

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.request("shutdown", timeout=10)
                self.notify("exit")
                self.process.wait(timeout=10)
        except Exception:  # the test result matters, not a clean shutdown
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
