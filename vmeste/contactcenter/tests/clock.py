"""The server's clock (``timezone.now``) fixed for tests whose events are dated on a fixed
day: each event sent moves it to that event's moment (never back), so the dispatch after
an event — and the wrap-ups over by then — see that moment, not the day the suite runs."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2026, 4, 1, tzinfo=UTC)


class ServerClock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def follow(self, at: datetime | str) -> None:
        if isinstance(at, str):
            at = datetime.fromisoformat(at.replace("Z", "+00:00"))
        self.at = max(self.at, at)


SERVER = ServerClock()
