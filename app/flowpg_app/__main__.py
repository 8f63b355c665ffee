"""Serve the approval app: /usr/bin/python3 -m flowpg_app (see app/run and README.md)."""

import sys

import waitress

from . import config, create_app


def main():
    try:
        settings = config.from_environment()
    except config.ConfigError as e:
        print(f"flowpg app: {e}", file=sys.stderr)
        return 2
    app = create_app(settings)
    host, port = settings["FLOWPG_HOST"], settings["FLOWPG_PORT"]
    print(f"flowpg app: listening on http://{host}:{port}/ ({settings['FLOWPG_AUTH']} sign-in)",
          file=sys.stderr, flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=settings["FLOWPG_THREADS"],
                       ident="flowpg-app", _quiet=True)
    finally:
        app.extensions["flowpg_db"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
