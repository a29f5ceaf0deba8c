"""survey-jobs-mcp: how the data is reached (CLI, keys, HTTP, providers, store, MCP app, sandbox)."""

__version__ = "0.1.0"
