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


def test_a_method_running_the_model_its_object_holds_is_a_forward_whose_value_is_its_return():
    # `self.get_logits(x)`: Attack stores a module-named argument in a setter, get_logits runs it;
    # the call is a forward, but what it gives is the method's return, not the module's output
    facts = facts_of("""
        class Attack:
            def __init__(self, model):
                self.set_model(model)

            def set_model(self, model):
                self.model = model

            def get_logits(self, x):
                return self.model(x)

            def describe(self, x):
                return "attack"

            def run(self, x):
                logits = self.get_logits(x)
                text = self.describe(x)
                direct = self.model(x)
                return logits, text, direct
    """)
    calls = {ast.unparse(c): c for c in facts.tree.calls}
    assert facts.modules.is_forward(calls["self.get_logits(x)"])
    assert not facts.modules.gives_output(calls["self.get_logits(x)"])
    assert not facts.modules.is_forward(calls["self.describe(x)"])
    assert facts.modules.gives_output(calls["self.model(x)"])


def test_an_override_that_runs_no_forward_keeps_a_self_call_from_being_one():
    facts = facts_of("""
        class Base:
            def __init__(self, model):
                self.model = model

            def encode(self, x):
                return self.model(x)

            def run(self, x):
                return self.encode(x)

        class Cached(Base):
            def encode(self, x):
                return self.cache[x]
    """)
    call = next(c for c in facts.tree.calls if ast.unparse(c) == "self.encode(x)")
    assert not facts.modules.is_forward(call)


def test_conditional_and_chained_attributes_keep_their_module_kind():
    facts = facts_of("""
        import torch.nn as nn

        class Wrapper(nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

        class GAN(nn.Module):
            def __init__(self):
                super().__init__()
                self.D = nn.Linear(4, 1)
                self.D_aug = Wrapper(self.D)

        class Trainer:
            def __init__(self, ddp):
                self.GAN = None
                self.ddp = ddp

            def build(self):
                self.GAN = GAN()

            def step(self, x, flag):
                chained = self.GAN.D_aug
                either = self.GAN.D if flag else self.GAN.D_aug
                mixed = self.GAN.D if flag else len
                return chained(x), either(x), mixed(x)
    """)
    calls = {ast.unparse(c.func): facts.modules.is_forward(c) for c in facts.tree.calls}
    assert calls["chained"] is True
    assert calls["either"] is True
    assert calls["mixed"] is False  # the arms disagree: not known to be a module
