"""Packaging hooks: compile the gettext catalogues (bot/answers/locale/*/LC_MESSAGES/*.po) into .mo files,
and BM25's compiled scan (retrieval/_scan.c).

Everything else about the package is in pyproject.toml. The .mo files are written beside their .po files,
so both a wheel (which copies them as package data) and an editable install (which reads the source tree)
get them; they are build products, ignored by git. The scan is optional: where no C compiler is at hand
the package installs without it and BM25Index does the same work in numpy, about four times slower. It is
compiled without fused multiply-adds, so it rounds as numpy does, operation by operation.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import Extension, setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "bot" / "answers" / "locale"


def compile_catalogues() -> None:
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        with po.with_suffix(".mo").open("wb") as compiled:
            write_mo(compiled, catalog)


class BuildWithCatalogues(build_py):
    """build_py that first compiles the catalogues, for wheels and editable installs alike."""

    def run(self) -> None:
        compile_catalogues()
        super().run()


SCAN = Extension(
    "retrieval._scan",
    ["retrieval/_scan.c"],
    extra_compile_args=["-O2", "-ffp-contract=off"],
    optional=True,
)

setup(cmdclass={"build_py": BuildWithCatalogues}, ext_modules=[SCAN])
