"""Write every bundled sample file of ``data/samples`` (deterministic from their seeds).

Usage::

    python scripts/make_samples.py              # into data/samples/
    python scripts/make_samples.py --out DIR    # somewhere else

Writes, for ``ecommerce``, ``b2b``, ``d2c_mediation`` and ``b2b_funnel``, the CSV, the
truth JSON and the YAML spec (plus a Markdown description of the last two); ``README.md``
(with the true parameter tables); the CRM export ``deals.csv``; and the geo panel ``geo``
(``geo.csv``, ``geo.yaml``, ``geo_truth.json``, ``geo.md``; :mod:`mmm.simulate.geo`). The committed files
are exactly what this script writes (``tests/test_simulate.py`` checks it). See
:mod:`mmm.simulate`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mmm.simulate import write_all_samples
from mmm.simulate.geo import write_geo_sample

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "samples"


def main(argv: list[str] | None = None) -> list[Path]:
    """Parse arguments and write the sample files; returns the paths written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="target folder (default: data/samples)")
    args = parser.parse_args(argv)
    written = [*write_all_samples(args.out), *write_geo_sample(args.out)]
    for path in written:
        print(path)
    return written


if __name__ == "__main__":
    main()
