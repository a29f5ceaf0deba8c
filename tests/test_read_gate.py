"""OldestFirst: turns go to the oldest waiting read; cancellation never strands the turn."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from survey_jobs_mcp.server.read_gate import OldestFirst

pytestmark = pytest.mark.anyio


async def test_a_lone_read_never_waits() -> None:
    gate = OldestFirst()
    ticket = gate.ticket()
    with anyio.fail_after(1):
        for _ in range(3):
            async with gate.turn(ticket):
                assert gate.waiting == 0


async def test_waiting_turns_go_oldest_first_not_first_come() -> None:
    gate = OldestFirst()
    tickets = [gate.ticket() for _ in range(4)]  # 0 is the oldest read
    order: list[int] = []
    release = anyio.Event()

    async def holder() -> None:
        async with gate.turn(tickets[3]):
            await release.wait()

    async def wants(ticket: int) -> None:
        async with gate.turn(ticket):
            order.append(ticket)
            await anyio.sleep(0)

    async with anyio.create_task_group() as tg:
        tg.start_soon(holder)
        await anyio.wait_all_tasks_blocked()
        for t in (tickets[2], tickets[0], tickets[1]):  # arrive youngest first
            tg.start_soon(wants, t)
            await anyio.wait_all_tasks_blocked()
        assert gate.waiting == 3
        release.set()
    assert order == [tickets[0], tickets[1], tickets[2]]
    assert gate.waiting == 0


async def test_a_cancelled_waiter_is_skipped() -> None:
    gate = OldestFirst()
    old, young, holder_ticket = gate.ticket(), gate.ticket(), gate.ticket()
    got: list[int] = []
    release = anyio.Event()

    async def holder() -> None:
        async with gate.turn(holder_ticket):
            await release.wait()

    async def wants(ticket: int) -> None:
        async with gate.turn(ticket):
            got.append(ticket)

    async with anyio.create_task_group() as tg:
        tg.start_soon(holder)
        await anyio.wait_all_tasks_blocked()
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as inner:
                inner.start_soon(wants, old)
                await anyio.wait_all_tasks_blocked()
                scope.cancel()
        tg.start_soon(wants, young)
        await anyio.wait_all_tasks_blocked()
        assert gate.waiting == 1
        release.set()
    assert got == [young]


async def test_a_turn_granted_to_a_cancelled_waiter_passes_on() -> None:
    """The waiter is handed the turn and cancelled before it resumes (asyncio's task.cancel())."""
    gate = OldestFirst()
    first, second, third = gate.ticket(), gate.ticket(), gate.ticket()
    got: list[int] = []
    cancelled: list[int] = []
    release = anyio.Event()
    tasks: dict[int, asyncio.Task] = {}

    async def holder() -> None:
        async with gate.turn(first):
            await release.wait()
        tasks[second].cancel()  # `second` holds the turn now but has not run yet

    async def wants(ticket: int) -> None:
        tasks[ticket] = asyncio.current_task()  # type: ignore[assignment]
        try:
            async with gate.turn(ticket):
                got.append(ticket)
        except asyncio.CancelledError:
            cancelled.append(ticket)  # swallowed: only this test cancels tasks behind anyio's back

    with anyio.fail_after(2):
        async with anyio.create_task_group() as tg:
            tg.start_soon(holder)
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(wants, second)
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(wants, third)
            await anyio.wait_all_tasks_blocked()
            release.set()
    assert (got, cancelled) == ([third], [second])
    async with gate.turn(gate.ticket()):  # and the gate is free again
        pass
