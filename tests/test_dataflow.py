"""The one dataflow solver and the reaching definitions on it, shape by shape: which
assignment of a name each read sees (definitions are named after their statement's line)."""

import ast
import textwrap

import pytest

from gradlint.analysis.definitions import Definitions
from gradlint.analysis.tree import Tree


def seen_at(source: str, marker: str = "use(x)") -> set[int]:
    """The lines of the definitions of `x` that reach the statement `use(x)`."""
    module = ast.parse(textwrap.dedent(source))
    tree = Tree(module)
    function = module.body[0]
    definitions = Definitions(tree, function)
    [read] = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == "x"
              and isinstance(tree.parent(n), ast.Call) and ast.unparse(tree.parent(n)) == marker]
    return {int(key.split("@")[1].split(":")[0]) if not key.endswith("@in") else 0
            for key in definitions.read_keys(read)}


@pytest.mark.parametrize("source, lines", [
    ("""
     def f(a):
         x = 1
         x = 2
         use(x)
     """, {4}),
    ("""
     def f(a):
         x = 1
         if a:
             x = 2
         use(x)
     """, {3, 5}),
    ("""
     def f(a):
         x = 1
         if a:
             x = 2
             return
         use(x)
     """, {3}),
    ("""
     def f(items):
         x = 0
         for item in items:
             use(x)
             x = item
     """, {3, 6}),
    ("""
     def f(items):
         x = 0
         for item in items:
             if item:
                 x = 1
                 break
             x = 2
         else:
             x = 3
         use(x)
     """, {6, 10}),
    ("""
     def f(items):
         x = 0
         while True:
             x = 1
             if items:
                 break
         use(x)
     """, {5}),
    ("""
     def f(items):
         x = 0
         for item in items:
             x = 1
             continue
             x = 2
         use(x)
     """, {3, 5}),
    ("""
     def f(a):
         x = 0
         try:
             x = 1
             x = 2
         except ValueError:
             use(x)
     """, {3, 5, 6}),
    ("""
     def f(a):
         x = 0
         try:
             x = 1
         finally:
             x = 2
         use(x)
     """, {7}),
    ("""
     def f(command):
         x = 0
         match command:
             case "a":
                 x = 1
             case _:
                 x = 2
         use(x)
     """, {3, 6, 8}),
    ("""
     def f(x):
         if x:
             x = 1
         use(x)
     """, {0, 4}),
])
def test_the_definitions_a_read_sees(source, lines):
    assert seen_at(source) == lines


def test_a_name_bound_once_keeps_its_plain_key():
    module = ast.parse("def f(a):\n    x = a\n    use(x)\n")
    tree = Tree(module)
    definitions = Definitions(tree, module.body[0])
    assert "x" not in definitions.versioned


def test_names_nested_code_reads_are_not_versioned():
    # a closure sees whatever the name holds when it runs: one value, not one per definition
    module = ast.parse("def f(a):\n    x = 1\n    x = 2\n    g = lambda: x\n    use(x)\n")
    definitions = Definitions(Tree(module), module.body[0])
    assert "x" not in definitions.versioned


def exclusive(source: str) -> bool:
    """Can the calls `a()` and `b()` of the function never both run in one call?"""
    module = ast.parse(textwrap.dedent(source))
    tree = Tree(module)
    function = module.body[0]
    calls = {ast.unparse(n): tree.statement_of(n) for n in ast.walk(function) if isinstance(n, ast.Call)}
    return tree.exclusive(calls["a()"], calls["b()"], function)


@pytest.mark.parametrize("source, expected", [
    ("def f(k):\n    if k:\n        a()\n    else:\n        b()\n", True),
    ("def f(k):\n    if k == 1:\n        a()\n    elif k == 2:\n        b()\n", True),
    ("def f(k):\n    match k:\n        case 1:\n            a()\n        case _:\n            b()\n", True),
    # a loop repeats the branch: one iteration takes one arm, the next the other
    ("def f(ks):\n    for k in ks:\n        if k:\n            a()\n        else:\n            b()\n", False),
    # the same arm, one after the other, or the branch and what follows it
    ("def f(k):\n    if k:\n        a()\n        b()\n", False),
    ("def f(k):\n    if k:\n        a()\n    b()\n", False),
    # an exception handler may run after part of the body ran
    ("def f():\n    try:\n        a()\n    except ValueError:\n        b()\n", False),
    # a loop inside one arm repeats only that arm
    ("def f(k, xs):\n    if k:\n        for x in xs:\n            a()\n    else:\n        b()\n", True),
])
def test_statements_in_other_arms_of_one_branch_never_run_together(source, expected):
    assert exclusive(source) is expected


def test_the_indices_of_a_values_indices_pair_cut_the_flow():
    from gradlint.analysis.facts import FileFacts
    from gradlint.engine import parse
    from gradlint.source import SourceText

    text = textwrap.dedent("""
        def step(model, x, y, opt):
            ranked = model(x).sort(dim=1)[1]
            top = model(x).topk(2, dim=1)[0]
            picked = model(x).max(1).indices
            whole = model(x).max(y)[1]
            loss = (top.sum() + ranked.float().sum() + picked.float().sum() + whole.sum())
            loss.backward()
    """)
    facts = FileFacts("case.py", SourceText(text), parse(text))
    forwards = {facts.tree.statement_of(c).lineno: facts.flow.fate(c).reaches_backward for c in facts.modules.forwards}
    assert forwards == {3: False, 4: True, 5: False, 6: True}  # `max(y)` of two tensors is no pair


def test_what_is_visibly_a_string():
    import ast as std_ast

    from gradlint.analysis.values import is_string

    def check(expr):
        return is_string(std_ast.parse(expr, mode="eval").body)

    assert all(check(e) for e in ['"a"', 'f"{x}"', "str(x)", '"{}".format(x)', '"%d" % n', '"k" + str(i)'])
    assert not any(check(e) for e in ["x", "x + 1", "f(x)", "x.format(y)", "b'bytes'"])


def test_a_local_bound_in_one_arm_only_reaches_its_reads_unbound():
    module = ast.parse(textwrap.dedent("""
        def step(model, x, fp16):
            if fp16:
                out = model(x)
            else:
                out = model(x)
                loss = out[0]
            loss = loss.mean()
            use(loss, x)
    """))
    tree = Tree(module)
    definitions = Definitions(tree, module.body[0])
    reads = {n.lineno: definitions.read_keys(n) for n in ast.walk(module) if isinstance(n, ast.Name) and n.id == "loss"
             and isinstance(n.ctx, ast.Load)}
    # `loss.mean()` sees the else arm's binding and, on the fp16 path, no binding at all
    assert {definitions.unbound_entry(key) for key in reads[8]} == {"loss", None}
    # after `loss = loss.mean()` it is bound on every path; a parameter is never unbound
    assert {definitions.unbound_entry(key) for key in reads[9]} == {None}
    assert definitions.unbound_entry("x@in") is None


def test_reach_built_on_demand_answers_as_the_whole_graph_does():
    from gradlint.analysis.facts import FileFacts
    from gradlint.analysis.reach import ScopeFlow
    from gradlint.engine import parse
    from gradlint.source import SourceText

    text = textwrap.dedent("""
        def step(model, teacher, x, y, opt, log, fp16):
            feats = []
            out = model(x)
            soft = teacher(x)
            probe = model(x[:1])
            feats.append(probe)
            if fp16:
                loss = (out - y).pow(2).mean()
            else:
                loss = out.sum() + (lambda t: t * 2)(soft).mean()
            total = loss
            total += out.mean()
            log(soft.detach(), [f for f in feats])
            total.backward()
            opt.step()
            return probe.shape
    """)
    facts = FileFacts("case.py", SourceText(text), parse(text))
    scope = facts.tree.functions[0]
    lazy = ScopeFlow(facts, scope)
    keys = sorted({key for path in ("out", "soft", "probe", "feats", "loss", "total", "x", "y") for key in lazy.keys_of(path)})
    asked_first = {key: lazy.reach(key) for key in keys}
    one = ScopeFlow(facts, scope)
    one.reach(sorted(one.keys_of("soft"))[0])
    assert len(one._edges) < len(ScopeFlow(facts, scope).edges)  # one question builds part of the graph
    whole = ScopeFlow(facts, scope)
    whole.edges  # noqa: B018 (built in full before any question)
    assert asked_first == {key: whole.reach(key) for key in keys}
    assert any(s.startswith("<backward>") for s in whole.reach(sorted(whole.keys_of("out"))[0]))


def test_attributes_read_as_values():
    from gradlint.analysis.names import ImportTable
    from gradlint.analysis.reach import read_attributes

    source = textwrap.dedent("""
        import torch
        def use(model, log):
            labels = model.output.argmax(1)        # cut at once: indices only
            if model.cache is None:                # a comparison reads no value on
                pass
            model.history.append(labels)           # filling, not reading
            model.table[0] = labels                # filling an item
            model.fit(labels)                      # a method call
            loss = torch.nn.functional.mse_loss(model.logits, labels)
            log(getattr(model, "features"))
            return model.hidden[0]
    """)
    tree = Tree(ast.parse(source))
    assert read_attributes(tree, ImportTable(tree.module)) >= {"logits", "features", "hidden", "functional"}
    assert not read_attributes(tree, ImportTable(tree.module)) & {"output", "cache", "history", "table", "fit"}
