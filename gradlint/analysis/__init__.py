"""The shared facts every rule reads, built once per file.

- `names`: which local names mean torch (and Lightning) objects, under every alias.
- `tree`: parents, scopes and statement order over the standard library's ast.
- `grad_mode`: which grad mode a node runs in.
- `modules`: which calls are forwards of module objects.
- `flow`: where values flow (to a backward, out of a scope) and which carry a graph.
- `project`: facts across files (functions only ever called with grad disabled).
- `facts`: `FileFacts`, the one object a rule receives.
"""
