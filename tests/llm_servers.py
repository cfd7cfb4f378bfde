"""Small loopback servers that speak the wire formats of the remote backends, for tests.

Each is a real HTTP server (``http.server`` in a thread on 127.0.0.1, a free port) replaying a
fixed answer in the documented format, so the real client libraries are exercised end to end:

- Ollama REST API as documented in ollama/ollama ``docs/api.md`` (0.5–0.12): ``GET /api/tags``,
  ``POST /api/chat`` streaming newline-delimited JSON objects, the last with ``"done": true``;
  errors as ``{"error": "..."}`` with the HTTP status (404 for a model that is not pulled).
- Hugging Face text-generation-inference 3.x (its OpenAPI spec): ``GET /info``, ``POST /generate``,
  ``POST /generate_stream`` (server-sent events ``data:{"token": {...}, "generated_text": ...}``), the
  compatibility route ``POST /`` that picks one of them by the ``stream`` flag, and the OpenAI-compatible
  ``GET /v1/models`` (one model: the served id) and ``POST /v1/chat/completions`` (streamed as
  ``chat.completion.chunk`` events, then ``data:[DONE]``; errors as ``{"error", "error_type"}``).
  ``LegacyTGIHandler`` is a TGI before 2.3, without ``/v1/models``.
- OpenAI chat completions (``GET /v1/models``, ``POST /v1/chat/completions`` with ``stream`` as
  server-sent events ending in ``data: [DONE]``), for the error paths; the happy path of the
  OpenAI-compatible backend runs against llama.cpp's real server instead.

``answer`` is the reply, in the pieces it streams (``ANSWER`` unless given), ``pause`` seconds apart
(so a browser draws each partial answer). ``mode`` picks a failure:
"ok", "slow" (answers after ``delay`` seconds), "malformed" (a stream that is not the format),
"missing" (404 for the model). ``requests`` keeps every JSON body
received (with ``path`` and ``_headers``), so a test can check the passages really reached the server;
``gets`` keeps the path of every GET.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

ANSWER = ["The lighthouse", " was built", " in 1874", " [1]."]


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer
    routes: ClassVar[dict[str, str]] = {}

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, content_type: str, lines: list[str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        for n, line in enumerate(lines):
            if n and self.server.pause:
                time.sleep(self.server.pause)
            self.wfile.write(line.encode())
            self.wfile.flush()
        self.close_connection = True

    def _route(self, method: str) -> None:
        body: dict = {}
        if method == "POST":
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            self.server.requests.append({"path": self.path, "_headers": dict(self.headers), **body})
        else:
            self.server.gets.append(self.path)
        name = self.routes.get(f"{method} {self.path.split('?')[0]}")
        if name is None:
            self._json(404, {"error": f"no route {method} {self.path}"})
            return
        if method == "POST" and self.server.mode == "slow":
            time.sleep(self.server.delay)
        getattr(self, name)(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")


class OllamaHandler(_Handler):
    routes = {"GET /api/tags": "tags", "POST /api/chat": "chat"}

    def tags(self, _body: dict) -> None:
        self._json(200, {"models": [
            {"name": name, "model": name, "modified_at": "2026-11-01T10:00:00Z", "size": 97_000_000,
             "digest": "0" * 64, "details": {"format": "gguf", "family": "llama", "parameter_size": "135M",
                                             "quantization_level": "Q4_1"}}
            for name in self.server.models]})

    def chat(self, body: dict) -> None:
        if self.server.mode == "missing":
            self._json(404, {"error": f"model \"{body['model']}\" not found, try pulling it first"})
            return
        if self.server.mode == "malformed":
            self._stream("application/x-ndjson", ["this is not json\n"])
            return
        stamp = "2026-11-01T10:00:00.000000Z"
        lines = [json.dumps({"model": body["model"], "created_at": stamp,
                             "message": {"role": "assistant", "content": piece}, "done": False}) + "\n"
                 for piece in self.server.answer]
        lines.append(json.dumps({"model": body["model"], "created_at": stamp,
                                 "message": {"role": "assistant", "content": ""}, "done": True,
                                 "done_reason": "stop", "total_duration": 1_000_000, "load_duration": 1000,
                                 "prompt_eval_count": 40, "prompt_eval_duration": 1000,
                                 "eval_count": len(self.server.answer), "eval_duration": 1000}) + "\n")
        self._stream("application/x-ndjson", lines)


class LegacyTGIHandler(_Handler):
    """TGI before 2.3: the text-generation routes only (its ``/v1/chat/completions`` is not probed)."""

    routes = {"GET /info": "info", "POST /": "compat", "POST /generate": "generate",
              "POST /generate_stream": "generate_stream"}

    def info(self, _body: dict) -> None:
        self._json(200, {"model_id": self.server.models[0], "model_dtype": "torch.float16",
                         "max_input_tokens": 4095, "max_total_tokens": 4096, "version": "3.3.4"})

    def compat(self, body: dict) -> None:
        (self.generate_stream if body.get("stream") else self.generate)(body)

    def generate(self, _body: dict) -> None:
        if self.server.mode == "missing":
            self._json(404, {"error": "Model not found", "error_type": "not_found"})
            return
        self._json(200, [{"generated_text": "".join(self.server.answer)}] if self.path == "/" else
                   {"generated_text": "".join(self.server.answer)})

    def generate_stream(self, _body: dict) -> None:
        if self.server.mode == "missing":
            self._json(404, {"error": "Model not found", "error_type": "not_found"})
            return
        if self.server.mode == "malformed":
            self._stream("text/event-stream", ["data:{not json at all\n\n"])
            return
        events = []
        for n, piece in enumerate(self.server.answer, 1):
            last = n == len(self.server.answer)
            events.append("data:" + json.dumps({
                "index": n, "token": {"id": n, "text": piece, "logprob": -0.1, "special": False},
                "generated_text": "".join(self.server.answer) if last else None,
                "details": {"finish_reason": "eos_token", "generated_tokens": n, "seed": None} if last else None,
                "top_tokens": None}) + "\n\n")
        self._stream("text/event-stream", events)


class TGIHandler(LegacyTGIHandler):
    routes = {**LegacyTGIHandler.routes, "GET /v1/models": "list_models", "POST /v1/chat/completions": "chat"}

    def list_models(self, _body: dict) -> None:
        model = self.server.models[0]
        self._json(200, {"object": "list", "data": [{"id": model, "object": "model", "created": 0, "owned_by": model}]})

    def chat(self, body: dict) -> None:
        if self.server.mode == "missing":
            self._json(404, {"error": "Model not found", "error_type": "not_found"})
            return
        if self.server.mode == "malformed":
            self._stream("text/event-stream", ["data:{not json at all\n\n"])
            return
        events = []
        for n, piece in enumerate(self.server.answer, 1):
            chunk = {"object": "chat.completion.chunk", "id": "", "created": 1, "model": self.server.models[0],
                     "system_fingerprint": "3.3.4-native",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "logprobs": None,
                                  "finish_reason": "stop" if n == len(self.server.answer) else None}],
                     "usage": None}
            events.append(f"data:{json.dumps(chunk)}\n\n")
        events.append("data:[DONE]\n\n")
        self._stream("text/event-stream", events)


class OpenAIHandler(_Handler):
    routes = {"GET /v1/models": "list_models", "POST /v1/chat/completions": "chat"}

    def list_models(self, _body: dict) -> None:
        self._json(200, {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "me"}
                                                    for m in self.server.models]})

    def chat(self, body: dict) -> None:
        if self.server.mode == "missing":
            self._json(404, {"error": {"message": f"The model `{body['model']}` does not exist",
                                       "type": "invalid_request_error", "code": "model_not_found"}})
            return
        if self.server.mode == "malformed":
            self._stream("text/event-stream", ["data: {not json\n\n"])
            return
        events = []
        for piece in self.server.answer:
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": body["model"],
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            events.append(f"data: {json.dumps(chunk)}\n\n")
        events.append("data: [DONE]\n\n")
        self._stream("text/event-stream", events)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[_Handler], models: list[str], mode: str = "ok", delay: float = 3.0,
                 answer: list[str] | None = None, pause: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.models, self.mode, self.delay, self.pause = models, mode, delay, pause
        self.answer = ANSWER if answer is None else answer
        self.requests: list[dict] = []
        self.gets: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops reading (the answer is complete, or it timed out) is not a failure."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _BeaconHandler(BaseHTTPRequestHandler):
    server: BeaconServer

    def log_message(self, *args: Any) -> None:
        pass

    def _record(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = _record  # noqa: N815 - http.server's naming


class BeaconServer(ThreadingHTTPServer):
    """Records every request made to it, of any method, and answers each with an empty 204: the
    host a hostile document points the reader's browser at, so a test can say nothing came."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _BeaconHandler)
        self.requests: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> BeaconServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was just free)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
