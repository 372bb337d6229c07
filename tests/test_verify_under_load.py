"""Time verdicts hold on a loaded machine: the bundled fixtures judged on time (claims `time` and
`none`), verified three times in a row while two busy processes compete for the CPUs, give the
same confirmed verdict every time.

About a minute and a half on 2 cores. The full proof, ten runs of every bundled fixture under
the same load (about 20 minutes), is `python tests/verify_under_load.py` (see the README).
"""

import os

import pytest

pytest.importorskip("torch")

from gradlint.verify.fixture import find_fixtures, load_fixture  # noqa: E402
from verify_under_load import busy, render, spread, stable, under_load  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = 3


def timed_fixtures() -> list[str]:
    """The bundled fixtures whose verdict depends on a time measurement."""
    bundled = find_fixtures([os.path.join(ROOT, "gradlint", "fixtures")])
    return [path for path in bundled if load_fixture(path).claim in ("time", "none")]


def test_busy_processes_end_when_told_and_on_their_own():
    with busy(2, seconds=60) as spinners:
        assert all(spinner.poll() is None for spinner in spinners)
    assert all(spinner.poll() is not None for spinner in spinners)
    with busy(1, seconds=0.2) as spinners:
        assert spinners[0].wait(timeout=30) == 0  # its own deadline ended it


def test_time_verdicts_are_stable_under_load():
    paths = timed_fixtures()
    assert any(load_fixture(path).claim == "time" for path in paths)
    results = under_load(paths, runs=RUNS, busy_processes=2, busy_seconds=600)
    table = spread(results)
    assert sorted(table) == sorted(os.path.splitext(os.path.basename(path))[0] for path in paths)
    assert stable(table), render(table)
    assert [result["exit"] for result in results] == [0] * RUNS, render(table)
    for result in results:
        assert all(entry["time"]["clock"] == "thread_cpu" for entry in result["document"]["fixtures"])
