#!/usr/bin/env python3
"""Where one request's instructions go: the server under valgrind's callgrind, answering a
fixed number of requests of one scenario, then callgrind_annotate's inclusive table.

    python3 bench/profile.py me [--requests 200] [--no-build]
    python3 bench/profile.py "admin page" [--requests 20]

Instruction counts, unlike CPU time, are the same from run to run whatever else the machine
does, so a change can be judged by them. Seeds the data set of bench/run.py (SQLite), takes
the counts of the server's start-up and login out by subtracting a run of zero requests, and
prints instructions per request beside the functions that take the most of them. Loopback
only; stops what it started, by PID.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (ADMIN, ADMIN_PAGE, BINARY, ME, PASSWORD, ROOT, Database, Server,  # noqa: E402
                 free_port, roster_env, run, seed)

SCENARIOS = {
    "me": (ME, lambda n: {}, "user1@bench.local"),
    "admin page": (ADMIN_PAGE, lambda n: {"offset": (n * 50) % 10_000}, ADMIN),
}


def post(url, query, variables, token=None):
    request = urllib.request.Request(
        url, data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    body = json.load(urllib.request.urlopen(request, timeout=120))
    if body.get("errors"):
        sys.exit(f"{query}: {body['errors']}")
    return body["data"]


def profiled_run(env, work, scenario, requests, log="warn"):
    """Total instructions of a server under callgrind that answers `requests` requests."""
    query, variables, login = SCENARIOS[scenario]
    port = free_port()
    out = os.path.join(work, f"callgrind.{requests}.out")
    process = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--separate-threads=no",
         BINARY, "serve"], env=dict(env, ROSTER_BIND=f"127.0.0.1:{port}", ROSTER_MANAGEMENT_BIND="127.0.0.1:0",
                           ROSTER_LOG=log), cwd=work,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.time() + 300
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("roster under valgrind did not start")
                time.sleep(0.5)
        token = post(url, "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
                     {"i": {"login": login, "password": PASSWORD}})["login"]["accessToken"]
        for n in range(requests):
            post(url, query, variables(n), token)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=300)
    return out


def total(out):
    with open(out) as data:
        for line in data:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    return 0


def by_function(out, inclusive):
    """Instructions by function (self, or inclusive of callees) in a callgrind output."""
    annotated = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
                                "--threshold=100", out], capture_output=True, text=True).stdout
    costs = {}
    for line in annotated.splitlines():
        match = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(.*?)(?: \[[^\]]*\])?$", line)
        if match and "PROGRAM TOTALS" not in line:
            name = re.sub(r"'\d+$", "", match.group(2).split(":", 1)[-1])
            cost = int(match.group(1).replace(",", ""))
            # A recursive function's frames ('2, '3) are one function: their self costs add up,
            # their inclusive costs contain each other.
            costs[name] = max(costs.get(name, 0), cost) if inclusive else costs.get(name, 0) + cost
    return costs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--requests", type=int, default=None, help="requests profiled (me 200, admin page 20)")
    parser.add_argument("--no-build", action="store_true", help="use target/release/roster as it is")
    parser.add_argument("--sql", help="SQL to run on the seeded database first (an experiment)")
    parser.add_argument("--keep", help="copy the callgrind output here (for callgrind_annotate --tree), and that of the run "
                             "without requests beside it (.base)")
    parser.add_argument("--log", default="warn",
                        help="ROSTER_LOG for the server (default warn: no line per request)")
    parser.add_argument("--top", type=int, default=40, help="functions listed (default 40)")
    parser.add_argument("--jwt-algorithm", default="HS256", choices=["HS256", "ES256", "EdDSA"],
                        help="how the server signs access tokens (default HS256)")
    args = parser.parse_args()
    requests = args.requests or (200 if args.scenario == "me" else 20)
    if not shutil.which("valgrind"):
        run(["apt-get", "install", "-y", "valgrind"])
    if not args.no_build:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="roster-profile-")
    database = Database(None, work)
    try:
        env = dict(roster_env(database.url, work), ROSTER_JWT_ALGORITHM=args.jwt_algorithm)
        run([BINARY, "create-superuser", "--email", ADMIN, "--password", PASSWORD], env=env, cwd=work)
        server = Server(env, work)
        try:
            seed(server, database)
        finally:
            server.stop()
        if args.sql:
            database.execute(args.sql)
        base_out = profiled_run(env, work, args.scenario, 0, args.log)
        out = profiled_run(env, work, args.scenario, requests, args.log)
        per_request = (total(out) - total(base_out)) / requests
        print(f"{args.scenario}: {per_request:,.0f} instructions per request "
              f"({requests} requests under callgrind, start-up and login subtracted)")
        if args.keep:
            shutil.copy(out, args.keep)
            shutil.copy(base_out, args.keep + ".base")
        for inclusive in (False, True):
            print(f"\n== {'inclusive' if inclusive else 'self'} instructions per request, by function")
            before, after = by_function(base_out, inclusive), by_function(out, inclusive)
            rows = sorted(((after[name] - before.get(name, 0)) / requests, name) for name in after)
            for cost, name in reversed(rows[-(args.top):]):
                print(f"{cost:12,.0f}  {cost * 100 / per_request:5.1f}%  {name[:150]}")
    finally:
        database.drop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
