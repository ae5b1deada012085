"""A .NET configuration file (``App.config``, ``Server.exe.config``), unchanged: its
``<system.runtime.remoting>`` section read into the same raw values a TOML file gives.

What .NET and Mono servers ship there maps onto the schema: ``<lifetime>`` to ``[lifetime]`` (in .NET's time
syntax), ``<wellknown>`` and ``<activated>`` to ``[[wellknown]]`` and ``[[activated]]`` (their CLR type names
resolve to the Python classes that declare them), the HTTP ``<channel port bindTo>`` to ``[server]``, its
``<formatter ref typeFilterLevel>`` to ``formatters`` and ``type_filter``, the TCP ``<channel port bindTo>``
and its formatters to ``[tcp]``, ``<customErrors mode>`` to ``custom_errors``, ``<application name>`` to
``application_name``. Everything else a .NET file can ask for and this gateway cannot honour (an IPC
channel, a ``<client>`` section, custom sink providers ...)
becomes a note that ``serve`` and ``check`` print by name; an element or attribute that .NET does not know
either is an error (a typo, most likely). The XML is read with the project's hardened parser (no DTD, no
entities, no network).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from soap import Limits, SoapDecodeError, parse_xml

from .schema import ConfigError, Raw, RawConfig, RawTable

#: ``<lifetime>`` attributes -> ``[lifetime]`` keys.
LIFETIME_ATTRIBUTES = {
    "leaseTime": "lease_time",
    "renewOnCallTime": "renew_on_call_time",
    "sponsorshipTimeout": "sponsorship_timeout",
    "leaseManagerPollTime": "lease_manager_poll_time",
}
#: ``<wellknown>`` attributes -> ``[[wellknown]]`` keys (all three required, as in .NET).
WELLKNOWN_ATTRIBUTES = {"type": "type", "objectUri": "uri", "mode": "mode"}
#: ``<channel>`` attributes -> keys of the channel's section (``[server]`` for HTTP, ``[tcp]``).
CHANNEL_ATTRIBUTES = {"port": "port", "bindTo": "host"}
#: Channel attributes that only name or order channels: accepted, nothing to do.
CHANNEL_NAMES = ("name", "priority", "displayName")
#: Channels by ``ref`` (and by the class name in ``type``) -> the section its attributes set (``server``:
#: the HTTP side, ``tcp``: the TCP channel); any other channel is not served here.
CHANNEL_SECTIONS = {"http": "server", "http server": "server", "tcp": "tcp", "tcp server": "tcp"}
#: Where each channel's ``<serverProviders>`` formatters go: the app's (HTTP) and the TCP channel's own.
FORMATTERS_KEY = {"server": ("", "formatters"), "tcp": ("tcp", "formatters")}
CHANNEL_TYPES = {
    "HttpChannel": "http", "HttpServerChannel": "http server", "HttpClientChannel": "http client",
    "TcpChannel": "tcp", "TcpServerChannel": "tcp server", "TcpClientChannel": "tcp client",
    "IpcChannel": "ipc", "IpcServerChannel": "ipc server", "IpcClientChannel": "ipc client",
}
#: Formatter sink providers by ``ref`` and by class name in ``type`` -> our formatter.
FORMATTERS = {
    "soap": "soap", "binary": "binary",
    "SoapServerFormatterSinkProvider": "soap", "BinaryServerFormatterSinkProvider": "binary",
}
#: What an HTTP channel without ``<serverProviders>`` accepts in .NET and Mono: SOAP, then binary.
DEFAULT_FORMATTERS = ["soap", "binary"]

#: What .NET can ask for that this gateway does not do, and why (each named in a note when present).
NOT_HONOURED = {
    "<client>": "a <client> section configures objects this application calls elsewhere; the gateway serves "
              "objects (call remote ones with gateway.RemotingClient)",
    "<soapInterop>": "SOAP interop type mappings: wire names come from @soap.clr_type and @soap.serializable",
    "<channels> templates": "channel templates (machine.config style): channels are given under <application>",
    "<channelSinkProviders>": "sink provider templates: server sinks are Python (RemotingApp(sinks=...))",
    "<debug>": "<debug loadTypes> has no counterpart (types resolve when the file is read)",
    "<clientProviders>": "client sink providers: the gateway's HTTP channel only serves",
    "<provider> (other than wsdl)": "custom channel sink providers: server sinks are Python (RemotingApp(sinks=...))",
    "<formatter includeVersions>": "type names on the wire carry the assembly names the classes declare",
    "<formatter strictBinding>": "types bind by their declared CLR names",
    "<channel machineName>": "set public_url (GATEWAY_PUBLIC_URL) to the address callers should use",
    "<channel useIpAddress>": "set public_url (GATEWAY_PUBLIC_URL) to the address callers should use",
    "<formatter typeFilterLevel> differing": "one type filter level applies to every formatter; the strictest "
                                             "is used",
    "other <channel> attributes": "HTTP channel properties other than port, bindTo, rejectRemoteRequests, name "
                                  "and priority",
    "<channel ref=\"http client\">": "a client channel serves nothing",
    "<channel ref=\"ipc\"> and other channels": "this gateway has no such channel (it serves HTTP and TCP)",
    "a second HTTP <channel>": "the gateway serves one HTTP port; the first HTTP channel gives it",
    "a second TCP <channel>": "the gateway serves one TCP channel; the first TCP channel gives it",
}

#: The largest configuration file read (a .config file is a few KiB).
MAX_BYTES = 1024 * 1024


@dataclass
class DotNetConfig:
    """What a .NET configuration file asks for: raw values for the schema, and notes on what is not honoured."""

    raw: RawConfig
    notes: list[str] = field(default_factory=list)


def load_dotnet(path: Path, label: str) -> DotNetConfig:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{label}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        root = parse_xml(data, Limits(max_bytes=MAX_BYTES))
    except SoapDecodeError as exc:
        raise ConfigError([f"{label}: not a readable XML configuration file: {exc}"]) from None
    reader = _Reader(label)
    reader.configuration(root)
    if reader.errors:
        raise ConfigError(reader.errors)
    return DotNetConfig(reader.raw, reader.notes)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _children(el: etree._Element) -> list[etree._Element]:
    return [child for child in el if isinstance(child.tag, str)]


class _Reader:
    def __init__(self, label: str) -> None:
        self.label = label
        self.raw: RawConfig = {"": RawTable(label)}
        self.notes: list[str] = []
        self.errors: list[str] = []
        #: the channel element serving each section (``server``: HTTP, ``tcp``): the first of its kind
        self.channels: dict[str, etree._Element] = {}
        #: every channel's formatters and their typeFilterLevel attributes: one level for the app, decided
        #: once all channels are read (``formatter``, or ``tcp formatter`` for the TCP channel's)
        self.formatters: list[str] = []
        self.levels: list[tuple[str, etree._Element, str]] = []

    # ------------------------------------------------------------ locations

    def at(self, el: etree._Element, attribute: str | None = None) -> str:
        value = f' {attribute}="{el.get(attribute)}"' if attribute is not None else ""
        return f"{self.label} line {el.sourceline}: <{_local(el)}{value}>"

    def table(self, name: str) -> RawTable:
        return self.raw.setdefault(name, RawTable(f"{self.label}: {name}"))

    def put(self, section: str, key: str, el: etree._Element, attribute: str, value: object | None = None) -> None:
        self.table(section).values[key] = Raw(el.get(attribute) if value is None else value, self.at(el, attribute))

    def not_honoured(self, el: etree._Element, reason: str, attribute: str | None = None) -> None:
        self.notes.append(f"{self.at(el, attribute)}: not honoured: {reason}")

    def unknown_element(self, el: etree._Element, allowed: tuple[str, ...]) -> None:
        near = difflib.get_close_matches(_local(el), allowed, n=1)
        hint = f" (did you mean <{near[0]}>?)" if near else ""
        where = ", ".join(f"<{a}>" for a in allowed)
        self.errors.append(f"{self.at(el)}: unknown element{hint}; expected here: {where}")

    def attributes(
        self, el: etree._Element, known: tuple[str, ...], required: tuple[str, ...] = (), lenient: bool = False,
    ) -> dict[str, str]:
        """The attributes of ``el`` by their .NET spelling (matched in any letter case); an unknown one is an
        error (or, with ``lenient``, left for the caller to report); a required one missing is an error."""
        found: dict[str, str] = {}
        for name in el.attrib:
            if not isinstance(name, str) or name.startswith("{"):
                continue  # namespaced attributes (xml:lang ...) carry no Remoting setting
            match = next((k for k in known if k.lower() == name.lower()), None)
            if match is not None:
                found[match] = name
            elif lenient:
                found[name] = name
            else:
                near = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean {near[0]}?)" if near else ""
                self.errors.append(f"{self.at(el)}: unknown attribute {name}{hint}; known: {', '.join(known)}")
        for name in required:
            if name not in found:
                self.errors.append(f"{self.at(el)}: missing attribute {name}")
        return found

    # ------------------------------------------------------------ elements

    def configuration(self, root: etree._Element) -> None:
        if _local(root) != "configuration":
            self.errors.append(f"{self.at(root)}: the root element must be <configuration>")
            return
        sections = [el for el in _children(root) if _local(el) == "system.runtime.remoting"]
        if not sections:
            self.errors.append(f"{self.label}: no <system.runtime.remoting> section in <configuration>")
            return
        for extra in sections[1:]:
            self.errors.append(f"{self.at(extra)}: a second <system.runtime.remoting> section")
        self.remoting(sections[0])

    def remoting(self, el: etree._Element) -> None:
        self.attributes(el, ())
        applications = 0
        for child in _children(el):
            name = _local(child)
            if name == "application":
                applications += 1
                if applications > 1:
                    self.errors.append(f"{self.at(child)}: a second <application> element")
                else:
                    self.application(child)
            elif name == "customErrors":
                found = self.attributes(child, ("mode",), required=("mode",))
                if "mode" in found:
                    self.put("", "custom_errors", child, found["mode"])
            elif name in ("channels", "channelSinkProviders", "debug"):
                self.not_honoured(child, NOT_HONOURED["<channels> templates" if name == "channels" else
                                                      f"<{name}>"])
            else:
                self.unknown_element(child, ("application", "customErrors", "channels", "channelSinkProviders",
                                             "debug"))

    def application(self, el: etree._Element) -> None:
        found = self.attributes(el, ("name",))
        if "name" in found:
            self.put("", "application_name", el, found["name"])
        wellknown: list[RawTable] = []
        activated: list[RawTable] = []
        for child in _children(el):
            name = _local(child)
            if name == "lifetime":
                self.lifetime(child)
            elif name == "service":
                self.service(child, wellknown, activated)
            elif name == "channels":
                for channel in _children(child):
                    if _local(channel) == "channel":
                        self.channel(channel)
                    else:
                        self.unknown_element(channel, ("channel",))
            elif name in ("client", "soapInterop"):
                self.not_honoured(child, NOT_HONOURED[f"<{name}>"])
            else:
                self.unknown_element(child, ("lifetime", "service", "channels", "client", "soapInterop"))
        if wellknown:
            self.raw[""].values["wellknown"] = Raw(wellknown, f"{self.label}: <service>")
        if activated:
            self.raw[""].values["activated"] = Raw(activated, f"{self.label}: <service>")
        self.type_filter(self.formatters, self.levels)

    def lifetime(self, el: etree._Element) -> None:
        found = self.attributes(el, tuple(LIFETIME_ATTRIBUTES))
        for attribute, spelled in found.items():
            self.put("lifetime", LIFETIME_ATTRIBUTES[attribute], el, spelled)
        for child in _children(el):
            self.unknown_element(child, ())

    def service(self, el: etree._Element, wellknown: list[RawTable], activated: list[RawTable]) -> None:
        self.attributes(el, ())
        for child in _children(el):
            name = _local(child)
            if name == "wellknown":
                found = self.attributes(child, (*WELLKNOWN_ATTRIBUTES, "displayName"),
                                        required=tuple(WELLKNOWN_ATTRIBUTES))
                wellknown.append(self.entry(child, {WELLKNOWN_ATTRIBUTES[a]: s for a, s in found.items()
                                                    if a in WELLKNOWN_ATTRIBUTES}))
            elif name == "activated":
                found = self.attributes(child, ("type",), required=("type",))
                entry = self.entry(child, {"type": found["type"]} if "type" in found else {})
                type_name = child.get(found.get("type", "type")) or ""
                if ":" not in type_name and type_name:
                    # clients activate it by the name the file gives (assembly part aside)
                    entry.values["name"] = Raw(type_name.split(",", 1)[0].strip(), self.at(child, found["type"]))
                activated.append(entry)
            else:
                self.unknown_element(child, ("wellknown", "activated"))

    def entry(self, el: etree._Element, keys: Mapping[str, str]) -> RawTable:
        return RawTable(self.at(el), {key: Raw(el.get(spelled), self.at(el, spelled)) for key, spelled in keys.items()})

    def channel(self, el: etree._Element) -> None:
        found = self.attributes(el, ("ref", "type", *CHANNEL_ATTRIBUTES, "rejectRemoteRequests", *CHANNEL_NAMES),
                                lenient=True)
        kind = self.channel_kind(el, found)
        if kind is None:
            return
        target = CHANNEL_SECTIONS.get(kind)
        named = found.get("ref") or found.get("type")
        if target is None:
            client = kind.endswith("client")
            self.not_honoured(el, NOT_HONOURED[
                '<channel ref="http client">' if client else '<channel ref="ipc"> and other channels'], named)
            return
        label = "HTTP" if target == "server" else "TCP"
        if target in self.channels:
            self.not_honoured(el, NOT_HONOURED[f"a second {label} <channel>"], named)
            return
        self.channels[target] = el
        for attribute, key in CHANNEL_ATTRIBUTES.items():
            if attribute in found:
                self.put(target, key, el, found[attribute])
        reject = found.get("rejectRemoteRequests")
        if reject is not None and "bindTo" not in found:
            if (el.get(reject) or "").strip().lower() == "true":
                self.put(target, "host", el, reject, "127.0.0.1")
            elif (el.get(reject) or "").strip().lower() != "false":
                self.errors.append(f"{self.at(el, reject)}: must be true or false")
        honoured = {"ref", "type", *CHANNEL_ATTRIBUTES, "rejectRemoteRequests", *CHANNEL_NAMES}
        for attribute, spelled in found.items():
            if attribute in honoured:
                continue
            reason = NOT_HONOURED.get(f"<channel {attribute}>", NOT_HONOURED["other <channel> attributes"])
            self.not_honoured(el, reason, spelled)
        providers = [child for child in _children(el) if _local(child) == "serverProviders"]
        for child in _children(el):
            if _local(child) == "clientProviders":
                self.not_honoured(child, NOT_HONOURED["<clientProviders>"])
            elif _local(child) != "serverProviders":
                self.unknown_element(child, ("serverProviders", "clientProviders"))
        if providers:
            self.server_providers(providers[0], target)
            for extra in providers[1:]:
                self.errors.append(f"{self.at(extra)}: a second <serverProviders> in one channel")
        elif target == "server":
            where = f"{self.at(el)} (no <serverProviders>: SOAP and binary, as .NET's HTTP channel)"
            self.raw[""].values["formatters"] = Raw(list(DEFAULT_FORMATTERS), where)
            self.formatters += DEFAULT_FORMATTERS  # at the default level, Low
        else:  # the TCP channel's defaults: binary, then SOAP (Low)
            self.formatters += ["tcp binary", "tcp soap"]

    def channel_kind(self, el: etree._Element, found: dict[str, str]) -> str | None:
        if "ref" in found:
            return (el.get(found["ref"]) or "").strip().lower()
        if "type" in found:
            class_name = (el.get(found["type"]) or "").split(",", 1)[0].strip().rpartition(".")[2]
            return CHANNEL_TYPES.get(class_name, class_name)
        self.errors.append(f"{self.at(el)}: missing attribute ref or type")
        return None

    def server_providers(self, el: etree._Element, target: str) -> None:
        self.attributes(el, ())
        formatters: list[str] = []
        levels: list[tuple[str, etree._Element, str]] = []  # (formatter, element, attribute as spelled)
        for child in _children(el):
            name = _local(child)
            if name == "formatter":
                found = self.attributes(child, ("ref", "type", "typeFilterLevel", "includeVersions",
                                                "strictBinding"), lenient=True)
                formatter = self.formatter_of(child, found)
                if formatter is None:
                    continue
                formatters.append(formatter)
                if "typeFilterLevel" in found:
                    levels.append((formatter, child, found["typeFilterLevel"]))
                for attribute, spelled in found.items():
                    if attribute in ("ref", "type", "typeFilterLevel"):
                        continue
                    reason = NOT_HONOURED.get(f"<formatter {attribute}>", "not a formatter property here")
                    self.not_honoured(child, reason, spelled)
            elif name == "provider":
                ref = (child.get("ref") or "").strip().lower()
                if ref != "wsdl":  # the WSDL provider: every object answers ?wsdl anyway
                    self.not_honoured(child, NOT_HONOURED["<provider> (other than wsdl)"],
                                      "ref" if child.get("ref") else "type")
            else:
                self.unknown_element(child, ("formatter", "provider"))
        if not formatters:
            self.errors.append(f"{self.at(el)}: no <formatter> (a channel needs one to read calls)")
            return
        section, key = FORMATTERS_KEY[target]
        self.table(section).values[key] = Raw(formatters, self.at(el))
        prefix = "tcp " if target == "tcp" else ""
        self.formatters += [prefix + formatter for formatter in formatters]
        self.levels += [(prefix + formatter, child, spelled) for formatter, child, spelled in levels]

    def type_filter(self, formatters: list[str], levels: list[tuple[str, etree._Element, str]]) -> None:
        """One level for the app: the formatters' common one (over every channel); when they differ, Low (each
        other one reported)."""
        if not levels:
            return
        given = {formatter: (child.get(spelled) or "").strip() for formatter, child, spelled in levels}
        for _, child, spelled in levels:
            if (child.get(spelled) or "").strip().lower() not in ("low", "full"):
                self.errors.append(f"{self.at(child, spelled)}: must be one of Low, Full")
        if len({v.lower() for v in given.values()}) == 1 and len(levels) == len(formatters):
            _, child, spelled = levels[0]
            self.put("", "type_filter", child, spelled)
            return
        _, first, first_spelled = levels[0]
        self.put("", "type_filter", first, first_spelled, "Low")
        shown = ", ".join(f"{f}: {given.get(f, 'Low (default)')}" for f in formatters)
        reason = f"{NOT_HONOURED['<formatter typeFilterLevel> differing']} ({shown}): Low"
        for _, child, spelled in levels:
            if (child.get(spelled) or "").strip().lower() != "low":
                self.not_honoured(child, reason, spelled)

    def formatter_of(self, el: etree._Element, found: dict[str, str]) -> str | None:
        if "ref" in found:
            ref = (el.get(found["ref"]) or "").strip()
            known = FORMATTERS.get(ref.lower())
        elif "type" in found:
            ref = (el.get(found["type"]) or "").split(",", 1)[0].strip().rpartition(".")[2]
            known = FORMATTERS.get(ref)
        else:
            self.errors.append(f"{self.at(el)}: missing attribute ref or type")
            return None
        if known is None:
            self.not_honoured(el, "no such formatter here (soap and binary are)", found.get("ref") or found["type"])
        return known
