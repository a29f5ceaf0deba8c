"""Sandbox-only routes (no auth): the job index, clock control and fault control.

These exist so that subprocess tests and the demo CLI can inspect and steer a sandbox they cannot
reach as a Python object.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .clock import iso
from .faults import ROUTES, parse_fault_spec
from .http_common import json_response

if TYPE_CHECKING:
    from .app import Sandbox


def routes(sb: Sandbox) -> list[Route]:
    async def jobs(request: Request) -> Response:
        return json_response({"jobs": sb.jobs()})

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            try:
                body: Any = json.loads(await request.body() or b"{}")
                seconds = float(body.get("advance", 0))
                sb.clock.advance(seconds)
            except (ValueError, TypeError, AttributeError) as exc:
                return json_response({"error": f'expected {{"advance": seconds >= 0}}: {exc}'}, 400)
        return json_response({"now": iso(sb.clock.now())})

    async def faults(request: Request) -> Response:
        if request.method == "GET":  # per-route call counts (benchmarks count upstream requests)
            return json_response({"calls": {route: sb.faults.calls(route) for route in ROUTES}})
        if request.method == "DELETE":
            sb.faults.clear()
            return json_response({"faults": "cleared"})
        try:
            body = json.loads(await request.body())
            route, fault, calls = parse_fault_spec(str(body["fault"]))
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"error": f'expected {{"fault": "ROUTE=SPEC"}}: {exc}'}, 400)
        sb.faults.add(route, fault, calls=calls)
        return json_response({"added": body["fault"]})

    return [
        Route("/_sandbox/jobs", jobs, methods=["GET"]),
        Route("/_sandbox/clock", clock, methods=["GET", "POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    ]
