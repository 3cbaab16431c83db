"""A scorecard as the Debrief shows it: one line per criterion with its rating in words, then per
criterion the critical items and the evidence behind each deduction (what you did, when, and by
when it was expected)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator.scoring import RATING_WORDS, Scorecard


def render_scorecard(card: Scorecard) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "criterion": c.title,
                    "score": round(c.score, 2),
                    "rating": c.rating,
                    "meaning": RATING_WORDS[c.rating],
                }
                for c in card.criteria
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for c in card.criteria:
        with st.expander(f"{c.rating} · {c.title} · {c.score:.2f}"):
            for item in c.critical_failures:
                st.error(f"Critical item: {item}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "item": e.item,
                            "observation": e.note,
                            "you": e.trainee_time or "—",
                            "expected by": e.expected_time or "—",
                            "deduction": e.deduction,
                        }
                        for e in c.evidence
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
