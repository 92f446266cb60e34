"""Write the simulated sample data sets of ``data/samples`` (deterministic from their seeds).

Usage::

    python scripts/make_samples.py              # into data/samples/
    python scripts/make_samples.py --out DIR    # somewhere else

Writes ``ecommerce.csv``, ``ecommerce_truth.json``, ``ecommerce.yaml``, the same three
for ``b2b`` and ``README.md`` (with the true parameter tables). See :mod:`mmm.simulate`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mmm.simulate import write_samples

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "samples"


def main(argv: list[str] | None = None) -> list[Path]:
    """Parse arguments and write the sample files; returns the paths written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="target folder (default: data/samples)")
    args = parser.parse_args(argv)
    written = write_samples(args.out)
    for path in written:
        print(path)
    return written


if __name__ == "__main__":
    main()
