#!/usr/bin/env python3
"""Generate shell completion scripts for the ``projctl`` command and tell the
user how to enable them.

The installer never edits shell start-up files itself.  It writes the
completion script into the user's completion directory (or prints it) and
then *prints* the line to add to ~/.bashrc or ~/.zshrc, so the user stays in
charge of their own dotfiles:

    shell_completion_installer.py bash            # print the script
    shell_completion_installer.py zsh --install   # write it and explain
    shell_completion_installer.py --detect
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

PROG = "projctl"


@dataclass
class Option:
    flag: str
    help: str
    takes: str | None = None  # "file", "dir", or a choice list joined by |


@dataclass
class Command:
    name: str
    help: str
    options: list[Option] = field(default_factory=list)
    subcommands: list["Command"] = field(default_factory=list)


SPEC = Command(PROG, "project control", [
    Option("--help", "show help"),
    Option("--version", "show version"),
    Option("--config", "configuration file", "file"),
], [
    Command("init", "create a project", [Option("--template", "template", "minimal|library|service")]),
    Command("build", "build artefacts", [Option("--out", "output dir", "dir"), Option("--release", "optimise")]),
    Command("test", "run tests", [Option("--filter", "test name filter"), Option("--coverage", "collect coverage")]),
    Command("deploy", "deploy a build", [Option("--env", "target", "dev|staging|prod"), Option("--dry-run", "plan only")]),
    Command("clean", "remove build outputs", [Option("--all", "also caches")]),
])


def words(cmd: Command) -> list[str]:
    return [o.flag for o in cmd.options] + [c.name for c in cmd.subcommands]


def bash_script(spec: Command) -> str:
    cases = []
    for sub in spec.subcommands:
        opts = " ".join(o.flag for o in sub.options)
        value_cases = []
        for o in sub.options:
            if o.takes == "file":
                value_cases.append(f'        {o.flag}) COMPREPLY=($(compgen -f -- "$cur")); return;;')
            elif o.takes == "dir":
                value_cases.append(f'        {o.flag}) COMPREPLY=($(compgen -d -- "$cur")); return;;')
            elif o.takes:
                choices = o.takes.replace("|", " ")
                value_cases.append(f'        {o.flag}) COMPREPLY=($(compgen -W "{choices}" -- "$cur")); return;;')
        inner = "\n".join(value_cases)
        cases.append(textwrap.dedent(f"""\
            {sub.name})
                case "$prev" in
            {inner}
                esac
                COMPREPLY=($(compgen -W "{opts}" -- "$cur"));;"""))
    body = textwrap.indent("\n".join(cases), "        ")
    top = " ".join(words(spec))
    return f"""# bash completion for {spec.name} (generated; do not edit)
_{spec.name}() {{
    local cur prev sub
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    sub="${{COMP_WORDS[1]}}"
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W "{top}" -- "$cur"))
        return
    fi
    case "$sub" in
{body}
    esac
}}
complete -F _{spec.name} {spec.name}
"""


def zsh_script(spec: Command) -> str:
    subs = "\n".join(f"        '{c.name}:{c.help}'" for c in spec.subcommands)
    arms = []
    for c in spec.subcommands:
        args = []
        for o in c.options:
            action = ""
            if o.takes == "file":
                action = ":file:_files"
            elif o.takes == "dir":
                action = ":dir:_files -/"
            elif o.takes:
                action = f":value:({o.takes.replace('|', ' ')})"
            args.append(f"'{o.flag}[{o.help}]{action}'")
        arms.append(f"        {c.name}) _arguments {' '.join(args)} ;;")
    arms_text = "\n".join(arms)
    return f"""#compdef {spec.name}
# zsh completion for {spec.name} (generated; do not edit)
_{spec.name}() {{
    local -a subcommands
    subcommands=(
{subs}
    )
    if (( CURRENT == 2 )); then
        _describe 'command' subcommands
        return
    fi
    case $words[2] in
{arms_text}
    esac
}}
_{spec.name} "$@"
"""


def fish_script(spec: Command) -> str:
    lines = [f"# fish completion for {spec.name} (generated; do not edit)"]
    for c in spec.subcommands:
        lines.append(f"complete -c {spec.name} -n __fish_use_subcommand -a {c.name} -d {shlex.quote(c.help)}")
        for o in c.options:
            flag = o.flag.lstrip("-")
            extra = ""
            if o.takes and o.takes not in ("file", "dir"):
                extra = f" -xa {shlex.quote(o.takes.replace('|', ' '))}"
            elif o.takes:
                extra = " -r"
            lines.append(f"complete -c {spec.name} -n '__fish_seen_subcommand_from {c.name}' "
                         f"-l {flag} -d {shlex.quote(o.help)}{extra}")
    return "\n".join(lines) + "\n"


GENERATORS = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}


def completion_dir(shell: str) -> Path:
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    if shell == "bash":
        return data / "bash-completion" / "completions"
    if shell == "zsh":
        return data / "zsh" / "site-functions"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fish" / "completions"


def file_name(shell: str) -> str:
    return {"bash": PROG, "zsh": f"_{PROG}", "fish": f"{PROG}.fish"}[shell]


def instructions(shell: str, path: Path) -> str:
    if shell == "bash":
        return textwrap.dedent(f"""\
            Installed {path}.
            bash-completion loads it automatically in new shells. If yours does not,
            add this line to ~/.bashrc yourself:
                source {shlex.quote(str(path))}""")
    if shell == "zsh":
        return textwrap.dedent(f"""\
            Installed {path}.
            Make sure its directory is on $fpath before compinit runs; for example add
            these lines to ~/.zshrc:
                fpath=({shlex.quote(str(path.parent))} $fpath)
                autoload -Uz compinit && compinit""")
    return f"Installed {path}. fish picks it up in new shells; nothing else to do."


def detect_shell() -> str | None:
    name = Path(os.environ.get("SHELL", "")).name
    return name if name in GENERATORS else None


def install(shell: str, force: bool) -> int:
    target_dir = completion_dir(shell)
    target = target_dir / file_name(shell)
    script = GENERATORS[shell](SPEC)
    if target.exists() and not force:
        if target.read_text(encoding="utf-8") == script:
            print(f"{target} is up to date")
            return 0
        print(f"{target} exists and differs; use --force to overwrite", file=sys.stderr)
        return 1
    target_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(script, encoding="utf-8")
    tmp.replace(target)
    print(instructions(shell, target))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=f"shell completion for {PROG}",
        epilog="The installer never edits ~/.bashrc or ~/.zshrc; it prints what to add.",
    )
    p.add_argument("shell", nargs="?", choices=sorted(GENERATORS))
    p.add_argument("--install", action="store_true", help="write into the completion directory")
    p.add_argument("--force", action="store_true", help="overwrite a changed completion file")
    p.add_argument("--detect", action="store_true", help="print the shell found in $SHELL")
    args = p.parse_args(argv)

    if args.detect:
        print(detect_shell() or "unknown")
        return 0
    shell = args.shell or detect_shell()
    if shell is None:
        p.error("cannot tell which shell you use; name it: bash, zsh or fish")
    if args.install:
        return install(shell, args.force)
    sys.stdout.write(GENERATORS[shell](SPEC))
    return 0


if __name__ == "__main__":
    sys.exit(main())
