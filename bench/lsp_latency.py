"""How long after a change do `gradlint server`'s diagnostics arrive?

Drives the real server over stdio with a minimal JSON-RPC client: opens a
generated training module of about `lines` lines (mostly clean code, a GL301
and a GL302 every twenty functions), then sends `rounds` changes, one at a time,
and times each from sending `didChange` to receiving the `publishDiagnostics`
for that version. The time includes the server's debounce.

    python bench/lsp_latency.py [--lines 1000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CLEAN = '''

def train_step_{i}(model, batch, optimizer):
    optimizer.zero_grad()
    out = model(batch["x"])
    loss = ((out - batch["y"]) ** 2).mean()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-1, 1)
    return loss.item()
'''

WITH_FINDINGS = '''

def clip_{i}(model, x):
    for p in model.parameters():
        p.clamp_(-1, 1)
    with torch.no_grad:
        return model(x)
'''


def make_module(lines: int) -> str:
    text = "import torch\nimport torch.nn as nn\n"
    i = 0
    while text.count("\n") < lines:
        text += (WITH_FINDINGS if i % 20 == 0 else CLEAN).format(i=i)
        i += 1
    return text


class Client:
    """Just enough JSON-RPC over a child's pipes: send messages, read them on a thread."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict, timeout: float = 60) -> dict:
        self.next_id += 1
        msg_id = self.next_id
        self.send({"id": msg_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == msg_id and "method" not in m, timeout)

    def wait(self, matches, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            if "method" in message and "id" in message:
                # a request from the server (e.g. registerCapability): answer it
                self.send({"id": message["id"], "result": None})
            if matches(message):
                return message

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


def _diagnostics_for(uri: str, version: int):
    def matches(message: dict) -> bool:
        params = message.get("params") or {}
        return message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri and params.get("version") == version

    return matches


def measure(lines: int = 1000, rounds: int = 20, command: list[str] | None = None) -> dict:
    """Median (and spread) of change-to-diagnostics latency in milliseconds."""
    command = command or [sys.executable, "-m", "gradlint", "server"]
    text = make_module(lines)
    # an empty workspace: the server's background project index has nothing to read
    folder = Path(tempfile.mkdtemp(prefix="gradlint-lsp-latency-"))
    uri = (folder / "lsp_latency_module.py").as_uri()
    client = Client(command)
    try:
        client.request("initialize", {"processId": None, "rootUri": folder.as_uri(), "capabilities": {}})
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {
            "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text},
        })
        first = client.wait(_diagnostics_for(uri, 1))
        findings = len(first["params"]["diagnostics"])
        latencies = []
        for version in range(2, rounds + 2):
            # an edit a user makes: a changed constant
            text = text.replace(f"# edit {version - 1}\n", "").replace("import torch\n", f"import torch\n# edit {version}\n", 1)
            start = time.perf_counter()
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}],
            })
            client.wait(_diagnostics_for(uri, version))
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        client.close()
    latencies.sort()
    engine = engine_latency(text, rounds)
    return {
        "lines": text.count("\n"),
        "rounds": rounds,
        "findings": findings,
        "median_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(latencies[int(0.9 * (len(latencies) - 1))], 1),
        "min_ms": round(latencies[0], 1),
        "max_ms": round(latencies[-1], 1),
        # the same lint in this process: what the server adds is the difference
        "engine_median_ms": round(engine, 1),
    }


def engine_latency(text: str, rounds: int) -> float:
    """Median time of the lint the server runs on a change, called directly."""
    from gradlint.engine import lint_source

    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        lint_source(text, "lsp_latency_module.py")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    result = measure(args.lines, args.rounds)
    print(
        f"{result['lines']} lines, {result['findings']} findings, {result['rounds']} changes: "
        f"median {result['median_ms']} ms, p90 {result['p90_ms']} ms (min {result['min_ms']}, max {result['max_ms']}); "
        f"the lint alone: median {result['engine_median_ms']} ms"
    )


if __name__ == "__main__":
    main()
