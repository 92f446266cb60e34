"""Build hook: ship the bundled samples inside the installed package.

Everything else about the build is in ``pyproject.toml``. The sample files live once, in
``data/samples/`` at the repository root, where the README, the notebooks and the sample
specs point. A non-editable install (``pip install .``, a wheel, an sdist) copies them to
``mmm/sample_data/`` so that ``mmm demo`` and :mod:`mmm.samples` work from site-packages;
an editable install reads ``data/samples/`` directly. ``MANIFEST.in`` puts them in sdists.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"


class BuildPyWithSamples(build_py):
    """``build_py`` that also copies ``data/samples/*`` to ``<build>/mmm/sample_data/``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "mmm" / "sample_data"
        self.mkpath(str(target))
        files = sorted(p for p in SAMPLES.iterdir() if p.is_file())
        if not any(p.name == "ecommerce.yaml" for p in files):
            raise FileNotFoundError(f"Bundled samples missing from {SAMPLES}: run scripts/make_samples.py")
        for src in files:
            self.copy_file(str(src), str(target / src.name))


setup(cmdclass={"build_py": BuildPyWithSamples})
