"""A run's memory stays bounded by what it must keep, not by how many files it has analysed.

The cyclic collector is paused while a file is analysed (gradlint.collector); each
file's trees and analyses (about a kilobyte per line, with cycles through FileFacts)
must still be freed after it. Measured as the peak resident memory of the largest
process of a real `gradlint check` run (RUSAGE_CHILDREN of a fresh intermediary, so
no other test's child counts).
"""

import json
import subprocess
import sys

TRAINING = '''\
import torch
from torch import nn


class Block{n}(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(width, width) for _ in range(4)])
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x)) + x
        return self.norm(x)
'''

STEP = '''

def step_{n}_{i}(model, batch, optimizer, scheduler=None):
    optimizer.zero_grad()
    inputs, targets = batch["x"], batch["y"]
    outputs = model(inputs)
    loss = torch.nn.functional.mse_loss(outputs, targets)
    loss.backward()
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-1.0, 1.0)
    return {{"loss": loss.item(), "count": len(inputs)}}
'''


def write_project(root, files: int, steps: int = 12) -> None:
    for n in range(files):
        text = TRAINING.format(n=n) + "".join(STEP.format(n=n, i=i) for i in range(steps))
        (root / f"module_{n}.py").write_text(text)


MEASURE = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-m", "gradlint", "check", "--no-cache", "--exit-zero",
                       "--output-format", "json", sys.argv[1]], capture_output=True, text=True)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, len(proc.stdout))
"""


def peak_mb(root) -> int:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(root)], capture_output=True, text=True, check=True)
    code, peak, _ = out.stdout.split()
    assert code == "0", out.stderr
    return int(peak)


def test_peak_memory_does_not_grow_with_the_files_analysed(tmp_path):
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    large.mkdir()
    write_project(small, 40)  # about 8,000 lines
    write_project(large, 400)  # about 80,000 lines: every file's analysis kept would be some 80 MB more
    few, many = peak_mb(small), peak_mb(large)
    # What must grow: the texts and project-index summaries of 72,000 more lines (measured: 33 MB
    # then 60 MB). With each file's analysis left for the collector that never comes: 40 then 171.
    assert many - few < 60, (few, many)


def test_the_generated_project_is_analysed(tmp_path):
    """The measured run does the work: every file is linted and the rules find nothing to report."""
    write_project(tmp_path, 3, steps=2)
    proc = subprocess.run([sys.executable, "-m", "gradlint", "check", "--no-cache", "--output-format", "json",
                           "--show-timings", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    # --show-timings names every file, and the rules ran on each
    for n in range(3):
        line = next(line for line in proc.stderr.splitlines() if f"module_{n}.py" in line)
        assert "rules" in line and "parse" in line and "summaries" in line
