#!/usr/bin/env python3
"""How long `requestPasswordReset` takes with the mail server up and with it down, and how long
the queued mail takes to go out once it is back.

    python3 bench/mail.py [--requests 200] [--postgres URL] [--no-build]

Builds the release binary (unless --no-build), starts an SMTP server on loopback (aiosmtpd,
installed from PyPI into the run's own directory), registers `--requests` x 2 accounts, and
times resets for half of them with the SMTP server up, then stops it and times resets for the
other half. Latency is measured by the client over keep-alive HTTP, sequentially (one request
at a time, so each number is the server's own answer time). The outbox table is read from
the database to tell when every mail has gone out. Loopback only; everything it starts it
stops by PID, and the database it creates it drops.
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BINARY, PASSWORD, ROOT, Database, Server, free_port, roster_env, run  # noqa: E402

REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { accessToken } }"
RESET = "mutation($e: String!) { requestPasswordReset(email: $e) }"


class MailSink:
    """aiosmtpd's Sink handler on a free loopback port: accepts and discards every mail."""

    def __init__(self, work, port=None):
        self.work = work
        self.port = port or free_port()
        lib = os.path.join(work, "pylib")
        if not os.path.isdir(lib):
            run([sys.executable, "-m", "pip", "install", "--quiet", "--target", lib, "aiosmtpd"])
        env = dict(os.environ, PYTHONPATH=lib)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
             "-l", f"127.0.0.1:{self.port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                with __import__("socket").create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        sys.exit("the SMTP server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def graphql(self, query, variables):
        body = json.dumps({"query": query, "variables": variables})
        started = time.perf_counter()
        self.connection.request("POST", "/graphql", body, {"Content-Type": "application/json"})
        answer = json.loads(self.connection.getresponse().read())
        elapsed = time.perf_counter() - started
        if answer.get("errors"):
            sys.exit(f"{query}: {answer['errors']}")
        return elapsed


def pending(database):
    """Mails not yet sent or given up."""
    sql = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL"
    if database.postgres:
        return int(database.psql(sql, url=database.url).strip() or 0)
    import sqlite3
    with sqlite3.connect(database.path) as connection:
        return connection.execute(sql).fetchone()[0]


def wait_drained(database, limit=120):
    started = time.perf_counter()
    while pending(database):
        if time.perf_counter() - started > limit:
            return None
        time.sleep(0.05)
    return time.perf_counter() - started


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="resets per phase (default 200)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL to create the database on")
    parser.add_argument("--no-build", action="store_true", help="use target/release/roster as it is")
    args = parser.parse_args()
    if not args.no_build:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    work = tempfile.mkdtemp(prefix="roster-mail-bench-")
    database = Database(args.postgres, work)
    sink = server = None
    try:
        sink = MailSink(work)
        env = roster_env(database.url, work)
        env["ROSTER_SMTP_URL"] = f"smtp://127.0.0.1:{sink.port}?tls=none"
        env["ROSTER_LOG"] = "warn"
        server = Server(env, work)
        client = Client(server.port)
        emails = [f"user{n}@bench.local" for n in range(2 * args.requests)]
        for email in emails:
            client.graphql(REGISTER, {"i": {"email": email, "password": PASSWORD}})
        if wait_drained(database) is None:
            sys.exit("the verification mails did not go out")

        rows = []
        # A fresh connection per phase: the server closes one idle for 10 s.
        client = Client(server.port)
        up = [client.graphql(RESET, {"e": email}) for email in emails[:args.requests]]
        rows.append(("mail server up", up, wait_drained(database)))
        port = sink.port
        sink.stop()
        client = Client(server.port)
        down = [client.graphql(RESET, {"e": email}) for email in emails[args.requests:]]
        waiting = pending(database)
        time.sleep(3)  # a few failed attempts, so the retry path is what comes back
        sink = MailSink(work, port)
        rows.append(("mail server down", down, wait_drained(database)))

        print(f"requestPasswordReset, {args.requests} sequential requests per row "
              f"({'PostgreSQL' if args.postgres else 'SQLite'}), client-side latency:")
        print(f"{'':18} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  all mail out after")
        for name, latencies, drained in rows:
            ms = [x * 1000 for x in latencies]
            out = "not within 120 s" if drained is None else f"{drained:.1f} s"
            if name == "mail server down":
                out += f" (restarted 3 s after the last request; {waiting} mails were waiting)"
            print(f"{name:18} {percentile(ms, 50):8.2f} {percentile(ms, 99):8.2f} {max(ms):8.2f}  {out}")
    finally:
        if server:
            server.stop()
        if sink:
            sink.stop()
        database.drop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
