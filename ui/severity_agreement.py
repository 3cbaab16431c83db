"""How well a cohort judged severity in a drill: every severity call against the true severity at
that moment as a confusion matrix, the share exactly right, the average levels off, and the
agreement (quadratic weighted kappa) with what it means in words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from simulator.cohort import (
    BoardRow,
    accuracy,
    confusion_matrix,
    kappa_meaning,
    mean_level_error,
    quadratic_weighted_kappa,
    severity_pairs,
)
from simulator.vocabulary import Severity


def render_severity_agreement(joined: Sequence[BoardRow], truth: Callable[[float], Severity]) -> None:
    st.subheader("Severity calls against the truth")
    pairs = severity_pairs(joined, truth)
    conf = confusion_matrix(pairs)
    kappa = quadratic_weighted_kappa(conf)
    left, right = st.columns([2, 1])
    with left:
        st.caption("Rows: the true severity at the moment of each call; columns: the severity called.")
        st.dataframe(pd.DataFrame(conf.as_rows()), hide_index=True)
    with right:
        acc, err = accuracy(conf), mean_level_error(conf)
        st.metric("Calls", conf.total)
        st.metric("Exactly right", "—" if acc is None else f"{acc:.0%}")
        st.metric("Average levels off", "—" if err is None else f"{err:.2f}")
        st.metric("Agreement (quadratic weighted κ)", "—" if kappa is None else f"{kappa:.2f}")
        st.caption(
            kappa_meaning(kappa)[:1].upper()
            + kappa_meaning(kappa)[1:]
            + ". In κ a call two levels off costs four times one level off."
        )
