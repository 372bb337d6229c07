"""Progress on a terminal: after a delay, `gradlint: indexing/checking N of M files` on one line of
standard error, erased before the report; nothing at all where standard error is not a terminal."""

import io

from gradlint.config import Settings
from gradlint.progress import Progress
from gradlint.runner import run_check

EVALUATE = """\
import torch


def evaluate(model, x):
    model.eval()
    return model(x).argmax(1).tolist()
"""


class Terminal(io.StringIO):
    def isatty(self):
        return True


def project(tmp_path, files=5):
    for number in range(files):
        (tmp_path / f"eval_{number}.py").write_text(EVALUATE)
    return tmp_path


def test_a_long_run_on_a_terminal_shows_files_done_then_erases_the_line(tmp_path):
    root = project(tmp_path)
    stream = Terminal()
    progress = Progress(stream, delay=0)
    outcome = run_check([str(root)], Settings(root=str(root)), cache=False, progress=progress)
    progress.finish()
    assert len(outcome.findings) == 5
    shown = stream.getvalue()
    assert "gradlint: indexing 5 of 5 files" in shown
    assert "\n" not in shown  # one line, redrawn in place
    assert shown.endswith("\r") and shown.rstrip("\r").endswith(" ")  # erased before the report


def test_the_second_pass_counts_the_files_it_checks(tmp_path):
    # with --diff no finding is kept from the first pass: all five are checked again
    root = project(tmp_path)
    stream = Terminal()
    progress = Progress(stream, delay=0)
    run_check([str(root)], Settings(root=str(root)), cache=False, diff=True, progress=progress)
    progress.finish()
    assert "gradlint: checking 5 of 5 files" in stream.getvalue()


def test_a_run_shorter_than_the_delay_shows_nothing(tmp_path):
    root = project(tmp_path)
    stream = Terminal()
    progress = Progress(stream)  # the default delay: two seconds
    run_check([str(root)], Settings(root=str(root)), cache=False, progress=progress)
    progress.finish()
    assert stream.getvalue() == ""


def test_nothing_when_standard_error_is_not_a_terminal(tmp_path):
    root = project(tmp_path)
    stream = io.StringIO()
    progress = Progress(stream, delay=0)
    run_check([str(root)], Settings(root=str(root)), cache=False, progress=progress)
    progress.finish()
    assert stream.getvalue() == ""


def test_the_command_line_writes_no_progress_into_piped_output(gradlint_cli, tmp_path):
    root = project(tmp_path)
    code, out, err = gradlint_cli("check", "--no-cache", str(root))
    assert code == 1
    assert "gradlint: checking" not in out + err
