"""A small headless-Chromium driver for tests, on the standard library only.

Chromium is started with ``--remote-debugging-pipe``: it reads DevTools
protocol (CDP) commands from file descriptor 3 and writes replies and events
to file descriptor 4, each message JSON followed by a NUL byte. One page
target is attached in "flat" mode, so page commands carry its ``sessionId``.

Usage::

    from _browser import ChromiumPage, require_chromium

    require_chromium()  # skips the test (or fails it in CI) without a browser
    with ChromiumPage(html_path, width=1280, height=900) as page:
        page.evaluate("document.title")  # -> Python value
        page.errors  # console errors, uncaught exceptions, failed loads
        page.requests  # every URL the page asked for
        page.screenshot(png_path, full_page=True)
        page.press("ArrowRight")  # a key press in the focused element

Every wait has a timeout, so a test never hangs; the browser is killed and its
temporary profile removed on exit.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Set to 1 (CI does) to fail, rather than skip, when Chromium is missing.
REQUIRE_ENV = "GMMKIT_REQUIRE_BROWSER"

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def chromium_path() -> str | None:
    """The Chromium executable, or None when none is installed."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """Chromium's path; skip the calling test without it (fail when required).

    With ``GMMKIT_REQUIRE_BROWSER=1`` in the environment (CI sets it) a missing
    browser is a failure, because the browser tests must run there.
    """
    import pytest

    path = chromium_path()
    if path is not None:
        return path
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(
            f"{REQUIRE_ENV}=1 but no Chromium executable was found on PATH "
            f"(looked for {', '.join(_CANDIDATES)}); install Debian's chromium: "
            "sudo apt-get install chromium"
        )
    pytest.skip(
        "headless Chromium is not installed (apt-get install chromium); "
        f"set {REQUIRE_ENV}=1 to make this a failure"
    )


class BrowserError(RuntimeError):
    """The browser failed, timed out or answered a command with an error."""


class JavaScriptError(BrowserError):
    """An evaluated expression threw."""


class ChromiumPage:
    """One headless Chromium page showing a local HTML file.

    Parameters
    ----------
    html_path : str or Path
        The file to open (as a ``file://`` URL).
    width, height : int
        Viewport size in CSS pixels.
    timeout : float
        Seconds to wait for the browser, the page load and each command.
    """

    def __init__(
        self,
        html_path: str | os.PathLike,
        width: int = 1280,
        height: int = 900,
        timeout: float = 30.0,
    ):
        self.url = Path(html_path).resolve().as_uri()
        self.width, self.height, self.timeout = int(width), int(height), timeout
        self.errors: list[str] = []
        self.requests: list[str] = []
        self._request_urls: dict[str, str] = {}
        self._replies: dict[int, dict] = {}
        self._events: queue.Queue[dict] = queue.Queue()
        self._cond = threading.Condition()
        self._next_id = 0
        self._closed = False
        self._process: subprocess.Popen | None = None
        self._profile: str | None = None
        self._session: str | None = None

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> ChromiumPage:
        try:
            self._launch()
            self._open_page()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _launch(self) -> None:
        executable = chromium_path()
        if executable is None:
            raise BrowserError(
                "Chromium is not installed; install Debian's chromium "
                "(apt-get install chromium)."
            )
        self._profile = tempfile.mkdtemp(prefix="gmmkit-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        self._stderr = open(Path(self._profile) / "stderr.log", "wb")

        # Chromium expects exactly fds 3 (commands in) and 4 (replies out),
        # whatever numbers the pipes got here (3 and 4 may hold other files).
        # The child points 3 and 4 at the pipes; dup2 makes them inheritable,
        # while every other descriptor is close-on-exec (PEP 446), so nothing
        # else reaches the browser even with close_fds=False, which is needed
        # because closing would run after this hook and take 3 and 4 too.
        def child_fds() -> None:
            # Copy both above 4 first so that neither dup2 clobbers the other.
            reading = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD_CLOEXEC, 10)
            writing = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-extensions",
            "--disable-sync",
            "--disable-default-apps",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile}",
            f"--window-size={self.width},{self.height}",
            "about:blank",
        ]
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                close_fds=False,
                preexec_fn=child_fds,
            )
        finally:
            os.close(to_browser_read)
            os.close(from_browser_write)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _open_page(self) -> None:
        target = self._send("Target.createTarget", {"url": "about:blank"}, None)
        attached = self._send(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            None,
        )
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._send(f"{domain}.enable")
        self._set_viewport(self.width, self.height)
        self._drain_events()
        answer = self._send("Page.navigate", {"url": self.url})
        if answer.get("errorText"):
            raise BrowserError(f"could not open {self.url}: {answer['errorText']}")
        self._wait_for_event("Page.loadEventFired")

    def close(self) -> None:
        """Close the browser (killing it if it does not quit) and its profile."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                try:
                    self._send("Browser.close", {}, None, timeout=5)
                except BrowserError:
                    pass
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            for fd in (self._to_browser, self._from_browser):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._stderr.close()
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    # ------------------------------------------------------------------ public
    def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page; return its value.

        Promises are awaited; the value comes back as JSON (``undefined`` is
        None). Raises :class:`JavaScriptError` when the expression throws.
        """
        answer = self._send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": True,
                "userGesture": True,
            },
        )
        if "exceptionDetails" in answer:
            details = _describe_exception(answer["exceptionDetails"])
            raise JavaScriptError(f"{expression!r} threw: {details}")
        self._drain_events()
        return answer["result"].get("value")

    def press(self, key: str) -> None:
        """Press and release a key in the focused element ("ArrowRight", "Home")."""
        code = _KEY_CODES.get(key)
        if code is None:
            raise ValueError(f"press() knows {sorted(_KEY_CODES)}, not {key!r}")
        event = {"key": key, "code": key, "windowsVirtualKeyCode": code}
        self._send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **event})
        self._send("Input.dispatchKeyEvent", {"type": "keyUp", **event})

    def screenshot(self, png_path: str | os.PathLike, full_page: bool = True) -> Path:
        """Write a PNG of the viewport (or of the whole page) and return its path."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self._send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            width = max(self.width, int(size["width"] + 0.999))
            height = max(self.height, int(size["height"] + 0.999))
            self._set_viewport(width, height)
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height}
            params["clip"]["scale"] = 1
            params["captureBeyondViewport"] = True
        try:
            answer = self._send("Page.captureScreenshot", params)
        finally:
            if full_page:
                self._set_viewport(self.width, self.height)
        path = Path(png_path)
        path.write_bytes(base64.b64decode(answer["data"]))
        return path

    # ---------------------------------------------------------------- protocol
    def _set_viewport(self, width: int, height: int) -> None:
        self._send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    _PAGE = object()

    def _send(
        self,
        method: str,
        params: dict | None = None,
        session: Any = _PAGE,
        timeout: float | None = None,
    ) -> dict:
        """Send one command and wait for its reply (to the page by default)."""
        with self._cond:
            if self._closed:
                raise BrowserError(f"{method}: the browser has exited. {self._tail()}")
            self._next_id += 1
            message_id = self._next_id
        message: dict[str, Any] = {"id": message_id, "method": method}
        message["params"] = params or {}
        if session is self._PAGE:
            session = self._session
        if session is not None:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except OSError as error:
            raise BrowserError(
                f"{method}: cannot write to the browser ({error}). {self._tail()}"
            ) from None
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while message_id not in self._replies:
                left = deadline - time.monotonic()
                if self._closed:
                    raise BrowserError(f"{method}: the browser exited. {self._tail()}")
                if left <= 0:
                    raise BrowserError(
                        f"{method}: no reply in {timeout or self.timeout} s"
                    )
                self._cond.wait(left)
            reply = self._replies.pop(message_id)
        if "error" in reply:
            raise BrowserError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})

    def _read_loop(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    self._dispatch(json.loads(raw))
        except OSError:
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            with self._cond:
                self._replies[message["id"]] = message
                self._cond.notify_all()
            return
        if message.get("sessionId") != self._session:
            return
        self._record(message["method"], message.get("params", {}))
        self._events.put(message)

    def _record(self, method: str, params: dict) -> None:
        """Keep the errors and requests a test asks about."""
        if method == "Runtime.consoleAPICalled" and params["type"] in (
            "error",
            "assert",
        ):
            text = " ".join(_describe_value(arg) for arg in params.get("args", []))
            self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(f"uncaught exception: {_describe_exception(details)}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            where = f" ({entry['url']})" if entry.get("url") else ""
            self.errors.append(f"log {entry['source']}: {entry['text']}{where}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            self._request_urls[params["requestId"]] = url
            self.requests.append(url)
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = self._request_urls.get(params["requestId"], "?")
            self.errors.append(f"failed to load {url}: {params['errorText']}")

    def _wait_for_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"no {method} within {self.timeout} s ({self.url})")
            try:
                event = self._events.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self._closed:
                    raise BrowserError(
                        f"the browser exited waiting for {method}. {self._tail()}"
                    ) from None
                continue
            if event["method"] == method:
                return event

    def _drain_events(self) -> None:
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return

    def _tail(self) -> str:
        if self._profile is None:
            return ""
        try:
            text = (Path(self._profile) / "stderr.log").read_text(errors="replace")
        except OSError:
            return ""
        return f"Browser stderr: {text[-2000:]}" if text else ""


_KEY_CODES = {
    "ArrowLeft": 37,
    "ArrowUp": 38,
    "ArrowRight": 39,
    "ArrowDown": 40,
    "Home": 36,
    "End": 35,
    "PageUp": 33,
    "PageDown": 34,
}


def _describe_value(arg: dict) -> str:
    if "value" in arg:
        return str(arg["value"])
    return str(arg.get("description", arg.get("type", "?")))


def _describe_exception(details: dict) -> str:
    exception = details.get("exception") or {}
    text = exception.get("description") or details.get("text", "unknown error")
    line = details.get("lineNumber")
    return text if line is None else f"{text} (line {line + 1})"
