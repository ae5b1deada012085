"""``python -m wsdl stub URL -o client.py [--soap12]``: write a typed Python client for a WSDL."""

from __future__ import annotations

import argparse
import sys

from ._stubgen import generate_stub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wsdl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    stub = commands.add_parser("stub", help="generate a typed client module from a WSDL URL or file")
    stub.add_argument("location", help="WSDL URL or path")
    stub.add_argument("-o", "--output", help="file to write (default: standard output)")
    stub.add_argument("--soap12", action="store_true", help="prefer a SOAP 1.2 port when there is one")
    args = parser.parse_args(argv)
    try:
        source = generate_stub(args.location, soap12=args.soap12)
    except Exception as exc:
        print(f"wsdl stub: {args.location}: {exc}", file=sys.stderr)
        return 1
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(source)
        except OSError as exc:
            print(f"wsdl stub: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
