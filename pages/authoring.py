"""Scenario studio (trainers): write a scenario in YAML, see every problem with its line and
column, preview charts, alerts, pages and the answer, save versions, and play it as a trainee.

The editor is a code editor (streamlit-code-editor: line numbers, YAML colours, each problem
marked in the margin with a "Go to line" button that moves the cursor there); a "Plain text
editor" switch gives a simple text box for screen readers and keyboard-only use. A thin view over
`simulator.studio` (checks, including whether the rules fire, and previews),
`simulator.services.catalogue` (versions, drafts, soft delete) and `simulator.postmortem`; the editor
text is kept as a draft per trainer.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from code_editor import code_editor

from simulator.alerts import scenario_timeline
from simulator.charts import alert_bands, metric_chart
from simulator.postmortem import MAX_INPUT, scenario_from_postmortem
from simulator.services import catalogue
from simulator.studio import (
    alert_rows,
    answer_summary,
    check_text,
    incident_windows,
    page_plan,
    panels,
    problem_rows,
)
from simulator.studio import templates as template_files
from simulator.traces import generate_trace
from simulator.variants import sample_knobs, variant_of
from simulator.yamlio import MAX_BYTES, FormatError
from ui import auth
from ui.scenario_catalog import sync_pack
from ui.services import SCENARIO_DIR, get_store

user = auth.require_page("pages/authoring.py")
auth.require_action(user, "edit_scenario")
store = get_store()
is_admin = user.may("manage_any_scenario")
DRAFT_KEY = "editor"
SOURCE = "studio_source"  # the scenario text, whichever editor shows it
TEXT = "studio_text"  # the plain text editor's widget
PLAIN = "studio_plain_editor"  # the switch between the code editor and the plain one
CODE = "studio_code"  # the code editor component
# The component keeps its own text once mounted and ignores a new `code` argument, so text put in
# from outside (a template, a saved version) mounts a fresh editor under a new key.
CODE_EDITION = "studio_code_edition"
CODE_SEEN = "studio_code_seen"  # id of the last code-editor answer already taken
MAX_JUMP_BUTTONS = 6  # more would cover the text; the list under the editor names every problem


def now() -> datetime:
    return datetime.now(UTC)


def set_text(text: str, origin: str) -> None:
    """Put text in the editor (called from callbacks, before the editor widget is drawn)."""
    st.session_state[SOURCE] = text
    st.session_state[TEXT] = text
    st.session_state["studio_origin"] = origin
    st.session_state[CODE_EDITION] = st.session_state.get(CODE_EDITION, 0) + 1


def take_plain_text() -> None:
    st.session_state[SOURCE] = st.session_state[TEXT]


def editor_marks(check) -> dict:
    """Ace annotations (margin icons with the message) and line highlights for every problem."""
    marks = [(p, "error") for p in check.problems] + [(p, "warning") for p in check.notes]
    located = [(p, kind) for p, kind in marks if p.line]
    return {
        "annotations": [
            {"row": p.line - 1, "column": (p.column or 1) - 1, "type": kind, "text": p.message}
            for p, kind in located
        ],
        "markers": [
            {
                "startRow": p.line - 1,
                "startCol": 0,
                "endRow": p.line - 1,
                "endCol": 1,
                "className": f"fd-{kind}-line",
                "type": "fullLine",
            }
            for p, kind in located
        ],
    }


def jump_buttons(check) -> list[dict]:
    """One "Go to line N" button per problem line, stacked at the editor's top right, plus "Check"
    (the same as Ctrl+Enter) at its bottom right. Ace's `gotoline` moves the cursor and opens its
    line prompt (Enter or Esc closes it)."""
    lines = sorted({p.line for p in (*check.problems, *check.notes) if p.line})[:MAX_JUMP_BUTTONS]
    buttons = [
        {
            "name": f"Go to line {line}",
            "hasText": True,
            "alwaysOn": True,
            "commands": [["gotoline", line]],
            "style": {"top": f"{0.3 + 2.0 * i}rem", "right": "0.6rem"},
        }
        for i, line in enumerate(lines)
    ]
    buttons.append(
        {
            "name": "Check (Ctrl+Enter)",
            "hasText": True,
            "alwaysOn": True,
            "primary": True,
            "commands": ["submit"],
            "style": {"bottom": "0.4rem", "right": "0.6rem"},
        }
    )
    return buttons


EDITOR_CSS = (
    ".fd-error-line{position:absolute;background:rgba(255,75,75,.22);}"
    ".fd-warning-line{position:absolute;background:rgba(255,190,0,.22);}"
)


def code_editor_text(answer) -> str | None:
    """The code editor's text if it sent something new (on Ctrl+Enter, "Check" or leaving it).

    The component repeats its last answer on every rerun; an answer is taken once, so loading a
    template afterwards is not overwritten by the old text."""
    if (
        not isinstance(answer, dict)
        or not answer.get("id")
        or answer.get("id") == st.session_state.get(CODE_SEEN)
    ):
        return None
    st.session_state[CODE_SEEN] = answer["id"]
    return str(answer.get("text", "")) if answer.get("type") in ("submit", "blur") else None


if SOURCE not in st.session_state:
    draft = catalogue.get_draft(store, user.username, DRAFT_KEY)
    if draft:
        set_text(draft, "your unsaved draft")
    else:
        tpl = template_files(SCENARIO_DIR)
        first = tpl.get("minimal") or next(iter(tpl.values()), None)
        set_text(first.read_text(encoding="utf-8") if first else "", "the minimal template")

st.title("Scenario studio")
st.caption(
    f"Editing: {st.session_state.get('studio_origin', 'new scenario')}. "
    "Problems are listed with line and column as you edit; nothing is saved until you save a version."
)

# --- where the text comes from -----------------------------------------------------------------

sync_invalid = sync_pack(store)
tab_tpl, tab_open, tab_import, tab_pm = st.tabs(
    ["Start from a template", "Open a saved scenario", "Import a file", "From a postmortem"]
)
with tab_tpl:
    tpls = template_files(SCENARIO_DIR)
    if tpls:
        name = st.selectbox("Template", list(tpls), key="studio_template")
        st.button(
            "Use this template",
            key="studio_use_template",
            on_click=lambda: set_text(
                tpls[name].read_text(encoding="utf-8"), f"template “{name}” (change the id before saving)"
            ),
        )
    else:
        st.info("No templates in scenarios/templates.")

with tab_open:
    summaries = catalogue.list_scenarios(store)
    if not summaries:
        st.info("No saved scenarios yet.")
    else:
        labels = {
            s.id: f"{s.title} · {s.id} · v{s.latest_version}"
            + (" · built-in (read-only)" if s.read_only else f" · by {s.owner}")
            for s in summaries
        }
        sid = st.selectbox("Scenario", list(labels), format_func=labels.__getitem__, key="studio_open_id")
        chosen = next(s for s in summaries if s.id == sid)
        vers = catalogue.versions(store, sid)
        vlabels = {
            v.content_hash: f"v{v.version} · {v.created:%Y-%m-%d %H:%M} UTC · {v.author} · {v.content_hash}"
            for v in vers
        }
        vh = st.selectbox(
            "Version", list(vlabels), format_func=vlabels.__getitem__, key="studio_open_version"
        )
        version = next(v for v in vers if v.content_hash == vh)
        c1, c2 = st.columns(2)
        c1.button(
            "Open in the editor",
            key="studio_open",
            on_click=lambda: set_text(
                version.text,
                f"{version.scenario_id} v{version.version}"
                + (" (read-only original: duplicate it to change it)" if chosen.read_only else ""),
            ),
        )
        with c2.popover("Duplicate under a new id"):
            new_id = st.text_input("New scenario id", key="studio_dup_id", placeholder=f"{sid}-copy")
            if st.button("Duplicate", key="studio_dup"):
                try:
                    copy = catalogue.duplicate(
                        store,
                        version.content_hash,
                        new_id.strip(),
                        user.username,
                        now(),
                        base_dir=SCENARIO_DIR,
                    )
                except (catalogue.ScenarioStoreError, FormatError) as exc:
                    st.error(
                        str(exc)
                        if isinstance(exc, catalogue.ScenarioStoreError)
                        else "; ".join(str(p) for p in exc.problems)
                    )
                else:
                    set_text(copy.text, f"{copy.scenario_id} v{copy.version}")
                    st.rerun()
        if not chosen.read_only and (chosen.owner == user.username or is_admin):
            with st.expander("Delete this scenario"):
                st.write(
                    "Deleting hides it from trainers and trainees. Every version stays stored, so "
                    "drill attempts that used it still show their results."
                )
                confirm = st.text_input(f"Type {sid} to confirm", key="studio_delete_confirm")
                if st.button("Delete scenario", key="studio_delete", type="secondary"):
                    try:
                        catalogue.delete_scenario(
                            store, sid, user.username, now(), confirm=confirm.strip(), is_admin=is_admin
                        )
                    except catalogue.ScenarioStoreError as exc:
                        st.error(str(exc))
                    else:
                        st.success(f"Deleted {sid}. Its versions stay readable for old attempts.")
    if sync_invalid:
        st.warning("Some built-in files were not loaded: " + "; ".join(sync_invalid))

with tab_import:
    up = st.file_uploader("A scenario YAML file", type=["yaml", "yml"], key="studio_upload")
    if up is not None:
        raw = up.getvalue()
        if len(raw) > MAX_BYTES:
            st.error(f"{up.name} is larger than {MAX_BYTES // 1024} KiB; a scenario file must be smaller.")
        else:
            text = raw.decode("utf-8", errors="replace")
            st.button(
                "Put it in the editor",
                key="studio_import",
                on_click=lambda: set_text(text, f"imported file {up.name}"),
            )

with tab_pm:
    st.write("Paste a public postmortem: its title, summary and timeline (lines like `14:20 UTC - …`).")
    pm_text = st.text_area("Postmortem text", height=200, key="studio_pm_text", max_chars=MAX_INPUT)
    pm_url = st.text_input("Address of the postmortem (optional)", key="studio_pm_url")
    if st.button("Draft a scenario skeleton", key="studio_pm_go", disabled=not pm_text.strip()):
        try:
            skeleton, pm = scenario_from_postmortem(pm_text, source_url=pm_url.strip() or None)
        except ValueError as exc:
            st.error(str(exc))
        else:
            set_text(skeleton, f"skeleton from “{pm.title}” ({len(pm.entries)} timeline entries)")
            st.rerun()

# --- the editor and the preview ------------------------------------------------------------------

left, right = st.columns([5, 6], gap="medium")
with left:
    text = st.session_state[SOURCE]
    check = check_text(text, SCENARIO_DIR)
    plain = st.toggle(
        "Plain text editor",
        key=PLAIN,
        help="A simple text box for screen readers and keyboard-only editing: no line numbers or colours.",
    )
    if plain:
        st.session_state[TEXT] = text
        st.text_area(
            "Scenario YAML",
            key=TEXT,
            height=620,
            on_change=take_plain_text,
            help="Edit, then click outside the editor (or press Ctrl+Enter) to check it.",
        )
    else:
        st.caption(
            "Scenario YAML · press Ctrl+Enter, click **Check** or click outside the editor to check it. "
            "Problems are marked in the margin (hover for the message); **Go to line** moves the cursor there."
        )
        edited = code_editor_text(
            code_editor(
                text,
                lang="yaml",
                key=f"{CODE}_{st.session_state.get(CODE_EDITION, 0)}",
                height="620px",
                options={
                    "showLineNumbers": True,
                    "tabSize": 2,
                    "useSoftTabs": True,
                    "displayIndentGuides": True,
                    # No soft wrap: with it this Ace build draws the line numbers out of step
                    # with wrapped lines, so a marked problem would sit beside the wrong number.
                    "wrap": False,
                },
                props=editor_marks(check),
                buttons=jump_buttons(check),
                component_props={"css": EDITOR_CSS},
                response_mode=["blur"],
            )
        )
        if edited is not None and edited != text:
            st.session_state[SOURCE] = edited
            st.rerun()
    if text != catalogue.get_draft(store, user.username, DRAFT_KEY):
        catalogue.save_draft(store, user.username, DRAFT_KEY, text, now())
    if check.ok:
        sc = check.loaded.scenario
        st.success(
            f"Valid: {sc.title} ({sc.id}) · {check.loaded.content_hash}", icon=":material/check_circle:"
        )
    else:
        st.error(f"{len(check.problems)} problem(s) to fix", icon=":material/error:")
        # Plain text, not a grid: every problem readable (and copyable) as "line L, column C".
        st.code(
            "\n".join(
                f"line {r['line'] or '?'}, column {r['column'] or '?'} · {r['field'] or '(file)'}: "
                f"{r['problem']}"
                for r in problem_rows(check.problems)
            ),
            language=None,
        )
    if check.notes:
        st.warning(f"{len(check.notes)} note(s) worth a look", icon=":material/warning:")
        st.code(
            "\n".join(
                f"line {r['line'] or '?'}, column {r['column'] or '?'} · {r['field'] or '(file)'}: "
                f"{r['problem']}"
                for r in problem_rows(check.notes)
            ),
            language=None,
        )

    note = st.text_input("What changed (optional, kept with the version)", key="studio_note")
    b1, b2, b3 = st.columns(3)
    if b1.button("Save version", type="primary", disabled=not check.ok, key="studio_save"):
        try:
            saved = catalogue.save_version(
                store, text, user.username, now(), note=note, base_dir=SCENARIO_DIR, is_admin=is_admin
            )
        except catalogue.ScenarioStoreError as exc:
            st.error(str(exc))
        except FormatError as exc:
            st.error("; ".join(str(p) for p in exc.problems))
        else:
            catalogue.discard_draft(store, user.username, DRAFT_KEY)
            st.session_state["studio_origin"] = f"{saved.scenario_id} v{saved.version}"
            st.session_state["studio_saved"] = (
                f"Saved {saved.scenario_id} version {saved.version} ({saved.content_hash})."
            )
            st.rerun()
    export_name = catalogue.export_filename(check.loaded.scenario.id) if check.ok else "scenario-draft.yaml"
    b2.download_button(
        "Export YAML",
        data=text.encode("utf-8"),
        file_name=export_name,
        mime="application/yaml",
        key="studio_export",
    )
    stored = catalogue.get_version(store, check.loaded.content_hash) if check.ok else None
    if b3.button(
        "Play as trainee",
        disabled=stored is None,
        key="studio_play",
        help="Save this version first; then start a drill on exactly this version.",
    ):
        st.switch_page(
            "pages/drill.py", query_params={"scenario": stored.scenario_id, "version": stored.content_hash}
        )
    if msg := st.session_state.pop("studio_saved", None):
        st.success(msg, icon=":material/save:")
    if check.ok and stored is None:
        st.caption("This text is not saved yet: save a version to play it or let trainees drill on it.")

with right:
    if not check.ok:
        st.info("The preview appears when the scenario is valid.")
        st.stop()
    loaded = check.loaded
    sc = loaded.scenario
    seed = st.number_input(
        "Preview seed (another seed previews another variant)",
        min_value=0,
        max_value=2**31 - 1,
        value=int(sc.seed),
        step=1,
        key=f"studio_seed_{sc.id}",
    )
    vloaded, knobs = variant_of(loaded, int(seed))
    if int(seed) != sc.seed:
        st.caption(
            f"Variant: {knobs.describe()}"
            + (f" — red herrings: {'; '.join(knobs.red_herrings)}" if knobs.red_herrings else "")
        )
    trace = generate_trace(vloaded.scenario)
    timeline = scenario_timeline(vloaded, trace)
    t_charts, t_alerts, t_pages, t_answer = st.tabs(["Charts", "Alerts", "Pages", "Answer"])
    with t_charts:
        bands = alert_bands(timeline)
        shade = incident_windows(vloaded.scenario)
        for title, keys in panels(vloaded.scenario).items():
            st.plotly_chart(
                metric_chart(trace, keys, shade=shade, alert_bands=bands, title=title, height=230),
                width="stretch",
                key=f"studio_chart_{title}",
            )
    with t_alerts:
        rows = alert_rows(timeline, sc.clock.start)
        if not any(r["state"] == "firing" for r in rows):
            st.warning(
                "No alert fires on this trace: a trainee would never be paged. Check the rule "
                "thresholds against the charts."
            )
        firsts: dict[str, dict] = {}
        for r in rows:
            if r["state"] == "firing":
                firsts.setdefault(r["alert"], r)
        if firsts:
            st.text(
                "\n".join(
                    f"{name} fires at {r['time (UTC)']} UTC ({r['after']} in)" for name, r in firsts.items()
                )
            )
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="studio_alerts")
        else:
            st.caption("No alert even goes pending.")
    with t_pages:
        ack_min = st.number_input(
            "The primary acknowledges after (minutes; 0 = nobody acknowledges)",
            min_value=0,
            max_value=240,
            value=0,
            key="studio_ack",
        )
        plan = page_plan(vloaded, timeline, ack_after=float(ack_min) * 60 if ack_min else None)
        st.caption(plan.note)
        if plan.rows:
            st.dataframe(pd.DataFrame(plan.rows), hide_index=True, width="stretch", key="studio_pages")
    with t_answer:
        st.dataframe(
            pd.DataFrame({"answer": answer_summary(sc)}),
            hide_index=True,
            width="stretch",
            key="studio_answer",
        )
        if sc.variants is not None:
            st.caption("Variants of this scenario (knobs per seed):")
            st.dataframe(
                pd.DataFrame(
                    [{"seed": s, "variant": sample_knobs(sc, s).describe()} for s in (sc.seed, *range(1, 6))]
                ),
                hide_index=True,
                width="stretch",
                key="studio_variants",
            )
