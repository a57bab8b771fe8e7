"""``python -m hangul_dl`` runs the command line (see :mod:`hangul_dl.cli`)."""

from hangul_dl.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
