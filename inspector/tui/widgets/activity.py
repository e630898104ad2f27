"""The Activity tab: sessions and pushes per day over 90 days, at a glance."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from inspector.store.records import DayActivity


def activity_summary(days: Sequence[DayActivity]) -> str:
    if not days:
        return "loading activity…"
    active = [d for d in days if d.sessions]
    sessions = sum(d.sessions for d in days)
    received = sum(d.pushes_received for d in days)
    opened = sum(d.pushes_opened for d in days)
    last = f"last session on {active[-1].day.isoformat()}" if active else "no session"
    verdict = "alive" if active and (days[-1].day - active[-1].day).days <= 7 else "quiet"
    return (
        f"last {len(days)} days: {sessions:,} sessions (active on {len(active)} of {len(days)}"
        f" days), {received:,} pushes received, {opened:,} opened; {last} → {verdict}"
    )


class ActivityView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("loading activity…", id="activity-summary")
        yield Static("sessions per day", classes="activity-label")
        yield Sparkline([], id="activity-sessions", summary_function=max)
        yield Static("pushes received per day", classes="activity-label")
        yield Sparkline([], id="activity-pushes", summary_function=max)
        yield Static("", id="activity-axis")

    def reset(self) -> None:
        self.query_one("#activity-summary", Static).update("loading activity…")
        self.query_one("#activity-sessions", Sparkline).data = []
        self.query_one("#activity-pushes", Sparkline).data = []
        self.query_one("#activity-axis", Static).update("")

    def show(self, days: Sequence[DayActivity]) -> None:
        self.query_one("#activity-summary", Static).update(activity_summary(days))
        self.query_one("#activity-sessions", Sparkline).data = [float(d.sessions) for d in days]
        self.query_one("#activity-pushes", Sparkline).data = [
            float(d.pushes_received) for d in days
        ]
        if days:
            self.query_one("#activity-axis", Static).update(
                f"{days[0].day.isoformat()}  ←  oldest · newest  →  {days[-1].day.isoformat()}"
            )
