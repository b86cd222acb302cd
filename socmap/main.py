"""The ``socmap`` entry point: no command (or ``gui``) opens the app; anything else runs headless."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the desktop app or the CLI."""
    from socmap import cli

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = cli.build_parser()
    args = parser.parse_args(args_list)
    if args.command is None or getattr(args, "gui", False):
        from socmap import app

        return app.main(args)
    return cli.run(args)


if __name__ == "__main__":
    sys.exit(main())
