"""``cabas-caisse``: the launcher and the till's commands (enroll, sync, status, resend,
configure, window). Every command takes ``--data-dir DIR``, before or after its name."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cabas
from cabas.caisse.core import runtime as runtimes
from cabas.caisse.core.app import NotEnrolled, TillContext
from cabas.caisse.core.config import (
    DataDir,
    PrinterConfig,
    default_data_dir,
    load_config,
    save_config,
)
from cabas.caisse.core.enrol import EnrolError, enrol
from cabas.caisse.core.launcher import launch_newest
from cabas.caisse.core.link import BUSY, ONLINE
from cabas.caisse.core.setup import SetupError, read_setup
from cabas.caisse.core.store import StoreError
from cabas.caisse.core.sync import SYNC_INTERVAL_SECONDS, SyncReport, SyncStatus
from cabas.caisse.core.transport import ServerRefused
from cabas.caisse.core.updater import Updater, decode_public_key


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
    data = DataDir(Path(args.data_dir))
    server = args.server
    if not server:
        runtime = runtimes.current()
        try:
            setup = read_setup(runtime.archive, runtime.setup_public_key)
        except SetupError as exc:
            _print(str(exc))
            return 2
        if setup is None:
            _print("Indiquez l'adresse du serveur : --server https://…")
            return 2
        server = setup.server_url
    try:
        enrolled = enrol(
            data,
            server=server,
            code=args.code,
            name=args.name,
            proxy=args.proxy,
            public_key=args.public_key,
            key_store="file" if args.no_keyring else "auto",
            force=args.force,
        )
    except EnrolError as exc:
        if exc.kind == "already":
            _print(f"{exc.message} Ajoutez --force pour la rattacher à nouveau.")
            return 1
        _print(exc.message)
        return 2 if exc.kind == "invalid" else 1
    store = enrolled.config.store.name
    _print(f"Caisse rattachée à « {store} ». Dossier de données : {data.root}")
    _print(f"Première synchronisation — {_report_line(enrolled.report)}")
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
        return 0 if report.state in (ONLINE, BUSY) else 1
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def on_report(report: SyncReport) -> None:
        stamp = datetime.now().astimezone().strftime("%H:%M:%S")
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


def _updater(ctx: TillContext, runtime: runtimes.Runtime) -> Updater:
    return Updater(
        ctx.data,
        ctx.config,
        ctx.transport,
        cabas.__version__,
        platform=runtime.platform,
        dependencies=runtime.dependencies,
    )


def _window(ctx: TillContext, notice: str = "") -> int:
    from cabas.caisse.ui.app import run_window

    runtime = runtimes.current()
    return run_window(ctx, notice=notice, updater=_updater(ctx, runtime))


def cmd_window(args: argparse.Namespace) -> int:
    ctx = _open(args)
    if ctx is None:
        return 1
    return _window(ctx, notice=getattr(args, "notice", "") or "")


def _first_start(data: DataDir, runtime: runtimes.Runtime) -> bool:
    """The first-start window: the volunteer types the enrolment code. True once enrolled."""
    try:
        setup = read_setup(runtime.archive, runtime.setup_public_key)
    except SetupError as exc:
        from cabas.caisse.ui.enrol import show_error

        show_error(str(exc))
        return False
    from cabas.caisse.ui.enrol import run_first_start

    return run_first_start(data, setup=setup, launcher=runtime.archive)


def cmd_launch(args: argparse.Namespace) -> int:
    """The launcher (a double-click on the downloaded file): the first start asks to join a
    shop; then the newest installed version that starts opens, the update check running behind
    its window."""
    data = DataDir(Path(args.data_dir))
    runtime = runtimes.current()
    if load_config(data) is None and (args.no_start or not _first_start(data, runtime)):
        if args.no_start:
            _print("Cette caisse n'est rattachée à aucune épicerie (commande « enroll »).")
        return 1
    ctx = _open(args)
    if ctx is None:
        return 1
    updater = _updater(ctx, runtime)
    if args.no_start:
        outcome = updater.check_and_install()
        _print(outcome.message)
        return 3 if outcome.refused else 0
    return launch_newest(
        ctx.data,
        ctx.config,
        runtime,
        updater,
        getattr(args, "notice", "") or "",
        own_window=lambda notice: _window(ctx, notice=notice),
        say=_print,
    )


# argparse's own words, in French (the till's command line is for French technicians).
_ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisir parmi %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "expected one argument": "une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "unexpected option string: %s": "option inattendue : %s",
}


def _french(text: str) -> str:
    return _ARGPARSE_FR.get(text, text)


def _french_n(singular: str, plural: str, count: int) -> str:
    if singular == "expected %s argument":
        return "%s valeur attendue" if count == 1 else "%s valeurs attendues"
    return singular if count == 1 else plural


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Options every command takes, before or after its name. On the commands themselves the
    default is SUPPRESS, so that a value given before the command is not overwritten."""
    default_dir = os.environ.get("CABAS_CAISSE_DATA_DIR") or str(default_data_dir())
    parser.add_argument(
        "--data-dir",
        default=default_dir if defaults else argparse.SUPPRESS,
        help="dossier des données de la caisse (par défaut : le dossier de l'utilisateur)",
    )


def build_parser() -> argparse.ArgumentParser:
    argparse._ = _french  # type: ignore[attr-defined]
    argparse.ngettext = _french_n  # type: ignore[attr-defined]
    parser = argparse.ArgumentParser(
        prog="cabas-caisse", description="La caisse Cabas (épiceries sociales et solidaires)."
    )
    _global_options(parser, defaults=True)
    parser.add_argument("--version", action="version", version=cabas.__version__)
    parser.add_argument("--no-start", action="store_true", help="mettre à jour sans démarrer")
    parser.add_argument("--notice", default="", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", title="commandes", metavar="COMMANDE")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        found = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(found, defaults=False)
        return found

    enroll = command("enroll", "rattacher ce poste à une épicerie")
    enroll.add_argument(
        "--server", help="adresse du serveur, https://… (par défaut : celle du fichier téléchargé)"
    )
    enroll.add_argument("--code", required=True, help="code d'enrôlement à usage unique")
    enroll.add_argument("--name", help="nom de cette caisse (par défaut : nom du poste)")
    enroll.add_argument("--proxy", help="proxy HTTP(S) de l'épicerie, http://hôte:port")
    enroll.add_argument("--public-key", help="clé publique (base64) des mises à jour")
    enroll.add_argument("--no-keyring", action="store_true", help="clé dans un fichier privé")
    enroll.add_argument("--force", action="store_true", help="rattacher à nouveau")
    enroll.set_defaults(func=cmd_enroll)

    sync = command("sync", "synchroniser (toutes les 10 s, ou une fois)")
    sync.add_argument("--once", action="store_true", help="une seule fois")
    sync.add_argument(
        "--interval", type=float, default=SYNC_INTERVAL_SECONDS, help="secondes entre deux"
    )
    sync.set_defaults(func=cmd_sync)

    status = command("status", "tickets en attente, refusés, dernière synchro")
    status.set_defaults(func=cmd_status)

    resend = command("resend", "renvoyer le journal (après une restauration)")
    resend.add_argument("--since", required=True, help="date AAAA-MM-JJ")
    resend.set_defaults(func=cmd_resend)

    configure = command("configure", "proxy, imprimante, clé de mise à jour")
    configure.add_argument("--proxy", help="proxy http://hôte:port (vide : celui du système)")
    configure.add_argument("--printer", choices=["usb", "network", "file", "none"])
    configure.add_argument("--usb-vendor", help="identifiant USB du fabricant (hex)")
    configure.add_argument("--usb-product", help="identifiant USB du produit (hex)")
    configure.add_argument("--host", help="adresse de l'imprimante réseau")
    configure.add_argument("--port", type=int, default=9100, help="port de l'imprimante réseau")
    configure.add_argument("--path", help="fichier de l'imprimante, ex. /dev/usb/lp0")
    configure.add_argument("--public-key", help="clé publique (base64) des mises à jour")
    configure.set_defaults(func=cmd_configure)

    window = command("window", "la fenêtre de caisse, sans passer par le lanceur")
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
