# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""shell_command: the roles' read scripts as one raw command line; run through bash to see what arrives."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.ai_stack.plugins.filter.shell import shell_command
from ansible_collections.homelab.ai_stack.plugins.module_utils import _shell

ROLES = Path(__file__).resolve().parents[4] / "roles"
BASH = shutil.which("bash")
needs_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


def run(line):
    """What raw does with executable /bin/bash: bash -c LINE."""
    return subprocess.run([BASH, "-c", line], capture_output=True, text=True, check=False)


def test_shape():
    assert _shell.command("echo hi", {"A": "1"}) == "env A=1 /bin/bash -c 'echo hi'"
    assert _shell.command("true") == "env /bin/bash -c true"


@needs_bash
@pytest.mark.parametrize(
    "value",
    ["plain", "two words", "it's", 'say "x"', "$HOME `id` $(id) \\n", "a\nb", "", "*", "-e", "ä ß ✓"],
)
def test_every_value_arrives_verbatim(value):
    done = run(shell_command('printf %s "$V"', {"V": value}))
    assert done.returncode == 0 and done.stdout == value


@needs_bash
def test_the_script_is_not_expanded_by_the_outer_shell():
    script = "x='$HOME'; printf '%s|%s' \"$x\" \"$(echo ok)\" # it's a comment\n"
    assert run(shell_command(script)).stdout == "$HOME|ok"


@needs_bash
def test_scalars_as_the_environment_keyword_gives_them():
    done = run(shell_command('printf "%s,%s,%s,[%s]" "$B" "$N" "$F" "$E"', {"B": True, "N": 3, "F": False, "E": None}))
    assert done.stdout == "True,3,False,[]"


@needs_bash
def test_a_failing_script_fails_the_command():
    assert run(shell_command("echo partial; exit 3")).returncode == 3


@needs_bash
@pytest.mark.parametrize("role,script", [("docker", "docker-read.sh"), ("networking", "networking-read.sh")])
def test_the_roles_read_scripts_run_and_keep_stderr_out(role, script, tmp_path):
    # Nothing to find: every command of the script fails or finds nothing, and still no stderr and rc 0.
    text = (ROLES / role / "files" / script).read_text()
    env = {"PACKAGES": "no-such-package-xyz", "MANAGED": str(tmp_path / "missing"), "PENDING": str(tmp_path / "p")}
    done = run(shell_command(text, env))
    assert done.returncode == 0
    assert done.stderr == ""


@pytest.mark.parametrize(
    "env,message",
    [
        ({"1A": "x"}, "'1A' is not an environment variable name"),
        ({"A B": "x"}, "is not an environment variable name"),
        ({"A=B": "x"}, "is not an environment variable name"),
        ({"L": ["a"]}, "the value of L must be a string"),
        ({"D": {"a": 1}}, "the value of D must be a string"),
    ],
)
def test_bad_input_names_what_is_wrong(env, message):
    with pytest.raises(AnsibleFilterError, match=message):
        shell_command("true", env)


def test_not_a_script_or_not_a_dict():
    with pytest.raises(AnsibleFilterError, match="the script must be a string"):
        shell_command(["echo"])
    with pytest.raises(AnsibleFilterError, match="env must be a dict"):
        shell_command("true", ["A=1"])
