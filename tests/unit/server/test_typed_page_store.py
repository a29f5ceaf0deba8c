"""A decoded (typed) coding page is stored as the JSON its provider sent, so a resume reads it back.

Pages after the first reach the shared reader as msgspec structs (``decode_coding_page``); the
reader stores every page as it is absorbed and, after a restart, replays the stored pages as plain
dicts through the pydantic path. Both must give the same merged results.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from survey_jobs_mcp.server import read_state
from survey_jobs_mcp.server.providers.aftercare.client import next_cursor
from survey_jobs_mcp.server.providers.aftercare.reads import CodingRead
from survey_jobs_mcp.server.providers.aftercare.wire import WireCodingResults, decode_coding_page

RESULTS = {
    "completedAt": "2024-05-01T10:00:00Z",
    "questionCodes": [
        {
            "questionIdentifier": "q1",
            "question": "What did you like?",
            "responseCodes": [
                {
                    "id": 1,
                    "label": "Price",
                    "responses": [
                        {
                            "responseIdentifier": "r1",
                            "answer": "cheap",
                            "followupResponses": [{"question": "Why?", "answer": "budget"}],
                        },
                        {"responseIdentifier": "r2", "answer": "fair", "followupResponses": None},
                    ],
                    "subCodes": [
                        {
                            "id": 2,
                            "label": "Discounts",
                            "responses": [{"responseIdentifier": "r2", "answer": "fair"}],
                            "subCodes": [],
                        }
                    ],
                }
            ],
        }
    ],
    "nextCursor": "c2",
}


BODY = json.dumps({"batchJobId": "j1", "surveyIdentifier": "s1", "status": "completed", "results": RESULTS})


def decoded() -> WireCodingResults:
    return decode_coding_page(BODY.encode()).results


def test_a_decoded_page_is_stored_as_the_json_the_provider_sent() -> None:
    stored = read_state.unpack(read_state.pack(decoded()))
    expected = json.loads(json.dumps(RESULTS))
    # the one difference: an optional field the provider left out is stored as null
    expected["questionCodes"][0]["responseCodes"][0]["subCodes"][0]["responses"][0]["followupResponses"] = (
        None
    )
    assert stored == expected


def test_a_stored_page_replays_to_the_same_results_as_the_decoded_page() -> None:
    live, replayed = CodingRead(None, "j1", {}, None), CodingRead(None, "j1", {}, None)  # type: ignore[arg-type]
    assert live.absorb(decoded()) == 2  # respondents r1 and r2
    assert replayed.absorb(read_state.unpack(read_state.pack(decoded()))) == 2
    assert live.result() == replayed.result()
    assert live.result().completed_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_the_cursor_of_a_decoded_page_and_of_a_stored_page_is_the_same() -> None:
    page = decoded()
    assert next_cursor(page) == "c2"
    assert next_cursor(read_state.unpack(read_state.pack(page))) == "c2"


def test_a_fetched_page_is_stored_as_the_bytes_the_provider_sent_and_replays_the_same() -> None:
    """The live path keeps each page's reply body and stores it as is (no re-encoding); a resume
    replays that body through the dict path to the same results."""
    live = CodingRead(None, "j1", {}, None)  # type: ignore[arg-type]
    page = decoded()
    live._bodies[id(page)] = BODY.encode()  # what ``fetch`` records
    stored = live.stored(page)
    assert stored == BODY.encode()
    assert live.stored(page) is page  # recorded once: the body is not held after it was handed over
    assert read_state.unpack(read_state.pack(stored)) == json.loads(BODY)
    assert live.absorb(page) == 2
    replayed = CodingRead(None, "j1", {}, None)  # type: ignore[arg-type]
    assert replayed.absorb(read_state.unpack(read_state.pack(stored))) == 2
    assert live.result() == replayed.result()
