"""The alert as delivered: the SNS subject and message in the seed's formats, and the small
pieces every alert line shares (percentages, shortened lists, why a check could not run; kept in
``model.checks``, where the custom expectations that word their own alerts reach them too).

The lines themselves are built from the check results in ``validation.alert_text``; an
expectation that could not run becomes ``[ERROR]`` with the reason: a check that did not run is
never silence.
"""

from __future__ import annotations

import unicodedata

from data_monitor.model.alert_states import PastAlert
from data_monitor.model.checks import Severity
from data_monitor.model.checks import exception_reason as exception_reason
from data_monitor.model.checks import format_pct as format_pct
from data_monitor.model.checks import listed as listed
from data_monitor.model.results import Alert

SEVERITIES = tuple(Severity)


SUBJECT_LIMIT = 99  # SNS: fewer than 100 characters


SUBJECT_HEAD = "[DATA MONITOR]"


PREFIX_ROOM = 30  # a long table prefix is cut too, so the count always fits


MESSAGE_LIMIT = 262_144  # SNS: at most 256 KB


def subject_for(database: str, prefix: str, count: int, counted: str = "") -> str:
    """The seed's subject made safe for SNS: printable ASCII, one line, under 100 characters.

    SNS Publish takes a subject with "no line breaks or control characters", "less than 100
    characters long"; its reference long said "ASCII text" (today "UTF-8 text"), and SNS is
    documented to replace a subject holding control or non-ASCII characters with an error
    text. So the seed's em dash is " - " and the names are folded to ASCII; the message body
    stays UTF-8. A long name is cut, never the count. ``counted`` replaces the count
    ("2 new, 1 resolved") when the message holds only what changed.
      https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
      https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-validation-truncation.html
    """
    tail = f"{_shortened(ascii_text(prefix), PREFIX_ROOM)}* - {counted or count} issue(s)"
    room = SUBJECT_LIMIT - len(SUBJECT_HEAD) - len(tail) - 2  # the two spaces between parts
    name = _shortened(ascii_text(database), room)
    return " ".join(part for part in (SUBJECT_HEAD, name, tail) if part)[:SUBJECT_LIMIT]


def ascii_text(text: str) -> str:
    """``text`` as printable ASCII on one line (for the SNS subject).

    Accents are dropped (``é`` -> ``e``) and compatibility forms folded (``ﬁ`` -> ``fi``), so a
    name stays readable; any other non-ASCII character becomes ``?``, so it is not silently
    lost; line breaks, tabs and other control or separator characters become one space.
    """
    chars = []
    for char in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(char)
        if " " <= char <= "~":
            chars.append(char)
        elif category in ("Cc", "Zs", "Zl", "Zp"):
            chars.append(" ")
        elif category[0] != "M" and category != "Cf":  # marks and invisible formats: dropped
            chars.append("?")
    return " ".join("".join(chars).split())


def _shortened(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 3, 1)] + "..."


def message_for(database: str, prefix: str, alerts: list[Alert], footer: str = "") -> str:
    """The seed's message; past SNS's size limit the tail is cut and the cut lines counted."""
    header = f"[DATA MONITOR] {len(alerts)} issue(s) in {database} ({prefix}*)\n\n"
    return _fitted(header, [a.line for a in alerts], footer)


def changes_message_for(
    database: str,
    prefix: str,
    new: list[Alert],
    resolved: list[PastAlert],
    ongoing: int,
    footer: str = "",
) -> str:
    """The message of ``--notify changed``: the alerts new since the last run, then those it
    raised that this run does not, and how many still-open ones are left out."""
    left_out = f"; {ongoing} ongoing issue(s) not listed" if ongoing else ""
    header = (
        f"[DATA MONITOR] {len(new)} new and {len(resolved)} resolved issue(s) in {database} "
        f"({prefix}*){left_out}\n\n"
    )
    lines = []
    if new:
        lines += ["New since the last run:", *(a.line for a in new)]
    if resolved:
        lines += ["", "Resolved since the last run:"] if new else ["Resolved since the last run:"]
        lines += [f"{p.line} (open since {p.first_seen}, {p.runs} run(s))" for p in resolved]
    return _fitted(header, lines, footer, "line(s)")


def _fitted(header: str, lines: list[str], footer: str, unit: str = "issue(s)") -> str:
    """``header``, the lines and ``footer`` within SNS's size limit: past it the tail of the
    lines is cut and the cut lines counted."""
    tail = f"\n\n{footer}" if footer else ""
    body = "\n".join(lines)
    if len((header + body + tail).encode()) <= MESSAGE_LIMIT:
        return header + body + tail
    kept: list[str] = []
    size = len((header + tail).encode()) + 200  # room for the "cut" note
    for line in lines:
        size += len(line.encode()) + 1
        if size > MESSAGE_LIMIT:
            break
        kept.append(line)
    cut = len(lines) - len(kept)
    note = f"\n... {cut} more {unit} not shown (message size limit); see the full report."
    return header + "\n".join(kept) + note + tail
