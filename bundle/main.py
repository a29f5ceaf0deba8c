"""Entry point of the MCP bundle (the manifest's ``server.entry_point``).

Claude Desktop runs it with uv inside the unpacked bundle (``uv run --directory <bundle> main.py``):
uv reads the bundle's ``pyproject.toml``, installs the dependencies and this project into the
bundle's own environment (downloading a Python if the machine has none), and this file then starts
the server exactly like the ``survey-jobs-mcp`` command: MCP over stdio. Everything else comes from
the environment the manifest sets: the two keys from the sensitive fields, and
``SURVEY_JOBS_SANDBOX`` from the "sandbox mode" switch.
"""

from survey_jobs_mcp.server.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
