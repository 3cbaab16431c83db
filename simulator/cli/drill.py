"""`firedrill drill SCENARIO --responses FILE`: run a scripted response headless and print its scorecard."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..actions import load_responses
from ..drill import Drill, Event, events_from_responses, load_default_policy, load_default_team
from ..scenario import LoadedScenario, load_scenario
from ..scoring import RATING_WORDS, Scorecard, score_drill, verdict
from ..yamlio import read_text_limited
from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drill", help="score a scripted drill response headless")
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", help="path to a scenario YAML file")
    p.add_argument(
        "--responses",
        metavar="FILE",
        help="YAML or JSON list of actions with their simulated times (e.g. scenarios/ID.expert.yaml)",
    )
    p.add_argument(
        "--seed", type=int, help="override the seed (default: the response's, else the scenario's)"
    )
    p.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    p.add_argument(
        "--rubric",
        action="store_true",
        help="print the rubric incident updates are judged by (impact, action, next update, no blame, …)",
    )
    p.add_argument(
        "--draft-expert",
        action="store_true",
        help="print a by-the-book expert response drafted from the scenario's answer (for trainers)",
    )
    p.set_defaults(func=run)


def run_headless(
    scenario_path: str | Path, responses_path: str | Path, seed: int | None = None
) -> tuple[Drill, list[Event], Scorecard]:
    """Load, replay and score: the same path the CLI, the report command and the tests use."""
    if seed is not None and seed < 0:
        raise CliError("--seed must be zero or a positive whole number")
    loaded: LoadedScenario = load_scenario(scenario_path)
    rpath = Path(responses_path)
    if not rpath.is_file():
        raise CliError(f"responses file {rpath} does not exist")
    responses = load_responses(read_text_limited(rpath), str(rpath), loaded.scenario)
    use_seed = seed if seed is not None else responses.seed
    drill = Drill.create(loaded, use_seed, load_default_policy(), load_default_team())
    events = events_from_responses(drill, responses)
    return drill, events, score_drill(drill, events)


def format_scorecard(card: Scorecard) -> str:
    lines = [
        f"{card.scenario_id} ({card.content_hash}, seed {card.seed})",
        f"{'PASSED' if verdict(card).passed else 'NOT PASSED'}  score {card.score:.2f}  (pass mark {card.pass_mark:.2f})",
        *[f"  why not: {reason}" for reason in verdict(card).reasons],
        "",
    ]
    for c in card.criteria:
        lines.append(f"  {c.rating}  {c.score:.2f}  {c.title} — {RATING_WORDS[c.rating]}")
        for e in c.evidence:
            when = ""
            if e.trainee_time or e.expected_time:
                when = f" [you {e.trainee_time or 'never'}"
                when += f", expected by {e.expected_time}]" if e.expected_time else "]"
            minus = f" (−{e.deduction:.2f})" if e.deduction else ""
            lines.append(f"        - {e.item}: {e.note}{when}{minus}")
    for r in card.reasons:
        lines.append(f"  ! {r}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.rubric:
        from ..update_rubric import rubric_markdown

        print(rubric_markdown(), end="")
        return 0
    if not args.scenario:
        raise CliError("give a SCENARIO file (or --rubric to print the update rubric)")
    if args.draft_expert:
        from ..actions import responses_yaml
        from ..expert import expert_actions

        loaded = load_scenario(args.scenario)
        drill = Drill.create(loaded, args.seed, load_default_policy(), load_default_team())
        sid = loaded.scenario.id
        header = (
            f"# Expert response for {sid}: a calm, by-the-book on-call engineer.\n"
            f"# Score it: firedrill drill scenarios/{sid}.yaml --responses scenarios/{sid}.expert.yaml\n"
        )
        print(responses_yaml(sid, expert_actions(drill), header), end="")
        return 0
    if not args.responses:
        raise CliError("give --responses FILE (or --draft-expert to draft one)")
    _, _, card = run_headless(args.scenario, args.responses, args.seed)
    if args.json:
        print(json.dumps(card.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_scorecard(card))
    return 0 if verdict(card).passed else 1
