# The two commands a user needs (README): `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: setup demo demo-down test lint unit sanity molecule docs build-test bench help

help:
	@echo "make demo      set everything up and deploy site.yml to a disposable local homelab host"
	@echo "make test      the whole test suite (lint, unit, sanity, build, every Molecule scenario)"
	@echo "make lint | unit | sanity | docs | build-test | molecule S=<scenario> | bench | demo-down"

setup:
	bash tests/setup.sh

demo: setup
	bash tests/demo.sh up

demo-down:
	bash tests/demo.sh down

test: setup
	bash tests/run_all.sh

lint: setup
	bash tests/run_all.sh lint

unit: setup
	bash tests/run_all.sh unit

sanity: setup
	bash tests/run_all.sh sanity

docs:
	python tools/gen_docs.py

build-test: setup
	bash tests/run_all.sh build

molecule: setup
	molecule test -s $(S)

bench: setup
	python3 tests/bench/stack_bench.py
