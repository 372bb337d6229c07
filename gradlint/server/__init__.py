"""`gradlint server`: a language server over stdio (pygls, the `lsp` extra).

- core.py: the server, its document handlers and the lint scheduling;
- actions.py: diagnostics and code actions (quick fixes, noqa, fix all);
- positions.py: gradlint's 1-based character positions <-> LSP's code units;
- protocol.py: JSON-RPC that answers malformed requests instead of dropping them;
- framing.py: the message frames read from stdin, bounded, resynchronised after a bad one.

Importing this package needs pygls; `gradlint.cli` imports it only in `server`.
"""

from gradlint.server.core import GradlintServer, create_server, serve

__all__ = ["GradlintServer", "create_server", "serve"]
