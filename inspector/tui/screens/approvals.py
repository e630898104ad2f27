"""The Approvals screen: one-off sends waiting for a second person (push policy
`approval`), in every state (pending, approved, rejected, expired, used).

Another operator approves (`a`, an optional comment) or rejects (`x`, a comment) the
selected request; its requester then sends it, once (`s`, after a confirmation whose
focus starts on Cancel). Refusals (your own request, already decided, expired, used,
another's request to send, a changed token) are said in words and nothing is sent.

Standalone: it receives the ApprovalService and push service of the profile it was
opened on, and `run_send(job)`, which runs a send on the app (InspectorApp.
run_for_profile: it outlives this screen, and its profile stays open until it ends).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from inspector.safetext import escape
from inspector.signoff import ApprovalService, PushRequest
from inspector.tui.screens.dialogs import ConfirmScreen
from inspector.tui.screens.signoff_dialogs import CommentScreen
from inspector.tui.signoff_desk import error_words
from inspector.tui.signoff_present import REQUEST_COLUMNS, request_cells, request_detail

if TYPE_CHECKING:
    from inspector.push import PushResult, PushService

# Called on the worker thread with the send's result, or the error that stopped it.
SendReport = Callable[[PushRequest, "PushResult | None", BaseException | None], None]


class RequestsLoaded(Message):
    """`say`: the status line says how many (a reload); else it keeps what it says."""

    def __init__(self, requests: list[PushRequest], select: str | None, *, say: bool) -> None:
        super().__init__()
        self.requests = requests
        self.select = select
        self.say = say


class RequestSaid(Message):
    """What became of a decision or a send: words (terminal-safe), good or bad."""

    def __init__(self, text: str, *, bad: bool, reload: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.bad = bad
        self.reload = reload


class ApprovalsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "close", id="approvals.close", tooltip="Back to the inspector"),
        Binding("a", "approve", "approve", id="approvals.approve",
                tooltip="Approve the selected request (not your own), with an optional comment"),
        Binding("x", "reject", "reject", id="approvals.reject",
                tooltip="Reject the selected request, with a comment saying why"),
        Binding("s", "send", "send", id="approvals.send",
                tooltip="Send your approved request, once, exactly as approved"),
        Binding("f5", "reload", "reload", id="approvals.reload",
                tooltip="Read the requests again"),
    ]  # fmt: skip
    DEFAULT_CSS = """
    ApprovalsScreen #approvals-title { padding: 0 1; background: $boost; text-style: bold; }
    ApprovalsScreen #approvals-table { height: 12; }
    ApprovalsScreen #approvals-detail-box { height: 1fr; border-top: solid $panel; }
    ApprovalsScreen #approvals-detail { padding: 0 1; }
    ApprovalsScreen #approvals-status { padding: 0 1; height: auto; }
    ApprovalsScreen #approvals-status.bad { color: $error; text-style: bold; }
    ApprovalsScreen #approvals-status.good { color: $success; }
    """

    def __init__(
        self,
        approvals: ApprovalService,
        push: PushService | None,
        *,
        profile: str,
        run_send: Callable[[Callable[[], None]], None],
        on_sent: SendReport | None = None,
        select: str | None = None,
    ) -> None:
        """`profile`: present.profile_words of the profile the services belong to;
        `on_sent` is told of each send from its worker thread (the app's notification)."""
        super().__init__()
        self.service = approvals
        self.push = push
        self.profile = profile
        self.run_send = run_send
        self.on_sent = on_sent
        self.requests: list[PushRequest] = []
        self.first_select = select

    def compose(self) -> ComposeResult:
        minutes = int(self.service.ttl.total_seconds() // 60)
        yield Static(
            Text(
                f"Approvals · profile {self.profile} · operator {escape(self.service.operator)}"
                f" · an approval lasts {minutes} min"
            ),
            id="approvals-title",
        )
        table: DataTable[Text] = DataTable(
            id="approvals-table", cursor_type="row", zebra_stripes=True
        )
        table.add_columns(*REQUEST_COLUMNS)
        yield table
        with VerticalScroll(id="approvals-detail-box"):
            yield Static("", id="approvals-detail")
        yield Static("reading the requests…", id="approvals-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load(self.first_select)

    # -- workers -------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="approvals-load")
    def load(self, select: str | None = None, *, say: bool = True) -> None:
        self.post_message(RequestsLoaded(self.service.requests(limit=200), select, say=say))

    @work(thread=True, exclusive=True, exit_on_error=False, group="approvals-change")
    def decide(self, request_id: str, decision: str, comment: str | None) -> None:
        try:
            if decision == "approve":
                self.service.approve(request_id, comment)
            else:
                self.service.reject(request_id, comment or "")
        except Exception as exc:
            self.post_message(RequestSaid(f"Not {decision}d: {error_words(exc)}", bad=True))
            return
        done = "approved" if decision == "approve" else "rejected"
        self.post_message(
            RequestSaid(f"You {done} request {escape(request_id)}.", bad=False, reload=request_id)
        )

    def send_job(self, request: PushRequest) -> Callable[[], None]:
        """The send, for the app's worker: it reports here and to `on_sent`; never raises."""
        service, push, on_sent = self.service, self.push, self.on_sent
        rid = request.id

        def job() -> None:
            from inspector.push.verdict import verdict_text

            result: PushResult | None = None
            error: BaseException | None = None
            try:
                assert push is not None  # checked before the confirmation
                result, _claim = service.send_approved(push, rid)
            except Exception as exc:
                error = exc
            if error is not None:
                text, bad = f"Not sent: {error_words(error)}", True
            else:
                assert result is not None
                # The provider's words: escaped line by line where shown (Text).
                text = f"Request {rid} sent: " + escape(verdict_text(result).replace("\n", " — "))
                bad = not result.ok
            self.post_message(RequestSaid(text, bad=bad, reload=rid))
            if on_sent is not None:
                on_sent(request, result, error)

        return job

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error or RuntimeError("unknown failure")
            self.set_status(Text(error_words(error)), bad=True)

    # -- messages ------------------------------------------------------------------

    def on_requests_loaded(self, message: RequestsLoaded) -> None:
        current = message.select or self.selected_id()
        self.requests = message.requests
        table = self.query_one(DataTable)
        table.clear()
        now = self.service.now()
        for request in self.requests:
            table.add_row(*request_cells(request, now), key=request.id)
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        self.show_detail()
        if not message.say:
            return
        if not self.requests:
            self.set_status(
                "no approval request in this profile: ask for one with p on a device that is"
                " not a test device"
            )
        else:
            self.set_status(
                f"{len(self.requests)} request(s) · a approve · x reject · s send yours · Esc close"
            )

    def on_request_said(self, message: RequestSaid) -> None:
        self.set_status(Text(message.text), bad=message.bad, good=not message.bad)
        if message.reload is not None:
            self.load(message.reload, say=False)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self.show_detail()

    # -- helpers -------------------------------------------------------------------

    def selected(self) -> PushRequest | None:
        row = self.query_one(DataTable).cursor_row
        if not self.requests or not 0 <= row < len(self.requests):
            return None
        return self.requests[row]

    def selected_id(self) -> str | None:
        request = self.selected()
        return request.id if request else None

    def show_detail(self) -> None:
        request = self.selected()
        detail = self.query_one("#approvals-detail", Static)
        detail.update(request_detail(request, self.service.now()) if request else "")

    def set_status(self, text: str | Text, *, bad: bool = False, good: bool = False) -> None:
        """A str is escaped here; a Text is taken as built from safe parts."""
        status = self.query_one("#approvals-status", Static)
        status.update(text if isinstance(text, Text) else Text(escape(text)))
        status.set_class(bad, "bad")
        status.set_class(good, "good")

    def _refuse(self, verb: str, problem: str | None) -> bool:
        """Said at once when the rules refuse it (the service checks again)."""
        if problem:
            self.set_status(Text(f"Not {verb}: {escape(problem)}"), bad=True)
        return problem is not None

    # -- actions -------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.set_status("reading the requests…")
        self.load(self.selected_id())

    def action_approve(self) -> None:
        request = self.selected()
        if request is None:
            return
        if self._refuse("approved", self.service.approve_problem(request, self.service.now())):
            return

        def done(comment: str | None) -> None:
            if comment is not None:
                self.decide(request.id, "approve", comment or None)

        question = (
            f"Approve request {request.id} of {request.requester}: this exact push to"
            f" {request.installation_id}?"
        )
        self.app.push_screen(
            CommentScreen(question, required=False, accept="approve", profile=self.profile), done
        )

    def action_reject(self) -> None:
        request = self.selected()
        if request is None:
            return

        def done(comment: str | None) -> None:
            if comment:
                self.decide(request.id, "reject", comment)

        question = f"Reject request {request.id} of {request.requester}? Say why."
        self.app.push_screen(
            CommentScreen(question, required=True, accept="reject", profile=self.profile), done
        )

    def action_send(self) -> None:
        request = self.selected()
        if request is None:
            return
        if self._refuse("sent", self.service.request_problem(request, self.service.now())):
            return
        if self.push is None:
            self.set_status("Not sent: push is not configured in this profile.", bad=True)
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.set_status(f"Sending request {request.id}…")
                self.run_send(self.send_job(request))

        question = (
            f"Send request {request.id}, approved by {request.approved_by}, to"
            f" {request.installation_id} ({request.device or 'device'})? It is sent once,"
            " exactly as approved."
        )
        self.app.push_screen(
            ConfirmScreen(question, confirm="Send once", confirm_id="send", profile=self.profile),
            done,
        )
