"""Aftercare data-quality results: respondents whose scores, flags and evidence agree with the text.

Each respondent has 2-4 answers; ~70% are clean, the rest carry one kind of problem. The problem
kinds set the text, and the checks are then derived from the text (duplicates are detected by
comparing texts, not by remembering who was meant to copy), so a check can be verified by reading
the answer. Respondents are stored compactly and turned into JSON only for the requested page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from . import vocab
from .answers import _phrase, build_tree

ISSUE_TYPES = (
    "Nonsensical",
    "Irrelevant",
    "Low Effort",
    "LLM Generated",
    "Repeated Answers",
    "Duplicate Answers",
)
WEIGHTS = (1.5, 1.2, 1.0, 1.2, 0.8, 0.8)
"""Per-type weights; an answer's demerit is the severity-weighted mean sum(w*s*s)/sum(w*s)."""

OFF_TOPIC = (
    "I like turtles",
    "The football match last night was amazing",
    "My favourite colour is blue",
    "Does anyone know a good pizza place nearby?",
    "It rained all weekend here",
    "My cat is asleep on my keyboard",
)
LOW_EFFORT = ("ok", "good", "fine", "yes", "nice", "no", "k", "idk")
LLM_LIKE = (
    "As an AI language model, I do not have personal experiences, but the service appears to be efficient "
    "and customer-centric.",
    "Certainly! Here is a comprehensive overview: the experience was seamless, delightful and exemplary in "
    "every conceivable dimension.",
    "In conclusion, the offering exemplifies a harmonious synergy of quality, value and innovation, "
    "fostering unparalleled satisfaction.",
    "Overall, it is important to note that the product delivers a robust, holistic and elevated experience "
    "that resonates with diverse stakeholders.",
)
GIBBERISH = vocab.GIBBERISH
DETAILS = (
    "I have been a customer for {n} years",
    "this was order number {n} for me",
    "I used it {n} times last month",
    "I waited about {n} minutes",
    "I compared {n} other options first",
    "it took {n} days overall",
)

# kind of each answer: 0 clean, then index into ISSUE_TYPES+1 for the intended primary problem
_CLEAN, _GIB, _OFF, _LOW, _LLM, _SELF, _SHARED = range(7)


@dataclass(slots=True)
class DQRespondent:
    rid: str
    answers: list[tuple[int, str, tuple[int, ...]]]
    """(question index, answer text, six check scores in ISSUE_TYPES order)."""


@dataclass(slots=True)
class QualityData:
    questions: list[tuple[str, str]]
    respondents: list[DQRespondent]

    def render(self, start: int = 0, stop: int | None = None) -> list[dict[str, Any]]:
        """``results.items`` for respondents[start:stop]."""
        return [self._render_one(r) for r in self.respondents[start:stop]]

    def _render_one(self, r: DQRespondent) -> dict[str, Any]:
        evaluations = []
        demerits = []
        total_issues = 0
        for qi, text, scores in r.answers:
            qid, qtext = self.questions[qi]
            checks = [
                {"type": t, "score": s, "isIssue": s >= 50, "evidence": _evidence(t, s, text)}
                for t, s in zip(ISSUE_TYPES, scores, strict=True)
            ]
            demerit = answer_demerit(scores)
            n = sum(s >= 50 for s in scores)
            total_issues += n
            demerits.append(demerit)
            evaluations.append(
                {
                    "surveyEntry": {"question": qtext, "answer": text, "questionIdentifier": qid},
                    "numIssues": n,
                    "hasIssues": n > 0,
                    "qualityScore": round(100 - demerit, 1),
                    "demeritScore": demerit,
                    "qualityIssueChecks": checks,
                }
            )
        demerit = round(sum(demerits) / len(demerits), 1) if demerits else 0.0
        return {
            "responseIdentifier": r.rid,
            "numIssues": total_issues,
            "qualityScore": round(100 - demerit, 1),
            "demeritScore": demerit,
            "evaluations": evaluations,
        }


def answer_demerit(scores: tuple[int, ...]) -> float:
    """Severity-weighted average of the check scores (a high score weighs more), one decimal."""
    den = sum(w * s for w, s in zip(WEIGHTS, scores, strict=True))
    if den == 0:
        return 0.0
    return round(sum(w * s * s for w, s in zip(WEIGHTS, scores, strict=True)) / den, 1)


def _snippet(text: str) -> str:
    short = text if len(text) <= 60 else text[:57] + "..."
    return short.replace('"', "'")


def _evidence(issue: str, score: int, text: str) -> str:
    q = f'"{_snippet(text)}"'
    if score < 50:
        return f"No {issue.lower()} signal in {q}."
    return {
        "Nonsensical": f"{q} is random characters with no meaning.",
        "Irrelevant": f"{q} does not address the question.",
        "Low Effort": f"{q} is too short to give any detail.",
        "LLM Generated": f"{q} reads like generic AI-generated text.",
        "Repeated Answers": f"{q} is repeated verbatim in this respondent's other answers.",
        "Duplicate Answers": f"{q} is identical to another respondent's answer to this question.",
    }[issue]


def generate_quality(survey_id: str, n_respondents: int, seed: str) -> QualityData:
    """Deterministic respondents for ``survey_id`` (questions borrowed from CSAT if it has fewer than 2)."""
    survey = vocab.SURVEYS[survey_id]
    qdefs = (
        list(survey.questions)
        if len(survey.questions) >= 2
        else list(vocab.SURVEYS["CSAT-2026-Q3"].questions)
    )
    trees = [build_tree(q) for q in qdefs]
    leaves = [[c for cs in t.leaves_by_top.values() for c in cs] for t in trees]
    rng = random.Random(seed)
    rand = rng.random
    raw: list[tuple[str, list[tuple[int, str, int]]]] = []
    pools: list[list[str]] = [[] for _ in qdefs]
    for i in range(1, n_respondents + 1):
        k = min(len(qdefs), rng.randint(2, 4))
        qis = sorted(rng.sample(range(len(qdefs)), k))
        r = rand()
        kind = (
            _CLEAN
            if r < 0.70
            else _GIB
            if r < 0.76
            else _OFF
            if r < 0.82
            else _LOW
            if r < 0.88
            else (_LLM if r < 0.92 else _SELF if r < 0.96 else _SHARED)
        )
        bad = {rng.choice(qis)} if kind in (_GIB, _OFF, _LOW, _LLM, _SHARED) else set(qis[:2])
        answers = []
        self_text = None
        for qi in qis:
            akind = kind if qi in bad else _CLEAN
            if akind == _SHARED and not pools[qi]:
                akind = _CLEAN
            if akind == _CLEAN:
                q = qdefs[qi]
                text = _phrase(rng, trees[qi].labels[rng.choice(leaves[qi])], q.tone)
                text = (
                    text[0].upper()
                    + text[1:]
                    + ", "
                    + rng.choice(DETAILS).format(n=rng.randint(2, 400))
                    + "."
                )
                if rand() < 0.02:
                    text += rng.choice(vocab.HOSTILE)
                elif rand() < 0.04:
                    text += rng.choice(vocab.UNICODE_BITS)
                pools[qi].append(text)
            elif akind == _GIB:
                text = rng.choice(GIBBERISH)
            elif akind == _OFF:
                text = rng.choice(OFF_TOPIC)
            elif akind == _LOW:
                text = rng.choice(LOW_EFFORT)
            elif akind == _LLM:
                text = rng.choice(LLM_LIKE)
            elif akind == _SELF:
                if self_text is None:
                    self_text = "It was good and I would recommend it to friends and family"
                    self_text += rng.choice(("", ".", "!", " overall."))
                text = self_text
            else:
                text = rng.choice(pools[qi])
            answers.append((qi, text, akind))
        raw.append((f"RESP-{i:06d}", answers))

    return QualityData([(q.qid, q.text) for q in qdefs], derive_checks(raw, rng))


def derive_checks(
    raw: list[tuple[str, list[tuple[int, str, int]]]], rng: random.Random
) -> list[DQRespondent]:
    """Turn ``(respondent, [(question index, text, kind)])`` into scored respondents.

    Repeated / duplicate checks come from comparing texts (a duplicate needs more than 15
    characters, so "ok" twice is low effort, not a copy); the other checks from the kind.
    """
    counts: dict[tuple[int, str], int] = {}
    for _rid, answers in raw:
        for key in {(a[0], a[1]) for a in answers}:
            counts[key] = counts.get(key, 0) + 1
    respondents = []
    randint = rng.randint
    for rid, answers in raw:
        texts = [a[1] for a in answers]
        out = []
        for qi, text, akind in answers:
            gib = randint(62, 97) if akind == _GIB else randint(0, 24)
            off = randint(55, 92) if akind == _OFF else (randint(25, 45) if akind == _GIB else randint(0, 24))
            eff = randint(55, 90) if akind == _LOW else (randint(30, 49) if akind == _GIB else randint(0, 24))
            llm = randint(60, 95) if akind == _LLM else randint(0, 24)
            rep = randint(80, 98) if texts.count(text) > 1 else randint(0, 24)
            dup = randint(75, 96) if len(text) > 15 and counts[(qi, text)] > 1 else randint(0, 24)
            out.append((qi, text, (gib, off, eff, llm, rep, dup)))
        respondents.append(DQRespondent(rid, out))
    return respondents


_VOWELS = set("aeiouyAEIOUY")


def classify_text(text: str) -> int:
    """Heuristic kind of a posted answer (the sandbox's stand-in for Aftercare's models)."""
    low = text.lower().strip()
    if any(m in low for m in ("as an ai", "certainly!", "in conclusion", "it is important to note")):
        return _LLM
    words = low.split()
    if len(low) <= 4 or low in LOW_EFFORT:
        return _LOW
    letters = [c for c in low if c.isalpha()]
    if letters and (sum(c in _VOWELS for c in letters) / len(letters) < 0.2 or low in GIBBERISH):
        return _GIB
    if len(words) <= 2 and len(low) < 12:
        return _LOW
    return _CLEAN


def quality_from_request(responses: list[dict[str, Any]], seed: str) -> QualityData:
    """Score a POSTed batch: questions are keyed by questionIdentifier (or question text)."""
    qindex: dict[str, int] = {}
    questions: list[tuple[str, str]] = []
    raw = []
    for n, resp in enumerate(responses, start=1):
        rid = str(resp.get("responseIdentifier") or f"AC-{n:06d}")
        answers = []
        for entry in resp["surveyEntries"]:
            key = str(entry.get("questionIdentifier") or entry["question"])
            if key not in qindex:
                qindex[key] = len(questions)
                questions.append((key, str(entry["question"])))
            answers.append((qindex[key], str(entry["answer"]), classify_text(str(entry["answer"]))))
        raw.append((rid, answers))
    return QualityData(questions, derive_checks(raw, random.Random(seed)))
