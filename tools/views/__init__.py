"""The answers of the tools, one package per kind of result.

Each package splits the same three concerns: the index (statistics computed once per result),
the output schema (the pydantic models advertised as the tool's outputSchema), and the rendering
(markdown + structured channels within the token budget, on the shared kit in ``tools.render``).
"""
