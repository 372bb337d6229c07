"""The grad-mode analysis (RULES.md, "Grad disabled"): one test per spelling.

Each snippet marks the places it asks about with `probe("label")` calls; the
test reads the grad mode the analysis gives at each probe.
"""

import ast
import textwrap

import pytest

from gradlint.analysis.facts import FileFacts
from gradlint.analysis.grad_mode import GradMode
from gradlint.engine import build_index, parse
from gradlint.source import SourceText

ENABLED, DISABLED, INFERENCE, UNKNOWN = GradMode.ENABLED, GradMode.DISABLED, GradMode.INFERENCE, GradMode.UNKNOWN


def probes(facts: FileFacts) -> dict[str, GradMode]:
    found = {}
    for node in ast.walk(facts.module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "probe":
            found[node.args[0].value] = facts.grad_mode_at(node)
    return found


def modes(code: str, index=None, path: str = "case.py") -> dict[str, GradMode]:
    text = textwrap.dedent(code)
    return probes(FileFacts(path, SourceText(text), parse(text), index=index))


def test_plain_code_runs_with_grad_enabled():
    assert modes("""
        import torch
        probe("module")
        def f():
            probe("function")
    """) == {"module": ENABLED, "function": ENABLED}


def test_with_no_grad_block():
    assert modes("""
        import torch
        with torch.no_grad():
            probe("inside")
        probe("after")
    """) == {"inside": DISABLED, "after": ENABLED}


def test_several_items_in_one_with():
    assert modes("""
        import torch
        with open("f") as handle, torch.no_grad():
            probe("second item")
        with torch.no_grad(), torch.enable_grad():
            probe("re-enabled by the later item")
    """) == {"second item": DISABLED, "re-enabled by the later item": ENABLED}


@pytest.mark.parametrize("decorator", ["@torch.no_grad()", "@torch.no_grad"])
def test_no_grad_decorator_with_and_without_parentheses(decorator):
    assert modes(f"""
        import torch
        {decorator}
        def evaluate(model, x):
            probe("body")
        probe("outside")
    """) == {"body": DISABLED, "outside": ENABLED}


@pytest.mark.parametrize("decorator", ["@torch.inference_mode()", "@torch.inference_mode"])
def test_inference_mode_decorator_with_and_without_parentheses(decorator):
    assert modes(f"""
        import torch
        {decorator}
        def predict(model, x):
            probe("body")
    """) == {"body": INFERENCE}


def test_with_inference_mode_block():
    assert modes("""
        import torch
        with torch.inference_mode():
            probe("inside")
        with torch.inference_mode(mode=True):
            probe("keyword")
    """) == {"inside": INFERENCE, "keyword": INFERENCE}


def test_inference_mode_false_keeps_the_surrounding_mode():
    assert modes("""
        import torch
        with torch.inference_mode(False):
            probe("top level")
        with torch.no_grad():
            with torch.inference_mode(False):
                probe("inside no_grad")
        with torch.inference_mode():
            with torch.inference_mode(False):
                probe("leaving inference")
    """) == {"top level": ENABLED, "inside no_grad": DISABLED, "leaving inference": DISABLED}


def test_inference_mode_with_non_literal_flag_is_unknown():
    assert modes("""
        import torch
        def f(flag):
            with torch.inference_mode(flag):
                probe("inside")
    """) == {"inside": UNKNOWN}


def test_set_grad_enabled_false_as_block():
    assert modes("""
        import torch
        with torch.set_grad_enabled(False):
            probe("off")
        with torch.set_grad_enabled(True):
            probe("on")
        with torch.set_grad_enabled(mode=False):
            probe("keyword")
    """) == {"off": DISABLED, "on": ENABLED, "keyword": DISABLED}


def test_set_grad_enabled_false_as_statement():
    assert modes("""
        import torch
        def f():
            probe("before")
            torch.set_grad_enabled(False)
            probe("after")
            if True:
                probe("nested block after")
            torch.set_grad_enabled(True)
            probe("re-enabled")
        def g():
            probe("other scope")
    """) == {
        "before": ENABLED,
        "after": DISABLED,
        "nested block after": DISABLED,
        "re-enabled": ENABLED,
        "other scope": ENABLED,
    }


def test_set_grad_enabled_false_in_a_try_body_holds_after_it():
    # `finally` also runs when the body raised before the statement: there the mode is either;
    # after the try only the body's normal end goes on
    assert modes("""
        import torch
        def f():
            try:
                torch.set_grad_enabled(False)
            finally:
                probe("finally")
            probe("after try")
    """) == {"finally": UNKNOWN, "after try": DISABLED}


def test_a_grad_mode_block_restores_the_mode_it_found_even_when_its_body_set_it():
    assert modes("""
        import torch
        def f():
            torch.set_grad_enabled(False)
            with torch.enable_grad():
                probe("in block")
                torch.set_grad_enabled(False)
                probe("set in block")
            probe("after block")
            with open("log") as log:
                torch.set_grad_enabled(True)
            probe("after plain block")
    """) == {"in block": ENABLED, "set in block": DISABLED, "after block": DISABLED, "after plain block": ENABLED}


def test_a_file_that_sets_the_mode_by_statement_keeps_its_blocks_decorators_and_classes():
    assert modes("""
        import torch
        torch.set_grad_enabled(False)
        probe("module")
        class Model:
            probe("class body")
            @torch.enable_grad()
            def method(self):
                probe("decorated method")
                with torch.no_grad():
                    probe("block in method")
        def helper():
            probe("function")
            with torch.no_grad():
                return
                probe("after return")
    """) == {"module": DISABLED, "class body": DISABLED, "decorated method": ENABLED, "block in method": DISABLED,
             "function": ENABLED, "after return": DISABLED}


def test_set_grad_enabled_false_in_one_branch_leaves_the_mode_unknown_after_it():
    assert modes("""
        import torch
        def f(eval_only):
            if eval_only:
                torch.set_grad_enabled(False)
            probe("after branch")
    """) == {"after branch": UNKNOWN}


def test_set_grad_enabled_false_later_in_a_loop_body_reaches_the_next_iteration():
    assert modes("""
        import torch
        def f(loader):
            for x in loader:
                probe("loop top")
                torch.set_grad_enabled(False)
    """) == {"loop top": UNKNOWN}


def test_set_grad_enabled_with_non_literal_flag_is_unknown():
    assert modes("""
        import torch
        def f(training):
            with torch.set_grad_enabled(training):
                probe("block")
        def g(training):
            torch.set_grad_enabled(training)
            probe("statement")
    """) == {"block": UNKNOWN, "statement": UNKNOWN}


def test_enable_grad_re_enables():
    assert modes("""
        import torch
        with torch.no_grad():
            with torch.enable_grad():
                probe("block")
        @torch.no_grad()
        def outer():
            with torch.enable_grad():
                probe("in decorated function")
        @torch.enable_grad()
        def inner():
            probe("decorated")
    """) == {"block": ENABLED, "in decorated function": ENABLED, "decorated": ENABLED}


def test_enable_grad_does_not_leave_inference_mode():
    assert modes("""
        import torch
        with torch.inference_mode():
            with torch.enable_grad():
                probe("block")
        @torch.inference_mode()
        def f():
            with torch.enable_grad():
                probe("in function")
    """) == {"block": INFERENCE, "in function": INFERENCE}


@pytest.mark.parametrize("header, spelling", [
    ("import torch as th", "th.no_grad()"),
    ("from torch import no_grad", "no_grad()"),
    ("from torch import no_grad as ng", "ng()"),
    ("import torch", "torch.autograd.no_grad()"),
    ("import torch", "torch.autograd.grad_mode.no_grad()"),
    ("from torch.autograd import no_grad", "no_grad()"),
    ("from torch.autograd import grad_mode", "grad_mode.no_grad()"),
    ("from torch.autograd import set_grad_enabled", "set_grad_enabled(False)"),
    ("import torch.autograd as ag", "ag.set_grad_enabled(False)"),
])
def test_every_import_spelling(header, spelling):
    assert modes(f"""
        {header}
        with {spelling}:
            probe("inside")
    """) == {"inside": DISABLED}


def test_import_spellings_of_decorators_and_statements():
    assert modes("""
        import torch as th
        from torch.autograd import set_grad_enabled
        from torch import inference_mode
        @th.no_grad
        def a():
            probe("alias decorator")
        @inference_mode
        def b():
            probe("imported decorator")
        def c():
            set_grad_enabled(False)
            probe("imported statement")
    """) == {"alias decorator": DISABLED, "imported decorator": INFERENCE, "imported statement": DISABLED}


def test_a_local_name_that_shadows_nothing_is_not_grad_mode():
    # `no_grad` here is the user's own function, not torch's
    assert modes("""
        def no_grad():
            ...
        with no_grad():
            probe("inside")
    """) == {"inside": ENABLED}


def test_bare_no_grad_in_with_disables_nothing():
    # `with torch.no_grad:` raises (GL302); the analysis does not pretend it disabled grad
    assert modes("""
        import torch
        with torch.no_grad:
            probe("inside")
    """) == {"inside": ENABLED}


@pytest.mark.parametrize("base_import, base", [
    ("import lightning as L", "L.LightningModule"),
    ("import pytorch_lightning as pl", "pl.LightningModule"),
    ("from lightning.pytorch import LightningModule", "LightningModule"),
])
def test_lightning_hooks_run_in_inference_mode(base_import, base):
    assert modes(f"""
        {base_import}
        class Model({base}):
            def training_step(self, batch, batch_idx):
                probe("training_step")
            def validation_step(self, batch, batch_idx):
                probe("validation_step")
            def test_step(self, batch, batch_idx):
                probe("test_step")
            def predict_step(self, batch, batch_idx):
                probe("predict_step")
    """) == {"training_step": ENABLED, "validation_step": INFERENCE, "test_step": INFERENCE, "predict_step": INFERENCE}


def test_lightning_hook_names_outside_a_lightning_module_are_plain():
    assert modes("""
        import torch
        class Model(torch.nn.Module):
            def validation_step(self, batch, batch_idx):
                probe("plain module")
        def validation_step(batch):
            probe("plain function")
    """) == {"plain module": ENABLED, "plain function": ENABLED}


def test_lightning_subclass_of_a_subclass_in_the_same_file():
    assert modes("""
        import lightning as L
        class Base(L.LightningModule):
            pass
        class Model(Base):
            def validation_step(self, batch, batch_idx):
                probe("inherited")
    """) == {"inherited": INFERENCE}


# -- functions whose every call site is grad-disabled (the project index) -----


def write(tmp_path, files: dict[str, str]) -> list[str]:
    paths = []
    for name, code in files.items():
        path = tmp_path / name
        path.write_text(textwrap.dedent(code), encoding="utf-8")
        paths.append(str(path))
    return paths


def project_modes(tmp_path, files: dict[str, str]) -> dict[str, GradMode]:
    paths = write(tmp_path, files)
    index = build_index(paths)
    found = {}
    for path in paths:
        text = open(path, encoding="utf-8").read()
        found.update(probes(FileFacts(path, SourceText(text), parse(text), index=index)))
    return found


def test_function_called_only_with_grad_disabled(tmp_path):
    assert project_modes(tmp_path, {"a.py": """
        import torch
        def helper(model, x):
            probe("helper")
        def evaluate(model, x):
            with torch.no_grad():
                helper(model, x)
            with torch.inference_mode():
                helper(model, x)
    """})["helper"] == DISABLED


def test_function_called_only_in_inference_mode(tmp_path):
    assert project_modes(tmp_path, {"a.py": """
        import torch
        def helper(model, x):
            probe("helper")
        @torch.inference_mode()
        def predict(model, x):
            return helper(model, x)
    """})["helper"] == INFERENCE


def test_one_call_with_grad_enabled_keeps_the_function_enabled(tmp_path):
    assert project_modes(tmp_path, {"a.py": """
        import torch
        def helper(model, x):
            probe("helper")
        def run(model, x):
            with torch.no_grad():
                helper(model, x)
            helper(model, x)
    """})["helper"] == ENABLED


def test_call_sites_across_files(tmp_path):
    found = project_modes(tmp_path, {
        "helpers.py": """
            def helper(model, x):
                probe("helper")
            def mixed(model, x):
                probe("mixed")
        """,
        "train.py": """
            import torch
            from helpers import helper, mixed
            def evaluate(model, x):
                with torch.no_grad():
                    helper(model, x)
                    mixed(model, x)
        """,
        "other.py": """
            from helpers import mixed
            def train(model, x):
                mixed(model, x)
        """,
    })
    assert found == {"helper": DISABLED, "mixed": ENABLED}


def test_disabled_mode_is_inherited_through_a_chain_of_callers(tmp_path):
    found = project_modes(tmp_path, {"a.py": """
        import torch
        def leaf(x):
            probe("leaf")
        def middle(x):
            leaf(x)
        @torch.no_grad()
        def top(x):
            middle(x)
    """})
    assert found["leaf"] == DISABLED


def test_uncalled_function_is_judged_by_its_own_body(tmp_path):
    assert project_modes(tmp_path, {"a.py": """
        import torch
        def never_called(model, x):
            probe("body")
            with torch.no_grad():
                probe("block")
    """}) == {"body": ENABLED, "block": DISABLED}


def test_function_passed_as_a_value_is_not_treated_as_disabled(tmp_path):
    assert project_modes(tmp_path, {"a.py": """
        import torch
        def callback(x):
            probe("callback")
        def run(register, x):
            with torch.no_grad():
                callback(x)
            register(callback)
    """})["callback"] == ENABLED


def test_function_passed_as_a_value_in_another_file(tmp_path):
    found = project_modes(tmp_path, {
        "a.py": """
            import torch
            def callback(x):
                probe("callback")
            def run(x):
                with torch.no_grad():
                    callback(x)
        """,
        "b.py": """
            from a import callback
            hooks = [callback]
        """,
    })
    assert found["callback"] == ENABLED


def test_without_an_index_a_file_is_its_own_project():
    assert modes("""
        import torch
        def helper(x):
            probe("helper")
        with torch.no_grad():
            helper(1)
    """) == {"helper": DISABLED}


def test_decorator_on_a_function_with_disabled_callers_still_wins(tmp_path):
    assert project_modes(tmp_path, {"a.py": """
        import torch
        @torch.enable_grad()
        def helper(x):
            probe("helper")
        with torch.no_grad():
            helper(1)
    """})["helper"] == ENABLED
