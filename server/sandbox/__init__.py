"""A local emulator of the Aftercare and SurveyCoder APIs for tests, demos and benchmarks.

``Sandbox`` holds deterministic jobs (ids, data and lifecycles derived from ``seed``), a controllable
clock and fault injection; ``SandboxServer`` serves it over real HTTP on loopback. Nothing in the
client stack is mocked: tests talk to this over sockets.
"""

from .app import AFTERCARE_PREFIX, SURVEYCODER_PREFIX, Sandbox, SandboxKeys
from .faults import Fault, parse_fault_spec
from .serve import SandboxServer

__all__ = [
    "AFTERCARE_PREFIX",
    "SURVEYCODER_PREFIX",
    "Fault",
    "Sandbox",
    "SandboxKeys",
    "SandboxServer",
    "parse_fault_spec",
]
