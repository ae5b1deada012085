"""Three more rpc/encoded toolkits on the .NET Remoting WSDL (``?wsdl=remoting``): suds, Apache Axis 1.4 and
PHP's SoapClient in WSDL mode, each used the way its users do, against ``examples.remoting_samples``.

Every operation of the Remoting sample contract (``SayHello.soap`` and ``SingleCallService.rem``) with every
type it uses: int, double, bool, string, dateTime, long, float, decimal, char, unsignedByte, short,
duration, base64 bytes, an enum (``System.DayOfWeek``), an int array, a by-value class (``Person``) and a
declared exception; nulls both ways (a null string, bytes, array and object as arguments, and a null array,
object and member in results). The three drivers run the same 16 checks (``CHECKS``):

* suds (PyPI ``suds-community``): ``suds.client.Client(url)`` in this process (``_suds_checks``);
* Axis 1.4 (Debian ``libaxis-java``): ``WSDL2Java`` generates the stubs, ``javac`` builds them with
  ``axis/AxisRemotingClient.java``, which calls them unpatched (the endpoint comes from ``soap:address``);
* PHP ext/soap: ``php/remoting_client.php``.

Before these, suds could not load the WSDL (``soapenc:Array`` was used without importing its namespace) and
all three read a null result as an empty value (the server answered ``xsi:null``, which only .NET reads);
tests/interop/test_mono_client.py still runs the real .NET Remoting client, which reads only ``xsi:null``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ..support.peers import have, require_peer
from ..support.server import live_server
from . import mono_build
from .test_toolkits import _php_soap, _run

pytestmark = pytest.mark.interop

HERE = Path(__file__).resolve().parent
PHP_CLIENT = HERE / "php" / "remoting_client.php"
AXIS_CLIENT = HERE / "axis" / "AxisRemotingClient.java"
JAVA_LIBS = Path("/usr/share/java")
#: Axis 1.4 and what it needs at run time (all from Debian's libaxis-java and its dependencies)
AXIS_JARS = ["axis", "jaxrpc", "saaj", "wsdl4j", "commons-logging", "commons-discovery", "javax.activation",
             "javax.mail"]
SAMPLES_APP = "examples.remoting_samples:app"

CHECKS = ["hello", "hello_unicode_markup", "increment", "type_and_process", "echo", "echo_null_string",
          "echo_more", "echo_more_nulls", "reverse", "reverse_empty", "reverse_null", "get_person",
          "get_person_null_name", "birthday", "birthday_null", "fail"]
WHEN = "2024-01-02T03:04:05.0000000Z|Utc"
FAULT = " **** RemotingPeer.GreetingException - bad news <&>"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with live_server(SAMPLES_APP) as url:
        yield url


def _passes(out: str) -> list[str]:
    return [line[5:] for line in out.splitlines() if line.startswith("PASS ")]


def _assert_all_passed(out: str, what: str) -> None:
    assert _passes(out) == CHECKS, f"{what}:\n{out}"
    assert out.strip().splitlines()[-1] == f"{len(CHECKS)} passed, 0 failed", out


# ------------------------------------------------------------------ suds


def _suds_checks(base: str) -> list[tuple[str, Callable[[], None]]]:
    from suds import WebFault
    from suds.client import Client

    hello = Client(base + "SayHello.soap?wsdl=remoting", cache=None).service
    client = Client(base + "SingleCallService.rem?wsdl=remoting", cache=None)
    s = client.service
    t = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    def person(name: str, age: int) -> Any:
        p = client.factory.create(_person_qname(client))
        p.Name, p.Age = name, age
        return p

    def fail() -> None:
        with pytest.raises(WebFault) as raised:
            s.Fail("bad news <&>")
        assert raised.value.fault.faultstring == FAULT

    def eq(got: object, expected: object) -> None:
        assert got == expected, (got, expected)

    return [
        ("hello", lambda: eq(hello.HelloMethod("Caveman"), "Hi there Caveman")),
        ("hello_unicode_markup", lambda: eq(hello.HelloMethod("héllo ✓ <&>"), "Hi there héllo ✓ <&>")),
        ("increment", lambda: eq((s.Increment(), s.Increment()), (1, 1))),
        ("type_and_process", lambda: eq((s.GetRemoteObjectType(), s.GetProcessId() > 0),
                                        ("RemotingPeer.SingleCallObject", True))),
        ("echo", lambda: eq(s.Echo(-7, 2.5, True, "x<&y ü", t), f"-7|2.5|True|x<&y ü|{WHEN}")),
        ("echo_null_string", lambda: eq(s.Echo(0, 0.1, False, None, t), f"0|0.1|False|<null>|{WHEN}")),
        ("echo_more", lambda: eq(s.EchoMore(2**40, 1.5, Decimal("12.25"), "A", 255, -5, "PT1.5S", "AP8=", "x",
                                            "Friday"), "1099511627776|1.5|12.25|65|255|-5|15000000|00ff|[x]|Friday")),
        ("echo_more_nulls", lambda: eq(s.EchoMore(1, 0.0, Decimal(0), "z", 0, 0, "PT0S", None, None, "Sunday"),
                                       "1|0|0|122|0|0|0|<null>|<null>|Sunday")),
        ("reverse", lambda: eq(list(s.Reverse([1, 2, 3])), [3, 2, 1])),
        ("reverse_empty", lambda: eq(list(s.Reverse([]) or []), [])),
        ("reverse_null", lambda: eq(s.Reverse(None), None)),
        ("get_person", lambda: eq((s.GetPerson("Bob", 41).Name, s.GetPerson("Bob", 41).Age), ("Bob", 41))),
        ("get_person_null_name", lambda: eq(s.GetPerson(None, 1).Name, None)),
        ("birthday", lambda: eq((lambda p: (p.Name, p.Age))(s.Birthday(person("Ann", 30))), ("Ann", 31))),
        ("birthday_null", lambda: eq(s.Birthday(None), None)),
        ("fail", fail),
    ]


def _person_qname(client: Any) -> str:
    """``{namespace}Person`` as the WSDL declares it (its CLR data namespace names the assembly)."""
    for schema_type in client.wsdl.schema.types.values():
        if schema_type.name == "Person":
            return f"{{{schema_type.namespace()[1]}}}Person"
    raise AssertionError("no Person type in the WSDL")


def _suds() -> bool:
    try:
        import suds.client  # noqa: F401
    except ImportError:
        return False
    return True


def test_suds(base: str) -> None:
    require_peer("suds", _suds(), "the suds-community package (pip install -e '.[test]')")
    passed: list[str] = []
    failures: list[str] = []
    for name, check in _suds_checks(base):
        try:
            check()
            passed.append(name)
        except Exception as exc:  # every check runs; the assertion below names each failure
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    assert failures == [] and passed == CHECKS


# ------------------------------------------------------------------ PHP SoapClient


def test_php_soapclient_wsdl_mode(base: str) -> None:
    require_peer("php-soap", _php_soap(), "PHP with ext/soap (apt-get install php-cli php-soap)")
    proc = subprocess.run(["php", "-d", "soap.wsdl_cache_enabled=0", str(PHP_CLIENT), base, "-v"],
                          capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr[-4000:]}"
    _assert_all_passed(proc.stdout, "php remoting_client.php")


# ------------------------------------------------------------------ Apache Axis 1.4


def _axis_classpath() -> str | None:
    jars = [JAVA_LIBS / f"{name}.jar" for name in AXIS_JARS]
    if not (have("java") and have("javac") and all(jar.is_file() for jar in jars)):
        return None
    return ":".join(str(jar) for jar in jars)


def test_axis_wsdl2java_client(base: str) -> None:
    classpath = _axis_classpath()
    require_peer("axis-1.4", classpath is not None,
                 f"java, javac and Axis 1.4 in {JAVA_LIBS} (apt-get install libaxis-java default-jdk-headless)")
    assert classpath is not None
    mono_build.WORK_DIR.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix="axis-", dir=mono_build.WORK_DIR))  # git-ignored, like the C# builds
    try:
        wsdl2java = ["java", "-cp", classpath, "org.apache.axis.wsdl.WSDL2Java", "-o", "gen"]
        _run([*wsdl2java, "-p", "remoting", f"{base}SingleCallService.rem?wsdl=remoting"], build)
        _run([*wsdl2java, "-p", "hello", f"{base}SayHello.soap?wsdl=remoting"], build)
        port_type = (build / "gen" / "remoting" / "SingleCallObjectPortType.java").read_text()
        assert "public int[] reverse(int[] a)" in port_type and "remoting.DayOfWeek e" in port_type, port_type
        sources = sorted(str(p) for p in (build / "gen").rglob("*.java"))
        (build / "classes").mkdir()
        _run(["javac", "-nowarn", "-encoding", "UTF-8", "-cp", classpath, "-d", "classes", *sources,
              str(AXIS_CLIENT)], build)
        proc = subprocess.run(["java", "-Dfile.encoding=UTF-8", "-cp", f"{classpath}:classes", "AxisRemotingClient"],
                              cwd=build, capture_output=True, text=True, timeout=120, check=False,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr[-4000:]}"
        _assert_all_passed(proc.stdout, "AxisRemotingClient")
    finally:
        shutil.rmtree(build, ignore_errors=True)
