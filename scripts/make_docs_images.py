"""Regenerate the README's images in docs/ from default fits of the bundled samples.

    python scripts/make_docs_images.py            # fits both samples at the defaults (about 1 minute)
    python scripts/make_docs_images.py --fits DIR # reuse DIR/ecommerce.nc and DIR/b2b.nc if present

Writes ``docs/onepager_ecommerce.png``, ``docs/deck_slide_summary_b2b.png`` and
``docs/deck_slide_plan_ecommerce.png``. The deck slides are rendered with LibreOffice
(``soffice``) and ``pdftoppm`` (Debian: ``apt-get install libreoffice-impress poppler-utils``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import mmm
from mmm.export import write_report

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _fit(name: str, fits: Path | None) -> mmm.fitted.FittedModel:
    if fits is not None and (fits / f"{name}.nc").exists():
        fitted = mmm.load(fits / f"{name}.nc")
        fitted.check_health()
        return fitted
    fitted = mmm.Model(mmm.sample_spec(name)).fit(progressbar=False)
    if fits is not None:
        fits.mkdir(parents=True, exist_ok=True)
        fitted.save(fits / f"{name}.nc")
    return fitted


def _slide_png(pptx: Path, title_start: str, out: Path) -> None:
    """Render the slide whose title starts with ``title_start`` to ``out`` (1333 px wide)."""
    from pptx import Presentation

    titles = [s.shapes.title.text if s.shapes.title else "" for s in Presentation(str(pptx)).slides]
    page = next(i for i, t in enumerate(titles, start=1) if t.startswith(title_start))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(pptx)], check=True,
                       capture_output=True)
        pdf = Path(tmp) / (pptx.stem + ".pdf")
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                        str(Path(tmp) / "slide")], check=True)
        shutil.copy(Path(tmp) / "slide.png", out)


def _shrink(png: Path, width_px: int) -> None:
    from PIL import Image  # pillow comes with matplotlib

    img = Image.open(png)
    if img.width > width_px:
        img = img.resize((width_px, round(img.height * width_px / img.width)), Image.LANCZOS)
    img.convert("RGB").save(png, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fits", type=Path, default=None, help="folder to reuse / keep the sample fits in")
    args = parser.parse_args()
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        raise SystemExit("soffice and pdftoppm are needed to render slides (see this script's docstring).")
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        eco = write_report(_fit("ecommerce", args.fits), Path(tmp) / "ecommerce", formats="pptx,png")
        b2b = write_report(_fit("b2b", args.fits), Path(tmp) / "b2b", formats="pptx")
        shutil.copy(eco["onepager"], DOCS / "onepager_ecommerce.png")
        _shrink(DOCS / "onepager_ecommerce.png", 1920)
        _slide_png(Path(b2b["pptx"]), "Executive summary", DOCS / "deck_slide_summary_b2b.png")
        plan_title = eco["titles"].get("08_budget_plan", "")
        _slide_png(Path(eco["pptx"]), plan_title[:30], DOCS / "deck_slide_plan_ecommerce.png")
    for p in sorted(DOCS.glob("*.png")):
        print("wrote", p)


if __name__ == "__main__":
    main()
