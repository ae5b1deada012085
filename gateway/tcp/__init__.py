"""The .NET Remoting TCP channel: binary (or SOAP) messages in [MS-NRTP] frames over raw TCP.

``framing`` is the sans-I/O frame codec, ``server`` the listener that serves an
:class:`~gateway.server.host.ObjectHost`'s objects over TCP (``RemotingApp(tcp_port=N)`` or
:func:`serve_tcp`), ``client`` the httpx transports that let :class:`gateway.RemotingClient` and
:class:`gateway.AsyncRemotingClient` call ``tcp://`` URLs. See docs/tcp.md.
"""

from .client import AsyncTcpTransport, TcpTransport
from .framing import FrameError, FrameLimits, FrameReader, Operation, TcpFrame, write_frame
from .server import TcpChannel, serve_tcp

__all__ = [
    "AsyncTcpTransport",
    "FrameError",
    "FrameLimits",
    "FrameReader",
    "Operation",
    "TcpChannel",
    "TcpFrame",
    "TcpTransport",
    "serve_tcp",
    "write_frame",
]
