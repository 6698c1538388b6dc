"""``.. command-output:: python ARGS``: run a command at build time and show what it printed.

The guides show real output this way (``python -m ember``, the scripts under
``howto/snippets``), so it cannot drift from what ember does. ``python`` is the
interpreter running Sphinx; paths are relative to the page. A command that fails stops
the build, like a tutorial that raises.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

TIMEOUT_S = 120


class CommandOutput(SphinxDirective):
    has_content = False
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"prompt": directives.flag}

    def run(self) -> list[nodes.Node]:
        words = shlex.split(self.arguments[0])
        if words[0] != "python":
            raise self.error(
                f"command-output runs Python commands only, not {words[0]!r}"
            )
        page_dir = Path(self.env.doc2path(self.env.docname)).parent
        _pages_with_output(self.env).add(self.env.docname)
        self.env.note_dependency(__file__)
        for word in words[1:]:
            if (page_dir / word).is_file():
                self.env.note_dependency(str(page_dir / word))
        try:
            done = subprocess.run(
                [sys.executable, *words[1:]],
                cwd=page_dir,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise self.error(
                f"`{self.arguments[0]}` ran longer than {TIMEOUT_S} s"
            ) from None
        if done.returncode != 0:
            raise self.error(
                f"`{self.arguments[0]}` exited with {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        text = done.stdout.rstrip()
        if "prompt" in self.options:
            text = f"$ {self.arguments[0]}\n{text}"
        block = nodes.literal_block(text, text)
        block["language"] = "console" if "prompt" in self.options else "text"
        block["classes"].append(
            "command-output"
        )  # output of this build, not code
        return [block]


def _pages_with_output(env) -> set[str]:
    if not hasattr(env, "command_output_pages"):
        env.command_output_pages = set()
    return env.command_output_pages


def _rerun_commands(app, env, added, changed, removed) -> list[str]:
    """Pages with command output are read again on every build: ember may have changed."""
    return sorted(_pages_with_output(env) - set(removed))


def _forget_page(app, env, docname: str) -> None:
    _pages_with_output(env).discard(docname)


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("command-output", CommandOutput)
    app.connect("env-get-outdated", _rerun_commands)
    app.connect("env-purge-doc", _forget_page)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
