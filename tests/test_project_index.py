"""The project index on its own: qualified names, call resolution, modes to a fixpoint, wrappers."""

from gradlint.analysis.grad_mode import GradMode
from gradlint.analysis.project import ProjectIndex
from gradlint.analysis.module_paths import module_identity
from gradlint.engine import summarize_source


def index_of(tmp_path, files: dict[str, str]) -> ProjectIndex:
    summaries = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        summaries.append(summarize_source(text, str(path)))
    return ProjectIndex(summaries)


def test_module_names_follow_init_files(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    assert module_identity(str(tmp_path / "pkg" / "sub" / "mod.py")) == ("pkg.sub.mod", "pkg.sub")
    assert module_identity(str(tmp_path / "pkg" / "sub" / "__init__.py")) == ("pkg.sub", "pkg.sub")
    assert module_identity(str(tmp_path / "script.py")) == ("script", "")


def test_relative_imports_and_reexports_resolve_to_the_definition(tmp_path):
    index = index_of(tmp_path, {
        "pkg/__init__.py": "from .helpers import clip\n",
        "pkg/helpers.py": "def clip(model):\n    pass\n",
        "pkg/train.py": "import torch\nfrom pkg import clip\n\ndef step(m):\n    with torch.no_grad():\n        clip(m)\n",
        "pkg/other.py": "import torch\nfrom ..pkg.helpers import clip\n",
    })
    assert index.canonical("pkg.clip") == "pkg.helpers.clip"
    assert index.function_mode("pkg.helpers.clip") is GradMode.DISABLED


def test_a_caller_of_a_caller_decides(tmp_path):
    index = index_of(tmp_path, {
        "a.py": "def leaf(m):\n    pass\n\ndef middle(m):\n    leaf(m)\n",
        "b.py": "import torch\nfrom a import middle\n\n@torch.inference_mode()\ndef top(m):\n    middle(m)\n",
    })
    assert index.function_mode("a.middle") is GradMode.INFERENCE
    assert index.function_mode("a.leaf") is GradMode.INFERENCE


def test_one_call_with_grad_is_enough_to_judge_by_the_body(tmp_path):
    index = index_of(tmp_path, {
        "a.py": "import torch\n\ndef leaf(m):\n    pass\n\ndef one(m):\n    with torch.no_grad():\n        leaf(m)\n\ndef two(m):\n    leaf(m)\n",
    })
    assert index.function_mode("a.leaf") is None


def test_methods_resolve_by_receiver_class(tmp_path):
    index = index_of(tmp_path, {
        "m.py": ("import torch\n\nclass A:\n    def evaluate(self):\n        pass\n\nclass B:\n    def evaluate(self):\n        pass\n\n"
                 "def run():\n    a = A()\n    with torch.no_grad():\n        a.evaluate()\n"),
    })
    assert index.function_mode("m.A.evaluate") is GradMode.DISABLED
    assert index.function_mode("m.B.evaluate") is None  # never called: judged by its own body


def test_lineage_climbs_project_bases_across_files(tmp_path):
    index = index_of(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": "class Root:\n    pass\n\nclass Middle(Root):\n    pass\n",
        "pkg/leaf.py": "import torch\nfrom .base import Middle\n\nclass Leaf(Middle, torch.nn.Module):\n    pass\n",
    })
    assert index.lineage("pkg.leaf.Leaf") == ["pkg.leaf.Leaf", "pkg.base.Middle", "pkg.base.Root"]
    assert index.lineage("pkg.base.Root") == ["pkg.base.Root"]


def test_a_closure_calls_a_method_of_the_object_its_enclosing_function_made(tmp_path):
    classes = "import torch\n\nclass A:\n    def evaluate(self):\n        pass\n\nclass B:\n    def evaluate(self):\n        pass\n\n"
    index = index_of(tmp_path, {
        "m.py": classes + "def run():\n    a = A()\n    def inner():\n        with torch.no_grad():\n            a.evaluate()\n    return inner\n",
    })
    assert index.function_mode("m.A.evaluate") is GradMode.DISABLED  # `a` is the A that run() made
    assert index.callers("m.A.evaluate") == ["m.run.inner"] and index.callers("m.B.evaluate") is None
    index = index_of(tmp_path, {
        "m.py": classes + ("def rebound():\n    b = B()\n    def inner():\n        nonlocal b\n        b = A()\n"
                           "    def use():\n        b.evaluate()\n    return inner, use\n"),
    })
    # `b` is rebound by another closure: `b.evaluate()` may be any object's, A's too
    assert index.callers("m.A.evaluate") == ["m.rebound.use"] == index.callers("m.B.evaluate")


def test_a_module_level_object_resolves_to_its_class(tmp_path):
    classes = "import torch\n\nclass A:\n    def evaluate(self):\n        pass\n\nclass B:\n    def evaluate(self):\n        pass\n\n"
    index = index_of(tmp_path, {
        "script.py": classes + "a = A()\n\ndef report():\n    with torch.no_grad():\n        a.evaluate()\n\nif __name__ == '__main__':\n    with torch.no_grad():\n        a.evaluate()\n",
    })
    # a script's `a = A()` is an A wherever the script reads it: in its functions and its own code
    assert set(index.callers("script.A.evaluate")) == {"script.report", None}
    assert index.function_mode("script.A.evaluate") is GradMode.DISABLED
    assert index.callers("script.B.evaluate") is None
    index = index_of(tmp_path, {
        "script.py": classes + "a = A()\nif len(sys.argv) > 1:\n    a = B()\n\ndef report():\n    a.evaluate()\n",
    })
    # two classes bound to the name: the call may be either's
    assert index.callers("script.A.evaluate") == ["script.report"] == index.callers("script.B.evaluate")


def test_recursion_and_very_deep_call_chains_end(tmp_path):
    chain = "".join(f"def f{i}(m):\n    f{i + 1}(m)\n\n" for i in range(3000)) + "def f3000(m):\n    f0(m)\n"
    index = index_of(tmp_path, {"deep.py": chain, "top.py": "import torch\nfrom deep import f0\n\nwith torch.no_grad():\n    f0(None)\n"})
    # f0 is also called by f3000 (a cycle): every way into the cycle runs with grad off, so all of it does
    assert index.function_mode("deep.f2999") is GradMode.DISABLED
    index = index_of(tmp_path, {"deep.py": chain, "top.py": "import torch\nfrom deep import f0\n\nwith torch.no_grad():\n    f0(None)\nf0(None)\n"})
    assert index.function_mode("deep.f2999") is None  # one way in runs with grad on
    index = index_of(tmp_path, {"deep.py": chain, "top.py": "import torch\n"})
    assert index.function_mode("deep.f2999") is None  # a cycle nothing outside calls: judged by its body
    lone = "".join(f"def g{i}(m):\n    g{i + 1}(m)\n\n" for i in range(3000)) + "def g3000(m):\n    pass\n"
    index = index_of(tmp_path, {"lone.py": lone, "run.py": "import torch\nfrom lone import g0\n\nwith torch.no_grad():\n    g0(None)\n"})
    assert index.function_mode("lone.g3000") is GradMode.DISABLED


def test_wrappers_are_recognised_by_what_they_do(tmp_path):
    index = index_of(tmp_path, {
        "w.py": (
            "import contextlib, functools, torch\n\n"
            "def smart(new=True):\n    def decorate(fn):\n        return (torch.inference_mode if new else torch.no_grad)()(fn)\n    return decorate\n\n"
            "off = torch.no_grad()\n\n"
            "@contextlib.contextmanager\ndef frozen():\n    with torch.inference_mode():\n        yield\n\n"
            "class GradOff:\n    def __enter__(self):\n        torch.set_grad_enabled(False)\n\n"
            "def timed(fn):\n    @functools.wraps(fn)\n    def wrapper(*a):\n        return fn(*a)\n    return wrapper\n"
        ),
    })
    assert index.wrapper_mode("call:w.smart") is GradMode.DISABLED  # inference_mode or no_grad: grad is off either way
    assert index.wrapper_mode("bare:w.off") is GradMode.DISABLED
    assert index.wrapper_mode("call:w.frozen") is GradMode.INFERENCE
    assert index.wrapper_mode("call:w.GradOff") is GradMode.DISABLED
    assert index.wrapper_mode("bare:w.timed") is None and index.wrapper_mode("call:w.timed") is None


def test_torch_use_through_project_modules(tmp_path):
    index = index_of(tmp_path, {
        "models.py": "import torch.nn as nn\n",
        "glue.py": "import tensorflow as tf\nfrom models import nn\n",
        "tfonly.py": "import tensorflow as tf\n",
    })
    assert index.uses_torch("glue") and not index.uses_torch("tfonly")


READERS = '''
import math
import torch
from torch.nn import functional as F
from .other import helper

def pure(x, y):
    z = F.relu(x) + torch.zeros_like(y)
    return (z * math.pi).sum().item()

def calls_pure(x):
    return round(pure(x, x)) if x.dim() else len(x)

def in_place(x):
    x.add_(1)

def aug(x):
    x += 1
    return x

def stores(x, box):
    box.last = x

def calls_argument(f, x):
    return f(x)

def appends(x, found):
    found.append(x)

def makes_layer(x):
    return torch.nn.Linear(3, 3)(x)

def grads(x, y):
    return torch.autograd.grad(y, x)

def through_other(x):
    return helper(x)

def even(n, x):
    return x if n == 0 else odd(n - 1, x)

def odd(n, x):
    return x.sum() if n == 0 else even(n - 1, x)

def calls_in_place(x):
    return in_place(x)

@torch.no_grad()
def decorated(x):
    return x * 2

def split(batch, device, logger=None):
    if len(batch) != 2:
        if logger:
            logger.error("expected (data, target)")
        raise ValueError("expected (data, target)")
    return batch[0].to(device), batch[1].to(device)

def logs_to(x, *, sink=None):
    sink.write(str(x))
    return x.sum()

def rebinds_logger(x, logger=None):
    logger = logger if logger is not None else DEFAULT_LOGGER
    logger.info(x)

def default_object(x, box=BOX):
    box.append(x)

def calls_guarded(x, logger):
    return split(x, "cpu", logger)
'''


def test_functions_that_only_read_their_arguments(tmp_path):
    index = index_of(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/ops.py": READERS,
        "pkg/other.py": "import torch\n\ndef helper(x):\n    return torch.tanh(x)\n",
        "pkg/reexport.py": "from .ops import pure\n",
    })
    readers = {name for name in ("pure", "calls_pure", "through_other", "even", "odd") if index.reader_guards(f"pkg.ops.{name}") == {}}
    assert readers == {"pure", "calls_pure", "through_other", "even", "odd"}
    assert index.reader_guards("pkg.reexport.pure") == {}  # through a re-export
    for name in ("in_place", "aug", "stores", "calls_argument", "appends", "makes_layer", "grads", "calls_in_place", "decorated"):
        assert index.reader_guards(f"pkg.ops.{name}") is None, name
    assert index.reader_guards("pkg.ops.missing") is None


def test_a_reader_with_an_optional_logger_reads_only_where_the_call_leaves_it_out(tmp_path):
    index = index_of(tmp_path, {"pkg/__init__.py": "", "pkg/ops.py": READERS})
    assert index.reader_guards("pkg.ops.split") == {"logger": 2}
    assert index.reader_guards("pkg.ops.logs_to") == {"sink": -1}
    # a logger bound again in the body, a default that is an object, a caller handing its own
    # argument on to a guarded one: not readers
    for name in ("rebinds_logger", "default_object", "calls_guarded"):
        assert index.reader_guards(f"pkg.ops.{name}") is None, name


def test_plain_classes_are_those_with_no_base_out_of_the_project(tmp_path):
    index = index_of(tmp_path, {
        "base.py": "class Dispatcher:\n    pass\n\nclass Typed(object):\n    pass\n",
        "m.py": ("import torch\nfrom .base import Dispatcher\n\nclass Task(Dispatcher):\n    pass\n\n"
                 "class Net(torch.nn.Module):\n    pass\n\nclass Wrapped(Net):\n    pass\n\n"
                 "class Config(SomeFrameworkBase):\n    pass\n"),
    })
    plain = index.plain_classes
    assert {"base.Dispatcher", "base.Typed"} <= plain
    assert "Net" not in {name.rsplit(".", 1)[-1] for name in plain}
    assert not {name for name in plain if name.endswith((".Net", ".Wrapped", ".Config"))}


def test_a_forward_that_computes_gradients_is_known_across_files_and_subclasses(tmp_path):
    index = index_of(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": "import torch\n\nclass Base(torch.nn.Module):\n    def forward(self, x):\n        return x\n",
        "pkg/penalised.py": ("import torch\nfrom torch.autograd import grad\nfrom .base import Base\n\n"
                             "class Penalised(Base):\n    def forward(self, x):\n        return self._gp(x)\n\n"
                             "    def _gp(self, x):\n        return grad(x.sum(), x, create_graph=True)[0]\n\n"
                             "class Child(Penalised):\n    pass\n"),
    })
    assert index.forward_runs_autograd("pkg.penalised.Penalised")
    assert index.forward_runs_autograd("pkg.penalised.Child")  # inherits the forward
    assert not index.forward_runs_autograd("pkg.base.Base")
    assert index.forward_runs_autograd("pkg.base.Base", or_subclass=True)  # a Base argument may be a Penalised


def test_a_files_questions_keep_their_answer_when_other_files_do_not_matter(tmp_path):
    """The questions a file asks of the index are put so that its own index and the project's
    answer them alike unless another file changes the finding: a first-pass lint then stands."""
    files = {
        "pkg/__init__.py": "from .util import Plain, helper\nfrom .nets import Net\n",
        "pkg/nets.py": "import torch\n\nclass Net(torch.nn.Module):\n    pass\n",
        "pkg/util.py": "class Plain:\n    pass\n\ndef helper(x):\n    return x\n\ndef run(x):\n    return helper(x)\n",
        "pkg/train.py": "from pkg import Plain, Net\n",
    }
    project = index_of(tmp_path, files)  # written first: the package's __init__.py names the modules
    own = index_of(tmp_path, {"pkg/util.py": files["pkg/util.py"]})
    # a function only this file calls: the same callers either way
    assert own.local_callers("pkg.util.helper", "pkg.util") == ["pkg.util.run"]
    assert project.local_callers("pkg.util.helper", "pkg.util") == ["pkg.util.run"]
    # the re-exported names: canonical differs, but only the module class's answer changes
    train_own = index_of(tmp_path, {"pkg/train.py": files["pkg/train.py"]})
    assert train_own.canonical("pkg.Plain") != project.canonical("pkg.Plain")
    assert train_own.is_module_class("pkg.Plain") is project.is_module_class("pkg.Plain") is False
    assert not train_own.is_module_class("pkg.Net") and project.is_module_class("pkg.Net")
    assert project.refers_to("pkg.helper", "pkg.util.helper") and not train_own.refers_to("pkg.helper", "pkg.util.helper")
    # once another file calls it too, the file no longer follows the function's callers
    files["pkg/train.py"] += "from pkg.util import helper\n\ndef go():\n    helper(1)\n"
    assert index_of(tmp_path, files).local_callers("pkg.util.helper", "pkg.util") is None


def test_methods_that_keep_a_tensor_they_make_on_their_object(tmp_path):
    index = index_of(tmp_path, {
        "m.py": ("import torch\n\nclass Base:\n    def pick(self):\n        self.count = self.count + 1\n\n"
                 "class Chooser(Base):\n    def __init__(self):\n        self.ids = torch.zeros(3)\n"
                 "    def pick(self):\n        self.ids = self._rank()[:2]\n    def _rank(self):\n        return torch.argsort(self.ids)\n"),
    })
    assert index.caches_tensors("m.Chooser.pick")  # through `self._rank()`, which makes the tensor
    assert index.caches_tensors("m.Base.pick")  # a Base may be a Chooser, whose override keeps one
    assert index.caches_tensors("?pick") and not index.caches_tensors("?count")
    assert not index.caches_tensors("m.Chooser.__init__")  # setup code builds what the object holds


def test_a_plain_objects_forward_has_call_sites_and_a_modules_has_not(tmp_path):
    source = ("import torch\n\nclass Ensemble:\n    def forward(self, x):\n        return x\n\n"
              "class Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n\n"
              "class Trainer:\n    def __init__(self):\n        self.ensemble = None\n        self.net = Net()\n"
              "    def setup(self):\n        self.ensemble = Ensemble()\n"
              "    def test(self, x):\n        with torch.no_grad():\n            self.ensemble.forward(x)\n            self.net.forward(x)\n")
    index = index_of(tmp_path, {"m.py": source})
    assert index.function_mode("m.Ensemble.forward") is GradMode.DISABLED  # its one call site, through what `self.ensemble` holds
    # a module's forward also runs from every `net(x)`, which no call key names: its explicit calls are not all
    assert index.function_mode("m.Net.forward") is not GradMode.DISABLED


def test_a_base_methods_self_call_runs_for_subclasses_that_inherit_it(tmp_path):
    source = ("import torch\n\nclass Template:\n    def forward(self):\n        return 0\n"
              "    def training_epoch(self):\n        with torch.no_grad():\n            self.forward()\n\n"
              "class Own(Template):\n    def forward(self):\n        return 1\n    def training_epoch(self):\n        self.forward()\n\n"
              "class Extends(Template):\n    def forward(self):\n        return 2\n    def training_epoch(self):\n"
              "        super().training_epoch()\n\n"
              "class Inherits(Template):\n    def forward(self):\n        return 3\n")
    index = index_of(tmp_path, {"m.py": source})
    # Own replaces training_epoch: the template's no_grad call never runs its forward
    assert index.callers("m.Own.forward") == ["m.Own.training_epoch"]
    assert index.function_mode("m.Own.forward") is not GradMode.DISABLED
    # Extends runs the template's loop through super(), Inherits runs it as is
    assert index.function_mode("m.Extends.forward") is GradMode.DISABLED
    assert index.function_mode("m.Inherits.forward") is GradMode.DISABLED
