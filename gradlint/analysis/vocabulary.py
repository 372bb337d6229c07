"""The torch vocabulary: what the analysis knows about the PyTorch API and the Python builtins around it.

One table per fact, grouped by concern; the analysis modules and rules read
these and keep no lists of their own. Method and attribute names are bare
(`detach`); a table of torch functions says whether it holds bare names (of
`torch.<name>`) or qualified ones. Facts are checked against torch 2.13.

Where one analysis needs a variant (what keeps an inference tensor one is not
what cuts a graph), the variant is defined here from the shared tables, under
a name that says what it is for, so the differences stay visible in one place.
"""

from __future__ import annotations

import ast

import re

# -- tensor attributes ---------------------------------------------------------------------

# attributes that describe a tensor: Python values or metadata objects, never a tensor
METADATA_ATTRIBUTES = frozenset({"shape", "dtype", "device", "ndim", "is_cuda", "requires_grad", "is_leaf", "layout", "names"})
# what a forward run only to learn its output's shape reads of it (`model(x).shape[1]`, `.size(-1)`)
SHAPE_ATTRIBUTES = frozenset({"shape", "size", "ndim", "dim", "numel"})
# the tensor's autograd node: not a tensor, but holding it keeps the whole graph alive
GRAPH_ATTRIBUTES = frozenset({"grad_fn"})
# attributes that are no tensor: the metadata and the graph node
NON_TENSOR_ATTRIBUTES = METADATA_ATTRIBUTES | GRAPH_ATTRIBUTES
# attributes that are (transposed) views of the tensor
VIEW_ATTRIBUTES = frozenset({"T", "mT", "H", "mH"})
# attributes that lead away from a tensor's own storage as autograd sees it (`.data` detaches, `.grad` is another tensor)
LEAVING_ATTRIBUTES = METADATA_ATTRIBUTES | frozenset({"data", "grad"})

# -- tensor methods ------------------------------------------------------------------------

# methods whose result is a Python value (or a numpy array), never a tensor
PYTHON_VALUE_METHODS = frozenset({
    "item", "tolist", "numpy", "size", "dim", "ndimension", "numel", "nelement", "element_size",
    "is_floating_point", "is_complex", "is_contiguous", "data_ptr", "get_device", "stride",
    "storage_offset", "is_inference", "equal", "allclose", "__len__", "__bool__", "__int__", "__float__", "__index__",
})
# of those, the ones that read the tensor's values: they run an op and wait for the device
DATA_READING_METHODS = frozenset({"item", "tolist", "numpy", "equal", "allclose"})
# methods whose result is a view of the receiver: it shares the storage, and autograd links the two
# (`reshape` and `flatten` copy when the strides allow no view)
VIEW_METHODS = frozenset({
    "view", "view_as", "reshape", "reshape_as", "permute", "transpose", "t", "squeeze", "unsqueeze", "flatten",
    "unflatten", "expand", "expand_as", "narrow", "select", "unfold", "movedim", "swapaxes", "diagonal", "as_strided",
    "chunk", "split", "unbind", "tensor_split", "hsplit", "vsplit",
})
# views that come back as a tuple of tensors (methods and `torch.<name>` functions alike)
SPLITTING_VIEWS = frozenset({"chunk", "split", "unbind", "tensor_split", "hsplit", "vsplit"})
# device moves: the receiver itself when it is already on that device
DEVICE_MOVES = frozenset({"cpu", "cuda"})
# floating-point conversions: the receiver itself when it already has that dtype
FLOAT_CONVERSIONS = frozenset({"float", "double", "half", "bfloat16"})
# conversions to integer or bool: a new tensor, with no grad_fn
INTEGER_CONVERSIONS = frozenset({"long", "int", "bool", "byte", "short", "char"})
# methods that may hand back the very same tensor object (`x.contiguous() is x` for a contiguous x)
IDENTITY_METHODS = DEVICE_MOVES | FLOAT_CONVERSIONS | frozenset({"to", "contiguous", "type", "type_as"})
# comparisons and predicates: bool tensors, with no grad_fn
COMPARISON_METHODS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "isclose", "isnan", "isinf", "isfinite"})
# index results: integer tensors, with no grad_fn
INDEX_METHODS = frozenset({"argmax", "argmin", "argsort", "nonzero"})
# methods giving a (values, indices) pair, whose indices (`[1]`, `.indices`) carry no graph; `max`/`min`
# give one only when given a dimension
VALUES_INDICES_METHODS = frozenset({"sort", "topk", "kthvalue", "mode", "median", "cummax", "cummin"})
VALUES_INDICES_WITH_DIM = frozenset({"max", "min"})
# ops that are not differentiable: their outputs carry no graph and they save no input for backward
NON_DIFFERENTIABLE_METHODS = COMPARISON_METHODS | INDEX_METHODS
# results whose gradient is zero everywhere: they keep a grad_fn (and the graph), but no gradient flows back
ZERO_GRADIENT_METHODS = frozenset({"sign", "round", "floor", "ceil", "trunc"})
# methods that compute a new tensor from the receiver's values (never the receiver, never a view of it)
COMPUTING_METHODS = COMPARISON_METHODS | INDEX_METHODS | ZERO_GRADIENT_METHODS | frozenset({
    "abs", "neg", "exp", "log", "sqrt", "pow", "sigmoid", "tanh", "relu", "softmax", "log_softmax", "clamp",
    "logsumexp", "cumsum", "clone", "add", "sub", "mul", "div", "true_divide", "floor_divide", "matmul", "mm", "bmm",
    "dot", "where", "masked_fill", "masked_select", "index_select", "gather", "dist", "sum", "mean", "prod", "std",
    "var", "norm", "max", "min", "amax", "amin", "any", "all", "topk", "sort",
})
# tensor methods that take other tensors (or shapes) as operands and only read them
OPERAND_READING_METHODS = frozenset({
    "add", "sub", "mul", "div", "true_divide", "floor_divide", "pow", "matmul", "mm", "bmm", "dot", "eq", "ne", "lt",
    "le", "gt", "ge", "isclose", "equal", "allclose", "dist", "where", "masked_fill", "masked_select", "index_select",
    "gather", "clamp", "max", "min", "sum", "mean", "norm", "argmax", "argmin", "topk", "sort", "view", "view_as",
    "reshape", "reshape_as", "expand", "expand_as", "type_as", "to", "split", "tensor_split", "chunk",
})
# every tensor method that runs an op (computes, views, converts, or reads values out)
TENSOR_OP_METHODS = COMPUTING_METHODS | VIEW_METHODS | IDENTITY_METHODS | INTEGER_CONVERSIONS | DATA_READING_METHODS

# methods that register a hook on a tensor's gradient: they return a handle (never a tensor), and
# raise on a tensor that does not require grad
TENSOR_HOOK_METHODS = frozenset({"register_hook", "register_post_accumulate_grad_hook"})
# methods that detach a tensor from its graph
DETACH_METHODS = frozenset({"detach", "detach_"})
# methods whose result carries no graph: detached, integer or bool, or not a tensor at all
GRAPH_CUTTING_METHODS = (
    DETACH_METHODS | INTEGER_CONVERSIONS | COMPARISON_METHODS | INDEX_METHODS | PYTHON_VALUE_METHODS
    | TENSOR_HOOK_METHODS
)
# methods through which no gradient flows back to the receiver (where values flow: `reach`)
GRADIENT_CUTTING_METHODS = GRAPH_CUTTING_METHODS | ZERO_GRADIENT_METHODS
# what of a tensor stays the tensor (or a view of it) under no_grad: storing one keeps the original's graph alive
GRAPH_KEEPING_METHODS = VIEW_METHODS | IDENTITY_METHODS
# methods that keep an inference tensor an inference tensor outside inference mode: views and same-device moves
# (not the splits, whose tuples are not tracked; `.to()` is judged by its arguments; a float conversion or
# `.contiguous()` may return the same tensor or a copy, so tracking ends there: a miss, never a false finding)
INFERENCE_KEEPING_METHODS = (VIEW_METHODS - SPLITTING_VIEWS) | DEVICE_MOVES

# in-place methods (named `..._`) that change flags, metadata or the storage reference, not the data
NON_DATA_INPLACE_METHODS = frozenset({"requires_grad_", "share_memory_", "pin_memory_", "rename_", "resize_as_", "set_", "detach_"})

# -- torch functions -----------------------------------------------------------------------

# namespaces of tensor ops (qualified prefixes)
OP_NAMESPACES = ("torch.nn.functional.", "torch.linalg.", "torch.fft.", "torch.special.")
# `torch.<name>` functions that return a view of their first argument (splits: a tuple of views; detach: without the graph)
TORCH_VIEW_FUNCTIONS = frozenset({
    "narrow", "select", "squeeze", "unsqueeze", "flatten", "reshape", "t", "transpose", "permute", "split", "chunk",
    "unbind", "movedim", "swapaxes", "diagonal", "as_strided", "view_as_real", "view_as_complex", "detach",
})
# qualified torch functions that keep an inference tensor one (single views; `torch.detach` is tracked apart)
INFERENCE_KEEPING_FUNCTIONS = frozenset(f"torch.{name}" for name in TORCH_VIEW_FUNCTIONS - SPLITTING_VIEWS - {"detach"})
# qualified torch functions whose result carries no graph: bool or integer tensors, Python values, nothing
GRAPH_CUTTING_FUNCTIONS = frozenset(
    f"torch.{name}" for name in COMPARISON_METHODS | INDEX_METHODS | {"equal", "allclose", "numel", "is_tensor", "is_floating_point", "save"}
)
# qualified torch functions through which no gradient flows back (`reach`)
GRADIENT_CUTTING_FUNCTIONS = GRAPH_CUTTING_FUNCTIONS | frozenset(f"torch.{name}" for name in ZERO_GRADIENT_METHODS)
# qualified products: each factor is saved for backward (to compute the other factor's gradient)
PRODUCT_FUNCTIONS = frozenset({"torch.mul", "torch.matmul", "torch.mm", "torch.bmm", "torch.nn.functional.linear", "torch.einsum"})
# qualified functions that copy their inputs into one new tensor -> the grad_fn torch gives it
CONCATENATING_FUNCTIONS = {"torch.stack": "StackBackward0", "torch.cat": "CatBackward0", "torch.concat": "CatBackward0", "torch.concatenate": "CatBackward0"}
# `torch.<name>` factories: a new tensor from Python values or a shape, no graph unless `requires_grad=True`
TENSOR_FACTORIES = frozenset({
    "tensor", "zeros", "ones", "empty", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm",
    "normal", "zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "from_numpy",
})
# `torch.<name>` functions that adopt existing data: `torch.as_tensor(t) is t` for a tensor of the right dtype and device
ADOPTING_FUNCTIONS = frozenset({"as_tensor", "asarray", "from_numpy"})
# qualified names of torch dtypes
DTYPE_NAMES = frozenset(f"torch.{name}" for name in (
    "float16", "half", "float32", "float", "float64", "double", "bfloat16", "int8", "int16", "int32", "int64", "long",
    "int", "uint8", "bool", "complex64", "complex128",
))
# the integer and boolean ones (and the Python types that stand for them, `dtype=int`): such a tensor
# never requires grad, and a value written into it leaves its graph behind
INTEGER_DTYPE_NAMES = frozenset(f"torch.{name}" for name in (
    "int8", "int16", "int32", "int64", "long", "int", "uint8", "bool", "short",
))
INTEGER_DTYPE_BUILTINS = frozenset({"int", "bool"})

# torch namespaces whose functions change state, build modules or need grad, and single functions that
# change global state or touch files: none of them only reads its arguments (argument_effects)
STATEFUL_TORCH_NAMESPACES = ("torch.nn.init.", "torch.distributed.", "torch.autograd.", "torch.optim.", "torch.cuda.",
                             "torch.random.")
STATEFUL_TORCH_FUNCTIONS = frozenset({"torch.set_grad_enabled", "torch.save", "torch.load", "torch.manual_seed"})
# torch functions that rewrite a module's parameters or swap its submodules in place (prefixes)
MODULE_REWRITING_FUNCTIONS = (
    "torch.nn.utils.parametrize.", "torch.nn.utils.prune.", "torch.nn.utils.weight_norm", "torch.nn.utils.remove_weight_norm",
    "torch.nn.utils.spectral_norm", "torch.nn.utils.remove_spectral_norm", "torch.ao.quantization.prepare",
    "torch.ao.quantization.convert", "torch.quantization.prepare", "torch.quantization.convert",
)
# standard-library modules whose functions compute a value from their arguments and keep none
VALUE_MODULES = ("math.",)
# libraries whose functions give arrays, data frames and numbers, never tensors (a tensor handed to them is
# read through `__array__`: what they keep holds no graph and no autograd state)
NUMERIC_LIBRARIES = frozenset({"numpy", "math", "pandas", "scipy", "sklearn"})

# -- grad mode and backward ------------------------------------------------------------------

# the grad-mode context managers (also usable as decorators), canonical spellings
GRAD_MODE_CONTEXTS = frozenset({"torch.no_grad", "torch.enable_grad", "torch.set_grad_enabled", "torch.inference_mode"})
# those that can turn grad on
GRAD_ENABLING_CONTEXTS = frozenset({"torch.enable_grad", "torch.set_grad_enabled"})
# those that may run their code in another mode than no_grad's (grad on, or inference mode)
NOT_NO_GRAD_CONTEXTS = GRAD_MODE_CONTEXTS - {"torch.no_grad"}
# method (and bare function) spellings of a backward: `loss.backward()`, `accelerator.backward(loss)`, `self.manual_backward(loss)`
BACKWARD_METHODS = frozenset({"backward", "manual_backward"})
# optimizer wrappers' methods that backpropagate the loss they are given, then step (MMEngine's
# `optim_wrapper.update_params(loss)`): a backward when the receiver is named as an optimizer
WRAPPER_BACKWARD_METHODS = frozenset({"update_params"})
# qualified functions that backpropagate their outputs (roots)
BACKWARD_FUNCTIONS = frozenset({"torch.autograd.backward", "torch.autograd.grad", "torch.distributed.autograd.backward"})
# methods that need autograd on, or turn it on for a tensor: backwards, optimizer steps, `requires_grad_`,
# `retain_grad`, gradient hooks
GRAD_NEEDING_METHODS = BACKWARD_METHODS | TENSOR_HOOK_METHODS | frozenset({"step", "requires_grad_", "retain_grad"})
# qualified prefixes of functions that turn grad on or compute gradients
GRAD_NEEDING_FUNCTIONS = ("torch.enable_grad", *sorted(BACKWARD_FUNCTIONS), "torch.autograd.functional.", "torch.func.")
# tracers and exporters: they run a module's forward through their own machinery (the tracer's
# dispatch and state), code the analysis does not see, so a block calling them is no proven inference
TRACING_FUNCTIONS = ("torch.onnx.", "torch.jit.trace", "torch.export.", "torch.fx.symbolic_trace")
# registered operators (`torch.ops.<namespace>.<name>`): custom kernels, which may declare that they write
# into their arguments (`mutates_args`)
OPERATOR_NAMESPACE = "torch.ops."

# `torch.<name>` that run no tensor op: devices, dtypes, (de)serialisation, seeds, compilers, grad-mode switches
TORCH_NOT_OPS = frozenset({"device", "dtype", "Size", "Generator", "load", "save", "manual_seed", "seed", "compile", "numel"}) | frozenset(
    name.split(".")[-1] for name in GRAD_MODE_CONTEXTS
)
# `torch.<namespace>.` that hold no tensor ops: device control, backends, the compilers, collectives
NOT_OP_NAMESPACES = frozenset({"cuda", "backends", "jit", "distributed"})
# `torch.<prefix>...` that are no tensor ops: private helpers, predicates, getters, setters, hook registrations
NOT_OP_PREFIXES = ("_", "is_", "get_", "set_", "register")


def torch_not_op(qualified: str) -> bool:
    """`torch.device`, `torch.no_grad`, `torch.is_tensor`, `torch.cuda.synchronize`: torch names that run no tensor op."""
    parts = qualified.split(".")
    if parts[0] != "torch" or len(parts) < 2:
        return False
    name = parts[1]
    return name in TORCH_NOT_OPS or name.startswith(NOT_OP_PREFIXES) or (len(parts) > 2 and name in NOT_OP_NAMESPACES)


def gives_values_and_indices(imports, call: ast.Call) -> bool:
    """Does call return a (values, indices) pair: `x.topk(k)`, `x.max(dim=1)`, `torch.sort(x)`,
    `torch.max(x, -1)`? Its indices (`[1]`, `.indices`, the second name unpacked) carry no graph."""
    func = call.func
    name = imports.qualname(func)
    if name is not None and name.startswith("torch.") and name.count(".") == 1:
        method, dims = name[len("torch."):], call.args[1:]
    elif isinstance(func, ast.Attribute) and name is None:
        method, dims = func.attr, call.args
    else:
        return False
    if method in VALUES_INDICES_METHODS:
        return True
    return method in VALUES_INDICES_WITH_DIM and (any(k.arg == "dim" for k in call.keywords) or len(dims) == 1 and _integer(dims[0]))


def _integer(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def is_tensor_op(name: str | None) -> bool:
    """`torch.cat`, `F.relu`, `torch.linalg.norm`: ops that return tensors built from their inputs
    (not `torch.autograd.graph.register_multi_grad_hook` and other utilities)."""
    if not name or not name.startswith("torch."):
        return False
    return name.count(".") == 1 and not torch_not_op(name) or name.startswith(OP_NAMESPACES)


# -- nn.Module -------------------------------------------------------------------------------

# hook registrations -> the kind of hook they register
FORWARD_HOOK_REGISTRATIONS = {"register_forward_hook": "forward", "register_forward_pre_hook": "pre",
                              "register_module_forward_hook": "forward", "register_module_forward_pre_hook": "pre"}
BACKWARD_HOOK_REGISTRATIONS = {"register_full_backward_hook": "backward", "register_full_backward_pre_hook": "backward-pre",
                               "register_backward_hook": "backward"}
# nn.Module methods that return the module itself (`Encoder().eval().to(device)` is still the module)
MODULE_SELF_RETURNING = frozenset({"eval", "train", "requires_grad_", "apply", "share_memory", "to_empty"}) | DEVICE_MOVES | FLOAT_CONVERSIONS | {"to"}
# nn.Module (and optimizer) methods that install submodules or parameters, or overwrite the module's tensors
# (`zero_grad(set_to_none=False)` zeroes the gradients in place)
MODULE_STATE_METHODS = frozenset({"register_buffer", "register_parameter", "add_module", "register_module", "load_state_dict", "apply",
                                  "zero_grad"})
# the nn.Module API: calling one runs no forward (and, on a name that is also called, shows it is a module)
MODULE_API_METHODS = MODULE_SELF_RETURNING | MODULE_STATE_METHODS | frozenset(FORWARD_HOOK_REGISTRATIONS) | frozenset({
    "parameters", "named_parameters", "buffers", "named_buffers", "children", "named_children", "modules",
    "named_modules", "state_dict", "zero_grad", "get_submodule", "get_parameter", "get_buffer",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_state_dict_pre_hook",
    "register_load_state_dict_post_hook",
})
# decorators that make a method an attribute read (`self.student` of a `@property def student`)
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})
# nn.Module methods that iterate its submodules (itself included for `modules`)
SUBMODULE_ITERATORS = frozenset({"modules", "named_modules", "children", "named_children"})
# module methods that build its state, run before any forward
MODULE_SETUP_METHODS = frozenset({"__init__", "reset_parameters", "_reset_parameters"})
# module methods that, by convention, compute from their inputs like a forward
FORWARD_LIKE_METHODS = frozenset({"encode", "decode", "predict", "generate", "embed", "forward_features", "extract_features", "sample"})
# layer attributes that are parameters
LAYER_PARAMETER_ATTRIBUTES = frozenset({"weight", "bias"})
# nn classes whose instances have no parameters: their calls are not forwards that build weight graphs
PARAMETERLESS_LAYERS = re.compile(
    r"(Loss|ReLU\d*|GELU|SiLU|ELU|SELU|CELU|Sigmoid|Tanh|Softmax\d*d?|LogSoftmax|Softmin|Softplus|Softsign|Hardtanh|"
    r"Hardswish|Hardsigmoid|Mish|LeakyReLU|Threshold|Dropout\w*|Identity|Flatten|Unflatten|\w*Pool\w*|Upsample\w*|"
    r"PixelShuffle|PixelUnshuffle|ZeroPad\w*|ConstantPad\w*|ReflectionPad\w*|ReplicationPad\w*|ChannelShuffle|Fold|Unfold|"
    r"CosineSimilarity|PairwiseDistance|Tanhshrink|Softshrink|Hardshrink|GLU|LogSigmoid)$"
)
# nn loss classes
LOSS_LAYERS = re.compile(r"Loss$")
# `torch.nn.functional.<name>` losses whose name does not say "loss"
LOSS_FUNCTIONS = frozenset({
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "hinge_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss", "multi_margin_loss", "soft_margin_loss",
    "multilabel_margin_loss", "multilabel_soft_margin_loss",
})
# qualified wrappers whose result is (a wrapper of) the module given as first argument
MODULE_WRAPPERS = frozenset({
    "torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel",
    "torch.compile", "torch.jit.script", "torch.jit.trace", "copy.deepcopy",
    "torch.distributed.fsdp.FullyShardedDataParallel", "torch.optim.swa_utils.AveragedModel",
})
# of those, the wrappers whose forward runs the given module itself: its train/eval mode is the wrapped one's
MODE_SHARING_WRAPPERS = frozenset({
    "torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel",
    "torch.distributed.fsdp.FullyShardedDataParallel", "torch.compile",
})
# qualified calls that build a model
MODEL_FACTORIES = re.compile(r"^(torchvision\.models\.|timm\.create_model|transformers\.\w*Model\w*\.from_pretrained)")

# -- containers ------------------------------------------------------------------------------

# methods that store their arguments into the receiver (lists, sets, dicts, deques, queues, buffers)
CONTAINER_MUTATORS = frozenset({
    "append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft", "put", "put_nowait", "push",
    "__setitem__",
})
# of those, the ones that add their last argument (or, for `extend`, its elements: a tensor's rows carry its graph)
ELEMENT_ADDERS = frozenset({"append", "insert", "add", "appendleft", "put", "put_nowait", "push", "extend", "extendleft"})
# list methods that add their last argument (or its elements) to the list
LIST_GROWERS = frozenset({"append", "extend", "insert"})
# Python container types: calling one builds a container (of its argument's elements)
CONTAINER_TYPES = frozenset({"list", "tuple", "dict", "set", "frozenset", "OrderedDict", "defaultdict", "Counter", "deque"})
# containers that wrap each tensor stored in them in a new leaf Parameter (its graph is cut there)
PARAMETER_CONTAINERS = frozenset({"torch.nn.ParameterList", "torch.nn.ParameterDict"})
# builtins that copy a mapping into a new one
MAPPING_COPIES = frozenset({"dict", "OrderedDict"})
# builtins whose result iterates over exactly their argument's elements
SAME_ELEMENTS_BUILTINS = frozenset({"list", "tuple", "reversed", "iter", "sorted"})
# calls that run a function they are handed at once and leave the grad mode alone: `nn.Module.apply(fn)`
# and the builtins that call a key or mapping function (an optimizer's `step(closure)` turns grad back on)
CALLBACK_RUNNING_METHODS = frozenset({"apply"})
CALLBACK_RUNNING_BUILTINS = frozenset({"map", "filter", "sorted", "min", "max"})

# -- Python builtins and the ecosystem -------------------------------------------------------------

# builtins whose result is a Python value whatever they are given (and that keep none of their arguments)
PYTHON_BUILTINS = frozenset({
    "int", "float", "bool", "len", "str", "repr", "format", "isinstance", "issubclass", "hasattr", "callable",
    "id", "type", "print", "hash", "ord", "chr", "complex", "any", "all",
})
# builtins that return a Python value for Python inputs and may return a tensor (or one of their inputs) otherwise
ARITHMETIC_BUILTINS = frozenset({"abs", "sum", "round", "divmod", "pow"})
# builtins through which no gradient flows: Python values, and `round(t)`, which is `t.round()`
GRADIENT_CUTTING_BUILTINS = PYTHON_BUILTINS | {"round"}
# builtins that make an iterator: advanced later, it runs its source's code wherever that is
ITERATOR_BUILTINS = frozenset({"iter", "enumerate", "zip", "reversed", "filter", "map"})
# builtins that hand back (elements of) their arguments
PASSING_BUILTINS = frozenset({
    "list", "tuple", "set", "frozenset", "dict", "enumerate", "zip", "reversed", "sorted", "iter", "next",
    "range", "filter", "map", "getattr", "min", "max",
})
# functions that only wrap an iterable for display
ITERATION_WRAPPERS = frozenset({"tqdm", "trange"})
# str methods that format their arguments (formatting a tensor reads its values)
STRING_FORMATTERS = frozenset({"format", "join"})
# methods of an object that read their tensor arguments without keeping them: tensor operands, str formatting
ARGUMENT_READING_METHODS = OPERAND_READING_METHODS | STRING_FORMATTERS
# methods of loggers, progress bars and summary writers: they only display or record values
LOGGING_METHODS = frozenset({"info", "debug", "warning", "warn", "error", "write", "set_postfix", "set_description", "add_scalar", "add_scalars"})
# unittest assertions: they compare values and keep nothing
ASSERTION_METHODS = frozenset({"assertTrue", "assertEqual", "assertFalse"})
# calls that use their arguments' values, never as weights whose graph is wanted (a parameter copy handed to
# one is a snapshot, not a functional weight): Python values, element passing, value reads and copies, stores
VALUE_CONSUMING_BUILTINS = PYTHON_BUILTINS | PASSING_BUILTINS
VALUE_CONSUMING_METHODS = PYTHON_VALUE_METHODS | ASSERTION_METHODS | CONTAINER_MUTATORS | {"load_state_dict", "copy_"}


# -- packages and names -----------------------------------------------------------

# packages whose objects are torch objects
TORCH_ROOTS = frozenset({"torch", "lightning", "pytorch_lightning", "torchvision", "timm", "transformers", "accelerate"})
# array frameworks whose `backward()`, `eval()` and `+= loss` mean something else
OTHER_FRAMEWORKS = frozenset({"mxnet", "tensorflow", "keras", "jax", "flax", "paddle", "mindspore", "oneflow", "chainer", "theano", "tinygrad"})
# torch's optimizer base class, as a project class names it among its bases
OPTIMIZER_BASES = frozenset({"torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"})
# qualified-name prefixes of Module base classes (a project class deriving from one is a Module)
MODULE_CLASS_ROOTS = ("torch.nn.", "lightning.", "pytorch_lightning.", "transformers.", "timm.", "mmengine.model.", "mmcv.cnn.")
# tests that are true only while TorchScript compiles the code (never in eager mode)
TORCHSCRIPT_ONLY_TESTS = frozenset({"torch.jit.is_scripting", "torch._jit_internal.is_scripting"})
# the words a file must contain to change the grad mode itself (a cheap text test)
GRAD_MODE_WORDS = ("no_grad", "inference_mode", "set_grad_enabled", "enable_grad")
# decorators that turn a generator function into a context manager
CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})

# -- training code, by its names ------------------------------------------------------

# functions that build, load, convert or fuse weights: edits there run before (or outside) training
SETUP_FUNCTION_NAME = re.compile(
    r"^_*(init|initiali[sz]e|reset|load|from_pretrained|convert|fuse|reparam|switch_to_deploy|deploy|merge|prune|"
    r"quantize|build|make|create|setup|set_up|copy_weights|transfer|restore|remap|tie|resize|"
    r"calculate_qparams)"  # (a fake-quantizer's qparams: torch.ao's convert asks for them)
    r"|(init|initiali[sz]e|_init_weights|init_weights|weight_init|load_state_dict|pretrained|reparameteri[sz]e)_*$",
    re.I,
)
# optimizer steps and target-network updates written as functions or methods
OPTIMIZER_STEP_NAME = re.compile(r"^(step|_?\w+_step|update|_update\w*|update_\w+|soft_update\w*|hard_update\w*|sync\w*)$")
# names of objects whose `.step()` applies gradients: optimizers and AMP's grad scaler
OPTIMIZER_NAME = re.compile(r"(^|_)(opt|optim|optimi[sz]er|scaler|solver)s?(_|\d|$)", re.I)
# in-place methods that clip weights (WGAN's critic)
CLIPPING_METHODS = frozenset({"clamp_", "clip_", "clamp_min_", "clamp_max_", "renorm_"})

# -- training state (GL5) ---------------------------------------------------------------

# torch.nn layers that compute differently in train and eval mode: Dropout, BatchNorm's running statistics,
# the Transformer layers (dropout 0.1 by default); recurrent layers only when built with `dropout=`
MODE_SENSITIVE_LAYERS = re.compile(r"^(\w*Dropout\w*|\w*BatchNorm\w*|Transformer\w*)$")
RECURRENT_LAYERS = frozenset({"RNN", "LSTM", "GRU"})
# qualified functions that compute differently in train and eval mode (handed `training=self.training`)
MODE_SENSITIVE_FUNCTIONS = frozenset({
    "torch.nn.functional.dropout", "torch.nn.functional.dropout1d", "torch.nn.functional.dropout2d",
    "torch.nn.functional.dropout3d", "torch.nn.functional.alpha_dropout", "torch.nn.functional.feature_alpha_dropout",
    "torch.nn.functional.batch_norm", "torch.dropout", "torch.batch_norm",
})
# nn containers: the layers they hold come from their arguments
MODULE_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})
# methods (and functions) that clear gradients: `opt.zero_grad()`, `model.zero_grad(set_to_none=True)`,
# `self.optimizer_zero_grad()`, PaddlePaddle-style `clear_grad()`
GRADIENT_CLEARING_NAME = re.compile(r"zero_grad|clear_grad")
# in-place tensor methods that, called on a `.grad`, overwrite it (`p.grad.zero_()`, `p.grad.data.mul_(0)`)
GRADIENT_OVERWRITING_METHODS = frozenset({"zero_", "fill_", "mul_", "copy_", "detach_", "requires_grad_"})
# context managers that accumulate gradients on purpose and make the optimizer step (and clearing) conditional:
# Accelerate's `accelerator.accumulate(model)`, DDP's `model.no_sync()`
ACCUMULATING_CONTEXTS = frozenset({"accumulate", "no_sync", "accumulate_grad"})
# libraries whose functions never change a module's mode or clear gradients (torch's own: the
# Module and optimizer methods that do are calls on the module or optimizer, seen as such)
MODE_NEUTRAL_LIBRARIES = frozenset({
    "torch", "numpy", "math", "random", "time", "os", "logging", "json", "copy", "itertools", "collections",
    "warnings", "functools",
})
# the parts of the Module and optimizer API that never change a module's mode or clear gradients
MODE_NEUTRAL_METHODS = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "load_state_dict", "state_dict", "parameters",
    "named_parameters", "buffers", "named_buffers", "children", "named_children", "requires_grad_",
    "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook", "share_memory",
    "get_submodule", "param_groups", "add_param_group", "step", "backward", "zero_grad", "item", "detach", "size", "numel",
    "items", "keys", "values", "get",  # reading a dict (or a ModuleDict) changes no mode
})
# functions that evaluate or predict, by their name (`evaluate`, `predict_batch`, `run_inference`, `test`)
EVALUATION_FUNCTION_NAME = re.compile(
    r"^_*(predict|prediction|evaluate|evaluation|eval|infer|inference|validate|validation|test|score|generate|sample)(_|s?$)"
    r"|_(predict|evaluate|eval|inference|infer|validate|test)$"
)
