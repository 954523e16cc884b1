"""What the till window's parts share: its colours, the modal keyboard ``Dialog`` the
dialogs are made of, and the reading of what the cashier types into a field (euros, grams)."""

from __future__ import annotations

import contextlib
import time
import tkinter as tk
from collections.abc import Callable
from tkinter import font as tkfont
from typing import Any, Protocol

from cabas.caisse.core.keys import scanned_tail
from cabas.rules.money import UNIT_KG

COLOURS = {"info": "#1b4d2b", "warning": "#8a4b00", "error": "#b00020"}
BACKGROUNDS = {"info": "#e7f4ea", "warning": "#fff1d6", "error": "#fde2e4"}
OLD_MESSAGE = "#6b6b6b"


def parse_euros(text: str) -> int | None:
    """ "12,50" / "12.5" / "12" -> cents; None when it is not an amount."""
    cleaned = text.strip().replace("€", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        whole, _, decimals = cleaned.partition(".")
        if not whole.isdigit() and whole != "":
            return None
        if decimals and (not decimals.isdigit() or len(decimals) > 2):
            return None
        return int(whole or "0") * 100 + int((decimals + "00")[:2] or "0")
    except ValueError:
        return None


def parse_grams(text: str) -> int | None:
    """ "750" -> 750 g; "1,5" or "1.250" (a decimal separator) -> kilos to grams."""
    cleaned = text.strip().lower().replace(" ", "").removesuffix("g").removesuffix("k")
    if not cleaned:
        return None
    if "," in cleaned or "." in cleaned:
        whole, _, decimals = cleaned.replace(",", ".").partition(".")
        if not (whole or "0").isdigit() or (decimals and not decimals.isdigit()):
            return None
        return int(whole or "0") * 1000 + int((decimals + "000")[:3])
    return int(cleaned) if cleaned.isdigit() else None


def parse_quantity(text: str, unit: str) -> int | None:
    """A line's quantity as typed: grams (or kilos with a separator) for a kg product, whole
    pieces otherwise."""
    if unit == UNIT_KG:
        return parse_grams(text)
    return int(text) if text.isdigit() else None


class DialogHost(Protocol):
    """The window a dialog opens over: it gives its fonts and takes the keyboard back."""

    root: tk.Tk
    fonts: dict[str, tkfont.Font]
    side_width: int
    dialog: Dialog | None

    def focus_scan(self) -> None: ...

    def replay_held(self, codes: list[str], rest: str) -> None:
        """Scan what a scanner typed during a dialog, once no dialog is open any more."""


class Dialog(tk.Toplevel):
    """A modal keyboard dialog; Échap closes it."""

    def __init__(self, window: DialogHost, title: str) -> None:
        super().__init__(window.root)
        self.window = window
        self.title(title)
        self.transient(window.root)
        self.configure(padx=20, pady=16, background="white")
        self.result: Any = None
        self.held: list[str] = []
        """Codes a scanner typed into the dialog's field: scanned once it is closed."""
        self.bind("<Escape>", lambda event: self.close())
        self.protocol("WM_DELETE_WINDOW", self.close)

    def label(self, text: str, *, big: bool = False, **grid: Any) -> tk.Label:
        widget = tk.Label(
            self,
            text=text,
            font=self.window.fonts["big" if big else "normal"],
            background="white",
            justify="left",
            anchor="w",
        )
        widget.pack(fill="x", pady=4, **grid)
        return widget

    def entry(self) -> tk.Entry:
        widget = tk.Entry(self, font=self.window.fonts["big"], width=22)
        widget.pack(fill="x", pady=6)
        return widget

    def scan_guard(self, entry: tk.Entry) -> Callable[[Any], bool]:
        """For a field that wants an amount, a weight or a quantity: the returned check, called
        on its Entrée, is True when what ends the field was typed by a scanner (the next
        article scanned too early): that code is taken out of the field and kept, to be
        scanned once the dialog is closed, and the Entrée must be ignored."""
        stamps: list[float] = []
        started = time.monotonic()
        note = tk.Label(
            self, text="", font=self.window.fonts["small"], background="white", anchor="w"
        )
        note.pack(fill="x")

        def at(event: Any) -> float:
            return float(event.time) if event.time else (time.monotonic() - started) * 1000

        def on_key(event: Any) -> None:
            if event.char and event.char.isprintable():
                stamps.append(at(event))
            elif event.keysym in ("BackSpace", "Delete"):
                stamps.clear()  # an edit: what is left is the person's

        entry.bind("<Key>", on_key, add="+")

        def scanned(event: Any) -> bool:
            text = entry.get()
            count = min(len(text), scanned_tail(stamps[-len(text) :] if text else [], at(event)))
            if not count:
                return False
            self.held.append(text[-count:])
            entry.delete(len(text) - count, "end")
            del stamps[-count:]
            note.configure(
                text="Scan gardé pour après : " + " · ".join(self.held),
                foreground=COLOURS["warning"],
            )
            return True

        return scanned

    def run(self, focus: tk.Misc) -> Any:
        self.update_idletasks()
        # Centred on the till window (shops often run without a window manager's placement).
        root = self.window.root
        x = root.winfo_rootx() + max(0, (root.winfo_width() - self.winfo_reqwidth()) // 2)
        y = root.winfo_rooty() + max(0, (root.winfo_height() - self.winfo_reqheight()) // 3)
        self.geometry(f"+{x}+{y}")
        self.configure(highlightthickness=3, highlightbackground="#1b4d2b")
        with contextlib.suppress(tk.TclError):
            self.grab_set()
        # A till's dialogs take the keyboard: the scanner and the cashier type into them.
        focus.focus_force()
        self.focus_widget = focus
        self.window.dialog = self
        self.wait_window(self)
        self.window.dialog = None
        self.window.focus_scan()
        if self.held:
            held = list(self.held)
            self.window.root.after_idle(lambda: self.window.replay_held(held, ""))
        return self.result

    def close(self, result: Any = None) -> None:
        self.result = result
        with contextlib.suppress(tk.TclError):
            self.grab_release()
        self.destroy()
