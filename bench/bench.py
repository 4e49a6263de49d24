#!/usr/bin/env python3
"""The performance table: score-fanout's release binary and two Python baselines, each run as Lambda runs a function
(through a Lambda Runtime API of ours on 127.0.0.1) against the same loopback stub sink, on the same events.

Measured per implementation and event size: init (process start to its first `next` request), first and warm
invoke wall time, CPU per warm invoke (utime + stime of the process, from /proc), peak RSS (VmHWM), and the sink
calls per invoke (from the stub). Implementations are interleaved size by size; ratios come from the same run.

usage: bench.py RUST_BINARY STUB_BINARY [--sizes 1,100,1000,10000]"""

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
REPS = {1: 40, 100: 20, 1000: 8, 10000: 3}


def make_event(size, seed=7):
    """A realistic mix: 40% inserts, 40% modifies (a quarter of them keeping the score), 20% removes."""
    rng, records, scores = random.Random(seed), [], {}
    for i in range(size):
        roll = rng.random()
        player = f"player-{rng.randrange(max(size // 3, 1)):05}" if scores and roll >= 0.4 else f"player-{i:05}"
        seq = f"{400000000000000000000 + i}"
        base = {"eventID": uuid.UUID(int=rng.getrandbits(128)).hex, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/GameEvents/stream/2026-11-24T08:00:00.000"}
        image = lambda score: {"playerId": {"S": player}, "date": {"S": "Aug 23"}, "score": {"N": str(score)}}
        stream = {"ApproximateCreationDateTime": 1795510800 + i, "Keys": {"playerId": {"S": player}, "date": {"S": "Aug 23"}},
                  "SequenceNumber": seq, "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        if player not in scores:
            scores[player] = rng.randrange(1000)
            records.append({**base, "eventName": "INSERT", "dynamodb": {**stream, "NewImage": image(scores[player])}})
        elif roll < 0.8:
            old = scores[player]
            new = old if rng.random() < 0.25 else old + rng.randrange(-50, 51)
            scores[player] = new
            records.append({**base, "eventName": "MODIFY", "dynamodb": {**stream, "OldImage": image(old), "NewImage": image(new)}})
        else:
            records.append({**base, "eventName": "REMOVE", "dynamodb": {**stream, "OldImage": image(scores.pop(player))}})
    return json.dumps({"Records": records}, separators=(",", ":")).encode()


class RuntimeApi:
    """Hands out events one at a time and times each invocation."""

    def __init__(self):
        self.queue, self.first_next, self.done = [], None, threading.Event()
        self.handed_at, self.durations, self.lock = None, [], threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_):
                pass

            def do_GET(self):
                if api.first_next is None:
                    api.first_next = time.monotonic()
                while True:
                    with api.lock:
                        if api.queue:
                            body = api.queue.pop(0)
                            break
                    time.sleep(0.0005)
                deadline = int((time.time() + 60) * 1000)
                head = ("HTTP/1.1 200 OK\r\n"
                        f"Lambda-Runtime-Aws-Request-Id: {uuid.uuid4()}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\n"
                        "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                api.handed_at = time.monotonic()
                # One write: a head and a body in two segments would stall on delayed ACKs.
                self.wfile.write(head + body)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                api.durations.append(time.monotonic() - api.handed_at)
                api.last_response_path = self.path
                self.wfile.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                api.done.set()

        class Server(ThreadingHTTPServer):
            def get_request(self):
                connection, address = super().get_request()
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return connection, address

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, body):
        self.done.clear()
        with self.lock:
            self.queue.append(body)
        if not self.done.wait(300):
            raise RuntimeError("invocation did not answer within 300 s")
        if "/error" in self.last_response_path:
            raise RuntimeError("the function answered with an invocation error")
        return self.durations[-1]


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stub_stats(endpoint):
    with urllib.request.urlopen(f"{endpoint}/__stats") as response:
        return json.loads(response.read())


def run(command, body, reps, stub_endpoint, stub_pid):
    api = RuntimeApi()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.server.server_address[1]}",
               AWS_ENDPOINT_URL=stub_endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               EVENT_BUS_NAME="bench-bus", TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:bench",
               AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
               PYTHONPATH=str(HERE))
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = api.invoke(body)
        init = api.first_next - started
        calls_before, stub_cpu_before = stub_stats(stub_endpoint), cpu_seconds(stub_pid)
        cpu_before = cpu_seconds(process.pid)
        warm = [api.invoke(body) for _ in range(reps)] or [first]
        per = max(reps, 1)
        cpu = (cpu_seconds(process.pid) - cpu_before) / per
        stub_cpu = (cpu_seconds(stub_pid) - stub_cpu_before) / per
        calls_after = stub_stats(stub_endpoint)
        calls = {k: (calls_after[k] - calls_before[k]) / per for k in ("PutEvents", "PublishBatch")}
        return {"init": init, "first": first, "warm": statistics.median(warm), "cpu": cpu, "rss": peak_rss_mib(process.pid),
                "calls": calls, "stub_cpu": stub_cpu}
    finally:
        process.kill()
        process.wait()
        api.server.shutdown()


def cold_starts(command, body, launches, endpoint, stub_pid):
    """Median of init + first invoke over fresh processes, the first launch (page cache) excluded."""
    totals = []
    for _ in range(launches + 1):
        result = run(command, body, 0, endpoint, stub_pid)
        totals.append(result["init"] + result["first"])
    return statistics.median(totals[1:])


def main():
    args = sys.argv[1:]
    rust, stub_binary = args[0], args[1]
    sizes = [1, 100, 1000, 10000]
    if "--sizes" in args:
        sizes = [int(s) for s in args[args.index("--sizes") + 1].split(",")]
    python = sys.executable
    implementations = {
        "score-fanout (Rust)": [rust],
        "Python print-only": [python, str(HERE / "baseline_print.py")],
        "Python + boto3": [python, str(HERE / "baseline_publish.py")],
    }
    port = 18000 + os.getpid() % 1000
    stub = subprocess.Popen([stub_binary, str(port)])
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            stub_stats(endpoint)
            break
        except OSError:
            time.sleep(0.05)
    results, cold = {}, {}
    try:
        one = make_event(1)
        for name, command in implementations.items():
            cold[name] = cold_starts(command, one, 7, endpoint, stub.pid)
            print(f"  measured cold starts of {name}", file=sys.stderr, flush=True)
        for size in sizes:
            body = make_event(size)
            events = sum(1 for r in json.loads(body)["Records"]
                         if not (r["eventName"] == "MODIFY" and r["dynamodb"]["OldImage"]["score"] == r["dynamodb"]["NewImage"]["score"]))
            for name, command in implementations.items():
                reps = 1 if name == "Python + boto3" and size >= 10000 else REPS.get(size, 5)
                results[(name, size)] = {**run(command, body, reps, endpoint, stub.pid), "events": events, "bytes": len(body)}
                print(f"  measured {name} at {size} records", file=sys.stderr, flush=True)
    finally:
        stub.kill()
    print_table(results, sizes, list(implementations), cold)
    (HERE / "results.json").write_text(json.dumps({f"{k[0]}|{k[1]}": v for k, v in results.items()}, indent=1))


def print_table(results, sizes, names, cold):
    ms = lambda s: f"{s * 1000:.1f}"
    print(f"{'implementation':<22} {'records':>7} {'init ms':>8} {'first ms':>9} {'warm ms':>8} {'CPU ms':>8} {'RSS MiB':>8} {'PutEvents':>9} {'PublishBatch':>12}")
    for size in sizes:
        for name in names:
            r = results[(name, size)]
            calls = r["calls"]
            print(f"{name:<22} {size:>7} {ms(r['init']):>8} {ms(r['first']):>9} {ms(r['warm']):>8} {ms(r['cpu']):>8} {r['rss']:>8.1f} {calls['PutEvents']:>9.1f} {calls['PublishBatch']:>12.1f}")
    rust, printer, boto = names
    print("\ncold start + first invoke with 1 record (median of 7 fresh processes): "
          + ", ".join(f"{name} {ms(cold[name])} ms" for name in names))
    print("\nratios (Rust / baseline, lower is better) and targets:")
    print(f"  cold start + first invoke, 1 record, vs print-only: {cold[rust] / cold[printer]:.3f} (target < 0.2)")
    if 1000 in sizes:
        r, b, p = results[(rust, 1000)], results[(boto, 1000)], results[(printer, 1000)]
        print(f"  CPU per 1,000-record invoke vs boto3: {r['cpu'] / b['cpu']:.4f} (target < 0.05); vs print-only: {r['cpu'] / p['cpu']:.3f}")
        print(f"  wall per 1,000-record invoke vs boto3: {r['warm'] / b['warm']:.4f} (target < 0.0667); stub CPU per invoke {ms(r['stub_cpu'])} ms")
        floor = -(-r["events"] // 10)
        print(f"  API calls per 1,000-record invoke: PutEvents {r['calls']['PutEvents']:.0f}, PublishBatch {r['calls']['PublishBatch']:.0f} (floor {floor} each)")
    if 10000 in sizes:
        print(f"  peak RSS at 10,000 records: {results[(rust, 10000)]['rss']:.1f} MiB (target <= 24); event {results[(rust, 10000)]['bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
