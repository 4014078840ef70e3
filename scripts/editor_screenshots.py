#!/usr/bin/env python3
"""The pictures of docs/editors.md, taken headless.

    .venv-editors/bin/python scripts/editor_screenshots.py [--netl .build/debug/netl]

(the venv: python3 -m venv .venv-editors && .venv-editors/bin/pip install pillow babi)

neovim: Neovim (Debian's 0.7) runs in a tmux pane with editors/vim on its runtime path
  and `netl lsp` attached, on a copy of examples/ch4/iresnet_digits.net with a misspelt
  layer; `tmux capture-pane -e` gives the screen with its colours (ANSI escapes), drawn
  cell by cell into docs/images/editors/neovim.png.
vscode: the same text tokenised by babi's TextMate engine (Oniguruma regular expressions,
  as vscode-textmate) with editors/vscode/syntaxes/netlang.tmLanguage.json, coloured with
  the scope colours of VS Code's Dark+ theme, and the error squiggle where `netl lsp`
  reports it: docs/images/editors/vscode-grammar.png. VS Code itself is not run.
"""
import argparse
import os
import pathlib
import re
import subprocess
import tempfile
import time

from PIL import Image, ImageDraw, ImageFont

from lsp_client import LSPClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "docs/images/editors"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 15
CORRECT = "residual lipschitz(c: c, tolerance: 1e-3) { conv2d(width, kernel: 3) elu conv2d(4, kernel: 3) }"
MISSPELT = CORRECT.replace("{ conv2d(width", "{ conv2dd(width")


def misspelt_example(folder):
    text = (ROOT / "examples/ch4/iresnet_digits.net").read_text()
    assert CORRECT in text, "the example changed: pick another line to misspell"
    path = pathlib.Path(folder) / "iresnet_digits.net"
    path.write_text(text.replace(CORRECT, MISSPELT, 1))
    return path


class Cell:
    __slots__ = ("char", "fg", "bg", "bold", "underline")

    def __init__(self, char, fg, bg, bold, underline):
        self.char, self.fg, self.bg, self.bold, self.underline = char, fg, bg, bold, underline


XTERM = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
         (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]


def color256(n):
    if n < 16:
        return XTERM[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    v = 8 + 10 * (n - 232)
    return v, v, v


def parse_ansi(text, default_fg, default_bg):
    """Rows of cells from `tmux capture-pane -e` output (SGR colour escapes only)."""
    rows = []
    fg, bg, bold, underline, reverse = default_fg, default_bg, False, None, False
    for line in text.rstrip("\n").split("\n"):
        row = []
        for part in re.split(r"(\x1b\[[0-9;:]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in re.split("[;:]", part[2:-1])] or [0]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, bold, underline, reverse = default_fg, default_bg, False, None, False
                    elif c == 1:
                        bold = True
                    elif c == 22:
                        bold = False
                    elif c in (4, 3) or (c == 4 and i + 1 < len(codes)):
                        underline = underline or fg
                    elif c == 24:
                        underline = None
                    elif c == 7:
                        reverse = True
                    elif c == 27:
                        reverse = False
                    elif 30 <= c <= 37 or 90 <= c <= 97:
                        fg = XTERM[c - 30 if c < 90 else c - 90 + 8]
                    elif 40 <= c <= 47 or 100 <= c <= 107:
                        bg = XTERM[c - 40 if c < 100 else c - 100 + 8]
                    elif c == 39:
                        fg = default_fg
                    elif c == 49:
                        bg = default_bg
                    elif c in (38, 48, 58):
                        if codes[i + 1] == 2:
                            value = tuple(codes[i + 2:i + 5])
                            i += 4
                        else:
                            value = color256(codes[i + 2])
                            i += 2
                        if c == 38:
                            fg = value
                        elif c == 48:
                            bg = value
                        else:
                            underline = value
                    elif c == 59:
                        pass
                    i += 1
            else:
                for ch in part:
                    f, b = (bg, fg) if reverse else (fg, bg)
                    row.append(Cell(ch, f, b, bold, underline))
        rows.append(row)
    return rows


def draw_cells(rows, path, title, columns, default_bg, footer=None):
    """Draws a grid of cells under a title bar; underlines as undercurls in their colour."""
    font, bold_font = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(FONT_BOLD, SIZE)
    cw = round(font.getlength("M"))
    ch = SIZE + 5
    pad, head = 12, 34
    foot = 26 if footer else 0
    width, height = pad * 2 + cw * columns, head + pad + ch * len(rows) + pad + foot
    image = Image.new("RGB", (width, height), (40, 40, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, head - 1], fill=(60, 60, 60))
    draw.text((pad, 8), title, font=bold_font, fill=(235, 235, 235))
    draw.rectangle([pad - 4, head + pad - 4, width - pad + 4, head + pad + ch * len(rows) + 4], fill=default_bg)
    for y, row in enumerate(rows):
        top = head + pad + y * ch
        for x, cell in enumerate(row[:columns]):
            left = pad + x * cw
            if cell.bg != default_bg:
                draw.rectangle([left, top, left + cw - 1, top + ch - 1], fill=cell.bg)
            if cell.char != " ":
                draw.text((left, top + 2), cell.char, font=bold_font if cell.bold else font, fill=cell.fg)
            if cell.underline:
                base = top + ch - 3
                points = [(left + i, base + (1 if (left + i) % 4 < 2 else -1)) for i in range(cw + 1)]
                draw.line(points, fill=cell.underline, width=2)
    if footer:
        draw.text((pad, height - foot + 4), footer, font=font, fill=(200, 200, 200))
    image.save(path)
    print(f"wrote {path.relative_to(ROOT)} ({width}×{height})")


def neovim(netl, folder):
    script = misspelt_example(folder)
    init = pathlib.Path(folder) / "init.lua"
    init.write_text(f"""
vim.opt.runtimepath:prepend("{ROOT / 'editors/vim'}")
vim.g.netlang_lsp_cmd = {{ "{netl}", "lsp" }}
vim.opt.termguicolors = true
vim.opt.number = true
vim.opt.signcolumn = "yes"
vim.opt.wrap = false
vim.cmd("filetype plugin on")
vim.cmd("syntax on")
-- 0.7's default float colours are magenta on grey; a dark float reads better in a picture.
vim.api.nvim_set_hl(0, "NormalFloat", {{ fg = "#e0e0e0", bg = "#2a2f3a" }})
""")
    line = next(i for i, l in enumerate(script.read_text().split("\n"), 1) if "conv2dd" in l)
    column = script.read_text().split("\n")[line - 1].index("conv2dd") + 1
    columns, lines = 140, 34
    session = f"netl-shot-{os.getpid()}"
    env = f"XDG_CONFIG_HOME={folder} XDG_DATA_HOME={folder} XDG_STATE_HOME={folder} TERM=tmux-256color"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(columns), "-y", str(lines), "-c", str(folder),
                    f"env {env} nvim -n -i NONE -u {init} {script.name}"], check=True)
    try:
        time.sleep(2)
        # To the misspelt layer, the line in the middle of the screen, its diagnostic in a float.
        subprocess.run(["tmux", "send-keys", "-t", session, f":call cursor({line}, {column})", "Enter", "zz"], check=True)
        time.sleep(3)
        subprocess.run(["tmux", "send-keys", "-t", session, ":lua vim.diagnostic.open_float()", "Enter"], check=True)
        time.sleep(1.5)
        screen = subprocess.run(["tmux", "capture-pane", "-e", "-p", "-t", session], check=True, capture_output=True, text=True).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session])
    fg, bg = (224, 226, 228), (12, 14, 18)
    rows = parse_ansi(screen, fg, bg)
    draw_cells(rows, OUT / "neovim.png", "Neovim 0.7 (tmux, headless) — editors/vim syntax + netl lsp: iresnet_digits.net with a misspelt layer",
               columns, bg)


# VS Code's Dark+ colours for the scopes the grammar uses (the theme's tokenColors).
DARK_PLUS = {
    "colors": {"editor.foreground": "#D4D4D4", "editor.background": "#1E1E1E"},
    "tokenColors": [
        {"scope": "comment", "settings": {"foreground": "#6A9955"}},
        {"scope": "string", "settings": {"foreground": "#CE9178"}},
        {"scope": "constant.character.escape", "settings": {"foreground": "#D7BA7D"}},
        {"scope": "constant.numeric", "settings": {"foreground": "#B5CEA8"}},
        {"scope": "keyword.control", "settings": {"foreground": "#C586C0"}},
        {"scope": "keyword.other", "settings": {"foreground": "#569CD6"}},
        {"scope": "keyword.operator", "settings": {"foreground": "#D4D4D4"}},
        {"scope": "support.class", "settings": {"foreground": "#4EC9B0"}},
        {"scope": "support.function", "settings": {"foreground": "#DCDCAA"}},
        {"scope": "entity.name.function", "settings": {"foreground": "#DCDCAA"}},
        {"scope": "variable.parameter", "settings": {"foreground": "#9CDCFE"}},
    ],
}


def lsp_diagnostics(netl, path):
    """The diagnostics `netl lsp` publishes for a file."""
    client = LSPClient(netl)
    client.initialize()
    diagnostics = client.open(path.as_uri(), path.read_text())
    client.close()
    return diagnostics


def vscode(netl, folder):
    from babi.highlight import Grammars, highlight_line
    from babi.theme import Theme

    script = misspelt_example(folder)
    grammar_dir = pathlib.Path(folder) / "grammars"
    grammar_dir.mkdir()
    (grammar_dir / "source.netlang.json").write_text((ROOT / "editors/vscode/syntaxes/netlang.tmLanguage.json").read_text())
    compiler = Grammars(str(grammar_dir)).compiler_for_scope("source.netlang")
    theme = Theme.from_dct(DARK_PLUS)
    diagnostics = lsp_diagnostics(netl, script)
    lines = script.read_text().split("\n")
    first = next(i for i, l in enumerate(lines) if "conv2dd" in l) - 16
    shown = range(first, first + 30)
    columns = 118
    default_fg, default_bg = (0xD4, 0xD4, 0xD4), (0x1E, 0x1E, 0x1E)
    state = compiler.root_state
    rows = []
    for number, text in enumerate(lines):
        state, regions = highlight_line(compiler, state, text + "\n", number == 0)
        if number not in shown:
            continue
        row = [Cell(c, (0x85, 0x85, 0x85), default_bg, False, None) for c in f"{number + 1:4d}  "]
        for region in regions:
            style = theme.select(region.scope)
            color = (style.fg.r, style.fg.g, style.fg.b) if style.fg else default_fg
            for ch in text[region.start:min(region.end, len(text))]:
                row.append(Cell(ch, color, default_bg, style.b, None))
        for d in diagnostics:
            if d["range"]["start"]["line"] == number:
                for k in range(d["range"]["start"]["character"], d["range"]["end"]["character"]):
                    row[6 + k].underline = (0xF1, 0x4C, 0x4C)
        rows.append(row)
    message = "; ".join(f"line {d['range']['start']['line'] + 1}: {d['message']}" for d in diagnostics)
    draw_cells(rows, OUT / "vscode-grammar.png",
               "editors/vscode TextMate grammar through babi's TextMate engine, Dark+ colours (not VS Code itself)",
               columns, default_bg, footer=f"squiggle: netl lsp's diagnostic — {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netl", default=str(ROOT / ".build/debug/netl"))
    parser.add_argument("which", nargs="*", default=["neovim", "vscode"])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for which in args.which:
        with tempfile.TemporaryDirectory() as folder:
            {"neovim": neovim, "vscode": vscode}[which](pathlib.Path(args.netl).resolve(), folder)


if __name__ == "__main__":
    main()
