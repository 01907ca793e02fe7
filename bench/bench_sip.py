"""SIPp at scale through the whole stack (issue 14): callers with RTP (pcap) and RFC 4733
keys dial the national line's number at a steady rate, walk the menu (their digits spread
over the four branches), wait, and are connected to agents' phones (one SIPp answering for
every registered agent: it rings, answers, talks, hangs up) — through Kamailio, rtpengine,
the media application and a served Vmeste (`vmeste serve`, its own SQLite file), as
`vmeste telephony up` runs them. The agents' toolbars end each wrap-up at once.

Measured: calls routed to the queue their digits chose (Vmeste's records against each
caller's digits, by Call-ID), phones rung with two calls at once, post-dial delay (INVITE →
200 at the caller), the last key → the agent's phone ringing, the concurrent calls reached,
CPU of Kamailio, rtpengine, the media application and Vmeste per concurrent call. The run
is in a child process (its Django settings point at the bench's own data directory).
`VMESTE_BENCH_SIP_CALLS`, `VMESTE_BENCH_SIP_CPS`, `VMESTE_BENCH_SIP_AGENTS` (per branch) and
`VMESTE_BENCH_SIP_TALK_MS` change the run (2,000 calls at 20/s, 40 agents a branch, 4 s);
`…_RING_MS` (0.5 s), `…_PATIENCE_MS` (a caller not put through hangs up after 90 s) and
`…_MEDIA_NODES` (2: one per core) too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANCHES = {"1": "food", "2": "meds", "31": "psy", "32": "law"}  # digits → queue
NUMBER = "78002003411"  # the national line's number (reference data)
RING_MS = int(os.environ.get("VMESTE_BENCH_SIP_RING_MS", "500"))
# A caller waiting longer than this (ms) without being connected hangs up (SIPp's timeout).
PATIENCE_MS = int(os.environ.get("VMESTE_BENCH_SIP_PATIENCE_MS", "90000"))
MEDIA_NODES = int(os.environ.get("VMESTE_BENCH_SIP_MEDIA_NODES", "2"))  # one per core


def _log(message: str) -> None:
    print(f"[bench_sip] {message}", file=sys.stderr, flush=True)


def run(quick: bool) -> dict:
    calls = int(os.environ.get("VMESTE_BENCH_SIP_CALLS", "0")) or (40 if quick else 2000)
    cps = float(os.environ.get("VMESTE_BENCH_SIP_CPS", "0")) or (4.0 if quick else 20.0)
    workdir = Path(tempfile.mkdtemp(prefix="vm_bench_sip_"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VMESTE_DATA_DIR": str(workdir / "data"),
        "DJANGO_SETTINGS_MODULE": "vmeste.settings",
    }
    env.pop("VMESTE_DEMO", None)
    env.pop("VMESTE_DATABASE_URL", None)  # its own SQLite file, nobody else's database
    (workdir / "data").mkdir()
    _log(f"{calls} calls at {cps}/s; working in {workdir}")
    subprocess.run(
        [sys.executable, "-m", "vmeste", "migrate", "--no-input"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=900,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_sip", str(calls), str(cps), str(workdir)],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if not done.stdout.strip():
        raise RuntimeError(f"bench_sip's run failed: {done.stderr[-4000:]}")
    return json.loads(done.stdout)


# --- the child: Django set up on the bench's own data directory ---------------------------


def _prepare(per_branch: int) -> list[str]:
    """The national line's four branches, ``per_branch`` agents for each, signed in with
    a phone password; answers their usernames."""
    from django.conf import settings

    from vmeste.accounts.services import create_user
    from vmeste.contactcenter import ivr
    from vmeste.contactcenter.models import Agent, Queue
    from vmeste.contactcenter.services import change_agent_state
    from vmeste.contactcenter.transitions import AgentEvent
    from vmeste.core.models import Centre, Line
    from vmeste.telephony.services import set_sip_password

    # Thousands of logins made here, none used to sign in: the fastest hasher will do.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    centre.lines.add(line)
    names = []
    for digits, code in BRANCHES.items():
        Queue.objects.create(
            line=line, code=code, name=code, skill=code, ivr_path="-".join(digits),
            escalation=[[0, 1]],
        )  # fmt: skip
        for i in range(per_branch):
            user, _ = create_user(
                actor=None, username=f"{code}{i:03d}", role="operator",
                password="pass-word-123", check_password=False,
            )  # fmt: skip
            agent = Agent.objects.create(user=user, centre=centre, skills={code: 2})
            set_sip_password(by=None, username=user.username, password="phone-secret")
            change_agent_state(agent=agent, event=AgentEvent.SIGN_IN)
            names.append(user.username)
    ivr.import_menu(_menu(), line=line)
    create_user(
        actor=None, username="edge", role="telephony", password="pass-word-123",
        check_password=False,
    )  # fmt: skip
    return names


def _menu() -> dict:
    """The voice menu the media application walks: a key per branch, «3» a sub-menu."""

    def queue(code: str) -> dict:
        return {"id": code, "kind": "queue", "label": code, "queue": code}

    sub = {d[1]: q for d, q in BRANCHES.items() if len(d) == 2}
    main = {d: q for d, q in BRANCHES.items() if len(d) == 1} | {"3": "more", "0": "food"}
    nodes = [
        {"id": "main", "kind": "menu", "label": "Главное меню", "prompt": "Выберите тему.",
         "default": "0", "options": [{"digit": d, "to": to} for d, to in main.items()]},
        {"id": "more", "kind": "menu", "label": "Помощь", "prompt": "Выберите помощь.",
         "default": "0", "options": [{"digit": d, "to": to} for d, to in sub.items()]},
        *(queue(code) for code in BRANCHES.values()),
        {"id": "night", "kind": "message", "label": "Ночь", "prompt": "Линия закрыта."},
    ]  # fmt: skip
    return {"start": "main", "night": "night", "operator_queue": "food", "nodes": nodes}


def _toolbars(stop: threading.Event) -> None:
    """Every agent in wrap-up is done with it at once (their toolbars' «готов»)."""
    from django.db import close_old_connections

    from vmeste.contactcenter.models import Agent
    from vmeste.contactcenter.services import change_agent_state
    from vmeste.contactcenter.transitions import AgentEvent, AgentState

    while not stop.wait(0.25):
        for agent in Agent.objects.filter(state=AgentState.WRAP_UP):
            try:
                change_agent_state(agent=agent, event=AgentEvent.WRAP_DONE)
            except Exception:  # moved on meanwhile (a state the toolbar no longer allows)
                continue
        close_old_connections()


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _with_children(pid: int) -> list[int]:
    """A process and its children (Kamailio forks its workers)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                pids.append(int(entry.name))
    return pids


class CpuWatch:
    """CPU seconds of the stack's processes, sampled each second with the wall time."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.groups = {name: _with_children(pid) for name, pid in processes.items()}
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            sample = {name: _cpu_seconds(pids) for name, pids in self.groups.items()}
            self.samples.append((time.time(), sample))
            if self.stop.wait(1.0):
                return

    def between(self, start: float, end: float) -> dict[str, float]:
        """Each process's share of one core between two moments."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return {}
        (t0, first), (t1, last) = inside[0], inside[-1]
        return {name: round((last[name] - first[name]) / (t1 - t0), 3) for name in first}


def _serve(workdir: Path, port: int) -> subprocess.Popen:
    out = (workdir / "serve.log").open("ab")
    server = subprocess.Popen(
        [sys.executable, "-m", "vmeste", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("vmeste serve did not start")


def _stack(workdir: Path, names: list[str]):
    """Vmeste served, the edge started, every agent's phone registered with one SIPp."""
    from vmeste.accounts.services import issue_token
    from vmeste.telephony import edge
    from vmeste.telephony.tests import sipedge

    (port,) = sipedge.free_tcp_ports(1)
    server = _serve(workdir, port)
    sip, ng, media = sipedge.free_udp_ports(3)
    config = edge.EdgeConfig(
        vmeste_url=f"http://127.0.0.1:{port}", token=issue_token(username="edge"),
        sip_port=sip, ng_port=ng, cli_port=sipedge.free_tcp_ports(1)[0], media_sip_port=media,
        rtp_ports=sipedge.free_range(4000), media_rtp_ports=sipedge.free_range(2000),
        http_timeout=5, directory=workdir / "data" / "telephony", media_nodes=MEDIA_NODES,
    )  # fmt: skip
    try:
        sip_edge = sipedge.Edge(config, patience=120.0).start()  # a loaded machine is slow
    except BaseException:
        server.terminate()
        raise
    try:
        return server, sip_edge, _register(workdir, sip_edge, names)
    except BaseException:
        sip_edge.stop()
        server.terminate()
        raise


def _register(workdir: Path, sip_edge, names: list[str]) -> tuple[int, int]:
    """Every agent's phone registered, its Contact the one SIPp that will answer for all."""
    from vmeste.telephony.tests import sipedge

    phones_port, phones_media = sipedge.free_udp_ports(2)
    for batch in range(0, len(names), 8):  # a SIPp each (its digest takes one -au)
        registering = []
        group = names[batch : batch + 8]
        for name, port in zip(group, sipedge.free_udp_ports(len(group)), strict=True):
            argv = ["-s", name, "-au", name, "-ap", "phone-secret"]
            argv += ["-key", "contact_port", str(phones_port), "-key", "expires", "3600"]
            registering.append(
                sipedge.sipp(
                    workdir,
                    "register.xml",
                    *argv,
                    name=f"register-{name}",
                    port=port,
                    target=sip_edge.address,
                    timeout=30,
                )
            )
        if any(r.wait(40) != 0 for r in registering):
            raise RuntimeError(f"registrations failed: {sip_edge.log('kamailio')[-2000:]}")
    return phones_port, phones_media


def _callers(workdir: Path, sip_edge, calls: int, cps: float) -> list:
    from vmeste.telephony.tests import sipedge

    processes = []
    for digits in BRANCHES:
        (port,) = sipedge.free_udp_ports(1)
        marks = {**sipedge.caller(digits), "NUMBER": "79001234567"}
        processes.append(
            sipedge.sipp(
                workdir,
                "caller_keys.xml",
                "-s",
                NUMBER,
                "-cid_str",
                f"b{digits}-%u-%p@%s",
                "-r",
                str(cps / len(BRANCHES)),
                "-l",
                str(calls),
                "-recv_timeout",
                str(PATIENCE_MS),
                name=f"callers-{digits}",
                port=port,
                media_port=sipedge.free_range(20)[0],
                target=sip_edge.address,
                timeout=int(calls / cps) + 300,
                replace=marks,
                calls=calls // len(BRANCHES),
            )
        )
    return processes


def _percentiles(values: list[float]) -> dict:
    from bench.sipload import percentile

    return {"p50": percentile(values, 0.5), "p99": percentile(values, 0.99), "n": len(values)}


def _figures(callers: list, phones, cpu: CpuWatch) -> dict:
    """What the callers' and the phones' logs and Vmeste's records say."""
    from vmeste.contactcenter.models import Call
    from vmeste.telephony.tests.sipedge import double_rings, logged_at

    said: dict[str, dict[str, float]] = {}
    for process in callers:
        for words in process.logged():
            said.setdefault(words[1], {})[words[0]] = logged_at(words)  # the last key kept
    rung = {w[2]: logged_at(w) for w in phones.logged() if w[0] == "ring"}
    records = {c.call_id: c for c in Call.objects.select_related("queue")}
    routed = sum(
        1
        for call_id in said
        if call_id in records
        and records[call_id].queue is not None
        and records[call_id].queue.code == BRANCHES[call_id.split("-")[0][1:]]
    )
    spans = [(t["invite"], t["ended"]) for t in said.values() if "ended" in t]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    last = max(s for s, _ in spans)
    steady = (start + min(30.0, (last - start) / 3), last)  # after the first calls' warm-up
    seconds = range(int(start), int(end))
    concurrent = {t: sum(1 for s, e in spans if s <= t < e) for t in seconds}
    inside = [n for t, n in concurrent.items() if steady[0] <= t <= steady[1]]
    mean = sum(inside) / len(inside) if inside else 0.0
    shares = cpu.between(*steady)
    nodes = [share for name, share in shares.items() if name.startswith("media")]
    if len(nodes) > 1:
        shares["media_all_nodes"] = round(sum(nodes), 3)
    states: dict[str, int] = {}
    for call in records.values():
        states[call.state] = states.get(call.state, 0) + 1
    return {
        "calls_placed": len(said),
        "calls_answered_by_the_edge": sum(1 for t in said.values() if "answered" in t),
        "calls_connected_to_an_agent": sum(1 for t in said.values() if "connected" in t),
        "calls_ended_by_the_agent": len(spans),
        "vmeste_records": len(records),
        "vmeste_states": states,
        "routed_as_chosen_percent": round(100.0 * routed / len(said), 2) if said else None,
        "double_rings": len(double_rings(phones.logged())),
        "post_dial_delay_ms": _percentiles(
            [1000 * (t["answered"] - t["invite"]) for t in said.values() if "answered" in t]
        ),
        "last_key_to_ring_ms": _percentiles(
            [1000 * (rung[c] - t["key"]) for c, t in said.items() if c in rung and "key" in t]
        ),
        "concurrent_calls_max": max(concurrent.values(), default=0),
        "concurrent_calls_mean_steady": round(mean, 1),
        "cpu_share_of_a_core_steady": shares,
        "cpu_ms_per_concurrent_call_second": {
            name: round(1000 * share / mean, 2) for name, share in shares.items() if mean
        },
    }


def child(calls: int, cps: float, workdir: Path) -> dict:
    import django

    django.setup()
    from vmeste.telephony.tests import sipedge

    per_branch = int(os.environ.get("VMESTE_BENCH_SIP_AGENTS", "40"))
    talk_ms = int(os.environ.get("VMESTE_BENCH_SIP_TALK_MS", "4000"))
    _log(f"{per_branch} agents a branch, signed in")
    names = _prepare(per_branch)
    server, sip_edge, (phones_port, phones_media) = _stack(workdir, names)
    stop = threading.Event()
    toolbars = threading.Thread(target=_toolbars, args=(stop,), daemon=True)
    toolbars.start()
    try:
        phones = sipedge.sipp(
            workdir, "agent_talks.xml", "-recv_timeout", "120000", name="phones",
            port=phones_port, media_port=phones_media, timeout=int(calls / cps) + 400,
            calls=calls, replace={"RING_MS": str(RING_MS), "TALK_MS": str(talk_ms)},
        )  # fmt: skip
        processes = {name: p.pid for name, p in sip_edge.processes.items()}
        cpu = CpuWatch({**processes, "vmeste": server.pid})
        cpu.thread.start()
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        _log("callers dialling")
        callers = _callers(workdir, sip_edge, calls, cps)
        codes = [c.wait(calls / cps + 300) for c in callers]
        codes.append(phones.wait(60))
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        cpu.stop.set()
        time.sleep(2.0)  # the last events reach Vmeste
        figures = _figures(callers, phones, cpu)
    finally:
        stop.set()
        sip_edge.stop()
        server.terminate()
        server.wait(10)
    return {
        "calls": calls, "calls_per_second": cps, "agents": len(names), "ring_ms": RING_MS,
        "media_nodes": MEDIA_NODES, "caller_patience_ms": PATIENCE_MS,
        "talk_ms": talk_ms, "sipp_exit_codes": codes, "load_average_before": load_before,
        "load_average_after": load_after, **figures,
        "target": "100 % routed as chosen, 0 double rings",
    }  # fmt: skip


if __name__ == "__main__":
    calls_, cps_, workdir_ = int(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3])
    os.chdir(ROOT)
    print(json.dumps(child(calls_, cps_, workdir_), ensure_ascii=False))
