"""A small TCP proxy on 127.0.0.1 between the till and the real server, to play a bad
network: down, a server that commits and then drops the connection, a tampered download."""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Literal

Mode = Literal["pass", "down", "drop_response", "tamper_pyz"]


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class BadNetwork:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode: Mode = "pass"
        self.drops = 0
        self.requests: list[bytes] = []
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                client: socket.socket = self.request
                client.settimeout(30)
                mode = proxy.mode
                if mode == "down":
                    client.close()
                    return
                request = _read_request(client)
                if not request:
                    return
                proxy.requests.append(request.split(b"\r\n", 1)[0])
                # One request per connection: ask the server to close once it has answered.
                head, _, body = request.partition(b"\r\n\r\n")
                lines = [
                    line
                    for line in head.split(b"\r\n")
                    if not line.lower().startswith(b"connection:")
                ]
                request = b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body
                with socket.create_connection(proxy.upstream, timeout=60) as upstream:
                    upstream.sendall(request)
                    response = b""
                    while chunk := upstream.recv(65536):
                        response += chunk
                if mode == "drop_response" and b"POST" in request.split(b"\r\n", 1)[0]:
                    proxy.drops += 1
                    client.close()  # the server has committed; the till never hears it
                    return
                if mode == "tamper_pyz" and b".pyz" in request.split(b"\r\n", 1)[0]:
                    response = response[:-10] + bytes(b ^ 0xFF for b in response[-10:])
                client.sendall(response)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
