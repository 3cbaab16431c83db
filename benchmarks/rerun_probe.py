"""`streamlit run` with a meter on every script run: what one rerun of a page costs the server.

Run as `python benchmarks/rerun_probe.py run app.py [streamlit options]` (this file is run by path,
so a server of an older checkout unpacked elsewhere can be measured with this meter). Before
handing over to Streamlit's command line it wraps the script runner so that each script run — a
full run of a page or one fragment's rerun — appends one JSON line to `FIREDRILL_RERUN_LOG`:
the page's URL path, whether it was a fragment run, whether it ended in `st.rerun()`, the script
thread's CPU milliseconds for the run itself (`cpu_ms`) and for Streamlit's clean-up after it
(`finish_ms`: widget state and the post-run garbage collection), and its wall milliseconds.
Thread CPU time does not depend on how busy the machine is, so the figures are comparable
across runs on a shared box.

With `FIREDRILL_RERUN_PROFILE=<file>` each script run of the pages named in
`FIREDRILL_RERUN_PROFILE_PAGES` (URL paths, default `drill`) also runs under cProfile, and the merged statistics are written (pstats format) when the server exits, one file per
page and kind of run (`<file>.drill-full`, `<file>.drill-fragment`, `<file>.Sign_in-full`…); the main
thread (the server's event loop: websockets, sending the page's messages) is profiled into
`<file>.main` from the first run of a profiled page on.
Used by `bench_drill_rerun.py`; nothing here changes what the app does.
"""

from __future__ import annotations

import atexit
import contextlib
import cProfile
import json
import os
import pstats
import signal
import sys
import threading
import time


def install(log_path: str, profile_path: str | None, profile_pages: frozenset[str]) -> None:
    from streamlit.runtime.scriptrunner import script_runner

    lock = threading.Lock()
    local = threading.local()
    merged: dict[str, pstats.Stats] = {}  # by page and kind of run, added to after each run
    inner_exec = script_runner.exec_func_with_error_handling
    inner_finished = script_runner.ScriptRunner._on_script_finished

    def page_of(ctx) -> str:
        with contextlib.suppress(Exception):  # a run that stopped before any page was chosen
            info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
            return str(info.get("url_pathname") or info.get("page_name") or "")
        return ""

    def intended_page(ctx) -> str:
        with contextlib.suppress(Exception):  # no page registry yet: the first run of a session
            pm = ctx.pages_manager
            info = pm.get_pages().get(pm.intended_page_script_hash) or {}
            return str(info.get("url_pathname") or pm.intended_page_name or "")
        return ""

    def metered_exec(func, ctx):
        # The thread's own CPU clock: a profile not inflated by the time other threads hold the GIL.
        # Only the pages asked for: under this profiler the first runs' imports take minutes.
        wanted = profile_path and intended_page(ctx) in profile_pages
        prof = cProfile.Profile(time.thread_time) if wanted else None
        c0, w0 = time.thread_time(), time.perf_counter()
        if prof is not None:
            prof.enable()
        try:
            result = inner_exec(func, ctx)
        finally:
            if prof is not None:
                prof.disable()
        cpu_ms = round((time.thread_time() - c0) * 1000, 2)
        wall_ms = round((time.perf_counter() - w0) * 1000, 2)
        page = page_of(ctx)
        if prof is not None:
            kind = f"{page or 'none'}-{'fragment' if ctx.fragment_ids_this_run else 'full'}"
            with lock:
                if kind in merged:
                    merged[kind].add(prof)
                else:
                    merged[kind] = pstats.Stats(prof)
        local.pending = {
            "page": page,
            "fragment": bool(ctx.fragment_ids_this_run),
            "rerun": result[2] is not None,  # ended in st.rerun() (or a newer request)
            "error": result[4] is not None,
            "cpu_ms": cpu_ms,
            "wall_ms": wall_ms,
            "session": ctx.session_id[:8],
            "t": round(time.time(), 3),
        }
        return result

    def metered_finished(self, ctx, event, premature_stop, run_descriptor):
        c0 = time.thread_time()
        try:
            return inner_finished(self, ctx, event, premature_stop, run_descriptor)
        finally:
            record = getattr(local, "pending", None)
            local.pending = None
            if record is not None:
                start_main_profile(record["page"])
                record["finish_ms"] = round((time.thread_time() - c0) * 1000, 2)
                with lock, open(log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")

    script_runner.exec_func_with_error_handling = metered_exec
    script_runner.ScriptRunner._on_script_finished = metered_finished

    if profile_path:

        def dump() -> None:
            with lock:
                for kind, stats in merged.items():
                    stats.dump_stats(f"{profile_path}.{kind.replace(' ', '_')}")

        main_thread = cProfile.Profile(time.thread_time)

        def dump_main() -> None:
            main_thread.disable()
            with contextlib.suppress(TypeError, ValueError):  # nothing ran
                main_thread.dump_stats(profile_path + ".main")

        # The main thread is profiled from the first run of a profiled page on (its start-up, such
        # as scanning installed packages for components, is not what a drill costs). A profiler is
        # per thread, so the script thread asks the main thread by a signal to start its own.
        signal.signal(signal.SIGUSR2, lambda *_: main_thread.enable())
        atexit.register(dump)
        atexit.register(dump_main)

    started: list[bool] = []

    def start_main_profile(page: str) -> None:
        if profile_path and page in profile_pages and not started:
            started.append(True)
            os.kill(os.getpid(), signal.SIGUSR2)


def main() -> None:
    # Run by path, this file's folder leads sys.path; the app must not import benchmark modules.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    log_path = os.environ.get("FIREDRILL_RERUN_LOG")
    if log_path:
        pages = os.environ.get("FIREDRILL_RERUN_PROFILE_PAGES", "drill")
        install(
            log_path,
            os.environ.get("FIREDRILL_RERUN_PROFILE") or None,
            frozenset(p.strip() for p in pages.split(",")),
        )
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
