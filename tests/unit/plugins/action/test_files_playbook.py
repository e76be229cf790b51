"""End to end: homelab.ai_stack.files in a role, run by ansible-playbook on localhost (connection local).

What a user sees: the first run writes the set (templates of the role rendered with the play's
variables) and restarts once; a re-run changes nothing; drift is repaired; check mode writes
nothing; a failing validate or check_command leaves the old files; a run killed between the
write and its handler leaves the restart marker and the next run restarts; a secret never
appears in the output, even at -vvv.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
ANSIBLE_PLAYBOOK = pathlib.Path(sys.executable).parent / "ansible-playbook"
SECRET = "s3cret-0123456789abcdef"

pytestmark = pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="needs ansible-playbook beside this python")

TASKS = """
- name: Write the service's files
  homelab.ai_stack.files:
    owner: root
    group: root
    mode: "0644"
    files:
      - dest: "{{ out }}/svc.d"
        state: directory
        mode: "0755"
      - dest: "{{ out }}/svc.d/extra.conf"
        src: extra.conf.j2
      - dest: "{{ out }}/svc.conf"
        src: svc.conf.j2
        # The main file includes the one above: it is in place when this one is validated.
        validate: sh -c 'grep -q "^port=" "$0" && grep -q "^extra=" {{ out }}/svc.d/extra.conf' %s
      - dest: "{{ out }}/daemon.json"
        src: daemon.json.j2
      - dest: "{{ out }}/data.json"
        content: "{{ svc_data }}"
      - dest: "{{ out }}/svc.psk"
        content: "{{ svc_psk }}\\n"
        mode: "0600"
        secret: true
      - dest: "{{ out }}/legacy.conf"
        state: absent
    check_command: "{{ ['sh', '-c', 'exit 4'] if check_fails | bool else ['true'] }}"
    pending: svc-restart
    pending_dir: "{{ out }}/pending"
  notify: Restart svc

- name: Keep the restart pending after an upgrade
  homelab.ai_stack.files:
    files: []
    pending: svc-restart
    record: "{{ upgraded }}"
    pending_dir: "{{ out }}/pending"
  notify: Restart svc

- name: Stop as a killed run would, before the handlers
  ansible.builtin.fail:
    msg: killed
  when: kill | bool
"""

HANDLERS = """
- name: Restart svc
  ansible.builtin.command:
    cmd: "sh -c 'echo restarted >> {{ out }}/restarts'"
  changed_when: true

- name: Forget the pending svc restart
  homelab.ai_stack.files:
    forget: svc-restart
    pending_dir: "{{ out }}/pending"
  listen: Restart svc
"""

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    svc_port: 8080
    svc_psk: "{{ secret }}"
    check_fails: false
    kill: false
    upgraded: false
  roles: [svc]
"""


@pytest.fixture
def project(tmp_path):
    role = tmp_path / "roles" / "svc"
    for sub in ("tasks", "handlers", "templates", "defaults"):
        (role / sub).mkdir(parents=True)
    (role / "tasks" / "main.yml").write_text(TASKS)
    (role / "handlers" / "main.yml").write_text(HANDLERS)
    (role / "defaults" / "main.yml").write_text("svc_extra: [a, b]\nsvc_data: {a: 1}\nbroken: false\n")
    (role / "templates" / "svc.conf.j2").write_text(
        textwrap.dedent("""\
            # {{ ansible_managed }}
            {% if not broken | bool %}
            port={{ svc_port }}
            {% endif %}
            """)
    )
    (role / "templates" / "extra.conf.j2").write_text("{% for x in svc_extra %}extra={{ x }}\n{% endfor %}")
    (role / "templates" / "daemon.json.j2").write_text('{"port": {{ svc_port }}, "debug": false}\n')
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    out = tmp_path / "out"
    out.mkdir()
    (out / "legacy.conf").write_text("old\n")
    return tmp_path


def play(env, project, *extra, ok=True):
    # A failed host runs no handler (what a killed run looks like); ansible-test sets it true.
    env = dict(env, ANSIBLE_FORCE_HANDLERS="False")
    cmd = [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", str(project / "site.yml")]
    cmd += ["-e", f"out={project / 'out'}", "-e", f"secret={SECRET}", *extra]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    output = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == ok, output
    assert SECRET not in output
    return output


def recap(output):
    match = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output)
    return {"ok": int(match[1]), "changed": int(match[2]), "failed": int(match[3])}


def restarts(project):
    path = project / "out" / "restarts"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_killed_run_resume_rerun_drift_check_mode_and_failures(ansible_env, project):
    """One sequence of runs (each ansible-playbook start costs seconds; the test stays well under a minute)."""
    out = project / "out"

    # The first run writes the set and is killed before its handlers: the marker stays.
    killed = play(ansible_env, project, "--diff", "-e", "kill=true", ok=False)
    assert "killed" in killed
    assert (out / "svc.conf").read_text() == "# Ansible managed\nport=8080\n"
    assert (out / "svc.d" / "extra.conf").read_text() == "extra=a\nextra=b\n"
    # A JSON template stays text (no round trip through data).
    assert (out / "daemon.json").read_text() == '{"port": 8080, "debug": false}\n'
    assert (out / "data.json").read_text() == '{"a": 1}'  # data as content is written as JSON, like copy
    assert (out / "svc.psk").read_text() == f"{SECRET}\n"
    assert oct(os.stat(out / "svc.psk").st_mode & 0o7777) == "0o600"
    assert not (out / "legacy.conf").exists()
    assert "+port=8080" in killed and "(secret content, not shown)" in killed
    assert os.listdir(out / "pending") == ["svc-restart"], killed
    assert restarts(project) == 0  # the handler was lost with the run

    # The next run changes no file but finds the marker: it restarts, then forgets it.
    resumed = play(ansible_env, project)
    assert "left from an unfinished run" in " ".join(resumed.split())  # a warning may be wrapped
    assert recap(resumed)["changed"] == 3  # the task that found the marker, the restart, forgetting the marker
    assert restarts(project) == 1
    assert os.listdir(out / "pending") == []

    again = play(ansible_env, project)
    assert recap(again)["changed"] == 0, again
    assert restarts(project) == 1

    # Drift: edited by hand, mode changed. Check mode reports it and writes nothing.
    (out / "svc.conf").write_text("port=1\n")
    os.chmod(out / "svc.psk", 0o644)
    checked = play(ansible_env, project, "--check", "--diff", "-vvv")
    assert recap(checked)["changed"] >= 1
    assert "-port=1" in checked and "+port=8080" in checked
    assert (out / "svc.conf").read_text() == "port=1\n"
    assert os.listdir(out / "pending") == []
    assert restarts(project) == 1

    repaired = play(ansible_env, project)
    assert recap(repaired)["changed"] == 3
    assert (out / "svc.conf").read_text() == "# Ansible managed\nport=8080\n"
    assert oct(os.stat(out / "svc.psk").st_mode & 0o7777) == "0o600"
    assert restarts(project) == 2
    before = {p.name: p.read_text() for p in out.iterdir() if p.is_file()}

    # A template that fails validate: nothing of the set changes (extra.conf, written
    # before it, is put back too), no restart is asked for.
    broken = play(ansible_env, project, "-e", "svc_port=9090", "-e", "broken=true", "-e", "svc_extra=[c]", ok=False)
    assert "validate failed" in broken
    assert {p.name: p.read_text() for p in out.iterdir() if p.is_file()} == before
    assert (out / "svc.d" / "extra.conf").read_text() == "extra=a\nextra=b\n"
    assert os.listdir(out / "pending") == []

    # check_command fails after the writes: every file is put back, the marker too.
    refused = play(ansible_env, project, "-e", "svc_port=9090", "-e", "check_fails=true", ok=False)
    assert "check_command failed (rc 4)" in refused
    assert {p.name: p.read_text() for p in out.iterdir() if p.is_file()} == before
    assert os.listdir(out / "pending") == []
    assert restarts(project) == 2

    # A restart no file caused (an upgrade), the flag given as a string on the command line.
    upgraded = play(ansible_env, project, "-e", "upgraded=true")
    assert recap(upgraded)["changed"] == 3
    assert restarts(project) == 3
    assert os.listdir(out / "pending") == []
