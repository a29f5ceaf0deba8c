"""OldestFirst: turns go to the oldest read, are kept briefly for it, and never get stranded."""

from __future__ import annotations

import asyncio

import anyio
import pytest

from survey_jobs_mcp.server.read_gate import OldestFirst

pytestmark = pytest.mark.anyio


async def test_a_lone_read_never_waits() -> None:
    gate = OldestFirst(grace=10.0)
    with anyio.fail_after(1):
        async with gate.reading() as ticket:
            for _ in range(3):
                async with gate.turn(ticket):
                    assert gate.waiting == 0


async def test_waiting_turns_go_oldest_first_not_first_come() -> None:
    gate = OldestFirst(grace=0)
    order: list[int] = []
    release = anyio.Event()

    async with gate.reading() as t0, gate.reading() as t1, gate.reading() as t2, gate.reading() as t3:

        async def holder() -> None:
            async with gate.turn(t3):
                await release.wait()

        async def wants(ticket: int) -> None:
            async with gate.turn(ticket):
                order.append(ticket)
                await anyio.sleep(0)

        async with anyio.create_task_group() as tg:
            tg.start_soon(holder)
            await anyio.wait_all_tasks_blocked()
            for t in (t2, t0, t1):  # arrive youngest first
                tg.start_soon(wants, t)
                await anyio.wait_all_tasks_blocked()
            assert gate.waiting == 3
            release.set()
    assert order == [t0, t1, t2]
    assert gate.waiting == 0


async def _pages(gate: OldestFirst, ticket: int, n: int, log: list[str], name: str, between: float) -> None:
    """A reader: n CPU steps, each followed by a 'fetch' of ``between`` seconds."""
    for i in range(n):
        async with gate.turn(ticket):
            log.append(f"{name}{i}")
            await anyio.sleep(0)
        await anyio.sleep(between)


async def test_a_read_that_is_back_within_the_grace_keeps_its_turn() -> None:
    gate = OldestFirst(grace=5.0)
    log: list[str] = []
    with anyio.fail_after(3):
        async with anyio.create_task_group() as tg:

            async def old() -> None:
                async with gate.reading() as t:
                    await _pages(gate, t, 4, log, "a", 0.05)

            async def young() -> None:
                async with gate.reading() as t:
                    await _pages(gate, t, 2, log, "b", 0.0)

            tg.start_soon(old)
            await anyio.sleep(0.02)  # `old` is between its first and second page
            tg.start_soon(young)
    # the younger read waited although the older one left the turn between its pages,
    # and got it as soon as the older read ended (not 5 s later)
    assert log == ["a0", "a1", "a2", "a3", "b0", "b1"]


async def test_a_read_waiting_on_a_slow_network_lets_a_younger_one_in() -> None:
    gate = OldestFirst(grace=0.02)
    log: list[str] = []
    with anyio.fail_after(3):
        async with anyio.create_task_group() as tg:

            async def old() -> None:
                async with gate.reading() as t:
                    await _pages(gate, t, 2, log, "a", 0.3)

            async def young() -> None:
                async with gate.reading() as t:
                    await _pages(gate, t, 2, log, "b", 0.0)

            tg.start_soon(old)
            await anyio.sleep(0.02)  # `old` is fetching its second page
            tg.start_soon(young)
    assert log == ["a0", "b0", "b1", "a1"]


async def test_an_older_read_takes_a_turn_kept_for_a_younger_one() -> None:
    gate = OldestFirst(grace=5.0)
    async with gate.reading() as old, gate.reading() as young:
        async with gate.turn(young):
            pass  # the turn is now kept for `young`
        with anyio.fail_after(1):
            async with gate.turn(old):
                pass


async def test_a_cancelled_waiter_is_skipped() -> None:
    gate = OldestFirst(grace=0)
    got: list[int] = []
    release = anyio.Event()
    async with gate.reading() as old, gate.reading() as young, gate.reading() as holder_ticket:

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
    gate = OldestFirst(grace=0)
    got: list[int] = []
    cancelled: list[int] = []
    release = anyio.Event()
    tasks: dict[int, asyncio.Task] = {}
    async with gate.reading() as first, gate.reading() as second, gate.reading() as third:

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
        async with gate.turn(first):  # and the gate is free again
            pass
