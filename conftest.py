"""Project-wide fixtures: users of every role, API clients with tokens."""

import os

os.environ.setdefault("VMESTE_DATA_DIR", os.path.join(os.path.dirname(__file__), "var", "test"))
# The knowledge base's tests describe the lexical search whether or not the optional meaning
# layer is installed; the layer's own tests (knowledge/tests/test_meaning.py) switch it on.
os.environ.setdefault("VMESTE_KB_MEANING", "off")
# Two-factor sign-in is off in the tests (its own tests switch it on): here for the servers a
# test starts as child processes (`vmeste serve`), in pytest_configure for this process.
os.environ.setdefault("VMESTE_REQUIRE_2FA", "0")

import pytest


def pytest_configure(config):
    """Tests hash passwords with MD5: argon2 is slow on purpose, and the suite creates
    hundreds of users. The one test about hashing puts argon2 back (tests/test_project.py).
    Two-factor sign-in is off but where a test turns it on."""
    from django.conf import settings

    if not settings.configured:  # `pytest -p no:django` for pure modules
        return
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Callbacks are placed only in the caller's daytime: tests on the real clock would
    # depend on the hour. Around the clock here; the night rule's own tests
    # (contactcenter/tests/test_callbacks.py) set the hours.
    settings.CALLBACK_HOURS = "00:00-00:00"
    # Most tests sign in with a password alone (or force_login); the two-factor step has its
    # own tests (vmeste/accounts/tests/test_twofactor.py, tests/browser/test_twofactor.py),
    # which switch it on. Set here, not in the environment: settings may be read before this
    # file is (pytest-django sets Django up early when not run through xdist).
    settings.REQUIRE_2FA = False
    _sqlite_used_by_one_thread_at_a_time()


def _sqlite_used_by_one_thread_at_a_time() -> None:
    """The live server's request threads share the test's in-memory SQLite connection
    (pytest-django hands it to them). Two requests at once — a page's panel still loading
    while the test goes to the next page — used it from two threads together and hung for
    good: one held SQLite's connection mutex inside a statement that called one of
    Django's Python functions (which needs the GIL), the other held the GIL and waited for
    that mutex. Each use of a cursor, and each commit or rollback, now takes one lock,
    whose wait lets go of the GIL. Uncontended everywhere else: a few nanoseconds."""
    import threading

    from django.db.backends.sqlite3 import base

    lock = threading.RLock()

    def locked(method):
        def call(*args, **kwargs):
            with lock:
                return method(*args, **kwargs)

        return call

    cursor, wrapper = base.SQLiteCursorWrapper, base.DatabaseWrapper
    for name in ("execute", "executemany", "fetchone", "fetchmany", "fetchall", "close"):
        setattr(cursor, name, locked(getattr(cursor, name)))
    for name in ("_commit", "_rollback", "_set_autocommit"):
        setattr(wrapper, name, locked(getattr(wrapper, name)))


@pytest.fixture(autouse=True)
def _language_back():
    """A request made in English (the language cookie) leaves English active in the thread
    after it: Django's LocaleMiddleware activates the request's language and nothing puts
    the default back. Every test starts in the default language, whatever ran before it."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def make_user(db):
    from vmeste.accounts.services import create_user

    def make(username: str, role: str = "operator", **scope):
        user, _password = create_user(
            actor=None,
            username=username,
            role=role,
            password="pass-word-123",
            check_password=False,
            **scope,
        )
        return user

    return make


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, client, token: str):
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path: str, **params):
        return self.client.get(path, params, **self.auth)

    def post(self, path: str, payload=None, headers: dict | None = None):
        extra = {
            **self.auth,
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()},
        }
        import json

        return self.client.post(
            path, json.dumps(payload or {}), content_type="application/json", **extra
        )


@pytest.fixture
def api_as(client, make_user):
    """`api_as("operator", regions=["RU-VGG"])` → a client acting as a new user of that role."""
    from vmeste.accounts.services import issue_token

    counter = {"n": 0}

    def make(role: str = "operator", **scope):
        counter["n"] += 1
        user = make_user(f"{role}{counter['n']}", role, **scope)
        api = ApiClient(client, issue_token(username=user.username))
        api.user = user
        return api

    return make


@pytest.fixture
def api_of(client):
    """`api_of("telephony")` → a client acting as an existing user (a demo login)."""
    from vmeste.accounts.services import issue_token

    return lambda username: ApiClient(client, issue_token(username=username))


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Reference data comes from a migration, and a transactional test's flush wipes it:
    put it back for every database test that finds it missing."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        # Tests reaching the database through the `db` fixture alone: no reload needed, but
        # the snapshot of an earlier test must not leak into them.
        _clear_reference_snapshot()
        yield
        _clear_reference_snapshot()
        return
    transactional = marker.kwargs.get("transaction", False) or "live_server" in request.fixturenames
    request.getfixturevalue("transactional_db" if transactional else "db")
    from vmeste.core.models import Category, Line, Region

    if not Region.objects.exists():
        from vmeste.core.reference.loader import load_reference

        load_reference(Region=Region, Category=Category, Line=Line)
    # Each test's rows (and a flush's new ids) must not meet the snapshot of another test.
    _clear_reference_snapshot()
    yield
    _clear_reference_snapshot()


def _clear_reference_snapshot() -> None:
    from django.apps import apps

    if apps.ready:  # not under `-p no:django`
        from vmeste.core import refcache

        refcache.clear()


# --- Browser tests: Playwright driving Debian's Chromium (never a downloaded browser). Each
# browser test gets its own instance, closed with the test: the sync API holds an event loop
# in this thread while it runs, which other tests (SSE streams with asyncio) must not meet.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # The sync API runs an event loop in this thread while the live server's ORM calls run
    # in theirs; Django must be told this is deliberate.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The two cores are shared with the other xdist worker (a served crash test, a SIP call):
    # an answer a person gets at once may take seconds there. Waits, not assertions, grow.
    sync_api.expect.set_options(timeout=15_000)
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone_page(browser):
    """A page on a phone-sized screen (360×740, touch)."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="ru-RU"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
