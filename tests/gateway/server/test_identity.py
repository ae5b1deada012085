"""gateway.server.identity: object URIs, what serves them, and what a lease expiry removes."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gateway import Lease, LeaseState, LifetimeSettings, MarshalByRefObject, WellKnownObjectMode
from gateway.server.identity import IdentityTable, InstanceEntry, ServiceEntry, normalize_uri
from gateway.server.lease_manager import LeaseManager
from soap import clr_type

from ...support.clock import ManualClock

HOUR = dt.timedelta(hours=1)


@clr_type("IdentityTests.Thing", "IdentityTests")
class Thing(MarshalByRefObject):
    """A 10 s lease."""

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(seconds=10)
        return lease

    def Ping(self) -> str:
        return "pong"


class Immortal(Thing):
    def InitializeLifetimeService(self) -> Lease | None:
        return None


class Defaults(MarshalByRefObject):
    """Takes its lease times from the table's lifetime settings."""


class NotRemotable:
    def Ping(self) -> str:
        return "pong"


def make(clock: ManualClock | None = None, lifetime: LifetimeSettings | None = None) -> IdentityTable:
    clock = clock or ManualClock()
    manager = LeaseManager(HOUR, lambda lease: table.lease_expired(lease), clock)
    table = IdentityTable(manager, lifetime or LifetimeSettings(clock=clock))
    return table


# ------------------------------------------------------------------ well-known and activated types


def test_register_and_lookup() -> None:
    table = make()
    entry = table.register(Thing, "/Things/Thing.rem", WellKnownObjectMode.Singleton)
    assert isinstance(entry, ServiceEntry)
    assert entry.uri == "Things/Thing.rem"  # stored without the leading slash
    assert (entry.cls, entry.mode) == (Thing, WellKnownObjectMode.Singleton)
    assert entry.contract.clr.full_name == "IdentityTests.Thing"
    assert table.lookup("Things/Thing.rem") is entry
    assert table.lookup("/Things/Thing.rem") is entry
    assert table.lookup("things/thing.rem") is None  # case-sensitive, like .NET
    assert table.well_known() == [entry]
    assert entry in table.entries()
    assert normalize_uri("//a.rem") == "a.rem"


@pytest.mark.parametrize("uri", ["Thing", "Thing.asmx", "Thing.rem/", "Thing.REM", ""])
def test_object_uris_end_in_rem_or_soap(uri: str) -> None:
    table = make()
    with pytest.raises(ValueError, match=r"must end in \.rem or \.soap"):
        table.register(Thing, uri, WellKnownObjectMode.SingleCall)
    with pytest.raises(ValueError, match=r"must end in \.rem or \.soap"):
        table.publish(Thing(), uri)
    assert table.register(Thing, "Thing.soap", WellKnownObjectMode.SingleCall).uri == "Thing.soap"


def test_a_uri_is_registered_once() -> None:
    table = make()
    table.register(Thing, "Thing.rem", WellKnownObjectMode.SingleCall)
    with pytest.raises(ValueError, match="already registered"):
        table.register(Thing, "/Thing.rem", WellKnownObjectMode.Singleton)
    with pytest.raises(ValueError, match="already registered"):
        table.publish(Thing(), "Thing.rem")
    assert table.lookup("Thing.rem").mode is WellKnownObjectMode.SingleCall  # type: ignore[union-attr]


def test_only_marshal_by_ref_objects_are_published() -> None:
    table = make()
    with pytest.raises(TypeError, match="MarshalByRefObject"):
        table.register(NotRemotable, "X.rem", WellKnownObjectMode.SingleCall)
    with pytest.raises(TypeError, match="MarshalByRefObject"):
        table.register_activated(NotRemotable)
    with pytest.raises(TypeError, match="MarshalByRefObject"):
        table.publish(NotRemotable())
    assert table.entries() == []


def test_register_activated_by_clr_name_without_assembly() -> None:
    table = make()
    assert table.register_activated(Thing) == "IdentityTests.Thing"
    assert table.register_activated(Immortal, "Other.Name, OtherAssembly") == "Other.Name"
    assert table.activated_type("IdentityTests.Thing") is Thing
    assert table.activated_type("IdentityTests.Thing, AnyAssembly, Version=1.0") is Thing  # assembly ignored
    assert table.activated_type("Other.Name") is Immortal
    assert table.activated_type("IdentityTests.Immortal") is None  # only under the name it was given
    assert table.entries() == []  # activation publishes nothing by itself


# ------------------------------------------------------------------ instances


def test_publish_at_a_fresh_unguessable_uri_once() -> None:
    table = make()
    obj = Thing()
    entry = table.publish(obj)
    assert isinstance(entry, InstanceEntry) and entry.obj is obj and entry.target() is obj
    assert re.fullmatch(rf"{re.escape(table.app_guid)}/[0-9a-f]{{32}}\.rem", entry.uri), entry.uri
    assert table.publish(obj) is entry  # already published: the same entry
    assert table.publish(obj, "/" + entry.uri) is entry
    with pytest.raises(ValueError, match="already published"):
        table.publish(obj, "Elsewhere.rem")
    assert table.entry_for(obj) is entry
    assert table.entry_for(Thing()) is None
    assert table.instance_count() == 1
    assert table.publish(Thing()).uri != entry.uri


def test_publish_starts_a_lease_with_the_tables_settings() -> None:
    clock = ManualClock()
    lifetime = LifetimeSettings(dt.timedelta(seconds=7), dt.timedelta(seconds=3), dt.timedelta(seconds=1), clock=clock)
    table = make(clock, lifetime)
    obj = Defaults()
    entry = table.publish(obj, "Defaults.rem")
    lease = obj.GetLifetimeService()
    assert lease is not None and entry.lease is lease
    assert lease.CurrentState is LeaseState.Active
    assert (lease.InitialLeaseTime, lease.RenewOnCallTime) == (dt.timedelta(seconds=7), dt.timedelta(seconds=3))
    assert len(table.leases) == 1
    clock.advance(2)
    assert lease.CurrentLeaseTime == dt.timedelta(seconds=5)  # on the table's clock


def test_object_without_a_lease_is_not_tracked() -> None:
    table = make()
    entry = table.publish(Immortal(), "Immortal.rem")
    assert entry.lease is None
    assert len(table.leases) == 0


def test_disconnect() -> None:
    table = make()
    obj = Thing()
    entry = table.publish(obj, "Thing.rem")
    lease = entry.lease
    assert lease is not None
    assert table.disconnect(obj) is True
    assert table.disconnect(obj) is False
    assert table.disconnect(Thing()) is False  # never published
    assert table.lookup("Thing.rem") is None
    assert table.entry_for(obj) is None
    assert table.instance_count() == 0
    assert lease.CurrentState is LeaseState.Expired
    assert obj.GetLifetimeService() is None
    assert len(table.leases) == 0
    assert table.publish(obj, "Thing.rem").lease is not lease  # published again: a new lease


def test_remove_disconnects_the_instance_at_a_uri() -> None:
    table = make()
    obj = Thing()
    table.publish(obj, "Thing.rem")
    well_known = table.register(Thing, "Service.rem", WellKnownObjectMode.SingleCall)
    table.remove("/Thing.rem")
    assert table.lookup("Thing.rem") is None and obj.GetLifetimeService() is None
    table.remove("Service.rem")  # not an instance: stays
    table.remove("Nothing.rem")
    assert table.lookup("Service.rem") is well_known


# ------------------------------------------------------------------ lease expiry


def test_lease_expiry_disconnects_the_instance_and_its_published_lease() -> None:
    clock = ManualClock()
    table = make(clock)
    obj = Thing()
    table.publish(obj, "Thing.rem")
    lease = obj.GetLifetimeService()
    assert lease is not None
    lease.published_uri = table.publish(lease).uri  # a client asked for the lease: it has its own URI
    assert table.instance_count() == 2
    clock.advance(9.5)
    assert table.leases.sweep() == 0
    assert table.lookup("Thing.rem") is not None
    clock.advance(0.5)
    assert table.leases.sweep() == 1
    assert table.lookup("Thing.rem") is None
    assert table.lookup(lease.published_uri) is None
    assert table.instance_count() == 0
    assert obj.GetLifetimeService() is None
    assert lease.CurrentState is LeaseState.Expired


def test_singleton_is_created_on_first_use_and_again_after_its_lease_expired() -> None:
    clock = ManualClock()
    table = make(clock)
    entry = table.register(Thing, "Single.rem", WellKnownObjectMode.Singleton)
    assert entry.lease is None and len(table.leases) == 0  # nothing created yet
    first = entry.target()
    assert entry.target() is first
    lease = entry.lease
    assert lease is not None and lease is first.GetLifetimeService()  # type: ignore[attr-defined]
    assert len(table.leases) == 1
    lease.published_uri = table.publish(lease).uri  # a client asked for the Singleton's lease
    clock.advance(10)
    assert table.leases.sweep() == 1
    assert entry.lease is None
    assert table.lookup(lease.published_uri) is None  # the lease went with its instance
    assert table.instance_count() == 0
    second = entry.target()
    assert second is not first
    assert table.lookup("Single.rem") is entry  # the registration stays
    assert len(table.leases) == 1


def test_single_call_target_is_a_new_instance_with_no_lease() -> None:
    table = make()
    entry = table.register(Thing, "Each.rem", WellKnownObjectMode.SingleCall)
    a, b = entry.target(), entry.target()
    assert a is not b and isinstance(a, Thing)
    assert entry.lease is None and len(table.leases) == 0


def test_expiry_callback_of_start_lease() -> None:
    clock = ManualClock()
    table = make(clock)
    seen: list[object] = []
    obj = Thing()
    lease = table.start_lease(obj, seen.append)
    assert lease is not None and obj.GetLifetimeService() is lease
    assert table.start_lease(Immortal(), seen.append) is None
    clock.advance(10)
    table.leases.sweep()
    assert seen == [lease]
    table.lease_expired(lease)  # a second report does nothing
    assert seen == [lease]
