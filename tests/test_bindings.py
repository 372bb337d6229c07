"""The one bindings table: what each read of a name sees, and the value flags built on it."""

import ast
import textwrap

from gradlint.analysis.bindings import bound_values
from gradlint.analysis.facts import FileFacts
from gradlint.analysis.values import INSIDE, OUTSIDE, ValueFlags, region_nodes
from gradlint.engine import parse
from gradlint.source import SourceText


def facts_of(code: str) -> FileFacts:
    text = textwrap.dedent(code)
    return FileFacts("case.py", SourceText(text), parse(text))


def read(facts: FileFacts, name: str, line: int) -> ast.Name:
    [node] = [n for n in ast.walk(facts.module) if isinstance(n, ast.Name) and n.id == name
              and isinstance(n.ctx, ast.Load) and n.lineno == line]
    return node


def values_at(facts, name, line) -> list[str | None]:
    values = bound_values(facts, read(facts, name, line))
    return [ast.unparse(v) if v is not None else None for v in values]


def test_a_read_sees_the_bindings_that_reach_it():
    facts = facts_of("""
        def f(model, flag):
            sd = model.state_dict()
            use(sd)
            if flag:
                sd = {}
            use(sd)
            sd = load()
            use(sd)
    """)
    assert values_at(facts, "sd", 4) == ["model.state_dict()"]
    assert values_at(facts, "sd", 7) == ["model.state_dict()", "{}"]
    assert values_at(facts, "sd", 9) == ["load()"]


def test_a_loop_target_parameter_or_comprehension_variable_is_unknown():
    facts = facts_of("""
        def f(models, sd):
            use(sd)
            for m in models:
                use(m)
            return [use(x) for x in models]
    """)
    assert values_at(facts, "sd", 3) == [None]
    assert values_at(facts, "m", 5) == [None]
    assert values_at(facts, "x", 6) == [None]


def test_a_closure_or_global_sees_every_binding_of_the_enclosing_scope():
    facts = facts_of("""
        sd = first()
        sd = second()

        def f():
            return use(sd)
    """)
    assert values_at(facts, "sd", 6) == ["first()", "second()"]
    assert bound_values(facts, read(facts, "use", 6)) == []  # nothing in view binds it


def test_fills_belong_to_the_definition_they_fill():
    facts = facts_of("""
        def f(model, x):
            with torch.no_grad():
                out = []
                out.append(model(x))
            out = [1]
            return out
    """)
    function = facts.module.body[0]
    flags = ValueFlags(facts, function, region_nodes(function.body[0].body))
    # the list filled with a forward's output inside the block is INSIDE; the list returned is not
    assert flags.name(read(facts, "out", 7)) == 0
    [inside] = [key for key, bindings in flags.bindings.by_key.items() if key.startswith("out@4")]
    assert flags.key_flags(inside) & INSIDE


def test_an_augmented_assignment_keeps_what_the_name_held():
    facts = facts_of("""
        def f(model, running, x):
            total = running
            with torch.no_grad():
                total += model(x)
            return total
    """)
    function = facts.module.body[0]
    flags = ValueFlags(facts, function, region_nodes(function.body[1].body))
    assert flags.name(read(facts, "total", 6)) == INSIDE | OUTSIDE



def test_a_comprehension_iterable_is_read_in_the_scope_around_it():
    # `[f(x) for x in x]`: the iterable `x` is the function's; `y` in the second generator's
    # iterable is the first generator's variable; zip and enumerate are looked through
    facts = facts_of("""
        def f(x, model, targets):
            a = [g(x) for x in x]
            b = [y for xs in x for y in xs]
            c = [t(o) for t, o in zip(targets, model(x))]
            d = [o for i, o in enumerate(model(x))]
    """)
    names = [n for n in ast.walk(facts.module) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    first = [n for n in names if n.id == "x" and n.lineno == 3]
    elt, iterable = sorted(first, key=lambda n: n.col_offset)
    assert ast.unparse(facts.comprehension_target(elt)[0]) == "x"
    assert facts.comprehension_target(iterable) is None
    [xs] = [n for n in names if n.id == "xs" and n.lineno == 4]
    assert ast.unparse(facts.comprehension_target(xs)[0]) == "x"
    function = facts.module.body[0]
    flags = ValueFlags(facts, function, region_nodes(function.body))
    [o] = [n for n in names if n.id == "o" and n.lineno == 5]
    [t] = [n for n in names if n.id == "t" and n.lineno == 5]
    assert flags.name(o) == INSIDE and flags.name(t) == OUTSIDE
    [o2] = [n for n in names if n.id == "o" and n.lineno == 6]
    assert flags.name(o2) == INSIDE
