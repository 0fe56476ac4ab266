"""Radicale's WSGI application with a Content-Length on every answer, for waitress (start-radicale.sh ... waitress).

Radicale answers some requests (a PUT's 201, a DELETE's 200) without a Content-Length; waitress then closes the
connection after the answer, which is the per-request reconnect this server is there to avoid. Nextcloud's sabre/dav
sends a Content-Length on those answers. Radicale's answers are small and already whole in memory, so joining the
body here costs nothing that matters.
"""

import radicale


def application(environ, start_response):
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = headers
        captured["exc_info"] = exc_info
        return lambda data: captured.setdefault("written", []).append(data)

    chunks = radicale.application(environ, capture)
    try:
        body = b"".join(captured.get("written", [])) + b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    headers = [(name, value) for name, value in captured["headers"] if name.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response(captured["status"], headers, captured["exc_info"])
    return [body]
