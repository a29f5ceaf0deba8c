"""``python -m survey_jobs_mcp.server`` == the ``survey-jobs-mcp`` console script."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
