"""``remoting-gateway``: serve an application, print its WSDL, generate a client stub, check a deployment.

    remoting-gateway serve MODULE:APP [--host H] [--port P] [--tcp-port T [--no-tcp-threads]] [--workers N] [--reload]
                               [--config FILE]
    remoting-gateway serve --config FILE [--module MOD ...] [--host H] [--port P] [--tcp-port T] [--workers N]
    remoting-gateway wsdl MODULE:APP URI [--dialect literal|soap12|remoting] [--url BASE]
    remoting-gateway stub WSDL_URL_OR_FILE -o FILE [--soap12]
    remoting-gateway check [--config FILE] [--module MOD ...] [MODULE:APP] [--strict]

``python -m gateway`` is the same command. ``serve`` runs uvicorn (uvloop and httptools when installed);
with ``--config`` the application is built from the file in every worker by
``gateway.config.app_factory:create_app`` (uvicorn needs a factory or an import string for several workers
or ``--reload``). With ``MODULE:APP`` the application is the one built in code, and a ``--config`` file may
only set ``[server]``, ``[logging]`` and the ``[tcp]`` port, host and threads (handed to the app as
``GATEWAY_TCP_PORT``, ``GATEWAY_TCP_HOST`` and ``GATEWAY_TCP_THREADS``, which ``RemotingApp`` reads when its code
does not set them). ``--tcp-port`` also serves the objects over the .NET Remoting TCP channel (docs/tcp.md), in
one process (a thread per connection; ``--no-tcp-threads``: all on the event loop). Exit status: 0, 1 when
the configuration or the application is wrong, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import warnings
from collections.abc import Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any

import uvicorn
import uvicorn.config

from wsdl import write_stub

from .allocator import tune_allocator
from .config.app_factory import REPORTED_VARIABLE
from .config.builder import build_app
from .config.inventory import Inventory, ServiceReport, inventory
from .config.load import CONFIG_FILE_VARIABLE, CONFIG_MODULES_VARIABLE, GatewayConfig, load_config
from .config.resolve import ResolveError, import_object
from .config.schema import ConfigError, Raw, env_name
from .config.sections import AppSettings, LoggingSettings, ServerSettings, TcpSettings
from .model.activation import ACTIVATION_URI
from .model.objects import WellKnownObjectMode
from .server.app import RemotingApp
from .server.host import ObjectHost
from .server.identity import RegistrationWarning, ServiceEntry
from .tcp.server import HOST_VARIABLE, PORT_VARIABLE, THREADS_VARIABLE, TcpChannel

PROG = "remoting-gateway"
FACTORY = "gateway.config.app_factory:create_app"
#: The sections a file may set when the application comes from MODULE:APP (built in code).
SERVING_SECTIONS = ("server", "logging", "tcp")
#: The ``[tcp]`` keys an application built in code takes from the file (the rest it sets in code).
SERVING_TCP_KEYS = ("port", "host", "threads")
TCP_ONE_PROCESS = ("the TCP channel runs in one process (its objects and leases live there; docs/tcp.md): leave "
                   "out --workers, or the TCP port")
DIALECTS = {"literal": "soap11", "soap12": "soap12", "remoting": "remoting"}


class UsageError(Exception):
    """The command line asks for something impossible (exit status 2)."""


# ------------------------------------------------------------------ the parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Serve, describe and check .NET-Remoting-style "
                                     "gateways (python -m gateway is the same command).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(name: str, summary: str, description: str, app: bool = True) -> argparse.ArgumentParser:
        """A subcommand that takes the application (MODULE:APP) and/or a configuration file."""
        command = commands.add_parser(name, help=summary, description=description)
        if app:
            command.add_argument("app", nargs="?", metavar="MODULE:APP", help="the ASGI application built in code")
        command.add_argument("--config", metavar="FILE", help="a TOML file or a .NET App.config / *.exe.config")
        command.add_argument("--module", metavar="MOD", action="append", default=[],
                             help="a module to import and search for the CLR type names the file uses "
                                  "(repeatable)")
        command.add_argument("--app-dir", metavar="DIR", default=".",
                             help="put DIR first on the module search path (default: the current directory)")
        return command

    serve = with_config(
        "serve", "run the application under uvicorn",
        "Run MODULE:APP, or the application a --config file describes, under uvicorn, and print the URLs it "
        "serves. Command-line options beat GATEWAY_* variables, which beat the file.")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8000, or the file's)")
    serve.add_argument("--tcp-port", type=int, metavar="PORT",
                       help="also serve the objects over the .NET Remoting TCP channel on PORT (tcp://; 0: any "
                            "free port; default: the file's [tcp] port, else none)")
    serve.add_argument("--tcp-threads", action=argparse.BooleanOptionalAction, default=None,
                       help="serve each TCP connection on a thread of its own, running its calls there as Mono "
                            "does (--no-tcp-threads: every connection on the event loop; default: the file's "
                            "[tcp] threads, else on)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--reload", action="store_true", help="restart when source files change (development)")
    serve.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"),
                       help="log level (default info)")

    wsdl = with_config(
        "wsdl", "print the WSDL of an object URI, without a server",
        "Print the WSDL document a GET on URI?wsdl would serve, without starting a server.", app=False)
    wsdl.add_argument("targets", nargs="+", metavar="[MODULE:APP] URI",
                      help="the application (or --config) and the object URI")
    wsdl.add_argument("--dialect", choices=tuple(DIALECTS), default="literal",
                      help="literal: SOAP 1.1 document/literal (?wsdl); soap12 (?wsdl=soap12); remoting: "
                           "rpc/encoded for Remoting-era tools (?wsdl=remoting)")
    wsdl.add_argument("--url", metavar="BASE", help="external base URL for the addresses (default: the app's "
                      "public_url, else http://HOST:PORT of the configuration)")

    stub = commands.add_parser(
        "stub", help="generate a typed Python client from a WSDL (as python -m wsdl stub)",
        description="Generate a typed Python client module from any WSDL (document/literal operations).")
    stub.add_argument("location", metavar="WSDL_URL_OR_FILE")
    stub.add_argument("-o", "--output", metavar="FILE", help="file to write (default: standard output)")
    stub.add_argument("--soap12", action="store_true", help="prefer a SOAP 1.2 port when there is one")

    check = with_config(
        "check", "validate a configuration or an application and list what it publishes",
        "Validate the configuration and the application, and list every endpoint and operation, what it cannot "
        "publish and why. Exit 1 on errors (and, with --strict, on warnings).")
    check.add_argument("--strict", action="store_true",
                       help="fail on warnings too (settings not honoured, methods without type hints)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "stub":
            return write_stub(args.location, args.output, soap12=args.soap12, prog=f"{PROG} stub")
        sys.path.insert(0, str(Path(args.app_dir).resolve()))
        if args.command == "serve":
            return _serve(args)
        if args.command == "wsdl":
            return _wsdl(args)
        return _check(args)
    except UsageError as exc:
        print(f"{PROG} {args.command}: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"{PROG} {args.command}: the configuration is not valid:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except (ResolveError, TypeError, ValueError) as exc:
        print(f"{PROG} {args.command}: {exc}", file=sys.stderr)
        return 1


# ------------------------------------------------------------------ loading


def _overrides(args: argparse.Namespace) -> dict[tuple[str, str], Raw]:
    flags = {"host": ("server", "host"), "port": ("server", "port"), "workers": ("server", "workers"),
             "log_level": ("logging", "level"), "tcp_port": ("tcp", "port"), "tcp_threads": ("tcp", "threads")}
    found = {}
    for attribute, target in flags.items():
        value = getattr(args, attribute, None)
        if value is not None:
            found[target] = Raw(value, f"command line --{attribute.replace('_', '-')}", "command line")
    return found


def _load(args: argparse.Namespace) -> GatewayConfig:
    if args.config is not None and not Path(args.config).is_file():
        raise UsageError(f"--config {args.config}: no such file")
    config = load_config(args.config, modules=args.module, overrides=_overrides(args))
    if getattr(args, "app", None) and args.config is not None:
        misplaced = sorted(config.given - set(SERVING_SECTIONS))
        if misplaced:
            names = ", ".join(f"[{n}]" if n else "top-level keys" for n in misplaced)
            raise ConfigError([
                f"{args.config}: {names}: the application comes from {args.app}, built in code; the file may only "
                f"set {', '.join(f'[{s}]' for s in SERVING_SECTIONS)} then (leave out {args.app} to build the "
                "application from the file)"
            ])
    return config


def _application(spec: str | None, config: GatewayConfig) -> ObjectHost:
    """MODULE:APP imported, or the application the configuration builds."""
    if spec is None:
        return build_app(config)
    if ":" not in spec:
        raise UsageError(f"{spec!r}: the application is given as MODULE:APP (e.g. examples.hello:app)")
    app = import_object(spec)
    if not isinstance(app, ObjectHost):
        raise UsageError(f"{spec} is {type(app).__name__}, not a gateway.RemotingApp")
    return app


def _print_notes(config: GatewayConfig) -> None:
    for note in config.notes:
        print(f"{PROG}: warning: {note}", file=sys.stderr)


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


# ------------------------------------------------------------------ serve


def _serve(args: argparse.Namespace) -> int:
    if args.app is None and args.config is None:
        raise UsageError("give the application (MODULE:APP) or a configuration file (--config FILE)")
    config = _load(args)
    server = config.get(ServerSettings)
    level = config.get(LoggingSettings).level
    tcp = config.get(TcpSettings)
    if server.workers > 1 and args.reload:
        raise UsageError("--reload runs one process: leave out --workers")
    if server.workers > 1 and tcp.port is not None:
        raise UsageError(TCP_ONE_PROCESS)
    _print_notes(config)
    if args.app is not None:
        _hand_tcp_to_the_app(args, tcp)
        # An application built in code applies these when it is created (gateway.configure_logging), so
        # they are set before it is imported (uvicorn reuses the module imported here): the [logging]
        # level and format of the file, the environment or --log-level reach it.
        logging_settings = config.get(LoggingSettings)
        os.environ[env_name("logging", "level")] = logging_settings.level
        os.environ[env_name("logging", "format")] = logging_settings.format
    app = _application(args.app, config)
    channel = app.tcp if isinstance(app, RemotingApp) else None
    if args.app is not None and tcp.port is not None and (channel is None or channel.port != tcp.port):
        print(f"{PROG}: warning: {args.app} sets its TCP channel in code (tcp_port="
              f"{channel.port if channel else None}): the TCP port {tcp.port} asked for is not applied",
              file=sys.stderr)
    if server.workers > 1 and channel is not None:
        raise UsageError(TCP_ONE_PROCESS)
    base = _base_url(server.host, server.port)
    prefix = config.get(AppSettings).application_name if args.app is None else None
    _print_urls(app, base, args.app or args.config, server.workers, prefix)
    note = spin_wait_note(server.workers, _cores(), app.spin_wait.window)
    if note:
        print(f"{PROG}: warning: {note}", file=sys.stderr)
    if channel is not None:
        print(f"  {_tcp_row(channel)}")
        sys.stdout.flush()
    if args.app is not None:
        target, factory = args.app, False
    else:
        # The workers (and the reloader's process) rebuild the application from the same file, with the
        # command line's values as the variables they override (the command line wins over them anyway).
        os.environ[CONFIG_FILE_VARIABLE] = str(Path(args.config).resolve())
        os.environ[CONFIG_MODULES_VARIABLE] = ",".join(args.module)
        os.environ[REPORTED_VARIABLE] = "1"  # printed above, once, rather than by every worker
        for (section_name, key), raw in _overrides(args).items():
            os.environ[env_name(section_name, key)] = str(raw.value)
        target, factory = FACTORY, True
    tune_allocator()  # large messages without a page fault per page (gateway/allocator.py); the workers too
    uvicorn.run(
        target, factory=factory, host=server.host, port=server.port, workers=server.workers,
        reload=args.reload, log_level=level, forwarded_allow_ips=list(server.forwarded_allow_ips),
        log_config=_uvicorn_log_config(config.get(LoggingSettings).format),
        loop="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        http="httptools" if importlib.util.find_spec("httptools") else "h11",
    )
    return 0


def _uvicorn_log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's own logging set-up, its lines as JSON too when the format is ``json``: uvicorn installs it
    when it starts, after an application built in code was imported, so the app's ``configure_logging``
    could not reformat uvicorn's handlers then (one format per stream, for log shippers)."""
    log_config = deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "json":
        for formatter in log_config["formatters"].values():
            formatter.clear()
            formatter["()"] = "gateway.model.logs.JsonLogFormatter"
    return log_config


def _hand_tcp_to_the_app(args: argparse.Namespace, tcp: TcpSettings) -> None:
    """An application built in code reads its TCP port, address and threading from the environment when its
    code does not set them: hand it the ones the command line, the environment and the file ask for (before it is
    imported: uvicorn reuses the module this process imports). Other ``[tcp]`` keys are the code's business."""
    others = [key for key in ("formatters", "public_url", "idle_timeout", "max_connections")
              if getattr(tcp, key) != getattr(TcpSettings(), key)]
    if others:
        raise ConfigError([
            f"[tcp] {', '.join(others)}: the application comes from {args.app}, built in code; only the TCP "
            f"{' and '.join(SERVING_TCP_KEYS)} apply then (pass the others as RemotingApp(tcp_options=...))"
        ])
    if tcp.port is not None:
        os.environ[PORT_VARIABLE] = str(tcp.port)
        os.environ[HOST_VARIABLE] = tcp.host
        os.environ[THREADS_VARIABLE] = "1" if tcp.threads else "0"


def _tcp_row(channel: TcpChannel) -> str:
    where = f"tcp://{_base_url(channel.address, channel.port).partition('//')[2]}/"
    free = "; port 0: any free port, logged when it listens" if channel.port == 0 else ""
    threads = "" if channel.threads else "; every connection on the event loop"
    return (f"{where}  the same objects over the .NET Remoting TCP channel "
            f"({', '.join(channel.formatters)}{threads}{free})")


def spin_wait_note(workers: int, cores: int, window: float) -> str | None:
    """A warning when worker processes outnumber the cores and each polls after its replies (the spin-wait):
    a worker polling for its next request would take the core from one with work to do."""
    if workers <= cores or window <= 0:
        return None
    return (f"{workers} workers on {cores} cores each poll for their next request for {window * 1e6:.0f} us "
            "after a reply (spin_wait_us): with more workers than cores a polling one takes the core from one "
            "with work; set spin_wait_us = 0 (GATEWAY_SPIN_WAIT_US=0) or use at most one worker per core")


def _cores() -> int:
    """The cores this process may run on (its affinity, where the system says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _print_urls(app: ObjectHost, base: str, what: str, workers: int, prefix: str | None) -> None:
    plural = "s" if workers > 1 else ""
    print(f"{PROG}: serving {what} at {base}/ ({workers} worker{plural})")
    entries = sorted(app.identities.well_known(), key=lambda e: e.uri)
    activated = app.identities.activated_types()
    rows = [(f"{base}/{e.uri}", f"{e.cls.__name__}, {e.mode.value}") for e in entries]
    if activated:
        rows.append((f"{base}/{ACTIVATION_URI}", "client activation: " + ", ".join(sorted(activated))))
    rows.append((f"{base}/", "the service index (WSDL: <uri>?wsdl, ?wsdl=soap12, ?wsdl=remoting)"))
    if app.metrics is not None:
        rows.append((f"{base}{app.metrics_path}", "Prometheus metrics (behind the server sinks)"))
    if prefix:
        rows.append((f"{base}/{prefix}/...", "every object again, under the application name"))
    width = max(len(url) for url, _ in rows) + 2
    for url, what_is_there in rows:
        print(f"  {url:<{width}}{what_is_there}")
    sys.stdout.flush()
    singletons = [e.uri for e in entries if e.mode is WellKnownObjectMode.Singleton]
    shared = getattr(app, "cluster", None) is not None  # a shared store makes the workers one deployment
    if workers > 1 and (singletons or activated) and not shared:
        print(
            f"{PROG}: warning: {workers} workers each hold their own objects: Singletons "
            f"({', '.join(singletons) or 'none'}) are per worker, and a client-activated object lives in the "
            "worker that created it (calls reaching another worker fail with 'No receiver'); a shared store "
            "(GATEWAY_STORE=redis://host:port/db or [store] url) makes them one deployment",
            file=sys.stderr,
        )


# ------------------------------------------------------------------ wsdl


def _wsdl(args: argparse.Namespace) -> int:
    targets: list[str] = args.targets
    if len(targets) == 2:
        args.app, uri = targets
    elif len(targets) == 1 and args.config is not None:
        args.app, uri = None, targets[0]
    else:
        raise UsageError("give MODULE:APP and URI (or --config FILE and URI)")
    config = _load(args)
    app = _application(args.app, config)
    entry = app.identities.lookup(uri)
    if not isinstance(entry, ServiceEntry):
        published = sorted(e.uri for e in app.identities.well_known())
        raise UsageError(f"no well-known object at {uri!r}; published: {', '.join(published) or 'none'}")
    server = config.get(ServerSettings)
    base = (args.url or app.public_url or _base_url(server.host, server.port)).rstrip("/")
    document = app.wsdl_cache.get(entry, DIALECTS[args.dialect], base)
    sys.stdout.buffer.write(document)
    sys.stdout.flush()
    return 0


# ------------------------------------------------------------------ check


def _check(args: argparse.Namespace) -> int:
    if args.app is None and args.config is None:
        raise UsageError("give the application (MODULE:APP), a configuration file (--config FILE), or both")
    config = _load(args)
    with warnings.catch_warnings():
        # the inventory lists each of these under its operation
        warnings.simplefilter("ignore", RegistrationWarning)
        app = _application(args.app, config)
    server = config.get(ServerSettings)
    report = inventory(app, _base_url(server.host, server.port))
    _print_inventory(args.app or args.config, report)
    if isinstance(app, RemotingApp) and app.tcp is not None:
        print(f"  {_tcp_row(app.tcp)}")
    warnings_found = config.notes + report.warnings
    for note in config.notes:
        print(f"warning: {note}")
    for error in report.errors:
        print(f"error: {error}")
    objects = sum(1 for s in report.services if s.uri is not None)
    types = len(report.services) - objects
    print(f"{'FAILED' if report.errors else 'OK'}: {objects} well-known object(s), {types} client-activated "
          f"type(s), formatters {', '.join(report.formatters)}; {len(report.errors)} error(s), "
          f"{len(warnings_found)} warning(s)")
    if report.errors or (args.strict and warnings_found):
        return 1
    return 0


def _print_inventory(what: str, report: Inventory) -> None:
    print(f"{what}:")
    for service in report.services:
        _print_service(service)


def _print_service(service: ServiceReport) -> None:
    where = f"/{service.uri}" if service.uri is not None else f"(activated) {service.clr_name}"
    print(f"  {where}  {service.cls.__module__}.{service.cls.__qualname__}, {service.mode}")
    for op in service.operations:
        print(f"      {op.signature}")
        for note in op.notes:
            print(f"          {note}")
        for warning in op.warnings:
            print(f"          warning: {warning}")
    for member in service.unpublished:
        print(f"      not published: {member}")
