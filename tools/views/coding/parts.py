"""The pieces every coding answer is built from: header, base lines, one code, a code tree.

Each piece writes the markdown channel (``Lines``) and returns the structured entry for the same
facts, so both channels stay in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...quoting import clean_label, handle, plain, plain_id, quote
from ...render import Lines, Summary, drop_none, emergency, failure_note, fmt_pct, heading, pct
from .index import CodingIndex, NodeStat, QuestionStat, examples

COUNT_RULE = "distinct respondents; a parent counts its whole subtree once"
UNREPORTED_NOTE = (
    "the provider returns only coded responses, so responses that received no code at all are not "
    "visible; the base is the respondents present in the code tree"
)
TITLE = "Coding results"


@dataclass(slots=True, frozen=True)
class Detail:
    """One rung of the degradation ladder."""

    examples: int = 0
    quote_chars: int = 160
    label_chars: int = 80
    text_chars: int = 120
    meta_chars: int = 100
    top: int = 5


def header(index: CodingIndex, out: Lines, d: Detail, mode: str) -> dict:
    r = index.results
    out.add(heading(TITLE, r.job_id, r.survey, d.meta_chars))
    facts = [f"**Provider:** {clean_label(r.provider, 20)}", f"**Kind:** {clean_label(r.kind, 30)}"]
    if r.completed_at:
        facts.append(f"**Completed:** {r.completed_at.isoformat(timespec='seconds')}")
    out.add(" · ".join(facts))
    data: dict = {
        "job_id": plain_id(r.job_id),
        "provider": plain(r.provider, 20),
        "kind": plain(r.kind, 30),
        "mode": mode,
        "survey": plain(r.survey, d.meta_chars) if r.survey else None,
        "completed_at": r.completed_at.isoformat(timespec="seconds") if r.completed_at else None,
    }
    failure_note(out, data, r.failure, d.meta_chars, "The results below cover only the part that completed.")
    return data


def emergency_answer(index: CodingIndex, max_tokens: int, mode: str) -> Summary:
    """The smallest valid answer of any mode (the question count and how to ask again)."""
    r = index.results
    data = {
        "job_id": plain_id(r.job_id),
        "provider": plain(r.provider, 20),
        "kind": plain(r.kind, 30),
        "mode": mode,
        "questions_total": len(index.questions),
    }
    facts = f"**Questions:** {len(index.questions):,}"
    return emergency(
        TITLE, r.job_id, facts, max_tokens, data, narrower=" or a question_id", failure=r.failure
    )


def question_heading(qs: QuestionStat, d: Detail) -> str:
    return f"## Question {handle(qs.question_id)} — {clean_label(qs.question.question_text, d.text_chars)}"


def base_lines(qs: QuestionStat, out: Lines, global_note: bool) -> None:
    q = qs.question
    line = f"**Base:** {qs.base:,} responses · {qs.coded:,} coded · {qs.uncoded:,} uncoded"
    if qs.multi_coded:
        multi = f"**Multi-coded:** {qs.multi_coded:,} respondents in 2+ top-level codes"
        line = f"{line}\n{multi}: shares add to more than 100%."
    out.add(line)
    if not q.uncoded_reported and not global_note:
        out.add(f"**Note:** {UNREPORTED_NOTE}.")
    if qs.buckets:
        parts = [f"{clean_label(k, 20)} {v:,} ({fmt_pct(v, qs.base)})" for k, v in qs.buckets.items()]
        out.add("**Buckets:** " + " · ".join(parts))


def question_data(qs: QuestionStat, d: Detail) -> dict:
    q = qs.question
    return {
        "question_id": plain_id(q.question_id),
        "question_text": plain(q.question_text, d.text_chars),
        "responses": qs.base,
        "coded": qs.coded,
        "uncoded": qs.uncoded,
        "uncoded_reported": bool(q.uncoded_reported),
        "multi_coded": qs.multi_coded,
        "buckets": dict(qs.buckets) or None,
    }


def stats(index: CodingIndex, stat: NodeStat, base: int) -> tuple[str, dict]:
    """``count (pct)`` plus the per-code judgements (sentiment, confidence), as text and as fields."""
    r = index.results
    text = f"{stat.count:,} ({fmt_pct(stat.count, base)})"
    entry: dict = {"count": stat.count, "pct": pct(stat.count, base)}
    if r.has_sentiment and stat.sentiment is not None:
        split = {k: v for k, v in stat.sentiment.items() if v}
        if split:
            text += " · sentiment " + ", ".join(f"{v:,} {k}" for k, v in split.items())
        entry["sentiment"] = split
    if r.has_confidence and stat.conf_n:
        low = f"{stat.low_conf:,} of {stat.conf_n:,} assignments ({fmt_pct(stat.low_conf, stat.conf_n)})"
        text += f" · low confidence {low}"
        entry["low_confidence"] = {"low": stat.low_conf, "of": stat.conf_n}
    return text, entry


def code_line(
    index: CodingIndex, stat: NodeStat, base: int, d: Detail, indent: str, n_examples: int
) -> tuple[list[str], dict]:
    """Markdown lines and structured entry for one shown code."""
    node = stat.node
    text = f"{indent}- **{clean_label(node.label, d.label_chars)}** {handle(stat.code_id)}"
    if node.bucket:
        text += f" [bucket: {clean_label(node.bucket, 20)}]"
    shown, extra = stats(index, stat, base)
    text += f" — {shown}"
    entry: dict = (
        drop_none(
            {
                "code_id": plain_id(stat.code_id),
                "label": plain(node.label, d.label_chars),
                "bucket": str(node.bucket) if node.bucket else None,
            }
        )
        | extra
    )
    lines = [text]
    if n_examples:
        ex = examples(index, stat)[:n_examples]
        if ex:
            lines.extend(f"{indent}  - e.g. {quote(t, d.quote_chars)}" for t in ex)
            entry["examples"] = [plain(t, d.quote_chars) for t in ex]
    return lines, entry


@dataclass(slots=True)
class Tree:
    """Renders the shown nodes of a code tree hierarchically (children under their parent) and
    counts what is cut, exactly, with the handle that shows it."""

    index: CodingIndex
    qs: QuestionStat
    shown: set[int]
    d: Detail
    out: Lines

    def render(self, top: list[NodeStat], suffix: list[int], cut_hint: str) -> tuple[list[dict], dict | None]:
        """Entries of the shown nodes of ``top`` (and below); ``cut_hint`` says how to list the cut ones."""
        entries: list[dict] = []
        k = 0
        for stat in top:
            if id(stat) not in self.shown:
                break
            self._walk(stat, 0, entries)
            k += 1
        if len(top) == k:
            return entries, None
        return entries, self._cut(top[k:], suffix[k], cut_hint, "smaller codes" if k else "codes")

    def _walk(self, stat: NodeStat, depth: int, entries: list[dict]) -> None:
        lines, entry = code_line(self.index, stat, self.qs.base, self.d, "  " * depth, self.d.examples)
        if stat.parent is not None and depth > 0:
            entry["parent"] = plain_id(stat.parent.code_id)  # the tree, rebuilt from parents
        for line in lines:
            self.out.add(line)
        entries.append(entry)
        k = 0
        for child in stat.children:
            if id(child) not in self.shown:
                break
            self._walk(child, depth + 1, entries)
            k += 1
        hidden = len(stat.children) - k
        if hidden:
            resp = stat.child_suffix[k]
            self.out.add(
                f"{'  ' * (depth + 1)}- +{hidden:,} sub-codes, {resp:,} respondents — "
                f"code_id={handle(stat.code_id)} lists them"
            )
            entry["sub_codes_omitted"] = {"codes": hidden, "respondents": resp}

    def _cut(self, hidden: list[NodeStat], resp: int, cut_hint: str, what: str) -> dict:
        base = self.qs.base
        n_all = sum(1 + s.descendants for s in hidden)
        extra = f" ({n_all:,} codes incl. sub-codes)" if n_all != len(hidden) else ""
        self.out.add(
            f"- +{len(hidden):,} {what}{extra}, {resp:,} distinct respondents ({fmt_pct(resp, base)}) "
            f"— {cut_hint}"
        )
        return {"codes": len(hidden), "all_codes": n_all, "respondents": resp, "pct": pct(resp, base)}
