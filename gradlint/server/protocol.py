"""The JSON-RPC layer, made to answer bad input instead of dropping it.

pygls reports a request whose params do not fit the LSP schema to its error
handler and never answers it, so the client waits forever. Here such a request
gets an "Invalid params" response, and a body that is not JSON gets a
"Parse error" response (id null, as JSON-RPC asks); the server keeps running.
"""

from __future__ import annotations

import json
import logging

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcParseError
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger(__name__)

# handle_message's marker for a request that was already answered with an error
_ANSWERED = object()


class RobustProtocol(LanguageServerProtocol):
    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and isinstance(data.get("method"), str):
                error = exc if isinstance(exc, JsonRpcInvalidParams) else JsonRpcInvalidParams()
                error.message = f"invalid params for {data['method']}"
                self._send_response(data["id"], None, error.to_response_error())
                return _ANSWERED
            raise

    def handle_message(self, message):
        if message is _ANSWERED:
            return
        super().handle_message(message)

    def answer_parse_error(self, error: Exception) -> None:
        """A message body that is not JSON: its id is unknown, so the answer's id is null."""
        # a plain dict: lsprotocol's converter would drop the null id
        self._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": JsonRpcParseError.CODE, "message": f"parse error: {error}"}})


def is_parse_error(error: Exception) -> bool:
    return isinstance(error, (json.JSONDecodeError, UnicodeDecodeError))
