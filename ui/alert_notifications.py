"""What the on-call engineer receives in a scenario run: the notification stream (time, channel,
receiver, status, alerts), each message as a person reads it, and its Alertmanager webhook body.
Alert text is shown as plain text; the receiver's name cannot break out of its code span."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from simulator.routing import Notification


def render_notifications(
    notes: Sequence[Notification], clock: Callable[[float], str], table_key: str
) -> None:
    st.subheader("Notifications")
    st.caption(
        "As the on-call engineer receives them: pager pages, chat messages, tickets. Alertmanager waits "
        "`group_wait` before the first message of a group, then sends changes every `group_interval`."
    )
    if not notes:
        st.info("No notification was sent: no alert fired long enough to reach anyone.")
    else:
        channels = sorted({n.channel for n in notes})
        shown_channels = st.multiselect("Channels", channels, default=channels, key="alerts_channels")
        shown = [n for n in notes if n.channel in shown_channels]
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "time": clock(n.at),
                        "channel": n.channel,
                        "receiver": n.receiver,
                        "status": n.status,
                        "alerts": ", ".join(dict.fromkeys(a.name for a in n.alerts)),
                        "repeat": n.repeat,
                    }
                    for n in shown
                ]
            ),
            hide_index=True,
            key=table_key,
        )
        for n in shown[:100]:
            with st.container(border=True):
                icon = {
                    "pager": ":material/phone_android:",
                    "chat": ":material/chat:",
                    "email": ":material/mail:",
                    "ticket": ":material/confirmation_number:",
                }.get(n.channel, "")
                receiver = n.receiver.replace("`", "'")
                st.markdown(
                    f"{icon} **{n.channel}** · `{receiver}` · {clock(n.at)}"
                    + (" · repeat" if n.repeat else "")
                )
                st.text(n.chat_text)
                with st.expander("Webhook payload (Alertmanager version 4)"):
                    st.json(n.webhook, expanded=False)
        if len(shown) > 100:
            st.caption(f"Showing the first 100 of {len(shown)} notifications.")
