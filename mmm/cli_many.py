"""Commands that fit many models at once (``backtest``, ``compare``, ``fit-many``).

:func:`register` adds them to the ``mmm`` app. Nothing heavy is imported at module level
(``mmm --help`` must stay fast): each command imports what it needs when it runs.
"""

from __future__ import annotations

from typing import Any


def register(app: Any) -> None:
    """Add the many-fit commands to the typer ``app``."""
