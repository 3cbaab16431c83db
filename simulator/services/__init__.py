"""Use cases: each loads what it needs from `simulator.store` (repositories only), runs the pure core
(`simulator.drill`, `simulator.scoring`, `simulator.cohort`, `simulator.curriculum`) and saves the
result. Pages and the CLI call these modules; they never reach into the store themselves.

- `drills`: one trainee's attempt — start, record an action, clock controls, finish and score, and
  the debrief's re-scoring.
- `cohorts`: cohort drills on one shared clock — schedule, start/pause/resume/end, join, score all.
- `training`: curriculum progress and sign-off decisions.
- `catalogue`: the scenario list, loading and published versions.
"""
