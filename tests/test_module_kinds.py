"""Which calls run a module's forward (`analysis/modules.py`), judged from names where nothing else tells."""

import ast
import textwrap

from gradlint.analysis.facts import FileFacts
from gradlint.engine import parse
from gradlint.source import SourceText


def facts_of(code: str) -> FileFacts:
    text = textwrap.dedent(code)
    return FileFacts("case.py", SourceText(text), parse(text))


def test_a_method_named_like_a_model_is_not_a_module_forward():
    # `prepare_model`, `wrap_model`: a held object's method, however model-like its name
    facts = facts_of("""
        class Trainer:
            def __init__(self, accelerator, model, policy):
                self.model = accelerator.prepare_model(model, evaluation_mode=True)
                self.policy = accelerator.wrap_policy(policy)
                out = self.accelerator.prepare_model(model)
                y = self.policy_net(x)
    """)
    calls = {ast.unparse(c.func): facts.modules.is_forward(c) for c in facts.tree.calls}
    assert calls["accelerator.prepare_model"] is False
    assert calls["self.accelerator.prepare_model"] is False
    assert calls["self.policy_net"] is True  # a held object's attribute with a module's name


def test_module_api_methods_and_package_functions_named_like_modules_run_no_forward():
    # `parent.add_module(...)` is nn.Module API; `l2l.clone_module(policy)` a function of an
    # imported package; `self.value_module(x)` an attribute the code holds
    facts = facts_of("""
        import learn2learn as l2l

        def graft(parent, name, child, policy, x):
            parent.add_module(name, child)
            clone = l2l.clone_module(policy)
            parent.remove_module(name)
            return parent.value_module(x)
    """)
    calls = {ast.unparse(c.func): facts.modules.is_forward(c) for c in facts.tree.calls}
    assert calls["parent.add_module"] is False
    assert calls["l2l.clone_module"] is False
    assert calls["parent.remove_module"] is False
    assert calls["parent.value_module"] is True
