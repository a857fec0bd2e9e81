#!/usr/bin/env python3
"""Roster's comparison peers, measured on loopback with wrk as bench/run.py measures Roster.

    python3 bench/peers.py                    # both peers, 10 s per scenario
    python3 bench/peers.py --duration 5 --only django

Peers: `floor` (bench/peers/floor: axum + jsonwebtoken HS256 + one sqlx SQLite read by primary
key, the least a server answering `me` does) and `django` (bench/peers/django: Django 5.2 + Django
REST Framework + simplejwt under gunicorn with 2 sync workers, Django's own users, groups and
permissions, `prefetch_related` for the page). The floor is built with cargo on first use, and
Django installed from PyPI into bench/peers/django/.venv (requirements.txt, pinned). Each is
seeded once with Roster's bench data set (kept in bench/peers/.data; delete it to reseed),
started on a free loopback port, checked once (one answer of each endpoint printed), then
driven by `wrk -t2 -c32`. Server CPU is utime+stime over the server's whole process tree (gunicorn master
+ workers) from /proc before and after each run, divided by the requests; memory is VmHWM,
RssAnon and RssFile summed over the tree, the peak reset with clear_refs before each scenario.
Everything it starts it stops, by PID, even on failure.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import ensure_wrk, free_port, lua as wrk_script, terminate  # noqa: E402

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers")
DATA = os.path.join(PEERS, ".data")
FLOOR_CRATE = os.path.join(PEERS, "floor")
FLOOR = os.path.join(FLOOR_CRATE, "target", "release", "floor")
DJANGO = os.path.join(PEERS, "django")
DJANGO_SITE = os.path.join(DJANGO, "site")
DJANGO_VENV = os.path.join(DJANGO, ".venv")
DJANGO_PY = os.path.join(DJANGO_VENV, "bin", "python")
GUNICORN = os.path.join(DJANGO_VENV, "bin", "gunicorn")
SECRET = "a benchmark secret that is long enough for HS256"
USERS = 10_000
TICK = os.sysconf("SC_CLK_TCK")


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_floor():
    if not os.path.exists(FLOOR):
        log("building the floor (cargo build --release)")
        subprocess.run(["cargo", "build", "--release", "--quiet"], check=True, cwd=FLOOR_CRATE,
                       env=dict(os.environ, CARGO_TARGET_DIR=os.path.join(FLOOR_CRATE, "target")))


def ensure_django():
    if not os.path.exists(GUNICORN):
        log("installing Django, DRF, simplejwt and gunicorn from PyPI into bench/peers/django/.venv")
        subprocess.run([sys.executable, "-m", "venv", DJANGO_VENV], check=True)
        subprocess.run([DJANGO_PY, "-m", "pip", "install", "--quiet", "-r",
                        os.path.join(DJANGO, "requirements.txt")], check=True)


# ---------------------------------------------------------------- process tree and /proc


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid):
    """`pid` and all its descendants (processes only; threads are counted in their process)."""
    kids, found, stack = children_map(), [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(kids.get(current, []))
    return found


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                parts = stat.read().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])
        except (OSError, IndexError, ValueError):
            continue
    return total


def memory_mib(pids):
    sums = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    key = line.split(":", 1)[0]
                    if key in sums:
                        sums[key] += int(line.split()[1])
        except OSError:
            continue
    return {key: value / 1024 for key, value in sums.items()}


def reset_peaks(pids):
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as refs:
                refs.write("5")
        except OSError:
            pass


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, name, command, env, cwd, ready_url, logfile):
        self.name = name
        self.log = open(logfile, "w")
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.pids = [self.process.pid]
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited at start (code {self.process.returncode}); see {logfile}")
            try:
                urllib.request.urlopen(ready_url, timeout=1)
                break
            except urllib.error.HTTPError:
                break  # an answer, even a 401, means it is up
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{name} did not start; see {logfile}")
        time.sleep(0.5)  # let every gunicorn worker boot
        self.pids = tree(self.process.pid)

    def tree(self):
        self.pids = tree(self.process.pid)
        return self.pids

    def stop(self):
        pids = tree(self.process.pid) if self.process.poll() is None else []
        terminate(self.process)
        # Any worker the master left behind (the ones this run started, nothing else).
        for pid in pids[1:]:
            try:
                os.kill(pid, 0)
            except OSError:
                continue
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                if ppid in (1, self.process.pid):
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.log.close()


def seeded(name, make):
    """The database `name` in DATA, made by `make(path)` the first time (under another name until
    it is complete, so an interrupted run leaves nothing half-seeded behind)."""
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        log(f"seeding {name}")
        temp = path + ".new"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(temp + suffix):
                os.remove(temp + suffix)
        make(temp)
        os.rename(temp, path)
    return path


def seed_floor():
    return seeded("floor.db", lambda path: subprocess.run(
        [FLOOR, "seed"], check=True, env=dict(os.environ, FLOOR_DB=path), stdout=subprocess.DEVNULL))


def seed_django():
    def make(path):
        env = django_env(path)
        subprocess.run([DJANGO_PY, "manage.py", "migrate", "-v0"], check=True, env=env, cwd=DJANGO_SITE)
        subprocess.run([DJANGO_PY, "manage.py", "seed_bench"], check=True, env=env, cwd=DJANGO_SITE,
                       stdout=subprocess.DEVNULL)
    return seeded("django.sqlite3", make)


def django_env(database):
    return dict(os.environ, DJANGO_DB=database, DJANGO_SECRET_KEY=SECRET, DJANGO_JWT_SECRET=SECRET,
                DJANGO_DEBUG="0", PYTHONUNBUFFERED="1")


def floor_env(database, port=None):
    env = dict(os.environ, FLOOR_DB=database, FLOOR_JWT_SECRET=SECRET)
    if port:
        env["FLOOR_BIND"] = f"127.0.0.1:{port}"
    return env


# ---------------------------------------------------------------- checks


def fetch(url, token, method="GET", body=None):
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def show(label, text, limit=600):
    print(f"-- {label}: {text if len(text) <= limit else text[:limit] + f'... ({len(text)} bytes)'}")


def check(condition, what):
    if not condition:
        raise RuntimeError(f"wrong answer: {what}")


# ---------------------------------------------------------------- wrk


def lua(method, path, body, extra=""):
    """bench/run.py's wrk script for a REST endpoint: any status but 200 is unclean."""
    return wrk_script("peer", body, extra, method=method, path=path, clean="status == 200")


def measure(server, wrk, url, token, script_text, duration, work):
    script = os.path.join(work, "scenario.lua")
    with open(script, "w") as out:
        out.write(script_text)
    pids = server.tree()
    reset_peaks(pids)
    before = cpu_ticks(pids)
    output = subprocess.run([wrk, "-H", f"Authorization: Bearer {token}", "-t2", "-c32", f"-d{duration}s",
                             "--latency", "-s", script, url], check=True, capture_output=True, text=True).stdout
    pids_after = server.tree()
    after = cpu_ticks(pids_after)
    memory = memory_mib(pids_after)
    fields = next(line for line in output.splitlines() if line.startswith("RESULT ")).split()
    requests, micros, p50, p99, unclean, socket_errors = (int(fields[-6]), int(fields[-5]), float(fields[-4]),
                                                          float(fields[-3]), int(fields[-2]), int(fields[-1]))
    if sorted(pids) != sorted(pids_after):
        log(f"note: {server.name}'s process tree changed during the run ({pids} -> {pids_after})")
    return {
        "requests": requests,
        "rps": requests / (micros / 1e6),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "cpu": (after - before) * 1000 / TICK / max(requests, 1),
        "processes": len(pids_after),
        **memory,
        "errors": unclean + socket_errors,
    }


# ---------------------------------------------------------------- peers


def run_floor(wrk, duration, work, results):
    database = seed_floor()
    port = free_port()
    server = Server("floor", [FLOOR, "serve"], floor_env(database, port), work,
                    f"http://127.0.0.1:{port}/health", os.path.join(work, "floor.log"))
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        token = subprocess.run([FLOOR, "token", "1"], check=True, capture_output=True, text=True,
                               env=floor_env(database)).stdout.strip()
        status, text = fetch(url, token, "POST", json.dumps({"query": "{ me { id username } }"}).encode())
        show("floor POST /graphql (me, user1)", text)
        me = json.loads(text)["data"]["me"]
        check(status == 200 and me["username"] == "user1" and me["lastName"] == "User1", "floor me")
        results.append(("floor", "me", measure(server, wrk, url, token,
                                               lua("POST", "/graphql", json.dumps({"query": "{ me { id } }"})),
                                               duration, work)))
    finally:
        server.stop()


def run_django(wrk, duration, work, results):
    database = seed_django()
    env = django_env(database)
    port = free_port()

    def token(user):
        return subprocess.run([DJANGO_PY, "manage.py", "bench_token", user], check=True, capture_output=True,
                              text=True, env=env, cwd=DJANGO_SITE).stdout.strip()

    user_token, admin_token = token("user1@bench.local"), token("admin@bench.local")
    server = Server("django", [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                               "benchsite.wsgi"], env, DJANGO_SITE,
                    f"http://127.0.0.1:{port}/api/me/", os.path.join(work, "django.log"))
    try:
        base = f"http://127.0.0.1:{port}"
        status, text = fetch(base + "/api/me/", user_token)
        show("django GET /api/me/ (user1)", text)
        me = json.loads(text)
        check(status == 200 and me["username"] == "user1" and len(me["groups"]) == 2, "django me")
        status, text = fetch(base + "/api/users/?limit=50&offset=5000", admin_token)
        show("django GET /api/users/?limit=50&offset=5000 (admin)", text)
        page = json.loads(text)
        check(status == 200 and page["count"] == USERS + 1 and len(page["results"]) == 50
              and all(len(u["groups"]) == 2 and all(len(g["permissions"]) == 5 for g in u["groups"])
                      for u in page["results"]), "django admin page")
        # Warm both workers' imports and caches before measuring.
        for _ in range(8):
            fetch(base + "/api/me/", user_token)
            fetch(base + "/api/users/?limit=50&offset=0", admin_token)
        results.append(("django", "me", measure(server, wrk, base + "/api/me/", user_token,
                                                lua("GET", "/api/me/", None), duration, work)))
        admin_extra = f"""
function request()
  count = count + 1
  local offset = ((count * 50) + id * 25) % {USERS}
  return wrk.format(nil, string.format("/api/users/?limit=50&offset=%d", offset))
end
"""
        results.append(("django", "admin page of 50",
                        measure(server, wrk, base + "/api/users/", admin_token,
                                lua("GET", "/api/users/", None, admin_extra), duration, work)))
    finally:
        server.stop()


def print_table(results, duration):
    print(f"\nwrk -t2 -c32 -d{duration}s on loopback; CPU = server process tree utime+stime per request; "
          f"memory in MiB summed over the tree")
    header = (f"{'peer':<8} {'scenario':<18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} "
              f"{'procs':>5} {'VmHWM':>8} {'RssAnon':>8} {'RssFile':>8} {'errors':>7}")
    print(header)
    print("-" * len(header))
    for peer, name, r in results:
        print(f"{peer:<8} {name:<18} {r['rps']:>9.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['cpu']:>11.3f} "
              f"{r['processes']:>5} {r['VmHWM']:>8.1f} {r['RssAnon']:>8.1f} {r['RssFile']:>8.1f} "
              f"{r['errors']:>7}{'  <- UNCLEAN' if r['errors'] else ''}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--only", choices=["floor", "django"], help="run one peer only")
    args = parser.parse_args()
    # SIGTERM/SIGHUP end the run through the finally blocks, so servers are stopped.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(f"stopped by signal"))
    wrk = ensure_wrk()
    if args.only in (None, "floor"):
        ensure_floor()
    if args.only in (None, "django"):
        ensure_django()
    os.makedirs(DATA, exist_ok=True)
    work = tempfile.mkdtemp(prefix="peers-bench-")
    results = []
    try:
        if args.only in (None, "floor"):
            run_floor(wrk, args.duration, work, results)
        if args.only in (None, "django"):
            run_django(wrk, args.duration, work, results)
    finally:
        print_table(results, args.duration)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
