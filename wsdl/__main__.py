"""``python -m wsdl stub URL -o client.py [--soap12]``: write a typed Python client for a WSDL."""

from __future__ import annotations

import argparse
import sys

from ._stubgen import write_stub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wsdl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stub = commands.add_parser("stub", help="generate a typed client module from a WSDL URL or file")
    stub.add_argument("location", help="WSDL URL or path")
    stub.add_argument("-o", "--output", help="file to write (default: standard output)")
    stub.add_argument("--soap12", action="store_true", help="prefer a SOAP 1.2 port when there is one")
    args = parser.parse_args(argv)
    return write_stub(args.location, args.output, soap12=args.soap12)


if __name__ == "__main__":
    sys.exit(main())
