#!/usr/bin/env python3
"""Roster's benchmark: server CPU per request, on loopback, with wrk.

    python3 bench/run.py                       # SQLite
    python3 bench/run.py --postgres postgres://postgres@127.0.0.1:5432/postgres

Builds the release binary, seeds 10,000 users, 20 groups of 5 permissions and every user in 2
groups (through the binary for the admin, groups and permissions, then SQL for the users and
their memberships), starts `roster serve` on a free loopback port, drives each scenario with
wrk (installed from Debian's packages when missing), and prints one table. Server CPU is read
from /proc/<pid>/stat before and after each scenario (wrk shares the cores, so req/s alone
says little); on PostgreSQL the CPU of its server processes is added. A scenario in which any
answer was not a clean 200 counts for nothing and is marked. Everything it starts it stops,
by PID; the databases it creates it drops.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "roster")
PASSWORD = "correct horse battery staple"
ADMIN = "admin@bench.local"
USERS = 10_000
GROUPS = 20
PERMISSIONS_PER_GROUP = 5
TICK = os.sysconf("SC_CLK_TCK")

ME = "{ me { id username email firstName lastName groups { id name } } }"
ADMIN_PAGE = ("query($offset: Int!) { users(first: 50, offset: $offset) { totalCount nodes { id "
              "username groups { id name permissions { id name codename } } } } }")
KEYSET = ("query($after: String!) { users(first: 50, after: $after) { nodes { id username "
          "groups { id name permissions { id name codename } } } } }")
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"
REFRESH = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }"
REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }"


def wanted(only, name):
    """Whether `--only` (words separated by commas, each matching as a substring) keeps `name`."""
    return not only or any(word.strip() and word.strip() in name for word in only.split(","))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to create the benchmark database on")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--no-build", action="store_true", help="use target/release/roster as it is")
    parser.add_argument("--only", help="run only the scenarios whose names contain one of these (comma-separated: me,admin)")
    parser.add_argument("--log", help="ROSTER_LOG for the server (default: Roster's own, info)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the server, e.g. ROSTER_DATABASE_MAX_CONNECTIONS=4 (repeatable)")
    parser.add_argument("--jwt-algorithm", default="HS256", choices=["HS256", "ES256", "EdDSA"],
                        help="how the server signs access tokens (default HS256)")
    parser.add_argument("--explain", action="store_true",
                        help="on PostgreSQL, print EXPLAIN ANALYZE of each statement of the admin and keyset pages")
    parser.add_argument("--perf", action="store_true",
                        help="record each scenario with perf and print where the server's CPU goes")
    args = parser.parse_args()
    wrk = ensure_wrk()
    if not args.no_build:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
        run(["cargo", "build", "--release", "--quiet", "--example", "statements"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="roster-bench-")
    database = Database(args.postgres, work)
    server = None
    try:
        env = roster_env(database.url, work)
        if args.log:
            env["ROSTER_LOG"] = args.log
        env["ROSTER_JWT_ALGORITHM"] = args.jwt_algorithm
        env.update(setting.split("=", 1) for setting in args.set)
        run([BINARY, "create-superuser", "--email", ADMIN, "--password", PASSWORD], env=env, cwd=work)
        server = Server(env, work)
        seed(server, database)
        results, cursor = scenarios(server, database, wrk, args.duration, work, args)
        server.stop()
        server = None
        statements = count_statements(database.url, work, cursor)
        if args.explain and database.postgres:
            explain_statements(database, work, cursor)
        print_table(results, statements, database)
    finally:
        if server:
            server.stop()
        database.drop()
        shutil.rmtree(work, ignore_errors=True)


def ensure_wrk():
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it from Debian's packages", file=sys.stderr)
    run(["apt-get", "install", "-y", "wrk"])
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def run(command, **kwargs):
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)


def terminate(process):
    """Stops `process` (one this script started): SIGTERM, then SIGKILL after 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def roster_env(url, work):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ROSTER_")}
    env.update({
        "DATABASE_URL": url,
        "ROSTER_RATE_LIMIT": "0",
        "ROSTER_JWT_SECRET": "a benchmark secret that is long enough for HS256",
        "NO_COLOR": "1",
        "HOME": work,
    })
    return env


class Database:
    """A fresh SQLite file, or a fresh PostgreSQL database dropped afterwards."""

    def __init__(self, server_url, work):
        self.postgres = server_url
        if server_url:
            self.name = f"roster_bench_{os.getpid()}"
            self.psql(f"CREATE DATABASE {self.name}")
            self.url = re.sub(r"/[^/?]*(\?|$)", f"/{self.name}\\1", server_url, count=1) \
                if re.search(r"//[^/]+/", server_url) else f"{server_url}/{self.name}"
        else:
            self.path = os.path.join(work, "bench.db")
            self.url = f"sqlite://{self.path}?mode=rwc"

    def psql(self, sql, url=None):
        return subprocess.run(["psql", url or self.postgres, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                              check=True, capture_output=True, text=True).stdout

    def execute(self, sql):
        if self.postgres:
            self.psql(sql, self.url)
        else:
            with sqlite3.connect(self.path, timeout=30) as connection:
                connection.executescript(sql)

    def drop(self):
        if self.postgres:
            self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def server_cpu_ticks(self):
        """CPU of every PostgreSQL server process on this machine (0 on SQLite)."""
        if not self.postgres:
            return 0
        total = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)
                if "postgres" in fields[0]:
                    parts = fields[1].split()
                    total += int(parts[11]) + int(parts[12])
            except (OSError, IndexError, ValueError):
                continue
        return total


class Server:
    """`roster serve` on a free loopback port."""

    def __init__(self, env, work):
        self.port = free_port()
        # The management listener on a free port too: the default one may be in use.
        env = dict(env, ROSTER_BIND=f"127.0.0.1:{self.port}", ROSTER_MANAGEMENT_BIND="127.0.0.1:0")
        self.log = open(os.path.join(work, "server.log"), "w")
        self.process = subprocess.Popen([BINARY, "serve"], env=env, cwd=work, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        sys.exit("roster did not start; see its log")

    def stop(self):
        terminate(self.process)
        self.log.close()

    def cpu_ticks(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            parts = stat.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])

    def reset_peak_memory(self):
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def memory_mib(self):
        """The peak resident set since `reset_peak_memory` (`VmHWM`), and what is resident now:
        anonymous memory (the heap, stacks) and file pages (the binary, and SQLite's file
        where it is mapped), in MiB."""
        found = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "RssAnon", "RssFile"):
                    found[key] = int(value.split()[0]) / 1024
        return found

    def graphql(self, query, variables=None, token=None):
        request = urllib.request.Request(
            self.url, data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
        body = json.load(urllib.request.urlopen(request, timeout=30))
        if body.get("errors"):
            sys.exit(f"seeding failed: {query}: {body['errors']}")
        return body["data"]

    def login(self, login):
        return self.graphql("mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }",
                            {"i": {"login": login, "password": PASSWORD}})["login"]


def seed(server, database):
    """Groups and permissions through the API; users and memberships by SQL (10,000 password
    hashes would take minutes), every user with the admin's hash of the same password."""
    admin = server.login(ADMIN)["accessToken"]
    for g in range(GROUPS):
        permission_ids = []
        for p in range(PERMISSIONS_PER_GROUP):
            created = server.graphql(
                "mutation($i: PermissionInput!) { createPermission(input: $i) { id } }",
                {"i": {"codename": f"bench.g{g}.p{p}", "name": f"Bench {g}.{p}"}}, admin)
            permission_ids.append(created["createPermission"]["id"])
        server.graphql("mutation($i: GroupInput!) { createGroup(input: $i) { id } }",
                       {"i": {"name": f"group-{g:02}", "permissionIds": permission_ids}}, admin)
    if database.postgres:
        new_id, numbers, flag = "gen_random_uuid()", f"generate_series(1, {USERS}) AS n(i)", "true"
        created = "a.created_at + i * interval '1 microsecond'"
    else:
        new_id, flag, created = "randomblob(16)", "1", "a.created_at"
        numbers = f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {USERS}) SELECT i FROM s) AS n"
    database.execute(f"""
        INSERT INTO users (id, email, username, username_key, password_hash, first_name, last_name,
                           role, is_active, created_at, updated_at, search_key)
        SELECT {new_id}, 'user' || i || '@bench.local', 'user' || i, 'user' || i, a.password_hash,
               'Bench', 'User' || i, 'USER', {flag}, {created}, a.updated_at,
               'user' || i || '@bench.local' || chr(10) || 'user' || i || chr(10) || 'bench user' || i
        FROM {numbers}, (SELECT * FROM users WHERE email = '{ADMIN}') AS a;
        INSERT INTO user_groups (user_id, group_id)
        SELECT u.id, g.id
        FROM (SELECT id, row_number() OVER (ORDER BY email) AS rn FROM users WHERE email LIKE 'user%@bench.local') AS u
        JOIN (SELECT id, row_number() OVER (ORDER BY name) - 1 AS k FROM groups) AS g
          ON g.k = u.rn % {GROUPS} OR g.k = (u.rn + 1) % {GROUPS};
    """.replace("chr(10)", "char(10)" if not database.postgres else "chr(10)"))
    # What a live PostgreSQL database has by the time it serves traffic: planner statistics and
    # a visibility map (autovacuum makes both within a minute of a bulk load). Without them the
    # planner takes 10,000 users for 4 and scans instead of walking the index. SQLite is left
    # as Roster leaves it (it gathers no statistics by itself).
    if database.postgres:
        database.psql("VACUUM ANALYZE", url=database.url)


LOGIN_ROTATION = f"""
function request()
  count = count + 1
  local login = string.format("user%d@bench.local", 10 + (id * 4999 + count) % 9000)
  return wrk.format(nil, nil, nil, string.format({json.dumps(json.dumps({"query": LOGIN, "variables": {"i": {"login": "LOGIN", "password": PASSWORD}}}).replace("LOGIN", "%s", 1))}, login))
end
"""


def lua(name, body, extra="", method="POST", path=None, clean=None):
    """A wrk script: sends `body` (or what `request` builds) with `method` (to `path`, else the
    URL's), and counts unclean answers: any status but 200, or (`clean` unset) a GraphQL answer
    with errors."""
    clean = clean or 'status == 200 and not string.find(body, \'"errors"\', 1, true)'
    return f"""
wrk.method = "{method}"
{f"wrk.path = {json.dumps(path)}" if path else ""}
wrk.headers["Content-Type"] = "application/json"
{f"wrk.body = {json.dumps(body)}" if body else ""}
local threads = {{}}
local ids = 0
function setup(thread)
  ids = ids + 1
  thread:set("id", ids)
  table.insert(threads, thread)
end
function init(args)
  unclean = 0
  count = 0
end
function response(status, headers, body)
  if not ({clean}) then unclean = unclean + 1 end
end
{extra}
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unclean") end
  io.write(string.format("RESULT {name} %d %d %.1f %.1f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
"""


def body(query, variables):
    return json.dumps({"query": query, "variables": variables})


def scenarios(server, database, wrk, duration, work, args):
    admin = server.login(ADMIN)["accessToken"]
    user = server.login("user1@bench.local")
    cursor = server.graphql("query { users(first: 50, offset: 9900) { pageInfo { endCursor } } }",
                            token=admin)["users"]["pageInfo"]["endCursor"]
    refresh_tokens = [server.login("user2@bench.local")["refreshToken"] for _ in range(2)]
    plan = [
        ("me", ME, {}, user["accessToken"], "-t2 -c32", ""),
        ("admin page of 50", ADMIN_PAGE, {"offset": 0}, admin, "-t2 -c32", f"""
function request()
  count = count + 1
  local offset = ((count * 50) + id * 25) % {USERS}
  return wrk.format(nil, nil, nil, string.format({json.dumps(body(ADMIN_PAGE, {"offset": 999999}).replace("999999", "%d"))}, offset))
end
"""),
        ("keyset page 9,950 deep", KEYSET, {"after": cursor}, admin, "-t2 -c32", ""),
        # Logins of many users, as real traffic is: one account may have only a few attempts in
        # flight from one address (see docs/limits.md, login throttling).
        ("login", LOGIN, {}, None, "-t2 -c8", LOGIN_ROTATION),
        ("refresh", REFRESH, {"t": "x"}, None, "-t2 -c2", f"""
local tokens = {json.dumps(refresh_tokens).replace("[", "{").replace("]", "}")}
function request()
  if token == nil then token = tokens[id] end
  return wrk.format(nil, nil, nil, string.format({json.dumps(body(REFRESH, {"t": "TOKEN"}).replace("TOKEN", "%s"))}, token))
end
local previous = response
response = function(status, headers, body)
  local next = string.match(body, '"refreshToken":"([^"]+)"')
  if next then token = next end
  previous(status, headers, body)
end
"""),
        ("register", REGISTER, {}, None, "-t2 -c8", f"""
function request()
  count = count + 1
  local email = string.format("bench-%d-%d-%d@bench.local", {os.getpid()}, id, count)
  return wrk.format(nil, nil, nil, string.format({json.dumps(body(REGISTER, {"i": {"email": "EMAIL", "password": PASSWORD}}).replace("EMAIL", "%s"))}, email))
end
"""),
    ]
    results = {}
    for name, query, variables, token, connections, extra in plan:
        if not wanted(args.only, name):
            continue
        script = os.path.join(work, "scenario.lua")
        with open(script, "w") as out:
            out.write(lua(name, body(query, variables), extra))
        recording = profile_start(server, work, duration) if args.perf else None
        results[name] = measure(server, database, [wrk, *connections.split(), f"-d{duration}s", "--latency",
                                                   "-s", script, server.url], token)
        if recording:
            profile_report(recording, name, work)
    if not wanted(args.only, "me during a login flood"):
        return results, cursor
    # `me` while logins take every hashing slot.
    flood = os.path.join(work, "flood.lua")
    with open(flood, "w") as out:
        out.write(lua("flood", body(LOGIN, {}), LOGIN_ROTATION))
    me_script = os.path.join(work, "me.lua")
    with open(me_script, "w") as out:
        out.write(lua("me during a login flood", body(ME, {})))
    flooding = subprocess.Popen([wrk, "-t1", "-c16", f"-d{duration + 2}s", "-s", flood, server.url],
                                stdout=subprocess.DEVNULL)
    time.sleep(1)
    try:
        results["me during a login flood"] = measure(
            server, database, [wrk, "-t1", "-c4", f"-d{duration}s", "--latency", "-s", me_script, server.url],
            user["accessToken"])
    finally:
        flooding.wait(timeout=duration + 30)
    return results, cursor


def profile_start(server, work, duration):
    data = os.path.join(work, "perf.data")
    return subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(server.process.pid), "-o", data,
                             "--", "sleep", str(duration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), data


# Where a profile's samples go, by what the code is for: (label, pattern on "dso symbol").
PROFILE_CATEGORIES = [
    ("thread hand-offs: futex waits and wake-ups, the scheduler",
     r"futex|schedule|finish_task_switch|try_to_wake_up|_raw_spin_unlock|wake_up|irqentry_exit|"
     r"exit_to_user|flume|park|unpark|syscall_return|entry_SYSCALL|do_syscall|pthread_mutex|pthread_cond"),
    ("loopback TCP and epoll (kernel)", r"tcp_|ip_|sock|skb|epoll|ep_|net_|__x64_sys_(write|read|recv|send)|"
     r"do_iter|vfs_|__dev_|loopback|nf_|copy_|_copy|\[k\] .*(read|write)"),
    ("SQLite", r"sqlite3|btree|[Bb]tree|pager|[Vv]dbe|walIndex|\bwal[A-Z]|pcache|where[A-Z]|\byy_|lookaside|"
     r"getCellInfo|moveTo|cellSize|balance"),
    ("allocation and copying", r"\bmi_|_mi_|malloc|free|memmove|memcpy|memset|memcmp|realloc|cfree|drop_in_place|clone"),
    ("GraphQL engine (parse, validate, execute)", r"async_graphql"),
    ("JSON", r"serde_json|serde::|ryu|itoa"),
    ("HTTP (hyper, axum, tower)", r"hyper|axum|tower|\bhttp::|httparse"),
    ("tokio runtime", r"tokio::"),
    ("sqlx and sea-orm", r"sqlx|sea_orm|sea_query"),
    ("tokens and hashing", r"jsonwebtoken|sha2|hmac|argon2|blake2|base64"),
    ("Roster's own code", r"roster::"),
]


def profile_report(recording, name, work):
    process, data = recording
    process.wait()
    report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none",
                             "--sort", "dso,symbol", "--percent-limit", "0.01"],
                            capture_output=True, text=True).stdout
    totals = {label: 0.0 for label, _ in PROFILE_CATEGORIES}
    other = {"kernel, other": 0.0, "other": 0.0}
    uncategorised = []
    for line in report.splitlines():
        match = re.match(r"\s*([\d.]+)%\s+(.*)", line)
        if not match or line.startswith("#"):
            continue
        share, rest = float(match.group(1)), match.group(2)
        for label, pattern in PROFILE_CATEGORIES:
            if re.search(pattern, rest):
                totals[label] += share
                break
        else:
            other["kernel, other" if "[k]" in rest else "other"] += share
            uncategorised.append((share, rest.split("] ", 1)[-1].strip()[:90]))
    print(f"\n== where the server's CPU goes: {name} (perf samples, self time)")
    for label, share in sorted({**totals, **other}.items(), key=lambda item: -item[1]):
        if share >= 0.5:
            print(f"  {share:5.1f}%  {label}")
    print("  the largest of the rest: " + "; ".join(f"{symbol.strip()} {share:.1f}%" for share, symbol in
                                                   sorted(uncategorised, reverse=True)[:6]))


def measure(server, database, command, token):
    if token:
        command = command[:1] + ["-H", f"Authorization: Bearer {token}"] + command[1:]
    server.reset_peak_memory()
    cpu_before, db_before = server.cpu_ticks(), database.server_cpu_ticks()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    cpu_after, db_after = server.cpu_ticks(), database.server_cpu_ticks()
    line = next(l for l in output.splitlines() if l.startswith("RESULT "))
    fields = line.split()
    requests, micros, p50, p99, unclean, socket_errors = (int(fields[-6]), int(fields[-5]), float(fields[-4]),
                                                          float(fields[-3]), int(fields[-2]), int(fields[-1]))
    requests = max(requests, 1)
    return {
        "requests": requests,
        "rps": requests / (micros / 1e6),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "cpu": (cpu_after - cpu_before) * 1000 / TICK / requests,
        "db_cpu": (db_after - db_before) * 1000 / TICK / requests,
        "memory": server.memory_mib(),
        "errors": unclean + socket_errors,
    }


def count_statements(url, work, cursor):
    plan = {
        "password": PASSWORD,
        "logins": {"admin": ADMIN, "user": "user1@bench.local"},
        "scenarios": [
            {"name": "me", "query": ME, "variables": {}, "token": "user"},
            {"name": "admin page of 50", "query": ADMIN_PAGE, "variables": {"offset": 5000}, "token": "admin"},
            {"name": "keyset page 9,950 deep", "query": KEYSET, "variables": {"after": cursor}, "token": "admin"},
            {"name": "login", "query": LOGIN, "variables": {"i": {"login": "user5@bench.local", "password": PASSWORD}}, "token": None},
            {"name": "refresh", "query": REFRESH, "variables": {"t": "$FRESH_REFRESH_TOKEN"}, "token": None},
            {"name": "register", "query": REGISTER, "variables": {"i": {"email": "$UNIQUE_EMAIL", "password": PASSWORD}}, "token": None},
        ],
    }
    path = os.path.join(work, "plan.json")
    with open(path, "w") as out:
        json.dump(plan, out)
    example = os.path.join(ROOT, "target", "release", "examples", "statements")
    output = subprocess.run([example, path], check=True, capture_output=True, text=True,
                            env=dict(os.environ, BENCH_DATABASE_URL=url)).stdout
    counts = {}
    for line in output.splitlines():
        if line.startswith("STATEMENTS "):
            name, count = line[len("STATEMENTS "):].rsplit(" ", 1)
            counts[name] = count
    return counts


def explain_statements(database, work, cursor):
    """Runs the admin and keyset pages once through `examples/statements` with every statement
    printed, then `EXPLAIN (ANALYZE, BUFFERS)` of each distinct SELECT on the same database."""
    plan = {
        "password": PASSWORD,
        "logins": {"admin": ADMIN},
        "scenarios": [
            {"name": "admin page of 50", "query": ADMIN_PAGE, "variables": {"offset": 5000}, "token": "admin"},
            {"name": "keyset page 9,950 deep", "query": KEYSET, "variables": {"after": cursor}, "token": "admin"},
        ],
    }
    path = os.path.join(work, "explain.json")
    with open(path, "w") as out:
        json.dump(plan, out)
    example = os.path.join(ROOT, "target", "release", "examples", "statements")
    printed = subprocess.run([example, path], check=True, capture_output=True, text=True,
                             env=dict(os.environ, BENCH_DATABASE_URL=database.url, BENCH_PRINT_SQL="1")).stderr
    seen, shapes = [], set()
    for line in printed.splitlines():
        match = re.match(r"SQL \S+ (SELECT .*)", line)
        # One of each shape: the same statement with other ids is no news.
        if match and re.sub(r"'[^']*'", "?", match.group(1)) not in shapes:
            shapes.add(re.sub(r"'[^']*'", "?", match.group(1)))
            seen.append(match.group(1))
    for sql in seen:
        print(f"\n== EXPLAIN ANALYZE {sql[:300]}{'...' if len(sql) > 300 else ''}")
        print(database.psql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", url=database.url).rstrip())


def print_table(results, statements, database):
    kind = "PostgreSQL" if database.postgres else "SQLite"
    print(f"\nRoster on {kind}: {USERS:,} users, {GROUPS} groups of {PERMISSIONS_PER_GROUP} permissions, "
          f"2 groups per user; wrk on loopback, {os.cpu_count()} cores\n")
    db_column = database.postgres is not None
    header = ["scenario", "req/s", "p50 ms", "p99 ms", "Roster CPU ms/req"]
    if db_column:
        header.append("PostgreSQL CPU ms/req")
    header += ["VmHWM MiB", "RssAnon MiB", "RssFile MiB", "SQL/req", "errors"]
    rows = []
    for name, r in results.items():
        row = [name, f"{r['rps']:,.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['cpu']:.3f}"]
        if db_column:
            row.append(f"{r['db_cpu']:.3f}")
        row += [f"{r['memory'].get(key, 0):.0f}" for key in ("VmHWM", "RssAnon", "RssFile")]
        row += [statements.get(name, statements.get(name.split(" during")[0], "-")),
                "none" if r["errors"] == 0 else f"{r['errors']} (run void)"]
        rows.append(row)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


if __name__ == "__main__":
    main()
