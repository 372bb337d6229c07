"""The shared facts every rule reads, built once per file.

- `vocabulary`: the torch (and Python builtin) API facts, one table each: views, in-place ops,
  graph cuts, factories, computing ops, nn.Module API, hooks, grad-mode contexts, backwards, losses.
- `names`: the file's imports: torch names in their canonical spelling, and every import resolved.
- `module_paths`: a file's module name from the `__init__.py` files around it.
- `symbols`: qualified names for the file's definitions; what a name refers to.
- `tree`: parents, scopes and statement order over the standard library's ast.
- `dataflow`: the one forward dataflow solver (if/loops/try/match/return) every flow-sensitive
  fact runs on; `definitions`: reaching definitions of local names on it; `bindings`: the one
  table of what each scope binds, keyed by those definitions (what a read of a name sees), which
  values, parameters, state dicts and the training-state queries read.
- `values`: GL401's INSIDE/OUTSIDE flags of a region's values, per definition.
- `grad_mode`: which grad mode a node runs in (torch's contexts and the project's own wrappers).
- `modules`: which calls are forwards of module objects.
- `backward`: the calls that backpropagate, and what they backpropagate.
- `reach`: where values flow (to a backward, out of a scope, into unknown code).
- `graph_state`: which names certainly carry an autograd graph, statement by statement.
- `flow`: both of them per scope, on demand (`facts.flow`).
- `parameters`, `inplace`: parameters (and what the code froze), in-place writes.
- `training`: evaluation code, training code, test code, hook registrations.
- `hooks`: forward hooks and what they store.
- `copies`, `state_dicts`: parameter copies (GL203) and state-dict loops (GL305).
- `escape`, `inference_tensors`: what leaves a no_grad block (GL401) and inference tensors (GL304).
- `training_state`: which functions leave modules in eval mode, change modes or clear gradients, and
  which module classes compute differently in train and eval mode (GL5); summarised per file and
  answered across files; `training_queries`: the questions GL501-GL503 ask about one file's loops.
- `argument_effects`: which module-level functions only read their arguments (summarised per file,
  closed over the call graph by the index), so that another file's helper is no obstacle to GL401.
- `call_keys`: what a call (or a function used as a value) reaches, by qualified name: the call
  graph's edges as one file sees them (`call_key`, `constructed_class`, `possible_classes`).
- `summaries`: what one file contributes to the project index (plain data, cached with the file):
  definitions, call sites by their keys, class bases, imports, grad-disabling wrappers, methods
  that run forwards, classes whose forward computes gradients or turns grad off itself, and the
  argument-effect and training-state summaries.
- `project`: the project index merged from the summaries, by qualified name: the grad mode of every
  function (to a fixpoint over its call sites), wrappers' modes, Module/Lightning subclasses, methods
  that run forwards (directly or through a submodule's method), setup-only functions, torch use.
- `facts`: `FileFacts`, the one object a rule receives.
"""
