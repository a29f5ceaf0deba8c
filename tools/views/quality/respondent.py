"""One respondent's data quality: their scores and every answer's checks, paged with a cursor."""

from __future__ import annotations

from dataclasses import dataclass

from ...models import AnswerEvaluation
from ...quoting import clean_label, handle, plain, plain_id, quote
from ...render import Lines, Summary, drop_none, encode_cursor
from .index import QualityIndex, RespStat, finite
from .parts import REMOVABLE_RULE, SCALE, Detail, header, issue_label


@dataclass(slots=True)
class RespondentView:
    """Respondent ``s``'s answers from ``offset``; ``scope`` binds its cursors."""

    index: QualityIndex
    s: RespStat
    offset: int
    scope: str

    def render(self, d: Detail, n: int) -> Summary:
        s = self.s
        out = Lines()
        title = f"Respondent {handle(s.respondent_id)} — data quality"
        data = header(self.index, out, d, "respondent", title)
        self._scores(out, data)
        answers = s.r.answers[self.offset : self.offset + n]
        entries = [_answer(out, d, i, a) for i, a in enumerate(answers, start=self.offset + 1)]
        data["answers_total"] = len(s.r.answers)
        data["offset"] = self.offset
        data["answers"] = entries
        self._next(out, data, len(answers))
        return Summary(out.text(), drop_none(data))

    def _scores(self, out: Lines, data: dict) -> None:
        s = self.s
        r = s.r
        flags = ", ".join(sorted(s.flagged_types)) or "none"
        out.add(
            f"**Demerit:** {s.demerit:g} ({SCALE}) · **Quality:** {finite(r.quality):g} · "
            f"**Issues:** {r.num_issues} "
            f"· **Answers with issues:** {s.issue_answers} of {len(r.answers)}"
        )
        out.add(
            f"**Flagged types:** {clean_label(flags, 120)} · "
            f"**Likely removable:** {'yes' if s.removable else 'no'} "
            f"({REMOVABLE_RULE})"
        )
        data["respondent"] = {
            "respondent_id": plain_id(s.respondent_id),
            "demerit": s.demerit,
            "quality": finite(r.quality),
            "num_issues": r.num_issues,
            "issue_answers": s.issue_answers,
            "removable": s.removable,
            "flagged_types": flags,
        }

    def _next(self, out: Lines, data: dict, shown: int) -> None:
        total = len(self.s.r.answers)
        end = self.offset + shown
        if shown and end < total:
            cursor = encode_cursor(self.scope, end)
            data["next_cursor"] = cursor
            out.next(
                f"{total - end} more answers: call again with the same job_id, "
                f"respondent_id={handle(self.s.respondent_id)} and cursor=`{cursor}`."
            )
        elif not shown and total:
            out.blank()
            out.add(f"**Answers:** {total - self.offset} not shown; raise max_tokens.")


def _answer(out: Lines, d: Detail, i: int, a: AnswerEvaluation) -> dict:
    """One answer with its checks (or only those marked as issues, on lean rungs)."""
    qid = f" ({handle(a.question_id)})" if a.question_id else ""
    out.blank()
    out.add(f"## Answer {i} — {clean_label(a.question, d.label_chars)}{qid}")
    out.add(
        f"**Answer:** {quote(a.answer, d.quote_chars)} · **Demerit:** {finite(a.demerit):g} "
        f"· **Issues:** {a.num_issues}"
    )
    checks = [c for c in a.checks if d.all_checks or c.is_issue]
    cout = []
    for c in checks:
        label = clean_label(issue_label(c.issue_type), 30)
        up = f" ({clean_label(c.upstream_type, 30)})" if c.upstream_type and c.upstream_type != label else ""
        ev = f" — evidence {quote(c.evidence, d.quote_chars)}" if c.evidence else ""
        out.add(f"- {label}{up}: score {finite(c.score):g}, {'issue' if c.is_issue else 'no issue'}{ev}")
        entry = {
            "type": str(c.issue_type),
            "upstream_type": plain(c.upstream_type, 30),
            "score": finite(c.score),
            "is_issue": bool(c.is_issue),
            "evidence": plain(c.evidence, d.quote_chars) if c.evidence else None,
        }
        cout.append(drop_none(entry))
    if len(checks) < len(a.checks):
        out.add(f"- +{len(a.checks) - len(checks)} checks with no issue not shown")
    return drop_none(
        {
            "question": plain(a.question, d.label_chars),
            "question_id": plain_id(a.question_id) if a.question_id else None,
            "answer": plain(a.answer, d.quote_chars),
            "demerit": finite(a.demerit),
            "num_issues": a.num_issues,
            "checks": cout or None,
        }
    )
