"""The wheel's one build step beyond pyproject.toml: compile the message catalogs.

`locale/<lang>/LC_MESSAGES/compliance.po` (the tool's own texts in Danish and Swedish) become
`compliance/_locale/<lang>/LC_MESSAGES/compliance.mo` in the wheel. A source checkout reads
`locale/` itself (scripts/bootstrap.sh compiles the .mo files there).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithCatalogs(build_py):
    """build_py, then the .mo files of every catalog into the built package."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/compliance.po")):
            lang = po.parent.parent.name
            target = Path(self.build_lib) / "compliance" / "_locale" / lang / "LC_MESSAGES" / "compliance.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain="compliance")
            with target.open("wb") as fh:
                write_mo(fh, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})
