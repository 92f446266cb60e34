"""Lead-gen and ecommerce economics of a plan: an alias of :mod:`mmm.planning.economics`, where the code lives.

Kept so that ``from mmm.economics import kpi_economics`` keeps working.
"""

from mmm.planning.economics import break_even_return, check_economics, kpi_economics

__all__ = ["break_even_return", "check_economics", "kpi_economics"]
