"""The environment of the playbook tests in this directory.

They run ansible-playbook on localhost (connection local) with this checkout's
collections and no ansible.cfg of the checkout, so what they see is the
collection, not the project's settings.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]


@pytest.fixture
def ansible_env(tmp_path):
    """os.environ plus what an isolated ansible-playbook run on localhost needs (files under tmp_path)."""
    (tmp_path / "none.cfg").write_text("[defaults]\n")
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(tmp_path / "none.cfg"),
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT / '.collections'}:{os.pathsep.join(sys.path)}",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_ASYNC_DIR=str(tmp_path / "async"),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
        ANSIBLE_LOCALHOST_WARNING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
    )
    return env
