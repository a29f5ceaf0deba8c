"""A ``Comparison`` -> markdown + structured content, fitted to the token budget.

Shape: a header (both jobs, the test and threshold stated once, the counting rule, cleaning when
asked), one line per matched question (bases, codes matched / new / dropped, significant count) and
the unmatched questions by name, then one page of the ordered items (changes table, new codes,
dropped codes). The budget decides how many items the page holds; every item not shown is counted
by kind ("+N more changes (S significant), +M new, +D dropped") with the cursor that continues.

Degradation ladder: shorter labels and question texts first, then fewer items; the question lines
go last (they are the map of what matched) and, if they alone overflow, the cut ones are counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...quoting import clean_label, handle, plain, plain_id
from ...render import Summary, drop_none, emergency, encode_cursor, fit_ladder, largest_fitting, pct
from ..cleaning import CLEAN_LADDER, CleanDetail, Cleaning, cleaning_block
from ..coding.index import CodingIndex, NodeStat
from ..coding.parts import COUNT_RULE
from .build import Change, Comparison, Item, OneSided
from .match import label_path
from .stats import MIN_BASE, TEST_RULE, fmt_p, round_p

PAGE_CAP = 60
TITLE = "Coding comparison"
COUNTING = f"{COUNT_RULE}; shares of each question's base; differences in percentage points (job − baseline)"
MATCHED_BY = {"id": "same id", "text": "same wording", "id_text_differs": "same id, wording differs"}


@dataclass(frozen=True, slots=True)
class Detail:
    label_chars: int = 40
    text_chars: int = 80
    meta_chars: int = 60
    clean: CleanDetail = CLEAN_LADDER[0]
    unmatched: int = 10


LADDER = (
    Detail(),
    Detail(28, 50, 40, CLEAN_LADDER[1], 5),
    Detail(18, 30, 30, CLEAN_LADDER[2], 3),
    Detail(12, 0, 20, CLEAN_LADDER[3], 1),
)


@dataclass(frozen=True, slots=True)
class Page:
    comparison: Comparison
    cleaning: tuple[Cleaning | None, Cleaning | None]
    offset: int
    scope: str


def _job_part(index: CodingIndex, d: Detail) -> tuple[str, dict]:
    r = index.results
    survey = f" ({clean_label(r.survey, d.meta_chars)})" if r.survey else ""
    when = f", completed {r.completed_at.isoformat(timespec='seconds')}" if r.completed_at else ""
    text = f"{handle(r.job_id)}{survey} — {clean_label(r.provider, 20)} {clean_label(r.kind, 30)}{when}"
    data = {
        "job_id": plain_id(r.job_id),
        "provider": plain(r.provider, 20),
        "kind": plain(r.kind, 30),
        "survey": plain(r.survey, d.meta_chars) if r.survey else None,
        "completed_at": r.completed_at.isoformat(timespec="seconds") if r.completed_at else None,
    }
    return text, data


def _header(p: Page, d: Detail, lines: list[str]) -> dict:
    cmp = p.comparison
    job_text, job = _job_part(cmp.job, d)
    base_text, baseline = _job_part(cmp.baseline, d)
    lines.append(f"# {TITLE} — job vs baseline")
    lines.append(f"**Job:** {job_text}")
    lines.append(f"**Baseline:** {base_text}")
    lines.append(f"**Test:** {TEST_RULE}.")
    lines.append(f"**Counts:** {COUNTING}.")
    for prefix, c, entry in (("Job ", p.cleaning[0], job), ("Baseline ", p.cleaning[1], baseline)):
        if c is not None:
            block, data = cleaning_block(c, d.clean, prefix)
            lines.extend(block)
            entry["cleaning"] = data
    return {
        "job": drop_none(job),
        "baseline": drop_none(baseline),
        "test": TEST_RULE,
        "counting": COUNTING,
        "question_id": plain_id(cmp.question_id) if cmp.question_id else None,
    }


def _questions(cmp: Comparison, d: Detail, nq: int, lines: list[str], data: dict) -> None:
    lines.append("")
    lines.append("## Questions")
    out = []
    for ql in cmp.questions[:nq]:
        pair = ql.pair
        text = f" — {clean_label(pair.job.question.question_text, d.text_chars)}" if d.text_chars else ""
        codes = ql.codes
        lines.append(
            f"- {handle(pair.job.question_id)} ↔ {handle(pair.baseline.question_id)} "
            f"({MATCHED_BY[pair.matched_by]}){text}: base {pair.job.base:,} vs {pair.baseline.base:,} · "
            f"{len(codes.pairs):,} codes matched · {len(codes.new):,} new · {len(codes.dropped):,} dropped · "
            f"{ql.significant:,} significant"
        )
        out.append(
            {
                "question_id": plain_id(pair.job.question_id),
                "baseline_question_id": plain_id(pair.baseline.question_id),
                "matched_by": pair.matched_by,
                "base": pair.job.base,
                "baseline_base": pair.baseline.base,
                "codes_matched": len(codes.pairs),
                "codes_new": len(codes.new),
                "codes_dropped": len(codes.dropped),
                "significant": ql.significant,
            }
        )
    if not cmp.questions:
        lines.append("- No question of the job matches a question of the baseline (by id or wording).")
    if len(cmp.questions) > nq:
        lines.append(
            f"- +{len(cmp.questions) - nq:,} more matched questions — pass question_id for one of them"
        )
        data["questions_omitted"] = len(cmp.questions) - nq
    data["questions"] = out
    unmatched: list[dict] = []
    for side, qss in (("job", cmp.job_only), ("baseline", cmp.baseline_only)):
        if not qss:
            continue
        shown = qss[: d.unmatched]
        names = ", ".join(
            f"{handle(q.question_id)}"
            + (f" {clean_label(q.question.question_text, d.text_chars)}" if d.text_chars else "")
            for q in shown
        )
        more = f", +{len(qss) - len(shown):,} more" if len(qss) > len(shown) else ""
        lines.append(f"- Only in the {side}: {names}{more}")
        unmatched += [
            {
                "side": side,
                "question_id": plain_id(q.question_id),
                "question_text": plain(q.question.question_text, max(d.text_chars, 20)),
            }
            for q in shown
        ]
    if unmatched:
        data["unmatched_questions"] = unmatched


def _path(stat: NodeStat, d: Detail) -> tuple[str, list[str]]:
    labels = label_path(stat)
    text = " › ".join(clean_label(x, d.label_chars) for x in labels)
    return f"{text} {handle(stat.code_id)}", [plain(x, d.label_chars) for x in labels]


def _verdict(c: Change) -> str:
    if not c.test.tested:
        return f"not tested (base < {MIN_BASE})"
    return "yes" if c.test.significant else "no"


def _change(c: Change, d: Detail) -> tuple[str, dict]:
    t = c.test
    path_text, path = _path(c.job, d)
    row = (
        f"| {handle(c.question.job.question_id)} | {path_text} "
        f"| {t.count:,}/{t.base:,} ({pct(t.count, t.base):.1f}%) "
        f"| {t.baseline_count:,}/{t.baseline_base:,} ({pct(t.baseline_count, t.baseline_base):.1f}%) "
        f"| {t.diff:+.1f} | {fmt_p(t.p_value)} | {_verdict(c)} |"
    )
    entry = {
        "question_id": plain_id(c.question.job.question_id),
        "code_id": plain_id(c.job.code_id),
        "baseline_code_id": plain_id(c.baseline.code_id) if c.baseline.code_id != c.job.code_id else None,
        "path": path,
        "count": t.count,
        "pct": pct(t.count, t.base),
        "baseline_count": t.baseline_count,
        "baseline_pct": pct(t.baseline_count, t.baseline_base),
        "diff_pts": round(t.diff, 1),
        "p_value": round_p(t.p_value),
        "significant": t.significant,
        "untested": None if t.tested else True,
    }
    return row, drop_none(entry)


def _one_sided(o: OneSided, d: Detail) -> tuple[str, dict]:
    path_text, path = _path(o.stat, d)
    qid = (o.question.job if o.side == "new" else o.question.baseline).question_id
    line = f"- {handle(qid)} {path_text} — {o.stat.count:,} ({pct(o.stat.count, o.base):.1f}%)"
    return line, {
        "side": o.side,
        "question_id": plain_id(qid),
        "code_id": plain_id(o.stat.code_id),
        "path": path,
        "count": o.stat.count,
        "pct": pct(o.stat.count, o.base),
    }


def _items(p: Page, items: list[Item], d: Detail, lines: list[str], data: dict) -> None:
    changes = [_change(i, d) for i in items if isinstance(i, Change)]
    if changes:
        first = p.offset + 1
        lines += ["", f"## Changes {first:,}–{first + len(changes) - 1:,} of {p.comparison.changes:,}"]
        lines.append("Significant changes first, then the largest differences.")
        lines.append("| question | code | job | baseline | diff (pts) | p | significant |")
        lines.append("|---|---|---|---|---|---|---|")
        lines.extend(row for row, _ in changes)
        data["changes"] = [e for _, e in changes]
    unmatched: list[dict] = []
    for side, title in (
        ("new", "New codes (only in the job)"),
        ("dropped", "Dropped codes (only in the baseline)"),
    ):
        group = [_one_sided(i, d) for i in items if isinstance(i, OneSided) and i.side == side]
        if group:
            lines += ["", f"## {title}", *(line for line, _ in group)]
            unmatched += [e for _, e in group]
    if unmatched:
        data["unmatched_codes"] = unmatched
    rest = p.comparison.items[p.offset + len(items) :]
    data["total_items"] = len(p.comparison.items)
    data["offset"] = p.offset
    if rest:
        more_changes = [i for i in rest if isinstance(i, Change)]
        omitted = {
            "omitted_changes": len(more_changes),
            "omitted_significant": sum(1 for c in more_changes if c.test.significant),
            "omitted_new": sum(1 for i in rest if isinstance(i, OneSided) and i.side == "new"),
            "omitted_dropped": sum(1 for i in rest if isinstance(i, OneSided) and i.side == "dropped"),
        }
        data.update(omitted)
        parts = []
        if more_changes:
            parts.append(
                f"+{len(more_changes):,} more changes ({omitted['omitted_significant']:,} significant)"
            )
        for key, name in (("omitted_new", "new codes"), ("omitted_dropped", "dropped codes")):
            if omitted[key]:
                parts.append(f"+{omitted[key]:,} {name}")
        what = ", ".join(parts) + " not shown"
        lines.append("")
        if items:
            cursor = encode_cursor(p.scope, p.offset + len(items))
            data["next_cursor"] = cursor
            lines.append(
                f"{what} — call again with cursor=`{cursor}` and the same job_id, baseline_job_id, "
                "question_id and exclusion."
            )
        else:
            lines.append(
                f"{what} — they do not fit in this max_tokens; raise max_tokens or pass question_id."
            )


def render_page(p: Page, d: Detail, k: int, nq: int) -> Summary:
    lines: list[str] = []
    data = _header(p, d, lines)
    _questions(p.comparison, d, nq, lines, data)
    items = p.comparison.items[p.offset : p.offset + k]
    _items(p, items, d, lines, data)
    if not p.comparison.items:
        lines += ["", "No codes to compare."]
        data["note"] = "no codes to compare"
    return Summary("\n".join(lines).strip() + "\n", drop_none(data))


def fit_page(p: Page, max_tokens: int) -> Summary:
    """Most detail first; the largest page of items that fits; the question map cut only last."""
    remaining = len(p.comparison.items) - p.offset
    cap = min(PAGE_CAP, remaining)
    nq = len(p.comparison.questions)
    found = fit_ladder(
        LADDER, lambda d, k: render_page(p, d, k, nq), min(1, cap), cap, max_tokens, want=min(10, cap)
    )
    if found is not None:
        return found
    # The question map alone overflows: cut it (the cut is counted) to make room for items.
    d = LADDER[-1]
    for want in (min(5, cap), min(1, cap)):
        fitted = largest_fitting(lambda q, want=want: render_page(p, d, want, q), 0, nq, max_tokens)
        if fitted is not None:
            q = fitted[0]
            more = largest_fitting(lambda k, q=q: render_page(p, d, k, q), want, cap, max_tokens)
            return more[1] if more else fitted[1]
    return minimal(p, max_tokens)


def minimal(p: Page, max_tokens: int) -> Summary:
    """The smallest valid answer (never over 300 tokens, whatever the upstream strings are)."""
    cmp = p.comparison
    _, job = _job_part(cmp.job, Detail(8, 0, 8))
    _, baseline = _job_part(cmp.baseline, Detail(8, 0, 8))
    data = {
        "job": drop_none(job | {"survey": None}),
        "baseline": drop_none(baseline | {"survey": None}),
        "test": TEST_RULE,
        "counting": COUNT_RULE,
        "total_items": len(cmp.items),
        "offset": p.offset,
    }
    facts = (
        f"**Baseline:** {handle(cmp.baseline.results.job_id)} · **Matched questions:** "
        f"{len(cmp.questions):,} · **Items:** {len(cmp.items):,}"
    )
    return emergency(TITLE, cmp.job.results.job_id, facts, max_tokens, data, narrower=" or a question_id")
