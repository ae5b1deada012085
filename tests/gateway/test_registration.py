"""Registration mistakes are caught when a class is registered, before any server starts, each with an
error that names the class and the method: a mode given as a string, an instance instead of a class, a
SingleCall or Singleton class whose constructor needs arguments, a type that cannot be published. A method
without type hints is published with a warning, never silently."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest

from examples.remoting_samples import ClientActivatedObject, HelloServer
from gateway import (
    AsyncRemotingClient,
    MarshalByRefObject,
    RegistrationWarning,
    RemotingApp,
    WellKnownObjectMode,
)

SINGLE = WellKnownObjectMode.SingleCall


def test_mode_given_as_a_string_is_refused() -> None:
    app = RemotingApp()
    with pytest.raises(TypeError) as info:
        app.register_well_known(HelloServer, "SayHello.soap", "SingleCall")  # type: ignore[arg-type]
    message = str(info.value)
    assert "register_well_known(HelloServer, 'SayHello.soap', 'SingleCall')" in message
    assert "WellKnownObjectMode.SingleCall or WellKnownObjectMode.Singleton, not str 'SingleCall'" in message
    assert app.identities.lookup("SayHello.soap") is None


def test_an_instance_instead_of_a_class_is_refused() -> None:
    with pytest.raises(TypeError, match=r"pass the class HelloServer, not an instance of it \(app.marshal"):
        RemotingApp().register_well_known(HelloServer(), "SayHello.soap", SINGLE)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"register_activated\(HelloServer\(\)\): pass the class HelloServer"):
        RemotingApp().register_activated(HelloServer())  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", list(WellKnownObjectMode))
def test_a_well_known_class_whose_constructor_needs_arguments_is_refused(mode: WellKnownObjectMode) -> None:
    with pytest.raises(TypeError) as info:
        RemotingApp().register_well_known(ClientActivatedObject, "Counter.rem", mode)
    message = str(info.value)
    assert f"ClientActivatedObject.__init__ needs the argument 'name', but the server creates {mode.value}" in message
    assert "register_activated" in message  # what to do instead


def test_constructor_arguments_are_fine_for_activated_types_and_defaults_for_well_known_ones() -> None:
    class WithDefault(MarshalByRefObject):
        def __init__(self, greeting: str = "hi") -> None:
            self.greeting = greeting

        def Greet(self) -> str:
            return self.greeting

    app = RemotingApp()
    app.register_well_known(WithDefault, "Default.rem", SINGLE)
    assert app.register_activated(ClientActivatedObject) == "RemotingPeer.ClientActivatedObject"


def test_a_parameter_type_that_cannot_cross_the_wire_names_class_method_and_parameter() -> None:
    class Mapper(MarshalByRefObject):
        def Ok(self, x: int) -> int:
            return x

        def Lookup(self, table: dict[str, int]) -> int:
            return len(table)

    with pytest.raises(TypeError) as info:
        RemotingApp().register_well_known(Mapper, "Mapper.soap", SINGLE)
    message = str(info.value)
    assert "Mapper cannot be published" in message
    assert "Mapper.Lookup: parameter 'table': type dict[str, int] cannot be sent over the wire" in message


def test_a_return_type_that_cannot_cross_the_wire_is_refused() -> None:
    class Sets(MarshalByRefObject):
        def Members(self) -> set[int]:
            return set()

    with pytest.raises(TypeError, match=r"Sets.Members: return value: type set\[int\] cannot be sent"):
        RemotingApp().register_well_known(Sets, "Sets.rem", SINGLE)


class Point:
    """Neither a MarshalByRefObject, an interface with methods, nor a registered by-value type."""

    def __init__(self, x: int) -> None:
        self.x = x


def test_a_plain_class_hint_would_silently_leave_the_wsdl_and_is_refused() -> None:
    # Such a parameter used to become an object reference no caller could produce, and the operation
    # dropped out of the document/literal WSDL without a word.
    class Plotter(MarshalByRefObject):
        def Plot(self, where: list[Point]) -> int:
            return len(where)

    with pytest.raises(TypeError) as info:
        RemotingApp().register_well_known(Plotter, "Plotter.soap", SINGLE)
    message = str(info.value)
    assert "Plotter.Plot: parameter 'where' has type Point, which cannot be published" in message
    assert "@soap.serializable" in message


@dataclass
class Box:
    size: int


class Shop(MarshalByRefObject):
    def Pack(self, box: Box) -> Box:
        return box

    def Greeter(self) -> HelloServer:
        return HelloServer()


def test_by_value_and_by_reference_types_still_register() -> None:
    RemotingApp().register_well_known(Shop, "Shop.rem", SINGLE)


class Loose(MarshalByRefObject):
    def Echo(self, value):  # type: ignore[no-untyped-def]
        return value

    def Typed(self, value: int) -> int:
        return value


def test_a_method_without_type_hints_is_published_with_a_warning() -> None:
    app = RemotingApp()
    with pytest.warns(RegistrationWarning) as caught:
        app.register_well_known(Loose, "Loose.soap", SINGLE)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "Loose.Echo has no type hint for parameter 'value' and the return value: published as Any" in messages[0]
    assert caught[0].filename == __file__  # the warning points at the registration, not at the runtime

    async def call() -> object:
        async with AsyncRemotingClient(http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app))) as c:
            return await c.get_object(Loose, "http://testserver/Loose.soap").Echo("as is")

    assert asyncio.run(call()) == "as is"  # published all the same


def test_something_else_than_a_marshal_by_ref_class_is_refused_with_its_name() -> None:
    with pytest.raises(TypeError, match=r"register_well_known\(int, 'Int.rem', .*must be a subclass of "
                                        r"gateway.MarshalByRefObject"):
        RemotingApp().register_well_known(int, "Int.rem", SINGLE)
