"""``python -m wsdl stub``: typed clients generated from real WSDLs, type-checked, and called over HTTP.

For each WSDL -- our own ``?wsdl`` / ``?wsdl=soap12`` of ``examples.interop``, the document/literal view of
the Remoting sample contract (``SingleCallService.rem?wsdl``), the spyne reference server's WSDL, and two
hand-written third-party WSDLs in ``tests/fixtures/wsdl`` (an ASMX calculator with SOAP 1.1 and 1.2 ports,
an order service whose types come from imported schema files) -- the CLI writes a module (in-process; the
tests of its error exits and skipped operations run ``python -m wsdl`` as a subprocess), ``mypy
--strict`` checks every generated module in one batch, and every operation is called through
``connect(RemotingClient(), url)`` and ``connect_async(AsyncRemotingClient(), url)`` against a live server
(tests/wsdl/third_party_services.py plays the servers of the fixture WSDLs).

Every request the stubs send and every response they read is validated against the XML Schema of the WSDL
it was generated from (a client sink), so "it works against our own server" cannot hide a wire shape that a
foreign server would reject. The xfail tests at the end pin down shapes the literal writer cannot produce
yet, each with the schema error it causes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import gzip
import http.server
import importlib.util
import inspect
import io
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin

import pytest
from lxml import etree

from gateway import AsyncRemotingClient, ClientCall, ClientResponse, RemotingClient, RemotingError
from wsdl import _stubgen

from ..support.http import http_client
from ..support.peers import require_peer
from ..support.server import REPO_ROOT, free_port, live_servers, port_accepts, stop_process

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "wsdl"
SERVICES = "tests.wsdl.third_party_services"
XS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
CLI_TIMEOUT = 60.0

#: The spyne reference server of the shared client harness, and the venv its install.sh creates
#: (``bash ../shared/peers/clients/install.sh --only refserver``; see its lib/workdir.sh for the path).
REFSERVER = REPO_ROOT.parent / "shared" / "peers" / "clients" / "refserver.py"
_PEERS_WORK = Path(os.environ.get("PEERS_WORK") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                   / "peers")
REFSERVER_PYTHON = _PEERS_WORK / "clients" / ".venv" / "bin" / "python"


# ------------------------------------------------------------------ servers


@dataclass
class Servers:
    interop: str
    samples: str
    calculator: str
    orders: str
    shipping: str
    spyne: str | None  # None: the reference server's venv is not installed


@contextlib.contextmanager
def _refserver() -> Iterator[str | None]:
    if not (REFSERVER.is_file() and REFSERVER_PYTHON.is_file()):
        yield None
        return
    port = free_port()
    proc = subprocess.Popen([str(REFSERVER_PYTHON), str(REFSERVER), str(port)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not port_accepts(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{REFSERVER} did not listen on port {port} (exit status {proc.poll()})")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    apps = ("examples.interop:app", "examples.remoting_samples:app", f"{SERVICES}:app_calculator",
            f"{SERVICES}:app_orders", f"{SERVICES}:app_shipping")
    with live_servers(*apps) as (interop, samples, calculator, orders, shipping), _refserver() as spyne:
        yield Servers(interop=interop, samples=samples, calculator=calculator, orders=orders, shipping=shipping,
                      spyne=spyne)


# ------------------------------------------------------------------ schema validation of the wire


def wsdl_schema(location: str, workdir: Path) -> etree.XMLSchema:
    """The XML Schema of a WSDL's ``types`` (its embedded schemas, their imports resolved from ``location``)."""
    if location.startswith(("http://", "https://")):
        with http_client(timeout=10) as http:
            text, base = http.get(location).content, location
    else:
        text, base = Path(location).read_bytes(), Path(location).resolve().as_uri()
    workdir.mkdir(parents=True, exist_ok=True)
    driver = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    root = etree.fromstring(text)
    for i, embedded in enumerate(root.iterfind(f"{{{WSDL_NS}}}types/{{{XS}}}schema")):
        schema = etree.fromstring(etree.tostring(embedded))  # keeps the prefixes declared on wsdl:definitions
        for ref in schema.iter(f"{{{XS}}}import", f"{{{XS}}}include"):
            if ref.get("schemaLocation"):
                ref.set("schemaLocation", urljoin(base, ref.get("schemaLocation")))
        path = workdir / f"embedded{i}.xsd"
        path.write_bytes(etree.tostring(schema))
        etree.SubElement(driver, f"{{{XS}}}import", namespace=schema.get("targetNamespace", ""),
                         schemaLocation=path.as_uri())
    return etree.XMLSchema(driver)


def _payload(body: bytes) -> etree._Element | None:
    """The element a schema describes: the Body's operation (or response) element, or a fault's detail entry."""
    envelope = etree.fromstring(body)
    soap_body = next(c for c in envelope if etree.QName(c).localname == "Body")
    first = next((c for c in soap_body if isinstance(c.tag, str)), None)
    if first is None or etree.QName(first).localname != "Fault":
        return first
    detail = next((c for c in first.iter() if isinstance(c.tag, str) and etree.QName(c).localname in
                   ("detail", "Detail")), None)
    return next((c for c in detail if isinstance(c.tag, str)), None) if detail is not None else None


class SchemaCheck:
    """A client sink asserting that every request and response body is valid against the WSDL's schema."""

    def __init__(self, schema: etree.XMLSchema) -> None:
        self.schema = schema
        self.checked: list[str] = []

    def _check(self, body: bytes, what: str) -> None:
        element = _payload(body)
        if element is None:
            return
        standalone = etree.fromstring(etree.tostring(element))
        if not self.schema.validate(standalone):
            raise AssertionError(f"{what} not valid against the WSDL's schema: {self.schema.error_log}\n"
                                 f"{etree.tostring(element).decode()}")
        self.checked.append(etree.QName(element).localname)

    def process_request(self, call: ClientCall) -> None:
        self._check(call.body, "request")

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        if response.body.lstrip().startswith(b"<"):
            self._check(response.body, "response")


# ------------------------------------------------------------------ what each service must answer


async def _v(value: Any) -> Any:
    """The result of a proxy call, sync or async."""
    return await value if inspect.isawaitable(value) else value


async def exercise_interop(p: Any, m: ModuleType) -> None:
    """The interop contract (ours and spyne's): every operation, edge values included."""
    assert await _v(p.hello("Wörld <&>")) == "Hi there Wörld <&>"
    assert await _v(p.hello(None)) == "Hi there "
    assert await _v(p.add(2**31 - 2, 1)) == 2**31 - 1
    assert await _v(p.add(-5, 3)) == -2
    t = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.UTC)
    e = await _v(p.echo_all(-7, 2.5, True, "héllo <&> ☃", t, b"\x00\xffraw"))
    assert isinstance(e, m.EchoStruct)
    assert (e.i, e.d, e.b, e.s, e.t, e.raw) == (-7, 2.5, True, "héllo <&> ☃", t, b"\x00\xffraw")
    assert e.t.utcoffset() == dt.timedelta(0)
    e = await _v(p.echo_all(0, -1e300, False, None, t, None))
    assert (e.i, e.d, e.b, e.s, e.raw) == (0, -1e300, False, None, None)
    assert await _v(p.reverse([1, 2, 3])) == [3, 2, 1]
    assert await _v(p.reverse([])) == []
    made = await _v(p.make_person("Ann", 30))
    assert made == m.Person(name="Ann", age=30, tags=["new", "person"])
    assert await _v(p.older(m.Person(name="Ann", age=30, tags=["a", "b"]), 5)) == \
        m.Person(name="Ann", age=35, tags=["a", "b"])
    assert await _v(p.older(m.Person(name=None, age=1, tags=[]), 1)) == m.Person(name=None, age=2, tags=[])
    with pytest.raises(RemotingError, match=r"^boom <&>$"):
        await _v(p.fail("boom <&>"))
    assert await _v(p.nothing()) is None


async def exercise_samples(p: Any, m: ModuleType) -> None:
    """The Remoting sample contract through its document/literal WSDL."""
    assert await _v(p.Increment()) == 1
    assert await _v(p.Increment()) == 1  # SingleCall: a fresh object per call
    assert await _v(p.GetRemoteObjectType()) == "RemotingPeer.SingleCallObject"
    pid = await _v(p.GetProcessId())
    assert isinstance(pid, int) and pid > 0 and pid != os.getpid()
    t = dt.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC)
    assert await _v(p.Echo(42, 0.1, False, None, t)) == "42|0.1|False|<null>|2024-01-02T03:04:05.6000000Z|Utc"
    assert await _v(p.Echo(-1, 2.5, True, "x<y", t)) == "-1|2.5|True|x<y|2024-01-02T03:04:05.6000000Z|Utc"
    more = await _v(p.EchoMore(2**40, 1.5, Decimal("-12.50"), "A", 255, -5, dt.timedelta(seconds=1.5),
                               b"\x00\xff", None, m.DayOfWeek.Friday))
    assert more == "1099511627776|1.5|-12.50|65|255|-5|15000000|00ff|<null>|Friday"
    assert await _v(p.Reverse([1, 2, 3])) == [3, 2, 1]
    assert await _v(p.Reverse([])) == []
    assert await _v(p.Reverse(None)) is None
    assert await _v(p.GetPerson("Bob", 41)) == m.Person(Name="Bob", Age=41)
    assert await _v(p.Birthday(m.Person(Name="Ann", Age=30))) == m.Person(Name="Ann", Age=31)
    assert await _v(p.Birthday(m.Person(Name=None, Age=0))) == m.Person(Name=None, Age=1)
    assert await _v(p.Birthday(None)) is None
    with pytest.raises(RemotingError, match=r"^bad news$"):
        await _v(p.Fail("bad news"))


async def exercise_calculator(p: Any, m: ModuleType) -> None:
    assert await _v(p.Add(2, 3)) == 5
    assert await _v(p.Add(2**31 - 1, -(2**31))) == -1
    assert await _v(p.Subtract(2, 5)) == -3
    assert await _v(p.Multiply(-4, 6)) == -24
    assert await _v(p.Divide(7, 2)) == 3
    assert await _v(p.Divide(-7, 2)) == -3  # truncated toward zero, as C#
    with pytest.raises(RemotingError, match=r"^Attempted to divide by zero\.$"):
        await _v(p.Divide(1, 0))


async def exercise_orders(p: Any, m: ModuleType) -> None:
    """Nested types, an ArrayOf wrapper (empty too), optional elements, decimals, dateTime, an enumeration,
    a renamed member (``tax-rate``), a void operation and a declared fault. The server is a Singleton shared
    by the sync and the async run: only this run's orders are looked at."""
    placed = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    full = m.Order(
        Customer=m.Customer(
            CustomerId=2**40 + 1, Name="Ada Lovelace", Email="ada@example.com",
            Address=m.Address(Street="12 St James's Sq <&>", City="London", PostalCode=None, Country="GB"),
        ),
        Lines=[
            m.OrderLine(Sku="A-1", Quantity=2, UnitPrice=Decimal("19.99"), tax_rate=Decimal("0.20")),
            m.OrderLine(Sku="B-2", Quantity=3, UnitPrice=Decimal("0.10")),
        ],
        PlacedAt=placed, Status=m.OrderStatus.Paid, Express=True, Notes="leave at the door",
    )
    minimal = m.Order(Customer=m.Customer(CustomerId=-1, Name="Bob"), Lines=[], PlacedAt=placed,
                      Status=m.OrderStatus.Pending, Express=False)
    assert minimal.OrderId is None and minimal.Notes is None and minimal.Customer.Address is None
    id1 = await _v(p.PlaceOrder(full))
    id2 = await _v(p.PlaceOrder(minimal))
    assert isinstance(id1, str) and id1.startswith("ORD-") and id1 != id2

    got = await _v(p.GetOrder(id1))
    assert isinstance(got, m.Order) and isinstance(got.Customer.Address, m.Address)
    assert got == dataclasses.replace(full, OrderId=id1, Total=Decimal("48.28"))  # 2*19.99*1.2 + 3*0.10
    assert got.PlacedAt.utcoffset() is not None and got.PlacedAt == placed
    assert got.Lines[0].tax_rate == Decimal("0.20") and got.Lines[1].tax_rate is None
    assert got.Customer.Address.PostalCode is None

    got2 = await _v(p.GetOrder(id2))
    assert got2 == dataclasses.replace(minimal, OrderId=id2, Total=Decimal("0.00"))
    assert got2.Lines == [] and got2.Customer.Email is None and got2.Notes is None

    def ours(orders: list[Any]) -> list[str]:
        assert all(isinstance(o, m.Order) for o in orders)
        return [o.OrderId for o in orders if o.OrderId in (id1, id2)]

    assert ours(await _v(p.ListOrders(None))) == [id1, id2]
    assert ours(await _v(p.ListOrders(m.OrderStatus.Paid))) == [id1]
    assert ours(await _v(p.ListOrders(m.OrderStatus.Shipped))) == []

    assert await _v(p.CancelOrder(id2, "changed my mind")) is None
    cancelled = await _v(p.GetOrder(id2))
    assert (cancelled.Status, cancelled.Notes) == (m.OrderStatus.Cancelled, "changed my mind")
    assert ours(await _v(p.ListOrders(m.OrderStatus.Cancelled))) == [id2]

    with pytest.raises(m.OrderNotFound, match=r"^no order ORD-missing$") as missing:  # the declared fault
        await _v(p.GetOrder("ORD-missing"))
    assert missing.value.OrderId == "ORD-missing"


async def exercise_shipping(p: Any, m: ModuleType) -> None:
    """shipping.wsdl: the calls below, and its xs:choice checked by the generated dataclass."""
    await exercise_shipping_ours(p, m)
    with pytest.raises(ValueError, match="exactly one of parcel, letter"):
        m.QuoteRequest(level=m.ServiceLevel.ECONOMY, region="EU-WEST")


async def exercise_shipping_ours(p: Any, m: ModuleType) -> None:
    """Declared faults raised as their classes with the detail's values, enums, attributes both ways (an
    optional one absent), a type whose XSD name is not its Python name (``PriceQuote``), and in shipping.wsdl
    an enumeration kept as str because its values are not identifiers."""
    parcel = m.QuoteRequest(parcel=m.Parcel(weightGrams=2000, fragile=True, reference="box <&> 7"),
                            level=m.ServiceLevel.EXPRESS, region="EU-WEST", currency="EUR")
    quote = await _v(p.quote(parcel))
    assert isinstance(quote, m.PriceQuote) and isinstance(quote.level, m.ServiceLevel)
    assert (quote.price, quote.level, quote.days, quote.currency) == (Decimal("8.00"), m.ServiceLevel.EXPRESS, 2, "EUR")
    assert quote.id.startswith("Q-")
    letter = m.QuoteRequest(letter=m.Letter(pages=3), level=m.ServiceLevel.OVERNIGHT, region="US-EAST")
    second = await _v(p.quote(letter))
    assert (second.price, second.days, second.currency) == (Decimal("2.80"), 1, None)
    assert await _v(p.book(quote.id)) == f"TRACK-{quote.id}"

    with pytest.raises(m.QuoteRefused) as refused:
        await _v(p.quote(m.QuoteRequest(parcel=m.Parcel(weightGrams=31_000, fragile=False),
                                        level=m.ServiceLevel.ECONOMY, region="EU-WEST")))
    assert (refused.value.reason, refused.value.retryAfterSeconds) == ("weight", 3600)
    assert str(refused.value) == "too heavy: 30 kg at most"
    with pytest.raises(m.UnknownQuote) as unknown:
        await _v(p.book("Q-nope"))
    assert unknown.value.quoteId == "Q-nope" and str(unknown.value) == "no quote Q-nope"


# ------------------------------------------------------------------ the WSDLs under test


@dataclass(frozen=True)
class Case:
    id: str
    location: Callable[[Servers, Path], str | None]  # None: not available here
    endpoint: Callable[[Servers], str | None]  # url= for connect (None: the generated ADDRESS)
    exercise: Callable[[Any, ModuleType], Coroutine[Any, Any, None]]
    soap12: bool = False
    version: str = "1.1"
    interface: str = ""
    #: what the command reports it cannot represent (one warning line each)
    warnings: tuple[str, ...] = ()


def _orders_copy(s: Servers, tmp: Path) -> str:
    """orders_main.wsdl with its two schema files, copied elsewhere, its soap:address the live server's."""
    folder = tmp / "orders_wsdl"
    folder.mkdir(exist_ok=True)
    for name in ("orders_types.xsd", "orders_common.xsd"):
        shutil.copy(FIXTURES / name, folder / name)
    text = (FIXTURES / "orders_main.wsdl").read_text(encoding="utf-8")
    old = "http://orders.example.com/OrderService.svc"
    assert old in text
    (folder / "orders_main.wsdl").write_text(text.replace(old, s.orders + "OrderService.soap"), encoding="utf-8")
    return str(folder / "orders_main.wsdl")


def _shipping_copy(s: Servers, tmp: Path) -> str:
    """shipping.wsdl with its soap:address the live server's."""
    text = (FIXTURES / "shipping.wsdl").read_text(encoding="utf-8")
    old = "http://shipping.example.com/quotes\"/>"
    assert old in text
    path = tmp / "shipping.wsdl"
    path.write_text(text.replace(old, s.shipping + 'Shipping.soap"/>'), encoding="utf-8")
    return str(path)


SHIPPING_WARNINGS = (
    "wsdl stub: warning: not represented: enumeration Region: values EU-WEST, US-EAST are not Python identifiers, "
    "so it is typed as its base type",
    "wsdl stub: warning: not represented: PriceQuote: xs:any (extension elements are not kept when read, and "
    "cannot be sent)",
)

CASES = [
    Case("interop_soap11", lambda s, _: s.interop + "InteropService.soap?wsdl",
         lambda s: s.interop + "InteropService.soap", exercise_interop, interface="InteropServiceSoap"),
    Case("interop_soap12", lambda s, _: s.interop + "InteropService.soap?wsdl=soap12",
         lambda s: s.interop + "InteropService.soap", exercise_interop, soap12=True, version="1.2",
         interface="InteropServiceSoap12"),
    Case("remoting_samples", lambda s, _: s.samples + "SingleCallService.rem?wsdl",
         lambda s: s.samples + "SingleCallService.rem", exercise_samples, interface="SingleCallObjectSoap"),
    Case("spyne_refserver", lambda s, _: s.spyne and s.spyne + "InteropService.soap?wsdl",
         lambda s: s.spyne and s.spyne + "InteropService.soap", exercise_interop, interface="InteropService"),
    Case("calculator_soap11", lambda s, _: str(FIXTURES / "calculator12.wsdl"),
         lambda s: s.calculator + "Calculator.soap", exercise_calculator, interface="CalculatorSoap"),
    Case("calculator_soap12", lambda s, _: str(FIXTURES / "calculator12.wsdl"),
         lambda s: s.calculator + "Calculator.soap", exercise_calculator, soap12=True, version="1.2",
         interface="CalculatorSoap12"),
    Case("orders", _orders_copy, lambda s: None, exercise_orders, interface="BasicHttpBinding_IOrderService"),
    Case("shipping", _shipping_copy, lambda s: None, exercise_shipping, interface="ShippingPort",
         warnings=SHIPPING_WARNINGS),
    Case("shipping_ours", lambda s, _: s.shipping + "Shipping.soap?wsdl",
         lambda s: s.shipping + "Shipping.soap", exercise_shipping_ours, interface="ShippingServiceSoap"),
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wsdl", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT, check=False)


@dataclass
class Generated:
    case: Case
    location: str | None
    path: Path
    returncode: int | None = None
    stderr: str = ""


def run_cli_in_process(*args: str) -> tuple[int, str]:
    """``python -m wsdl`` without a new interpreter (its start-up is most of a run): ``wsdl.__main__.main``
    with what the process would print on stderr (its messages, warnings and log records) captured.
    The tests below that exercise the entry point itself run it as a subprocess (:func:`run_cli`)."""
    from wsdl.__main__ import main

    err = io.StringIO()
    handler = logging.StreamHandler(err)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            warnings.filterwarnings("ignore", category=DeprecationWarning)  # as outside __main__
            code = main(list(args))
    finally:
        root.removeHandler(handler)
    return code, err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in caught)


@pytest.fixture(scope="module")
def generated(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Generated]]:
    """Every stub, generated by the CLI (in-process), then imported (and removed from sys.modules after)."""
    tmp = tmp_path_factory.mktemp("stubs")
    out: dict[str, Generated] = {}
    for case in CASES:
        location = case.location(servers, tmp)
        gen = out[case.id] = Generated(case, location, tmp / f"stub_{case.id}.py")
        if location is None:
            continue
        gen.returncode, gen.stderr = run_cli_in_process(
            "stub", location, "-o", str(gen.path), *(["--soap12"] * case.soap12)
        )
    yield out
    for case in CASES:
        sys.modules.pop(f"stub_{case.id}", None)


def load(gen: Generated) -> ModuleType:
    name = gen.path.stem
    if name in sys.modules:
        return sys.modules[name]
    assert gen.returncode == 0, f"python -m wsdl stub {gen.location} failed:\n{gen.stderr}"
    spec = importlib.util.spec_from_file_location(name, gen.path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and get_type_hints look the module up there
    spec.loader.exec_module(module)
    return module


def _available(case: Case, gen: Generated) -> None:
    if case.id == "spyne_refserver":
        require_peer("spyne refserver", gen.location is not None,
                     f"{REFSERVER_PYTHON} or {REFSERVER} missing; create the venv with "
                     f"`bash {REFSERVER.parent / 'install.sh'} --only refserver`")


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cli_writes_a_module_for_the_chosen_port(case: Case, generated: dict[str, Generated]) -> None:
    gen = generated[case.id]
    _available(case, gen)
    assert gen.returncode == 0, gen.stderr
    assert gen.stderr.splitlines() == list(case.warnings)
    module = load(gen)
    assert module.BINDING.soap_version == case.version
    assert isinstance(getattr(module, case.interface), type)
    assert isinstance(getattr(module, case.interface + "Async"), type)
    assert "Skipped" not in (module.__doc__ or "")


def test_generated_modules_pass_mypy_strict(
    generated: dict[str, Generated], tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """One mypy run over every generated module (run from the repository, so ``gateway`` and ``soap``
    resolve and pyproject's mypy settings apply). Imports are followed silently: the project's own modules
    are checked by the project's mypy run; here only errors in the generated code count. mypy's cache lives
    in pytest's cache when there is one (mypy revalidates it against the sources: the next run skips
    re-analysing the unchanged stdlib and dependencies), else in a fresh directory."""
    files = [str(g.path) for g in generated.values() if g.returncode == 0]
    assert len(files) >= len(CASES) - 1, {k: g.stderr for k, g in generated.items()}
    env = dict(os.environ, MYPYPATH=str(REPO_ROOT))
    cache = getattr(pytestconfig, "cache", None)
    cache_dir = cache.mkdir("mypy-generated-stubs") if cache is not None else tmp_path / "mypy_cache"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary",
         "--cache-dir", str(cache_dir), *files],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_operation_round_trips(case: Case, mode: str, generated: dict[str, Generated],
                                     servers: Servers, tmp_path: Path) -> None:
    gen = generated[case.id]
    _available(case, gen)
    assert gen.location is not None
    module = load(gen)
    check = SchemaCheck(wsdl_schema(gen.location, tmp_path / "schema"))
    url = case.endpoint(servers)
    extra = {} if url is None else {"url": url}

    async def run() -> None:
        if mode == "sync":
            with RemotingClient(sinks=[check], http_client=http_client(timeout=10.0)) as client:
                await case.exercise(module.connect(client, **extra), module)
        else:
            async with AsyncRemotingClient(sinks=[check], timeout=10.0) as aclient:
                await case.exercise(module.connect_async(aclient, **extra), module)

    asyncio.run(run())
    assert len(check.checked) >= 10  # requests and responses really went through the schema check


def test_calculator_stub_keeps_the_wsdl_address_and_soap_actions(generated: dict[str, Generated]) -> None:
    for case_id in ("calculator_soap11", "calculator_soap12"):
        module = load(generated[case_id])
        assert module.ADDRESS == "http://www.example.com/calculator/Calculator.asmx"
        assert module.BINDING.namespace == "http://tempuri.org/"
        assert dict(module.BINDING.actions) == {op: f"http://tempuri.org/{op}"
                                                for op in ("Add", "Subtract", "Multiply", "Divide")}


def test_orders_stub_types(generated: dict[str, Generated]) -> None:
    """Types from the imported schemas: the namespace of the elements (not the WSDL's tns), simple types
    mapped through their XSD base, ``minOccurs="0"`` members optional, a non-identifier name renamed."""
    m = load(generated["orders"])
    assert m.BINDING.namespace == "http://example.com/orders/2024"
    hints = {f.name: f.type for f in dataclasses.fields(m.Order)}
    assert hints == {"OrderId": "str | None", "Customer": "Customer", "Lines": "list[OrderLine]",
                     "PlacedAt": "datetime.datetime", "Status": "OrderStatus", "Total": "decimal.Decimal | None",
                     "Express": "bool", "Notes": "str | None"}
    line = {f.name: (f.type, dict(f.metadata)) for f in dataclasses.fields(m.OrderLine)}
    assert line["Quantity"] == ("int", {}) and line["UnitPrice"] == ("decimal.Decimal", {})
    assert line["tax_rate"] == ("decimal.Decimal | None", {"wire_name": "tax-rate"})
    assert {f.name: f.type for f in dataclasses.fields(m.Customer)}["CustomerId"] == "Int64"


def test_http_post_port_listed_first_is_not_chosen(tmp_path: Path) -> None:
    """ASMX also publishes HttpGet/HttpPost ports; whatever their place in wsdl:service, the stub uses a
    SOAP port (it used to take the first non-1.2 port, an HTTP one, and skip every operation)."""
    from wsdl._stubgen import generate_stub

    text = (FIXTURES / "calculator12.wsdl").read_text(encoding="utf-8")
    start = text.index('    <wsdl:port name="CalculatorHttpPost"')
    end = text.index("</wsdl:port>", start) + len("</wsdl:port>\n")
    post = text[start:end]
    first = '    <wsdl:port name="CalculatorSoap"'
    text = text.replace(post, "").replace(first, post + first, 1)
    path = tmp_path / "calculator_post_first.wsdl"
    path.write_text(text, encoding="utf-8")
    source11, source12 = generate_stub(str(path)), generate_stub(str(path), soap12=True)
    assert "class CalculatorSoap:" in source11 and "soap_version='1.1'" in source11
    assert "class CalculatorSoap12:" in source12 and "soap_version='1.2'" in source12
    assert "Skipped" not in source11 + source12


def test_cli_bad_locations_exit_1_with_a_message(tmp_path: Path, servers: Servers) -> None:
    not_wsdl = tmp_path / "not_a.wsdl"
    not_wsdl.write_text("<html><body>nothing here</body></html>", encoding="utf-8")
    cases = [
        (str(tmp_path / "missing.wsdl"), "No such file"),
        (servers.interop + "Nothing.soap?wsdl", "404"),
        (str(not_wsdl), "no SOAP"),
    ]
    runs = [  # concurrently: each run is mostly the interpreter starting
        subprocess.Popen([sys.executable, "-m", "wsdl", "stub", location, "-o", str(tmp_path / f"out{i}.py")],
                         cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i, (location, _) in enumerate(cases)
    ]
    for i, ((location, expected), proc) in enumerate(zip(cases, runs, strict=True)):
        stdout, stderr = proc.communicate(timeout=CLI_TIMEOUT)
        assert proc.returncode == 1, (location, stdout, stderr)
        assert stderr.startswith(f"wsdl stub: {location}: ") and expected in stderr, stderr
        assert "Traceback" not in stderr and stdout == ""
        assert not (tmp_path / f"out{i}.py").exists()


def test_cli_lists_rpc_encoded_operations_as_skipped(servers: Servers, tmp_path: Path) -> None:
    """``?wsdl=remoting`` is rpc/encoded (and refers to soapenc:Array without importing it, which zeep would
    fetch from schemas.xmlsoap.org): no crash, no network, the operations named in the docstring."""
    out = tmp_path / "stub_remoting_view.py"
    result = run_cli("stub", servers.interop + "InteropService.soap?wsdl=remoting", "-o", str(out))
    assert result.returncode == 0, result.stderr
    module = load(Generated(CASES[0], None, out, 0))
    try:
        doc = module.__doc__ or ""
        assert "Skipped (not document/literal): add, echo_all, fail, hello, make_person, nothing, older, " \
            "reverse." in doc
        assert not [name for name, value in vars(module.InteropServicePort).items() if inspect.isfunction(value)]
    finally:
        sys.modules.pop(out.stem, None)


# ------------------------------------------------------------------ known limits of the literal writer

_LIMITS_TYPES = """<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:limits:data"
           elementFormDefault="qualified">
  <xs:complexType name="Item">
    <xs:sequence><xs:element name="Name" type="xs:string"/></xs:sequence>
  </xs:complexType>
</xs:schema>
"""

_LIMITS_WSDL = """<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:limits" xmlns:d="urn:limits:data"
    targetNamespace="urn:limits">
  <wsdl:types>
    <xs:schema targetNamespace="urn:limits" elementFormDefault="qualified">
      <xs:import namespace="urn:limits:data" schemaLocation="limits_types.xsd"/>
      <xs:complexType name="Line"><xs:sequence><xs:element name="Sku" type="xs:string"/></xs:sequence></xs:complexType>
      <xs:complexType name="ArrayOfLine">
        <xs:sequence><xs:element name="Item" type="tns:Line" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:element name="SendItem"><xs:complexType><xs:sequence>
        <xs:element name="item" type="d:Item"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="SendNote"><xs:complexType><xs:sequence>
        <xs:element name="note" type="xs:string" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="SendTags"><xs:complexType><xs:sequence>
        <xs:element name="tag" type="xs:string" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
      </xs:element>
      <xs:element name="SendLines"><xs:complexType><xs:sequence>
        <xs:element name="lines" type="tns:ArrayOfLine"/></xs:sequence></xs:complexType></xs:element>
      <xs:element name="Done"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="DoneOut"><wsdl:part name="parameters" element="tns:Done"/></wsdl:message>
  {messages}
  <wsdl:portType name="Limits">{port_ops}</wsdl:portType>
  <wsdl:binding name="LimitsSoap" type="tns:Limits">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>{binding_ops}
  </wsdl:binding>
  <wsdl:service name="Limits"><wsdl:port name="LimitsSoap" binding="tns:LimitsSoap">
    <soap:address location="http://127.0.0.1:9/limits.soap"/></wsdl:port></wsdl:service>
</wsdl:definitions>
"""

_LIMIT_OPS = ("SendItem", "SendNote", "SendTags", "SendLines")


class _Sent(Exception):
    def __init__(self, body: bytes) -> None:
        super().__init__("request captured")
        self.body = body


class _Capture:
    def process_request(self, call: ClientCall) -> None:
        raise _Sent(call.body)

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        raise AssertionError("never sent")


@pytest.fixture(scope="module")
def limits_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, etree.XMLSchema]]:
    from wsdl._stubgen import generate_stub

    folder = tmp_path_factory.mktemp("limits")
    messages = "".join(f'<wsdl:message name="{op}In"><wsdl:part name="parameters" element="tns:{op}"/>'
                       "</wsdl:message>" for op in _LIMIT_OPS)
    port_ops = "".join(f'<wsdl:operation name="{op}"><wsdl:input message="tns:{op}In"/>'
                       '<wsdl:output message="tns:DoneOut"/></wsdl:operation>' for op in _LIMIT_OPS)
    binding_ops = "".join(f'<wsdl:operation name="{op}"><soap:operation soapAction="urn:limits/{op}"/>'
                          '<wsdl:input><soap:body use="literal"/></wsdl:input>'
                          '<wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>' for op in _LIMIT_OPS)
    (folder / "limits_types.xsd").write_text(_LIMITS_TYPES, encoding="utf-8")
    wsdl_path = folder / "limits.wsdl"
    wsdl_path.write_text(_LIMITS_WSDL.format(messages=messages, port_ops=port_ops, binding_ops=binding_ops),
                         encoding="utf-8")
    stub = folder / "stub_limits.py"
    stub.write_text(generate_stub(str(wsdl_path)), encoding="utf-8")
    module = load(Generated(CASES[0], str(wsdl_path), stub, 0))
    yield module, wsdl_schema(str(wsdl_path), folder / "schema")
    sys.modules.pop(stub.stem, None)


def _request_errors(limits: tuple[ModuleType, etree.XMLSchema], call: Callable[[Any, ModuleType], object]) -> str:
    module, schema = limits
    proxy = module.connect(RemotingClient(sinks=[_Capture()]))
    with pytest.raises(_Sent) as sent:
        call(proxy, module)
    element = _payload(sent.value.body)
    assert element is not None
    return "" if schema.validate(etree.fromstring(etree.tostring(element))) else str(schema.error_log)


# The shapes a foreign schema gives its elements, which stubs carry as soap.XmlShape / __soap_namespace__:
# each request must validate against the WSDL's own schema.


def test_members_of_an_imported_complex_type_are_qualified_in_its_namespace(limits_stub: Any) -> None:
    assert _request_errors(limits_stub, lambda p, m: p.SendItem(m.Item(Name="x"))) == ""


def test_an_absent_optional_non_nillable_element_is_left_out(limits_stub: Any) -> None:
    assert _request_errors(limits_stub, lambda p, m: p.SendNote(None)) == ""


def test_a_repeated_element_without_a_wrapper_repeats(limits_stub: Any) -> None:
    assert _request_errors(limits_stub, lambda p, m: p.SendTags(["a", "b"])) == ""


def test_array_items_take_the_item_element_name_of_the_schema(limits_stub: Any) -> None:
    assert _request_errors(limits_stub, lambda p, m: p.SendLines([m.Line(Sku="s")])) == ""


# ------------------------------------------------------------------ names and texts a WSDL cannot be trusted with


def test_names_and_texts_a_wsdl_holds_stay_names_and_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           pytestconfig: pytest.Config) -> None:  # fmt: skip
    """``hostile_names.wsdl``: its service name closes a docstring and calls ``open()`` (the stub, imported,
    must not run it), its documentation ends in quotes, its types are named like the stub's imports and its
    members like builtins and ``field``. The stub imports, runs nothing of the WSDL's, keeps the texts as
    texts, renames what would shadow (mapping the wire names), tells NFKC-equal names apart, and passes
    ``mypy --strict``."""
    path = tmp_path / "stub_hostile.py"
    code, err = run_cli_in_process("stub", str(FIXTURES / "hostile_names.wsdl"), "-o", str(path))
    assert code == 0, err
    monkeypatch.chdir(tmp_path)
    module = load(Generated(CASES[0], None, path, code, err))
    try:
        assert not (tmp_path / "PWNED").exists()
        assert module.__doc__.startswith('Client for the Hostile"""+str(open("PWNED","w")')
        assert module.Enum_.__doc__.startswith('Ends with a "quote"')
        assert module.HostileSoap_.send.__doc__ == 'Sends it "now"'
        assert issubclass(module.Color, module.Enum) and module.LiteralBinding_ is not module.LiteralBinding
        fields = {f.name: f.metadata.get("wire_name", f.name) for f in dataclasses.fields(module.Enum_)}
        assert fields == {"field_": "field", "items": "items", "int_": "int", "list_": "list", "file": "file",
                          "file2": "\ufb01le", "x_": "x\u0f33", "color": "color"}  # fmt: skip
        record = module.Enum_(int_=1, color=module.Color.RED, items=[1, 2])
        assert record.items == [1, 2] and record.field_ is None
        assert isinstance(module.BINDING, module.LiteralBinding) and module.ADDRESS.startswith("http://")
        with RemotingClient() as client:
            assert callable(module.connect(client).send)
    finally:
        sys.modules.pop(path.stem, None)
    cache = getattr(pytestconfig, "cache", None)
    cache_dir = cache.mkdir("mypy-generated-stubs") if cache is not None else tmp_path / "mypy_cache"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-error-summary",
         "--cache-dir", str(cache_dir), str(path)],
        cwd=REPO_ROOT, env=dict(os.environ, MYPYPATH=str(REPO_ROOT)), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_document_too_large_to_be_a_wsdl_is_refused_as_it_arrives(monkeypatch: pytest.MonkeyPatch,
                                                                   gzipped: bool) -> None:  # fmt: skip
    """zeep reads a WSDL (and each schema it imports) whole; the stub generator reads it as it arrives and
    stops past ``MAX_DOCUMENT_BYTES``: a URL answering with gigabytes, or with gzip inflating to them (here
    3 MiB against a limit of 1 MiB), is refused with a message, having cost about the limit."""
    monkeypatch.setattr(_stubgen, "MAX_DOCUMENT_BYTES", 1024 * 1024)
    body = b"<wsdl:definitions " + b" " * (3 * 1024 * 1024) + b"/>"
    payload = gzip.compress(body) if gzipped else body

    class Huge(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the reader stops early
                self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Huge)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, err = run_cli_in_process("stub", f"http://127.0.0.1:{server.server_address[1]}/huge?wsdl")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    assert "holds more than 1048576 bytes: not a WSDL this reads" in err
