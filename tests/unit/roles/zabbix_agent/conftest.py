# -*- coding: utf-8 -*-
# Copyright (c) homelab.ai_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import importlib.util
import pathlib

import pytest

ROLE = pathlib.Path(__file__).resolve().parents[4] / "roles" / "zabbix_agent"
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def collector():
    spec = importlib.util.spec_from_file_location("ai_stack_zabbix", ROLE / "files" / "ai_stack_zabbix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def role_dir():
    return ROLE


@pytest.fixture(scope="session")
def fixtures_dir():
    return FIXTURES
