"""``python -m server`` == the ``survey-jobs-mcp`` console script."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
