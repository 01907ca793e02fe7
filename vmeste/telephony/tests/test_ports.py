"""The SIP tests' ports (``sipedge``): each test worker takes its own slice, below the
kernel's ephemeral range, in order, passing over a port still bound. Two workers' edges
once shared a port and an agent's phone never rang (CI, 2026-12-06)."""

from __future__ import annotations

import socket
from pathlib import Path

from vmeste.telephony.tests.sipedge import HIGHEST, LOWEST, STEP, _Ports


def _slice(monkeypatch, worker: str, workers: int) -> _Ports:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(workers))
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
    ports = _slice(monkeypatch, "gw1", 2)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", ports.low))
        assert ports.take(1, socket.SOCK_DGRAM) == ports.low + STEP
