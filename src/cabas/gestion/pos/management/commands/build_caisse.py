"""`cabas build_caisse`: build and sign `dist/cabas-caisse-<version>.pyz` from the source tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import cabas
from cabas.gestion.pos.packages import build_package, dist_dir


class Command(BaseCommand):
    help = "Build the till package (zipapp) from the source tree and sign it (Ed25519)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--package-version",
            dest="package_version",
            default=cabas.__version__,
            help="package version (default: cabas.__version__)",
        )
        parser.add_argument("--output", default=None, help="output folder (default: dist/)")
        parser.add_argument(
            "--source",
            default=None,
            help="folder holding the cabas package (default: this installation)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = (
            Path(options["source"]) if options["source"] else Path(cabas.__file__).parent.parent
        )
        output = Path(options["output"]) if options["output"] else dist_dir()
        try:
            info = build_package(
                source_root=source, version=options["package_version"], output_dir=output
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"version   {info.version}")
        self.stdout.write(f"size      {info.size} bytes")
        self.stdout.write(f"sha256    {info.sha256}")
        self.stdout.write(f"signature {info.signature}")
        self.stdout.write(str(info.path))
