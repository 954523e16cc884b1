"""The first-start window: the server's address is already there (from the download's signed
setup), the volunteer types the enrolment code the manager gave and a name for this till; then
the window offers a shortcut on the desktop. Enrolment runs in a thread, so a network that hangs
never freezes the window."""

from __future__ import annotations

import queue
import threading
import tkinter as tk
from pathlib import Path
from tkinter import messagebox, ttk

from cabas.caisse.core.config import DataDir
from cabas.caisse.core.enrol import EnrolError, Enrolled, default_till_name, enrol
from cabas.caisse.core.link import ONLINE
from cabas.caisse.core.setup import Setup
from cabas.caisse.core.shortcut import create_shortcut, install_launcher

TITLE = "Caisse Cabas"
POLL_MS = 100
ERROR = "#b3261e"
OK = "#1b5e20"


def show_error(text: str) -> None:
    root = tk.Tk()
    root.withdraw()
    messagebox.showerror(TITLE, text, parent=root)
    root.destroy()


class FirstStart:
    """The window. `result` is True once the till has joined a shop and the person went on."""

    def __init__(
        self,
        data: DataDir,
        *,
        setup: Setup | None,
        launcher: Path | None,
        root: tk.Tk | None = None,
    ) -> None:
        self.data = data
        self.setup = setup
        self.launcher = launcher
        self.result = False
        self.enrolled: Enrolled | None = None
        self.answers: queue.Queue[Enrolled | EnrolError] = queue.Queue()
        self.root = root or tk.Tk()
        self.root.title(f"{TITLE} — première ouverture")
        self.root.minsize(560, 440)
        self.root.protocol("WM_DELETE_WINDOW", self.root.destroy)
        style = ttk.Style(self.root)
        style.configure("Title.TLabel", font=("TkDefaultFont", 16, "bold"))
        style.configure("Big.TButton", font=("TkDefaultFont", 12, "bold"), padding=8)
        self.frame = ttk.Frame(self.root, padding=24)
        self.frame.pack(fill="both", expand=True)
        self._form()
        self._center(640, 500)

    def _center(self, width: int, height: int) -> None:
        self.root.update_idletasks()
        screen_w, screen_h = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        width, height = min(width, screen_w - 20), min(height, screen_h - 60)
        x, y = max(0, (screen_w - width) // 2), max(0, (screen_h - height) // 3)
        self.root.geometry(f"{width}x{height}+{x}+{y}")

    def _label(self, text: str, **options: object) -> ttk.Label:
        label = ttk.Label(self.frame, text=text, wraplength=580, justify="left", **options)  # type: ignore[arg-type]
        label.pack(anchor="w", fill="x")
        return label

    def _form(self) -> None:
        self._label("Rattacher cette caisse à votre épicerie", style="Title.TLabel")
        self._label(
            "La personne responsable de l'épicerie crée un code d'enrôlement sur la page "
            "« Caisse » de la gestion. Tapez-le ci-dessous : il ne sert qu'une fois."
        ).pack(pady=(6, 12))
        store = self.setup.store_name if self.setup and self.setup.store_name else None
        self._label(f"Serveur de l'épicerie « {store} »" if store else "Serveur de l'épicerie")
        self.server = tk.StringVar(value=self.setup.server_url if self.setup else "https://")
        server = ttk.Entry(self.frame, textvariable=self.server, font=("TkDefaultFont", 11))
        if self.setup is not None:
            server.state(["readonly"])
        server.pack(fill="x", pady=(2, 10))
        self._label("Code d'enrôlement (par exemple ABCD-EFGH-JKMN)")
        self.code = tk.StringVar()
        self.code_entry = ttk.Entry(
            self.frame, textvariable=self.code, font=("TkFixedFont", 16), width=18
        )
        self.code_entry.pack(anchor="w", pady=(2, 10))
        self._label("Nom de cette caisse (vu dans la gestion)")
        self.name = tk.StringVar(value=default_till_name())
        ttk.Entry(self.frame, textvariable=self.name, font=("TkDefaultFont", 11)).pack(
            fill="x", pady=(2, 10)
        )
        self._label("Proxy (seulement si le réseau de l'épicerie en demande un : http://hôte:port)")
        self.proxy = tk.StringVar()
        ttk.Entry(self.frame, textvariable=self.proxy, font=("TkDefaultFont", 11)).pack(
            fill="x", pady=(2, 10)
        )
        self.message = self._label("", foreground=ERROR)
        self.button = ttk.Button(
            self.frame, text="Rattacher la caisse", style="Big.TButton", command=self.submit
        )
        self.button.pack(anchor="e", pady=(10, 0))
        self.root.bind("<Return>", lambda _event: self.submit())
        self.code_entry.focus_set()

    def submit(self) -> None:
        if self.enrolled is not None or "disabled" in self.button.state():
            return
        self.button.state(["disabled"])
        self.message.configure(text="Connexion au serveur…", foreground="")
        values = {
            "server": self.server.get().strip(),
            "code": self.code.get(),
            "name": self.name.get(),
            "proxy": self.proxy.get(),
            "public_key": self.setup.package_public_key if self.setup else None,
        }

        def work() -> None:
            try:
                self.answers.put(enrol(self.data, **values))  # type: ignore[arg-type]
            except EnrolError as exc:
                self.answers.put(exc)
            except Exception as exc:  # noqa: BLE001 - shown, never a silent failure
                self.answers.put(EnrolError(f"Erreur inattendue : {exc}", kind="invalid"))

        threading.Thread(target=work, name="cabas-enrol", daemon=True).start()
        self.root.after(POLL_MS, self._poll)

    def _poll(self) -> None:
        try:
            answer = self.answers.get_nowait()
        except queue.Empty:
            self.root.after(POLL_MS, self._poll)
            return
        if isinstance(answer, EnrolError):
            self.message.configure(text=answer.message, foreground=ERROR)
            self.button.state(["!disabled"])
            self.code_entry.focus_set()
            return
        self.enrolled = answer
        self._done(answer)

    def _done(self, enrolled: Enrolled) -> None:
        for child in self.frame.winfo_children():
            child.destroy()
        self.root.unbind("<Return>")
        self._label("C'est fait !", style="Title.TLabel")
        self._label(
            f"Cette caisse est rattachée à « {enrolled.config.store.name} » sous le nom "
            f"« {enrolled.config.till_name} ».",
            foreground=OK,
        ).pack(pady=(6, 12))
        if enrolled.report.state != ONLINE:
            self._label(
                "Les produits n'ont pas encore pu être chargés : la caisse réessaiera seule. "
                f"({enrolled.report.message})"
            )
        self.shortcut = tk.BooleanVar(value=self.launcher is not None)
        check = ttk.Checkbutton(
            self.frame,
            text="Mettre un raccourci « Caisse Cabas » sur le bureau",
            variable=self.shortcut,
        )
        if self.launcher is None:
            check.state(["disabled"])
        check.pack(anchor="w", pady=12)
        self.message = self._label("")
        self.button = ttk.Button(
            self.frame, text="Ouvrir la caisse", style="Big.TButton", command=self.finish
        )
        self.button.pack(anchor="e", pady=(10, 0))
        self.button.focus_set()

    def finish(self) -> None:
        if self.launcher is not None and self.shortcut.get():
            try:
                create_shortcut(install_launcher(self.data, self.launcher))
            except OSError as exc:
                self.message.configure(
                    text=f"Le raccourci n'a pas pu être créé ({exc}). La caisse s'ouvre quand "
                    "même ; relancez le fichier téléchargé la prochaine fois.",
                    foreground=ERROR,
                )
                self.shortcut.set(False)
                return
        self.result = True
        self.root.destroy()


def run_first_start(data: DataDir, *, setup: Setup | None, launcher: Path | None) -> bool:
    window = FirstStart(data, setup=setup, launcher=launcher)
    window.root.mainloop()
    return window.result
