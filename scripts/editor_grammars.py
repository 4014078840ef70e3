#!/usr/bin/env python3
"""Writes the language's words into the editor grammars.

    python3 scripts/editor_grammars.py [--netl .build/debug/netl]

`netl vocabulary` prints the lexer's keywords and train words, the layer catalog and the
built-in name table as JSON; this script puts them into
  editors/vim/syntax/netlang.vim                  (between the GENERATED markers)
  editors/vscode/syntaxes/netlang.tmLanguage.json (the repository's word rules)
EditorGrammarTests compares the grammars with the same lists, so run this after adding a
keyword, a layer or a built-in.
"""
import argparse
import json
import pathlib
import re
import subprocess
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
VIM = ROOT / "editors/vim/syntax/netlang.vim"
TEXTMATE = ROOT / "editors/vscode/syntaxes/netlang.tmLanguage.json"
BEGIN, END = '" BEGIN GENERATED (scripts/editor_grammars.py)', '" END GENERATED'


def vim_keywords(group, words):
    """`syn keyword GROUP w1 w2 …`, wrapped with Vim's line continuations."""
    lines = textwrap.wrap(" ".join(words), 90)
    return f"syn keyword {group} " + "\n      \\ ".join(lines)


def write_vim(words):
    text = VIM.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    train = "\\|".join(words["train_words"])
    block = "\n".join([
        vim_keywords("netlangBuiltin", words["builtins"]),
        vim_keywords("netlangLayer", words["layers"]),
        vim_keywords("netlangKeyword", words["keywords"]),
        "\" Train-item words are not reserved: coloured where a value follows them (`epochs 30`).",
        f"syn match netlangTrainWord \"\\<\\%({train}\\)\\>\\ze\\s\\+[^ =(.,)\\]]\"",
    ])
    VIM.write_text(text[:start] + "\n" + block + "\n" + text[end:])


def write_textmate(words):
    grammar = json.loads(TEXTMATE.read_text())
    repo = grammar["repository"]
    repo["keywords"] = {"name": "keyword.control.netlang", "match": "\\b(" + "|".join(words["keywords"]) + ")\\b"}
    repo["train-words"] = {"name": "keyword.other.train.netlang",
                           "match": "\\b(" + "|".join(words["train_words"]) + ")\\b(?=\\s+[^\\s=(.,)\\]])"}
    repo["layers"] = {"name": "support.class.layer.netlang", "match": "\\b(" + "|".join(words["layers"]) + ")\\b"}
    repo["builtins"] = {"name": "support.function.builtin.netlang", "match": "\\b(" + "|".join(words["builtins"]) + ")\\b"}
    TEXTMATE.write_text(json.dumps(grammar, indent=2, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netl", default=str(ROOT / ".build/debug/netl"))
    args = parser.parse_args()
    words = json.loads(subprocess.run([args.netl, "vocabulary"], check=True, capture_output=True, text=True).stdout)
    write_vim(words)
    write_textmate(words)
    print(f"wrote {VIM.relative_to(ROOT)} and {TEXTMATE.relative_to(ROOT)}: "
          f"{len(words['keywords'])} keywords, {len(words['train_words'])} train words, "
          f"{len(words['layers'])} layers, {len(words['builtins'])} built-ins")


if __name__ == "__main__":
    main()
