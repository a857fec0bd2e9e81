#!/usr/bin/env python3
"""The audit log at scale: pages of `auditEvents` in a table of 1,000,000 events.

Seeds the events by SQL (spread over 90 days, about a fifth of them failed logins, a few
thousand naming one account), then measures with wrk on loopback:
the first page, filtered pages (by action, by user, by action since a day ago), the same with
`totalCount`, and a keyset page 100,000 events deep. Prints requests per second, latency and
CPU per request, and the statements of one request of each.

    python3 bench/audit.py [--postgres URL] [--events N] [--duration S] [--no-build]

It starts its own server on a free loopback port, on its own database, and stops both.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the shared server, database and wrk helpers)

PAGE = ("query($f: AuditEventFilter, $after: String) { auditEvents(first: 50, after: $after, filter: $f) "
        "{ nodes { id occurredAt action actorId userId ipAddress details actor { email } user { email } } "
        "pageInfo { endCursor } } }")
COUNTED = PAGE.replace("{ nodes", "{ totalCount nodes")
DAYS = 90


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to create the benchmark database on")
    parser.add_argument("--events", type=int, default=1_000_000, help="events to seed (default 1,000,000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--no-build", action="store_true", help="use target/release/roster as it is")
    args = parser.parse_args()
    wrk = bench.ensure_wrk()
    if not args.no_build:
        bench.run(["cargo", "build", "--release", "--quiet"], cwd=bench.ROOT)
        bench.run(["cargo", "build", "--release", "--quiet", "--example", "statements"], cwd=bench.ROOT)
    work = tempfile.mkdtemp(prefix="roster-bench-audit-")
    database = bench.Database(args.postgres, work)
    server = None
    try:
        env = bench.roster_env(database.url, work)
        bench.run([bench.BINARY, "create-superuser", "--email", bench.ADMIN, "--password", bench.PASSWORD],
                  env=env, cwd=work)
        server = bench.Server(env, work)
        target = server.graphql("mutation($i: RegisterInput!) { register(input: $i) { user { id } } }",
                                {"i": {"email": "target@bench.local", "password": bench.PASSWORD}})
        target_id = target["register"]["user"]["id"]
        seed(database, args.events, target_id)
        admin = server.login(bench.ADMIN)["accessToken"]
        cursor = deep_cursor(server, admin, 100_000)
        day_ago = server.graphql("query { auditEvents(first: 1) { nodes { occurredAt } } }",
                                 token=admin)["auditEvents"]["nodes"][0]["occurredAt"][:10] + "T00:00:00Z"
        plan = [
            ("first page", PAGE, {}),
            ("LOGIN_FAILED page", PAGE, {"f": {"actions": ["LOGIN_FAILED"]}}),
            ("one user's page", PAGE, {"f": {"userId": target_id}}),
            ("LOGIN_FAILED since a day", PAGE, {"f": {"actions": ["LOGIN_FAILED"], "since": day_ago}}),
            ("keyset page 100,000 deep", PAGE, {"after": cursor}),
            ("first page + totalCount", COUNTED, {}),
            ("one user's page + totalCount", COUNTED, {"f": {"userId": target_id}}),
            ("LOGIN_FAILED page + totalCount", COUNTED, {"f": {"actions": ["LOGIN_FAILED"]}}),
        ]
        results = {}
        for name, query, variables in plan:
            check = server.graphql(query, variables, admin)["auditEvents"]["nodes"]
            assert len(check) == 50, f"{name}: {len(check)} events"
            script = os.path.join(work, "scenario.lua")
            with open(script, "w") as out:
                out.write(bench.lua(name, bench.body(query, variables)))
            results[name] = bench.measure(server, database, [wrk, "-t2", "-c16", f"-d{args.duration}s",
                                                             "--latency", "-s", script, server.url], admin)
        server.stop()
        server = None
        statements = count_statements(database.url, work, plan)
        kind = "PostgreSQL" if database.postgres else "SQLite"
        print(f"\nauditEvents on {kind}: {args.events:,} events over {DAYS} days, pages of 50 with their "
              f"actors and users; wrk -t2 -c16 on loopback, {os.cpu_count()} cores\n")
        print_table(results, statements, database)
    finally:
        if server:
            server.stop()
        database.drop()
        shutil.rmtree(work, ignore_errors=True)


def seed(database, count, target_id):
    """`count` events, newest a minute ago, one every (90 days / count): 20% LOGIN_FAILED, 1 in
    250 naming the target account, the rest logins and profile edits of 10,000 others."""
    step = DAYS * 86400 / count
    if database.postgres:
        numbers = f"generate_series(1, {count}) AS n(i)"
        new_id = "gen_random_uuid()"
        at = f"now() - interval '1 minute' - i * interval '{step} seconds'"
        someone = "('00000000-0000-4000-8000-' || lpad(to_hex(i % 10000), 12, '0'))::uuid"
        target = f"'{target_id}'::uuid"
    else:
        numbers = (f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count}) "
                   "SELECT i FROM s) AS n")
        # As sqlx writes a UTC time (RFC 3339): '2026-12-03T13:47:20.123+00:00'.
        at = f"strftime('%Y-%m-%dT%H:%M:%f', 'now', '-60 seconds', '-' || (i * {step}) || ' seconds') || '+00:00'"
        # Uuids as sqlx writes them on SQLite: 16 bytes.
        new_id = "randomblob(16)"
        someone = "CAST(printf('%016d', i % 10000) AS BLOB)"
        target = f"X'{target_id.replace('-', '')}'"
    database.execute(f"""
        INSERT INTO audit_events (id, occurred_at, action, actor_id, user_id, ip_address, user_agent, details)
        SELECT {new_id}, {at},
               CASE WHEN i % 5 = 0 THEN 'LOGIN_FAILED' WHEN i % 5 = 1 THEN 'PROFILE_UPDATED' ELSE 'LOGIN_SUCCEEDED' END,
               CASE WHEN i % 5 = 0 THEN NULL WHEN i % 250 = 7 THEN {target} ELSE {someone} END,
               CASE WHEN i % 250 = 7 THEN {target} ELSE {someone} END,
               '203.0.113.' || (i % 250), 'bench/1.0',
               CASE WHEN i % 5 = 1 THEN '{{"firstName":{{"from":"A","to":"B"}}}}' ELSE NULL END
        FROM {numbers};
    """)
    if database.postgres:
        database.psql("VACUUM ANALYZE", url=database.url)


def deep_cursor(server, token, depth):
    """The cursor after the first `depth` events, walked 100 at a time."""
    walk = "query($after: String) { auditEvents(first: 100, after: $after) { pageInfo { endCursor } } }"
    cursor = None
    for _ in range(depth // 100):
        cursor = server.graphql(walk, {"after": cursor}, token)["auditEvents"]["pageInfo"]["endCursor"]
    return cursor


def count_statements(url, work, plan):
    path = os.path.join(work, "plan.json")
    with open(path, "w") as out:
        json.dump({
            "password": bench.PASSWORD,
            "logins": {"admin": bench.ADMIN},
            "scenarios": [{"name": n, "query": q, "variables": v, "token": "admin"} for n, q, v in plan],
        }, out)
    example = os.path.join(bench.ROOT, "target", "release", "examples", "statements")
    output = subprocess.run([example, path], check=True, capture_output=True, text=True,
                            env=dict(os.environ, BENCH_DATABASE_URL=url)).stdout
    return {line[len("STATEMENTS "):].rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1]
            for line in output.splitlines() if line.startswith("STATEMENTS ")}


def print_table(results, statements, database):
    db_column = database.postgres is not None
    header = ["scenario", "req/s", "p50 ms", "p99 ms", "Roster CPU ms/req"]
    if db_column:
        header.append("PostgreSQL CPU ms/req")
    header += ["SQL/req", "errors"]
    rows = []
    for name, r in results.items():
        row = [name, f"{r['rps']:,.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['cpu']:.3f}"]
        if db_column:
            row.append(f"{r['db_cpu']:.3f}")
        row += [statements.get(name, "-"), "none" if r["errors"] == 0 else f"{r['errors']} (run void)"]
        rows.append(row)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


if __name__ == "__main__":
    main()
