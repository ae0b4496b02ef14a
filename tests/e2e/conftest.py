"""Browser tests: Debian's Chromium, driven by Playwright, against a server the tests start.

Off unless ``REVALUE_E2E=1`` (CI sets it); then a missing ``chromium`` is a failure, never a
skip. One server and one browser serve the whole run: ``uvicorn`` in a process of its own on
a free port of 127.0.0.1, over a fresh SQLite database that ``revalue demo`` filled (so the
queues and the dashboard have figures), with staff accounts whose password the tests know.
Pages and server talk real HTTP. Each person in a test (a customer, a receiver, an
inspector) gets a browser context of their own, so cookies never leak between them.

A test fails on any JavaScript error or console error of its pages, and on any traceback the
server logged while it ran. The browser is never downloaded: Playwright drives the installed
``chromium`` through ``executable_path``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from revalue import migrate
from revalue.access import service as access
from revalue.db import make_engine, make_sessionmaker
from revalue.domain.access import INSTALLATION_ROLES, Role
from revalue.domain.context import Context

ENABLED = os.environ.get("REVALUE_E2E") == "1"
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-artifacts" / "screenshots"
PROGRAM = "demo"  # the program `revalue demo` makes: every pathway and payout method
PASSWORD = "e2e correct horse battery staple"
# A customer's phone and a staff workstation: every screenshot is taken at both.
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
# One account per role, each signed in from its own browser context.
STAFF = {
    "admin": Role.ADMIN,
    "manager": Role.PROGRAM_MANAGER,
    "associate": Role.STORE_ASSOCIATE,
    "receiver": Role.RECEIVER,
    "inspector": Role.INSPECTOR,
    "technician": Role.TECHNICIAN,
    "finance": Role.FINANCE,
}
BOOT_SECONDS = 30


def email(who: str) -> str:
    return f"{who}@e2e.example"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ENABLED:
        return
    skip = pytest.mark.skip(reason="browser tests: set REVALUE_E2E=1 (needs Debian's chromium)")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


# --- the server -------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def api(self, who: str) -> httpx.Client:
        """The JSON API as the staff member ``who``, with a bearer session from
        ``POST /auth/login`` on this server (for steps the console does not offer)."""
        if who not in self.clients:
            r = httpx.post(
                f"{self.url}/auth/login",
                json={"email": email(who), "password": PASSWORD, "bearer": True},
            )
            assert r.status_code == 200, r.text
            self.clients[who] = httpx.Client(
                base_url=self.url,
                headers={"Authorization": f"Bearer {r.json()['token']}"},
                timeout=30,
            )
        return self.clients[who]

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _staff(database_url: str) -> None:
    """The test's staff accounts, through the access service (Argon2id, like any account)."""
    engine = make_engine(database_url)
    ctx = Context(actor="e2e", place="e2e-lab", now=datetime.now(UTC))
    try:
        with make_sessionmaker(engine).begin() as session:
            for who, role in STAFF.items():
                access.create(
                    session,
                    email=email(who),
                    name=f"E2E {who}",
                    password=PASSWORD,
                    roles=[role.value],
                    program_ids=[] if role in INSTALLATION_ROLES else [PROGRAM],
                    ctx=ctx,
                )
    finally:
        engine.dispose()


def _wait_until_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /health in {BOOT_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{home / 'revalue.db'}"
    # The developer's own REVALUE_* settings stay out: this server is the test's alone.
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVALUE_")}
    env |= {
        "REVALUE_DATABASE_URL": database_url,
        "REVALUE_SECRETS_DIR": str(home / "secrets"),
        "REVALUE_EVIDENCE_DIR": str(home / "evidence"),
        "REVALUE_PLACE": "e2e-lab",
    }
    migrate.upgrade(database_url)
    demo = subprocess.run(
        [sys.executable, "-m", "revalue.cli.main", "demo", "--count", "40", "--seed", "7"],
        env=env,
        cwd=home,  # no stray .env file is read
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    _staff(database_url)

    url = f"http://127.0.0.1:{_free_port()}"
    log = home / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", "revalue.web.app:asgi",
                "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1],
            ],
            env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = Server(url=url, log=log, process=process)
    try:
        _wait_until_up(process, url, log)
        # Random second opinions and erasure verifications would send a journey down another
        # path one time in twenty: the journeys walk the paths they name.
        r = running.api("admin").patch(
            f"/programs/{PROGRAM}",
            json={"second_opinion_sample_bp": 0, "erasure_verification_bp": 0},
        )
        assert r.status_code == 200, r.text
        yield running
    finally:
        for client in running.clients.values():
            client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


LOGGED = pytest.StashKey[tuple[Server, int]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test's report carries what the server logged while it ran."""
    report = yield
    if report.failed and LOGGED in item.stash:
        server, before = item.stash[LOGGED]
        report.sections.append(("server log", server.logged()[before:][-20_000:]))
    return report


@pytest.fixture(autouse=True)
def server_stays_well(request: pytest.FixtureRequest) -> Iterator[None]:
    """No traceback or 500 in the server's log while the test ran."""
    server: Server = request.getfixturevalue("server")
    before = len(server.logged())
    request.node.stash[LOGGED] = (server, before)
    yield
    during = server.logged()[before:]
    if "Traceback" in during or re.search(r'" 5\d\d ', during):
        pytest.fail(f"the server failed during the test:\n{during}", pytrace=False)


# --- the browser ------------------------------------------------------------------------


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "REVALUE_E2E=1 but there is no `chromium` on PATH: install Debian's "
            "(apt-get install -y chromium; .ci/run does). No browser is ever downloaded.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium()
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()
    finally:
        playwright.stop()


class Web:
    """The people of one test, each in a browser context of their own, and every JavaScript
    or console error their pages showed."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []
        self.tolerated: list[str] = []

    def person(self, *, phone: bool = False) -> Page:
        """A new visitor with no cookies, on a phone (375 px) or a workstation (1280 px)."""
        context = self.browser.new_context(
            base_url=self.server.url, viewport=PHONE if phone else DESKTOP
        )
        context.set_default_timeout(10_000)
        context.on("page", self._watch)
        self.contexts.append(context)
        return context.new_page()

    def staff(self, who: str) -> Page:
        """A staff member signed in through the console's login page (the session cookie)."""
        page = self.person()
        page.goto("/console/login")
        page.get_by_label("Email").fill(email(who))
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/console/?$"))
        return page

    @contextlib.contextmanager
    def tolerating(self, text: str) -> Iterator[None]:
        """A console error the test provokes on purpose (e.g. the status of a 404 page)."""
        self.tolerated.append(text)
        try:
            yield
        finally:
            self.tolerated.remove(text)

    def _watch(self, page: Page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if any(text in message.text for text in self.tolerated):
            return
        self.errors.append(f"{page.url}: console error: {message.text}")

    def assert_no_errors(self) -> None:
        assert not self.errors, "JavaScript or console errors:\n" + "\n".join(self.errors)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def web(browser: Browser, server: Server) -> Iterator[Web]:
    people = Web(browser, server)
    yield people
    people.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test whose pages showed an error fails (as the test, not as its teardown)."""
    result = yield
    people = getattr(item, "funcargs", {}).get("web")
    if people is not None:
        people.assert_no_errors()
    return result


# Controls without a label, and headings that skip a level (h2 straight to h4), on the page.
A11Y_PROBLEMS = """() => {
  const problems = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const named = el.labels.length > 0 || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby");
    if (!named) problems.push(`no label: ${el.outerHTML.slice(0, 120)}`);
  }
  let level = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push(`h${next} after h${level}: ${h.textContent.trim()}`);
    level = next;
  }
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  return problems;
}"""


def shoot(web: Web, page: Page, name: str) -> None:
    """Full-page screenshots of the page as a phone (375 px) and a workstation (1280 px) show
    it, saved as ``test-artifacts/screenshots/<name>-<width>.png``. Every control has a label
    and the headings go down one level at a time; the page fits both widths (no sideways
    scrolling). No error may have appeared so far."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate(A11Y_PROBLEMS) == [], name
    before = page.viewport_size
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        path = SCREENSHOTS / f"{name}-{width}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        assert overflow <= 1, f"{name} is {overflow} px wider than a {width} px screen"
    page.set_viewport_size(before)
    web.assert_no_errors()


def pdf_behind(page: Page, link: str) -> bytes:
    """What the customer gets from the link: fetched with the page's own cookies, checked to
    be a PDF. (Chromium opens an inline PDF in its viewer, where no download event fires.)"""
    href = page.get_by_role("link", name=link).get_attribute("href")
    assert href, f"the link {link!r} has no address"
    response = page.request.get(href)
    assert response.status == 200, f"{href}: {response.status} {response.text()[:300]}"
    assert response.headers["content-type"].startswith("application/pdf"), response.headers
    body = response.body()
    assert body.startswith(b"%PDF-"), body[:40]
    return body
