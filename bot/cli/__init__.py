"""The `hirebot` command line, one module per command group (root.py holds the top level).

Importing it imports most of hirebot (every command's modules, the SDKs of the channels, the
ORM's mappers, pydantic's models): hundreds of thousands of objects that live as long as the
process. Python's cyclic collector, left on, runs again and again over that growing heap
while nothing of it is garbage yet; off for the imports, `hirebot serve` started about a
fifth faster (docs/benchmarks.md, "Start-up: what was left"). It is on again once they are
done, whoever imported the CLI.

Before it is on again, one collection frees what the imports left (a few hundred cycles) and
the rest is frozen out of the collector's reach (`gc.freeze()`, as `hirebot serve` freezes
its whole start-up heap before serving). The first collection after the imports was a full
one anyway, over the whole heap (~0.1 s); frozen, the collections that follow, during a
command's work and `hirebot serve`'s own collection before it freezes, scan only what was
made since (docs/benchmarks.md, run 14).
"""

import gc

_collecting = gc.isenabled()
gc.disable()
try:
    from bot.cli.root import app, main
finally:
    gc.collect()
    gc.freeze()
    if _collecting:
        gc.enable()

__all__ = ["app", "main"]
