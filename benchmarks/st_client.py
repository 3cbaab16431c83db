"""A server-only Streamlit client: one browser tab's worth of websocket protocol, without a browser.

It speaks the protocol the Streamlit frontend speaks on `/_stcore/stream` (the protobuf messages
shipped with streamlit, `BackMsg` up and `ForwardMsg` down), so a load benchmark can hold twenty or
a hundred sessions on the server without twenty Chromium renderers competing for the same cores.

What it does, as the browser does:
- opens a session with a `rerun_script` BackMsg carrying the page name and query string;
- keeps the page's element tree from the `delta` ForwardMsgs (by delta path) and drops elements a
  finished full run did not draw again, so `find()` sees what a user would see;
- remembers widget values it set and sends them with every rerun (`WidgetStates`); a button or a
  form's submit button is a one-shot `trigger_value`, as in the browser; like the browser, it forgets
  the value of a widget a finished full run no longer drew;
- switches a keyed `st.tabs(..., on_change="rerun")` tab bar by its tab label (`open_tab`), the
  widget value the browser sends on a tab click;
- follows `st.query_params` changes (`page_info_changed`) and `st.navigation` pages (by URL path);
- honours `auto_rerun` (an `st.fragment(run_every=…)`): every interval it asks for that fragment's
  rerun, so the server does the same periodic work it does for an open browser tab;
- plays the Drill page's browser clock (`ui/drill_live.py`, a `st.components.v2` component named
  `firedrill_drill_clock`): its JavaScript wakes the live fragment when the simulated time reaches
  `wake_offset` or `wake_after` wall seconds have passed; this client sends the same `wake` trigger
  at the same moment, so a protocol session costs the server what a browser tab costs.

It does not render anything and has no JavaScript: custom components and charts are just elements.
Used by `bench_load_protocol.py` and `tests/postgres/test_replicas.py`; `tests/unit/test_st_client.py` keeps it
honest against a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

# Element fields that are widgets the client can set or press, and where their label lives.
_WIDGETS = (
    "button",
    "text_input",
    "text_area",
    "selectbox",
    "slider",
    "radio",
    "number_input",
    "checkbox",
)


class ProtocolError(RuntimeError):
    """The server did something a browser would show as a failure (exception box, closed socket),
    or a wait ran out. The message says which session, page and step."""


@dataclass
class _Shown:
    """One element or block on the page and the script run that last drew it."""

    element: Element | None
    run: int
    block: Block | None = None
    fragment_id: str = ""  # the fragment whose run drew it, "" for a full run


@dataclass
class RunOutcome:
    """A finished full script run the client waited for."""

    seconds: float  # from sending the rerun to the run's `script_finished`
    texts: list[str]
    exceptions: list[str]
    ran: bool = True  # False: nothing was sent (`open_tab` on a tab already open), seconds is 0


@dataclass
class StreamlitSession:
    """One browser tab's session on a Streamlit server (see the module docstring).

    `base_url` is the server or the proxy (`http://127.0.0.1:8501`); `cookies` are sent with the
    websocket handshake (a sticky-session cookie from the proxy, for instance). `forwarded_for`,
    when set, is sent as `X-Forwarded-For`: a server that trusts loopback as its proxy
    (FIREDRILL_TRUSTED_PROXIES) then sees each simulated trainee at an address of its own, as
    trainees on their own machines are, instead of one address for the whole crowd."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 60.0
    name: str = "session"
    response_headers: dict[str, str] = field(default_factory=dict)
    forwarded_for: str = ""

    def __post_init__(self) -> None:
        self._ws: websockets.ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._shown: dict[tuple[int, ...], _Shown] = {}
        self._run = 0  # our counter of full script runs started
        self._runs_started: set[str] = set()
        self._finished: dict[str, int] = {}  # script_run_id -> ForwardMsg.ScriptFinishedStatus
        self._changed = asyncio.Condition()
        self._values: dict[str, WidgetState] = {}
        self._query = ""
        self._page_hash = ""
        self._pages: dict[str, str] = {}  # url path -> page_script_hash
        self._auto: dict[str, asyncio.Task] = {}
        self._clocks: dict[str, asyncio.Task] = {}  # browser-clock component id -> its wake timer
        self._closed_reason = ""
        self._recent: list[str] = []  # the last few messages each way, for a timeout's message
        self.messages_received = 0
        self.sign_in_waits = 0  # times the app said "try again in N seconds" (see sign_in)

    # --- connection ------------------------------------------------------------------------------

    async def connect(self, page: str = "", query: str = "") -> RunOutcome:
        """Open the websocket and run the app's first page (`page` is a URL path such as "drill")."""
        parts = urllib.parse.urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        # No Origin header, as a non-browser client: the server then skips the XSRF check, which only
        # guards cookie-based auth (this app keeps its sign-in in the server-side session).
        ws = await asyncio.wait_for(
            websockets.connect(
                url,
                subprotocols=["streamlit"],  # type: ignore[list-item]
                additional_headers=headers,
                max_size=None,
                open_timeout=self.timeout_s,
            ),
            self.timeout_s,
        )
        self._ws = ws
        if ws.response is not None:
            self.response_headers = {k.lower(): v for k, v in ws.response.headers.raw_items()}
        self._reader = asyncio.create_task(self._read())
        self._query = query
        return await self._rerun(page_name=page)

    async def close(self) -> None:
        for task in [*self._auto.values(), *self._clocks.values()]:
            task.cancel()
        self._auto.clear()
        self._clocks.clear()
        if self._ws is not None:
            with contextlib.suppress(Exception):  # already closed by the server: nothing to do
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def __aenter__(self) -> StreamlitSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- reading the page ------------------------------------------------------------------------

    def elements(self) -> Iterator[Element]:
        for path in sorted(self._shown):
            el = self._shown[path].element
            if el is not None:
                yield el

    def texts(self) -> list[str]:
        """Every piece of text on the page: markdown, alerts, headings, captions, plain text."""
        out = []
        for el in self.elements():
            kind = el.WhichOneof("type")
            if kind == "markdown":
                out.append(el.markdown.body)
            elif kind == "alert":
                out.append(el.alert.body)
            elif kind == "heading":
                out.append(el.heading.body)
            elif kind == "text":
                out.append(el.text.body)
            elif kind == "exception":
                out.append(f"{el.exception.type}: {el.exception.message}")
        return out

    def alerts(self) -> list[str]:
        return [el.alert.body for el in self.elements() if el.WhichOneof("type") == "alert"]

    def exceptions(self) -> list[str]:
        return [
            f"{el.exception.type}: {el.exception.message}"
            for el in self.elements()
            if el.WhichOneof("type") == "exception"
        ]

    def has_text(self, needle: str) -> bool:
        return any(needle in t for t in self.texts())

    @property
    def query_string(self) -> str:
        return self._query

    def query_param(self, name: str) -> str | None:
        """One parameter of the page's query string (as `st.query_params` set it), or None."""
        values = urllib.parse.parse_qs(self._query).get(name)
        return values[-1] if values else None

    def find_optional(self, label: str, kind: str | None = None):
        """The widget proto labelled exactly `label` (the last drawn), or None."""
        found = None
        for el in self.elements():
            k = el.WhichOneof("type")
            if k in _WIDGETS and (kind is None or k == kind) and getattr(el, k).label == label:
                found = getattr(el, k)
        return found

    def find(self, label: str, kind: str | None = None):
        """The widget proto (a `Button`, `TextInput`, …) whose label is exactly `label`; the last one
        drawn when several share it. ProtocolError when there is none."""
        found = self.find_optional(label, kind)
        if found is None:
            labels = sorted(
                {
                    getattr(e, str(e.WhichOneof("type"))).label
                    for e in self.elements()
                    if e.WhichOneof("type") in _WIDGETS
                }
            )
            raise ProtocolError(
                f"{self.name}: no widget labelled {label!r} on the page; widgets: {labels}; "
                f"page says: {[t[:120] for t in self.texts()[:4]]}"
            )
        return found

    # --- acting ----------------------------------------------------------------------------------

    def set_text(self, label: str, text: str) -> None:
        w = self.find(label)
        self._values[w.id] = WidgetState(id=w.id, string_value=text)

    def choose(self, label: str, option: str) -> None:
        """Pick an option of a selectbox or radio by its shown text."""
        w = self.find(label)
        if option not in list(w.options):
            raise ProtocolError(
                f"{self.name}: {label!r} has no option {option!r}; options: {list(w.options)}"
            )
        self._values[w.id] = WidgetState(id=w.id, string_value=option)

    def slide_to(self, label: str, option: str) -> None:
        """Set a select_slider to one of its shown options (e.g. "60×")."""
        w = self.find(label, "slider")
        if option not in list(w.options):
            raise ProtocolError(
                f"{self.name}: {label!r} has no option {option!r}; options: {list(w.options)}"
            )
        state = WidgetState(id=w.id)
        state.string_array_value.data.append(option)
        self._values[w.id] = state

    async def click(self, label: str) -> RunOutcome:
        """Press a button (or a form's submit button) and wait for the full run it causes."""
        w = self.find(label, "button")
        return await self._rerun(trigger=WidgetState(id=w.id, trigger_value=True))

    async def open_tab(self, label: str) -> RunOutcome:
        """Open the tab labelled `label`, as a click on it does, and wait for the full run it causes.

        A keyed `st.tabs(..., on_change="rerun")` bar is a widget: its container block's
        `tab_container.id` is the widget id, its value the open tab's label (`string_value`), and
        `default_tab_index` is the tab the server drew open. The last bar drawn with that label is
        used. Nothing is sent when the tab is already open, or when the bar tracks no state (a
        plain `st.tabs`: the browser switches it alone, every tab's content was drawn)."""
        bars = self._tab_bars()
        with_label = [(shown, labels) for shown, labels in bars if label in labels]
        if not with_label:
            raise ProtocolError(
                f"{self.name}: no tab labelled {label!r} on the page; tab bars: {[b[1] for b in bars]}"
            )
        shown, labels = with_label[-1]
        assert shown.block is not None
        bar = shown.block.tab_container
        if not bar.id or labels.index(label) == bar.default_tab_index:
            return RunOutcome(0.0, self.texts(), self.exceptions(), ran=False)
        if shown.fragment_id:
            # The browser would send a rerun of that fragment only; this client waits for full runs.
            raise ProtocolError(f"{self.name}: the tab bar {labels} is drawn by a fragment: not supported")
        self._values[bar.id] = WidgetState(id=bar.id, string_value=label)
        return await self._rerun()

    def _tab_bars(self) -> list[tuple[_Shown, list[str]]]:
        """Each tab bar on the page (its container block) with its tabs' labels, in drawing order."""
        labels: dict[tuple[int, ...], list[str]] = {}
        bars = []
        for path in sorted(self._shown):
            block = self._shown[path].block
            if block is None:
                continue
            if block.WhichOneof("type") == "tab":
                labels.setdefault(path[:-1], []).append(block.tab.label)
            elif block.WhichOneof("type") == "tab_container":
                bars.append(path)
        return [(self._shown[p], labels.get(p, [])) for p in bars]

    async def open_page(self, url_path: str, query: str = "") -> RunOutcome:
        """Go to another page of the app's menu, as a click on a sidebar link does."""
        if url_path not in self._pages:
            raise ProtocolError(
                f"{self.name}: no page {url_path!r} in the menu; pages: {sorted(self._pages)}"
            )
        self._query = query
        self._values.clear()  # another page's widgets
        return await self._rerun(page_hash=self._pages[url_path], page_name=url_path)

    async def wait_for_text(self, needle: str, timeout_s: float | None = None) -> float:
        """Wait until `needle` is on the page (a fragment's auto rerun may bring it); seconds waited."""
        t0 = time.perf_counter()
        deadline = t0 + (timeout_s or self.timeout_s)
        async with self._changed:
            while not self.has_text(needle):
                self._raise_if_closed()
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise ProtocolError(
                        f"{self.name}: {needle!r} did not appear within {timeout_s or self.timeout_s:.0f} s"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
        return time.perf_counter() - t0

    # --- protocol --------------------------------------------------------------------------------

    def _client_state(self, msg: BackMsg) -> None:
        cs = msg.rerun_script
        cs.query_string = self._query
        cs.page_script_hash = self._page_hash
        cs.widget_states.widgets.extend(self._values.values())

    async def _send(self, msg: BackMsg) -> None:
        self._raise_if_closed()
        assert self._ws is not None
        rs = msg.rerun_script
        self._note(f">rerun{'[' + rs.fragment_id[:6] + ']' if rs.fragment_id else ''}")
        await self._ws.send(msg.SerializeToString())

    def _note(self, what: str) -> None:
        self._recent.append(f"{time.monotonic() % 1000:.1f}{what}")
        del self._recent[:-40]

    async def _rerun(
        self, trigger: WidgetState | None = None, page_hash: str | None = None, page_name: str | None = None
    ) -> RunOutcome:
        msg = BackMsg()
        self._client_state(msg)
        if page_hash is not None:
            msg.rerun_script.page_script_hash = page_hash
        if page_name is not None:
            msg.rerun_script.page_name = page_name
        if trigger is not None:
            msg.rerun_script.widget_states.widgets.append(trigger)
        seen_before = set(self._runs_started)
        t0 = time.perf_counter()
        await self._send(msg)
        deadline = t0 + self.timeout_s
        # Done when a full run started after this request finishes successfully (a run ended by
        # st.rerun() is followed by the next one; a fragment's auto rerun does not count).
        async with self._changed:
            while True:
                self._raise_if_closed()
                done = [
                    rid
                    for rid in self._runs_started - seen_before
                    if self._finished.get(rid)
                    in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
                ]
                if done:
                    break
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise ProtocolError(
                        f"{self.name}: the script run did not finish within {self.timeout_s:.0f} s; "
                        f"last messages: {' '.join(self._recent[-12:])}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)
        return RunOutcome(time.perf_counter() - t0, self.texts(), self.exceptions())

    def _raise_if_closed(self) -> None:
        if self._closed_reason:
            raise ProtocolError(f"{self.name}: the connection closed: {self._closed_reason}")

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
                self.messages_received += 1
                async with self._changed:
                    self._apply(msg)
                    self._changed.notify_all()
        except websockets.ConnectionClosed as exc:
            self._closed_reason = f"{exc}"
        except Exception as exc:  # a malformed message: every waiter must hear of it
            self._closed_reason = f"{type(exc).__name__}: {exc}"
        finally:
            if not self._closed_reason:
                self._closed_reason = "closed by the server"
            async with self._changed:
                self._changed.notify_all()

    def _apply(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        run = msg.metadata.run
        if kind in ("new_session", "script_finished"):
            frag = f"[{run.fragment_ids[0][:6]}]" if run.fragment_ids else ""
            status = f"={msg.script_finished}" if kind == "script_finished" else ""
            self._note(f"<{kind[:10]}{frag}:{run.script_run_id[:4]}{status}")
        if kind == "new_session":
            self._page_hash = msg.new_session.page_script_hash
            if not run.fragment_ids:
                # A full run: the browser stops the previous run's fragment timers; the fragments
                # that still exist ask for them again while this run draws them.
                self._run += 1
                self._runs_started.add(run.script_run_id)
                for task in self._auto.values():
                    task.cancel()
                self._auto.clear()
        elif kind == "delta":
            path = tuple(msg.metadata.delta_path)
            which = msg.delta.WhichOneof("type")
            if which == "new_element":
                el = Element()
                el.CopyFrom(msg.delta.new_element)
                self._shown[path] = _Shown(el, self._run)
                if el.WhichOneof("type") == "bidi_component":
                    self._clock_drawn(el, msg.delta.fragment_id)
            elif which == "add_block":
                block = Block()
                block.CopyFrom(msg.delta.add_block)
                self._shown[path] = _Shown(None, self._run, block, msg.delta.fragment_id)
        elif kind == "script_finished":
            status = msg.script_finished
            self._finished[run.script_run_id] = status
            if status == ForwardMsg.FINISHED_SUCCESSFULLY and not run.fragment_ids:
                # Elements (a closed tab's content, say) the run did not draw again are gone.
                self._shown = {p: s for p, s in self._shown.items() if s.run == self._run}
                self._settle_values()
        elif kind == "page_info_changed":
            self._query = msg.page_info_changed.query_string
        elif kind == "navigation":
            self._page_hash = msg.navigation.page_script_hash
            self._pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "auto_rerun":
            fid = msg.auto_rerun.fragment_id
            old = self._auto.pop(fid, None)
            if old is not None:
                old.cancel()
            self._auto[fid] = asyncio.create_task(self._tick(fid, msg.auto_rerun.interval))
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                if fid in self._auto:
                    self._auto.pop(fid).cancel()

    def _settle_values(self) -> None:
        """After a full run, the widget values as the browser keeps them: it forgets the state of
        widgets no longer drawn (`removeInactive`), so a field in a closed tab is sent no more; and
        a tab bar the script switched itself (through its key) keeps the tab the server opened."""
        active = {s.block.id for s in self._shown.values() if s.block is not None and s.block.id}
        for el in self.elements():
            widget_id = getattr(getattr(el, str(el.WhichOneof("type"))), "id", "")
            if isinstance(widget_id, str) and widget_id:
                active.add(widget_id)
        self._values = {k: v for k, v in self._values.items() if k in active}
        for shown, labels in self._tab_bars():
            assert shown.block is not None
            bar = shown.block.tab_container
            if bar.id in self._values and bar.default_tab_index < len(labels):
                self._values[bar.id] = WidgetState(id=bar.id, string_value=labels[bar.default_tab_index])

    def _clock_drawn(self, el: Element, fragment_id: str) -> None:
        """A (re)drawn Drill clock: set its wake timer as its JavaScript does (see ui/drill_live.py)."""
        comp = el.bidi_component
        if not comp.component_name.endswith("firedrill_drill_clock"):
            return
        old = self._clocks.pop(comp.id, None)
        if old is not None:
            old.cancel()
        try:
            data = json.loads(comp.json or comp.mixed.json or "{}")
        except ValueError:
            return
        delays = []
        if data.get("wake_after") is not None:
            delays.append(float(data["wake_after"]))
        if data.get("running") and data.get("wake_offset") is not None and data.get("speed"):
            delays.append(
                max(0.0, (float(data["wake_offset"]) - float(data["offset"])) / float(data["speed"]))
            )
        if delays:
            from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

            trigger = WidgetState(
                id=f"{STREAMLIT_INTERNAL_KEY_PREFIX}_{comp.id}__events",
                json_trigger_value=json.dumps([{"event": "wake", "value": data.get("token")}]),
            )
            self._clocks[comp.id] = asyncio.create_task(self._wake(min(delays), fragment_id, trigger))

    async def _wake(self, delay: float, fragment_id: str, trigger: WidgetState) -> None:
        with contextlib.suppress(asyncio.CancelledError, ProtocolError, websockets.ConnectionClosed):
            await asyncio.sleep(delay)
            msg = BackMsg()
            self._client_state(msg)
            msg.rerun_script.widget_states.widgets.append(trigger)
            if fragment_id:
                msg.rerun_script.fragment_id = fragment_id
            await self._send(msg)

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """The browser's timer for an `st.fragment(run_every=…)`."""
        with contextlib.suppress(asyncio.CancelledError, ProtocolError, websockets.ConnectionClosed):
            while True:
                await asyncio.sleep(interval)
                msg = BackMsg()
                self._client_state(msg)
                msg.rerun_script.fragment_id = fragment_id
                msg.rerun_script.is_auto_rerun = True
                await self._send(msg)


async def sign_in(
    session: StreamlitSession, username: str, password: str, patience_s: float = 120.0
) -> RunOutcome:
    """Open the app and sign in through its sign-in form; ProtocolError when it is refused.

    When the app throttles sign-ins from this address ("try again in N seconds": a whole cohort
    behind one proxy or NAT is one address), wait as a person would and press again, for up to
    `patience_s`; `session.sign_in_waits` counts those waits."""
    await session.connect()
    waited = 0.0
    while True:
        session.set_text("Username", username)
        session.set_text("Password", password)
        outcome = await session.click("Sign in")
        if session.find_optional("Sign out") is not None:
            return outcome
        asked = [re.search(r"try again in (\d+) seconds?", a) for a in session.alerts()]
        delay = next((int(m.group(1)) for m in asked if m), None)
        if delay is None or waited + delay > patience_s:
            raise ProtocolError(f"{session.name}: sign-in as {username!r} failed: {session.alerts()[:3]}")
        session.sign_in_waits += 1
        waited += delay
        await asyncio.sleep(delay)
