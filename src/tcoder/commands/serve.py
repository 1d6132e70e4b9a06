"""tcoder serve STUDY [TRANSCRIPT] [--port N] [--host H]: the coding screen in a web browser."""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

HELP = "serve the coding screen to a web browser (for pairing through an SSH tunnel)"
DESCRIPTION = """Run the coding screen in a web browser with textual-serve: each browser tab
gets its own tcoder process on this machine, coding the study's files here.

Every request needs the server's token, a random secret printed when it starts
(open the address it prints: the token goes in a cookie, as in Jupyter), so other
accounts on a shared server cannot read or code the study. Requests whose Host or
Origin names anything but this machine are refused (so a web page cannot reach
the server through DNS rebinding). Every tab codes as one coder: --coder, else
$TCODER_CODER; --ask-coder lets each tab choose instead.

It listens on 127.0.0.1 (this machine only) by default; reach it from your own
computer through an SSH tunnel:

    ssh -L 8000:127.0.0.1:8000 you@server      (then open the address it prints)

There is no encryption: use --host with another address only on a network you
trust (add the names the browser will use with --allow-host). Stop with ctrl+c.
See docs/compare.md#in-a-browser-tcoder-serve."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="the study folder")
    parser.add_argument("transcript", metavar="TRANSCRIPT", nargs="?",
                        help="open this transcript at once (default: the list of transcripts)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="N",
                        help=f"port to listen on (default: {DEFAULT_PORT})")
    parser.add_argument("--host", default=DEFAULT_HOST, metavar="H",
                        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)")
    parser.add_argument("--coder", metavar="NAME",
                        help="code as this coder in every browser tab (default: $TCODER_CODER)")
    parser.add_argument("--ask-coder", action="store_true",
                        help="let each browser tab choose its coder (anyone with the token may code as anyone)")
    parser.add_argument("--allow-host", metavar="NAME", action="append", default=[],
                        help="also accept requests for this host name (besides localhost, 127.0.0.1, ::1 and "
                             "--host); repeatable")
    parser.add_argument("--with", dest="partners", metavar="CODER[,CODER...]",
                        help="also show these coders' spans, live (as tcoder code --with)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warning(host: str, port: int, token: str = "TOKEN") -> str:
    """What `tcoder serve` prints before it starts: the address with its token, and the SSH tunnel."""
    tunnel = f"ssh -L {port}:127.0.0.1:{port} you@this-server"
    lines = [f"tcoder serve: open http://localhost:{port}/?token={token}",
             "The token lets a browser in; keep it to the people who code with you. There is no encryption."]
    if is_loopback(host):
        lines.append(f"It listens on {host} only (this machine). From your own computer, open an SSH tunnel:")
        lines.append(f"    {tunnel}")
        lines.append(f"then browse to the address above (http://localhost:{port}/?token=...)")
    else:
        lines.append(f"It listens on {host}, beyond this machine: do this only on a network you trust. "
                     f"Prefer the default (127.0.0.1) with an SSH tunnel: {tunnel}")
    return "\n".join(lines)


def command_line(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser tab."""
    parts = [sys.executable, "-m", "tcoder", "code", str(args.study)]
    if args.transcript:
        parts.append(args.transcript)
    if args.coder:
        parts += ["--coder", args.coder]
    if args.partners:
        parts += ["--with", args.partners]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tcoder.commands.coder_options import OptionError, coder_name, coder_names
    from tcoder.errors import warn_study_problems
    from tcoder.study import open_study

    if not 0 < args.port < 65536:
        print(f"tcoder serve: error: --port {args.port}: use a port between 1 and 65535", file=sys.stderr)
        return 2
    try:
        if args.coder is not None:
            coder_name(args.coder, "--coder")
        coder_names(args.partners, "--with", not_you=args.coder)
    except OptionError as exc:
        print(f"tcoder serve: error: {exc}", file=sys.stderr)
        return 2
    import os

    coder = args.coder or os.environ.get("TCODER_CODER") or None
    if coder is not None and not args.coder:
        try:
            coder_name(coder, "TCODER_CODER")
        except OptionError as exc:
            print(f"tcoder serve: error: {exc}", file=sys.stderr)
            return 2
    if coder is None and not args.ask_coder:
        print("tcoder serve: error: say whom the browser codes as: --coder NAME (or the TCODER_CODER environment "
              "variable); --ask-coder lets each browser tab choose, so anyone with the token may code as anyone",
              file=sys.stderr)
        return 2
    if args.ask_coder:
        coder = None
    args.coder = coder
    study = open_study(args.study)
    warn_study_problems(study)
    _ = study.codebook  # report a broken codebook here, not in every browser tab
    if args.transcript:
        study.find(args.transcript)
    args.study = str(Path(args.study).resolve())

    problem = _cannot_listen(args.host, args.port)
    if problem:
        print(f"tcoder serve: error: cannot listen on {args.host}:{args.port}: {problem} "
              "(is another server using that port? try --port)", file=sys.stderr)
        return 1
    from tcoder.serveguard import Guard

    guard = Guard.for_server(args.host, args.port, allow=args.allow_host,
                             token=os.environ.get("TCODER_SERVE_TOKEN") or None)
    print(warning(args.host, args.port, guard.token), file=sys.stderr, flush=True)
    server = tunnel_server_class()(command_line(args), host=args.host, port=args.port,
                                   title=f"tcoder \u00b7 {study.root.resolve().name}", guard=guard)
    try:
        server.serve()
    except OSError as exc:
        print(f"tcoder serve: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc} "
              "(is another server using that port? try --port)", file=sys.stderr)
        return 1
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the address cannot be bound (before saying it is listening), or None."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return exc.strerror or str(exc)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def tunnel_server_class():
    """textual-serve's Server as tcoder uses it (imported only when serving)."""
    from aiohttp import web
    from textual_serve.server import Server

    from tcoder.serveguard import Guard

    class TunnelServer(Server):
        """textual-serve behind tcoder's guard (token, Host and Origin checked on every
        request, websockets included), with the page's addresses taken from the request,
        so the page works through an SSH tunnel on any local port, and tcoder's own banner."""

        def __init__(self, *args, guard: Guard, **kwargs):
            super().__init__(*args, **kwargs)
            self.guard = guard

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(self._guarded)
            return app

        @web.middleware
        async def _guarded(self, request: web.Request, handler):
            refusal = self.guard.refusal(request.host, request.headers.get("Origin"),
                                         request.query.get("token"), request.cookies.get(self.guard.cookie),
                                         request.headers.get("Authorization"))
            if refusal is not None:
                return web.Response(status=403, text=f"tcoder serve: {refusal}\n", content_type="text/plain")
            response = await handler(request)
            if request.query.get("token") and isinstance(response, web.StreamResponse) and not response.prepared:
                response.set_cookie(self.guard.cookie, self.guard.token, httponly=True, samesite="Strict", path="/")
            return response

        async def handle_index(self, request):
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def on_startup(self, app) -> None:
            self.console.print(f"tcoder serve: listening on http://{self.host}:{self.port} "
                               "(ctrl+c stops it)", highlight=False, markup=False)

    return TunnelServer
