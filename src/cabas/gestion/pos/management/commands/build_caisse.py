"""`cabas build_caisse` (`make caisse`): build and sign a release of la caisse into dist/: the
code-only package and the self-contained bundle of each platform (see `pos.release`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

import cabas
from cabas.gestion.pos import keys
from cabas.gestion.pos.packages import PLATFORMS, dist_dir
from cabas.gestion.pos.release import (
    build_release,
    fetch_sites,
    host_platform,
    is_built,
    platforms_named,
    source_digest,
    till_requirements,
)


def default_sites_cache() -> Path:
    return Path(settings.BASE_DIR) / "build" / "caisse-sites"


class Command(BaseCommand):
    help = (
        "Build the till's release (the code package and one bundle per platform) and sign it "
        "with the release key (CABAS_PACKAGE_SIGNING_KEY)."
    )

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
        parser.add_argument(
            "--platform",
            action="append",
            choices=sorted(PLATFORMS),
            help="build the bundle of this platform only (repeatable; default: all)",
        )
        parser.add_argument(
            "--host-platform",
            action="store_true",
            help="build the bundle of this machine's platform only",
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="do nothing when dist/ already holds this source's release",
        )
        parser.add_argument(
            "--code-only", action="store_true", help="build the code package only (no bundle)"
        )
        parser.add_argument(
            "--fetch-only",
            action="store_true",
            help="only fetch the bundles' dependencies into the cache (for offline builds)",
        )
        parser.add_argument(
            "--sites-cache",
            default=None,
            help="where the bundles' dependencies are kept (default: build/caisse-sites)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = (
            Path(options["source"]) if options["source"] else Path(cabas.__file__).parent.parent
        )
        output = Path(options["output"]) if options["output"] else dist_dir()
        cache = Path(options["sites_cache"]) if options["sites_cache"] else default_sites_cache()
        try:
            if options["host_platform"]:
                host = host_platform()
                platforms = [host] if host else []
            else:
                platforms = platforms_named(options["platform"] or PLATFORMS)
            if options["code_only"]:
                platforms = []
            if options["if_changed"]:
                digest = source_digest(source, keys.public_key_b64(), keys.setup_public_key_b64())
                if is_built(output, options["package_version"], digest, platforms):
                    self.stdout.write(f"up to date: {output}")
                    return
            if options["fetch_only"]:
                for platform in platforms:
                    fetch_sites(platform, till_requirements(), cache)
                    self.stdout.write(f"{platform.slug:16} dependencies ready in {cache}")
                return
            built = build_release(
                source_root=source,
                version=options["package_version"],
                output_dir=output,
                platforms=platforms,
                sites_cache=cache,
                signing_key=keys.signing_key(),
                public_key=keys.public_key_b64(),
                setup_public_key=keys.setup_public_key_b64(),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"version   {built.version}")
        for file in built.files:
            self.stdout.write(f"{file.size:>10} bytes  {file.name}")
        self.stdout.write(str(built.manifest))
