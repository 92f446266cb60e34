"""Brand vs performance split: an alias of :mod:`mmm.planning.brand_split`, where the code lives.

Kept so that ``from mmm.split import brand_split`` keeps working.

>>> from mmm.split import brand_split                                    # doctest: +SKIP
"""

from mmm.planning.brand_split import (
    FINE_STEP,
    NORMS,
    SPLIT_COLUMNS,
    SplitResult,
    brand_split,
    caveat_text,
)

__all__ = ["FINE_STEP", "NORMS", "SPLIT_COLUMNS", "SplitResult", "brand_split", "caveat_text"]
