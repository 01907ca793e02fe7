"""The SIP tests' ports (``sipedge``): each test worker takes its own slice, below the
kernel's ephemeral range, in order, passing over a port still bound. Two workers' edges
once shared a port and an agent's phone never rang (CI, 2026-12-06)."""

from __future__ import annotations

import socket
from pathlib import Path

from vmeste.telephony.tests import sipedge
from vmeste.telephony.tests.sipedge import HIGHEST, LOWEST, STEP, _Ports


def _slice(monkeypatch, worker: str, workers: int, bound: frozenset[int] = frozenset()) -> _Ports:
    """A worker's slice; which of its ports are bound is given (the real ones may be the
    running test workers' own edges and phones)."""
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(workers))
    monkeypatch.setattr(sipedge, "_bindable", lambda port, _kind: port not in bound)
    return _Ports()


def test_two_workers_take_disjoint_slices_below_the_ephemeral_range(monkeypatch):
    first, second = _slice(monkeypatch, "gw0", 2), _slice(monkeypatch, "gw1", 2)
    assert LOWEST <= first.low < first.high < second.low < second.high <= HIGHEST
    kernels = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    assert int(kernels[0]) > HIGHEST  # the kernel never hands out one of ours


def test_ports_come_in_order_each_with_three_left_free(monkeypatch):
    ports = _slice(monkeypatch, "gw0", 2)
    singles = [ports.take(1, socket.SOCK_DGRAM) for _ in range(3)]
    block = ports.take(201, socket.SOCK_DGRAM)
    assert singles == [ports.low, ports.low + STEP, ports.low + 2 * STEP]
    assert block == ports.low + 3 * STEP and ports.next >= block + 201 + 3


def test_a_port_still_bound_is_passed_over(monkeypatch):
    low = _slice(monkeypatch, "gw1", 2).low
    ports = _slice(monkeypatch, "gw1", 2, bound=frozenset({low, low + 2 * STEP + 1}))
    assert ports.take(1, socket.SOCK_DGRAM) == low + STEP
    assert ports.take(2, socket.SOCK_DGRAM) == low + 3 * STEP  # a block with one bound


def test_a_bound_port_is_seen_bound_and_free_again_once_let_go():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))  # the kernel's choice: nobody else's
        port = taken.getsockname()[1]
        assert not sipedge._bindable(port, socket.SOCK_DGRAM)
    assert sipedge._bindable(port, socket.SOCK_DGRAM)
