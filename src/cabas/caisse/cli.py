"""``cabas-caisse``: the launcher and the till's commands (enroll, sync, status, resend,
configure). Every command takes ``--data-dir DIR``."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cabas
from cabas.caisse.core.app import NotEnrolled, TillContext
from cabas.caisse.core.config import (
    DataDir,
    PrinterConfig,
    TillConfig,
    default_data_dir,
    load_config,
    save_config,
)
from cabas.caisse.core.store import StoreError
from cabas.caisse.core.sync import SYNC_INTERVAL_SECONDS, SyncReport, SyncStatus
from cabas.caisse.core.transport import HttpTransport, ServerRefused, TransportError
from cabas.caisse.core.updater import (
    Updater,
    decode_public_key,
    package_path,
    shipped_public_key,
    version_key,
)

# A package that exits with an error this soon after start is considered broken.
BROKEN_START_SECONDS = 15.0


def _print(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - a command-line tool talks on stdout


def _report_line(report: SyncReport) -> str:
    parts = [f"état : {report.state}"]
    if report.acknowledged:
        parts.append(f"{report.acknowledged} ticket(s) acquitté(s)")
    if report.rejected:
        parts.append(f"{report.rejected} refusé(s)")
    if report.quarantined:
        parts.append(f"{report.quarantined} en quarantaine")
    if report.snapshot_updated:
        parts.append("données mises à jour")
    if report.message:
        parts.append(report.message)
    return " · ".join(parts)


def cmd_enroll(args: argparse.Namespace) -> int:
    data = DataDir(Path(args.data_dir)).ensure()
    existing = load_config(data)
    if existing is not None and not args.force:
        _print(
            f"Cette caisse est déjà rattachée à « {existing.store.name} » ({existing.server_url}). "
            "Ajoutez --force pour la rattacher à nouveau."
        )
        return 1
    public_key = args.public_key or shipped_public_key()
    if public_key:
        try:
            decode_public_key(public_key)
        except ValueError as exc:
            _print(str(exc))
            return 2
    try:
        transport = HttpTransport(args.server, proxy=args.proxy)
        answer = transport.enroll(args.code, args.name or platform.node() or "Caisse")
    except ValueError as exc:
        _print(str(exc))
        return 2
    except ServerRefused as exc:
        _print(f"Enrôlement refusé : {exc.message}")
        return 1
    except TransportError as exc:
        _print(f"Enrôlement impossible : {exc}")
        return 1
    # The key the till trusts for updates: given on the command line, else shipped in this
    # package, else the one the server gives at enrolment (over the same HTTPS channel).
    public_key = public_key or answer.package_public_key
    config = TillConfig(
        server_url=args.server.rstrip("/"),
        device_id=answer.device_id,
        token=answer.token,
        till_name=args.name or platform.node() or "Caisse",
        store=answer.store,
        proxy=args.proxy,
        public_key=public_key,
        key_store="file" if args.no_keyring else "auto",
    )
    save_config(data, config)
    _print(f"Caisse rattachée à « {answer.store.name} ». Dossier de données : {data.root}")
    ctx = TillContext.open(data.root)
    report = ctx.agent().run_once()
    _print(f"Première synchronisation — {_report_line(report)}")
    return 0


def _open(args: argparse.Namespace) -> TillContext | None:
    try:
        return TillContext.open(Path(args.data_dir))
    except NotEnrolled as exc:
        _print(str(exc))
        return None


def cmd_sync(args: argparse.Namespace) -> int:
    ctx = _open(args)
    if ctx is None:
        return 1
    agent = ctx.agent()
    if args.once:
        report = agent.run_once()
        _print(_report_line(report))
        for problem in report.problems:
            _print(f"  ! {problem}")
        return 0 if report.state in ("online", "busy") else 1
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def on_report(report: SyncReport) -> None:
        stamp = datetime.now().astimezone().strftime("%H:%M:%S")  # noqa: DTZ005 - local display
        _print(f"[{stamp}] {_report_line(report)}")
        for problem in report.problems:
            _print(f"  ! {problem}")

    agent.run_forever(stop, interval=args.interval, on_report=on_report)
    return 0


def _local(moment: str | datetime | None, tz: str) -> str:
    if moment is None:
        return "jamais"
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(ZoneInfo(tz))
    return f"{local:%d/%m/%Y} à {local.hour} h {local:%M}"


def cmd_status(args: argparse.Namespace) -> int:
    ctx = _open(args)
    if ctx is None:
        return 1
    status = SyncStatus.load(ctx.data.status_file)
    tz = ctx.tz
    _print(f"Épicerie : {ctx.config.store.name} ({ctx.config.server_url})")
    _print(f"Dossier de données : {ctx.data.root}")
    _print(f"Tickets en attente : {ctx.outbox.pending_count()}")
    _print(f"Tickets refusés : {ctx.outbox.rejected_count()}")
    for record in ctx.outbox.rejected():
        error = record.get("error") or {}
        ticket_id = str((record.get("ticket") or {}).get("id", "?"))
        _print(f"  - {ticket_id} : {error.get('message', 'raison inconnue')}")
    quarantined = [p for p in ctx.outbox.quarantined() if p.name.endswith(".json")]
    if quarantined:
        _print(f"Fichiers en quarantaine : {len(quarantined)} (dossier {ctx.data.quarantine})")
    _print(f"Connexion : {status.state} — {status.message}".rstrip(" —"))
    _print(f"Dernière synchronisation réussie : {_local(status.last_success, tz)}")
    try:
        loaded = ctx.store.load()
    except StoreError as exc:
        _print(f"Données locales : {exc}")
        loaded = None
    if loaded is not None:
        snapshot, fetched = loaded
        _print(
            f"Données locales : prix du {_local(snapshot.generated_at, tz)} "
            f"(reçues le {_local(fetched, tz)}), {len(snapshot.products)} produits, "
            f"{len(snapshot.beneficiaries)} bénéficiaires"
        )
    elif not ctx.store.exists():
        _print("Données locales : aucune (lancez « cabas-caisse sync --once »)")
    _print(f"Clé de chiffrement : {ctx.store.keys.describe()}")
    session = ctx.sessions.current()
    if session is not None:
        _print(f"Session de caisse ouverte depuis le {_local(session.opened_at, tz)}")
    _print(f"Version : {cabas.__version__} (installée : {ctx.config.installed_version or '-'})")
    return 0


def cmd_resend(args: argparse.Namespace) -> int:
    ctx = _open(args)
    if ctx is None:
        return 1
    since = date.fromisoformat(args.since)
    count = ctx.outbox.resend_since(since)
    _print(
        f"{count} ticket(s) du journal remis en attente d'envoi (depuis le {since:%d/%m/%Y}) ; "
        "le serveur ignore ceux qu'il a déjà."
    )
    report = ctx.agent().run_once()
    _print(_report_line(report))
    return 0


def cmd_configure(args: argparse.Namespace) -> int:
    data = DataDir(Path(args.data_dir))
    config = load_config(data)
    if config is None:
        _print("Cette caisse n'est rattachée à aucune épicerie.")
        return 1
    if args.proxy is not None:
        config.proxy = args.proxy or None
    if args.printer == "none":
        config.printer = None
    elif args.printer:
        config.printer = PrinterConfig(
            kind=args.printer,
            usb_vendor_id=int(args.usb_vendor, 16) if args.usb_vendor else None,
            usb_product_id=int(args.usb_product, 16) if args.usb_product else None,
            host=args.host,
            port=args.port,
            path=args.path,
        )
    if args.public_key:
        decode_public_key(args.public_key)
        config.public_key = args.public_key
    save_config(data, config)
    _print("Configuration enregistrée.")
    return 0


def _window(ctx: TillContext, notice: str = "") -> int:
    from cabas.caisse.ui.app import run_window

    return run_window(ctx, notice=notice)


def cmd_window(args: argparse.Namespace) -> int:
    ctx = _open(args)
    if ctx is None:
        return 1
    return _window(ctx, notice=getattr(args, "notice", "") or "")


def _run_package(data: DataDir, version: str, notice: str) -> int | None:
    """Start an installed package; None when it failed at once (broken package)."""
    path = package_path(data, version)
    command = [sys.executable, str(path), "--data-dir", str(data.root), "window"]
    if notice:
        command += ["--notice", notice]
    started = time.monotonic()
    code = subprocess.call(command)  # noqa: S603 - our own verified package
    if code != 0 and time.monotonic() - started < BROKEN_START_SECONDS:
        return None
    return code


def cmd_launch(args: argparse.Namespace) -> int:
    """The launcher: update if a newer signed version exists, then start the till."""
    ctx = _open(args)
    if ctx is None:
        return 1
    updater = Updater(ctx.data, ctx.config, ctx.transport, cabas.__version__)
    outcome = updater.check_and_install()
    _print(outcome.message)
    notice = outcome.message if (outcome.refused or outcome.installed is None) else ""
    if args.no_start:
        return 0 if not outcome.refused else 3
    current = updater.current_version()
    if current != cabas.__version__:
        for version in (current, ctx.config.previous_version):
            if not version or not package_path(ctx.data, version).exists():
                continue
            try:
                if version_key(version) <= version_key(cabas.__version__):
                    continue
            except ValueError:
                continue
            code = _run_package(ctx.data, version, notice)
            if code is not None:
                return code
            notice = f"La version {version} n'a pas pu démarrer : version précédente lancée."
            _print(notice)
    return _window(ctx, notice=notice)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cabas-caisse", description="La caisse Cabas (épiceries sociales et solidaires)."
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("CABAS_CAISSE_DATA_DIR") or str(default_data_dir()),
        help="dossier des données de la caisse (par défaut : le dossier de l'utilisateur)",
    )
    parser.add_argument("--version", action="version", version=cabas.__version__)
    parser.add_argument("--no-start", action="store_true", help="mettre à jour sans démarrer")
    sub = parser.add_subparsers(dest="command")

    enroll = sub.add_parser("enroll", help="rattacher ce poste à une épicerie")
    enroll.add_argument("--server", required=True, help="adresse du serveur, https://…")
    enroll.add_argument("--code", required=True, help="code d'enrôlement à usage unique")
    enroll.add_argument("--name", help="nom de cette caisse (par défaut : nom du poste)")
    enroll.add_argument("--proxy", help="proxy HTTP(S) de l'épicerie, http://hôte:port")
    enroll.add_argument("--public-key", help="clé publique (base64) des mises à jour")
    enroll.add_argument("--no-keyring", action="store_true", help="clé dans un fichier privé")
    enroll.add_argument("--force", action="store_true", help="rattacher à nouveau")
    enroll.set_defaults(func=cmd_enroll)

    sync = sub.add_parser("sync", help="synchroniser (toutes les 10 s, ou une fois)")
    sync.add_argument("--once", action="store_true")
    sync.add_argument("--interval", type=float, default=SYNC_INTERVAL_SECONDS)
    sync.set_defaults(func=cmd_sync)

    status = sub.add_parser("status", help="tickets en attente, refusés, dernière synchro")
    status.set_defaults(func=cmd_status)

    resend = sub.add_parser("resend", help="renvoyer le journal (après une restauration)")
    resend.add_argument("--since", required=True, help="date AAAA-MM-JJ")
    resend.set_defaults(func=cmd_resend)

    configure = sub.add_parser("configure", help="proxy, imprimante, clé de mise à jour")
    configure.add_argument("--proxy", help="proxy http://hôte:port (vide : celui du système)")
    configure.add_argument("--printer", choices=["usb", "network", "file", "none"])
    configure.add_argument("--usb-vendor", help="identifiant USB du fabricant (hex)")
    configure.add_argument("--usb-product", help="identifiant USB du produit (hex)")
    configure.add_argument("--host")
    configure.add_argument("--port", type=int, default=9100)
    configure.add_argument("--path", help="fichier de l'imprimante, ex. /dev/usb/lp0")
    configure.add_argument("--public-key")
    configure.set_defaults(func=cmd_configure)

    window = sub.add_parser("window", help="la fenêtre de caisse, sans mise à jour")
    window.add_argument("--notice", default="", help=argparse.SUPPRESS)
    window.set_defaults(func=cmd_window)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_launch)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ServerRefused, ValueError) as exc:
        _print(f"Erreur : {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
