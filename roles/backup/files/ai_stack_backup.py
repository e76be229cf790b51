# Managed by homelab.ai_stack.backup. The AI stack's restic backup and restore.
#   ai_stack_backup.py --config C init        initialise the repository once (exit 0 "exists"/"created")
#   ai_stack_backup.py --config C backup      take a backup now, then apply the retention
#   ai_stack_backup.py --config C check       restic check (and a read of a data subset when configured)
#   ai_stack_backup.py --config C restore [--snapshot ID] [--items a,b] [--keep-restore]
#   ai_stack_backup.py --config C age         seconds since the last successful backup (-1: none)
#   ai_stack_backup.py --config C snapshots   the repository's snapshots of this host (JSON)
#
# A backup builds a view: one directory per item, either the item's own
# directory (bind-mounted read-only in a private mount namespace, from a ZFS
# snapshot on a ZFS host: its .zfs directory, or clones where there is none)
# or a staged copy (Pi-hole taken while its container is stopped, webui.db by
# SQLite's online backup, the model and node lists).
# restic backs up the view with relative paths, so a snapshot's tree is
# /<item>/..., whatever the host's paths are. The view's .ai-stack/manifest.json
# holds every file's sha256; a restore checks the placed files against it.
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _backup as lib


def log(msg):
    print(f"ai-stack-backup: {msg}", flush=True)


def run(argv, check=True, **kw):
    result = subprocess.run(argv, text=True, capture_output=True, check=False, **kw)
    if check and result.returncode != 0:
        cmd = " ".join(argv[:3])
        raise RuntimeError(f"{cmd} failed (rc={result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


class Tool:
    def __init__(self, config, config_path=""):
        # The model paths and ZFS datasets of what is deployed, read here (compose files, zfs-snapshots.json).
        config = lib.resolve_deployed(config)
        self.cfg = config
        self.config_path = config_path
        self.items = lib.default_items(config)
        self.state_dir = config["state_dir"]
        self.state_file = os.path.join(self.state_dir, "state.json")
        self.clone_root = ""
        self.clone_parents = []
        self.zfs_taken = []
        self.env = dict(os.environ)
        with open(config["env_file"]) as handle:
            for line in handle:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    self.env[key] = value

    # restic -------------------------------------------------------------
    def restic(self, args, check=True, cwd=None):
        argv = ["restic", *list(self.cfg.get("restic_options", [])), *args]
        return run(argv, check=check, env=self.env, cwd=cwd)

    def init(self):
        probe = self.restic(["cat", "config"], check=False)
        if probe.returncode == 0:
            print("exists")
            self.record_repository()
            return 0
        # restic 0.14 says "Is there a repository at the following location?" (older: "does not exist").
        err = probe.stderr.lower()
        if not any(
            s in err for s in ("does not exist", "is there a repository", "no such file", "unable to open config")
        ):
            raise RuntimeError(f"cannot read the repository (not a missing one): {probe.stderr.strip()[-1000:]}")
        self.restic(["init"])
        print("created")
        self.record_repository()
        return 0

    def record_repository(self):
        """Note that this repository, with these credentials, exists (the role then skips init)."""
        record = self.cfg.get("repository_record")
        if not record:
            return
        key = lib.repository_key(_read(self.cfg["env_file"]), _read(self.cfg.get("password_file", "")))
        tmp = record + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        os.replace(tmp, record)

    # state ----------------------------------------------------------------
    def read_state(self):
        try:
            with open(self.state_file) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def write_state(self, **updates):
        state = self.read_state()
        state.update(updates)
        os.makedirs(self.state_dir, exist_ok=True)
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(state, handle, indent=2, sort_keys=True)
        os.chmod(tmp, 0o644)  # no secrets; the Zabbix agent reads it
        os.replace(tmp, self.state_file)

    # containers -------------------------------------------------------------
    def running(self, name):
        if not shutil.which("docker"):
            return False
        result = run(["docker", "inspect", "-f", "{{.State.Running}}", name], check=False)
        return result.returncode == 0 and result.stdout.strip() == "true"

    def exists(self, name):
        return (
            bool(shutil.which("docker"))
            and run(["docker", "inspect", "--type", "container", name], check=False).returncode == 0
        )

    def stop(self, names):
        stopped = []
        for name in names:
            if self.running(name):
                log(f"stopping container {name}")
                run(["docker", "stop", "-t", "30", name])
                stopped.append(name)
        return stopped

    def start(self, names):
        for name in names:
            log(f"starting container {name}")
            run(["docker", "start", name])

    # backup -----------------------------------------------------------------
    def backup(self):
        started = time.time()
        try:
            snapshot_id = self._backup()
        except Exception as exc:  # recorded for the Zabbix item and verify, then re-raised
            self.write_state(last_attempt=started, last_error=str(exc)[-500:])
            raise
        self.write_state(last_attempt=started, last_success=started, last_snapshot=snapshot_id, last_error="")
        return 0

    def _backup(self):
        try:
            return self._backup_view()
        finally:
            self.zfs_cleanup()

    def zfs_cleanup(self):
        """Destroy the clones and the snapshot this run made (also after a failure)."""
        for name in [*reversed(self.clone_parents), *reversed(self.zfs_taken)]:
            # A mount may be busy for a moment after the namespace that held it ended.
            for _attempt in range(10):
                result = run(["zfs", "destroy", "-f", "-r", name], check=False)
                if result.returncode == 0 or run(["zfs", "list", "-t", "all", name], check=False).returncode != 0:
                    break
                time.sleep(1)
            else:
                log(f"warning: could not destroy {name}: {result.stderr.strip()}")
        self.clone_parents, self.zfs_taken = [], []

    def _backup_view(self):
        view = os.path.join(self.state_dir, "view")
        if os.path.isdir(view):
            shutil.rmtree(view)
        meta_dir = os.path.join(view, lib.MANIFEST_DIR)
        os.makedirs(meta_dir, mode=0o700)
        zfs = self.cfg.get("zfs_datasets") or []
        snap = "{}_{}".format(
            self.cfg.get("zfs_snapshot_prefix", "ai-stack-backup"), time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime())
        )
        mounts = []
        manifest = {
            "created": time.time(),
            "host": self.cfg.get("host", ""),
            "zfs_snapshot": snap if zfs else "",
            "items": {},
        }
        # Online copies first (they read the live databases).
        for item in self.items:
            if item.get("kind") == "sqlite" and os.path.isfile(item["path"]):
                dest = os.path.join(view, item["name"])
                sqlite_backup(item["path"], dest)
                copy_owner(item["path"], dest)
        stop = sorted({c for item in self.items if item.get("stop") for c in item["stop"]})
        stopped = self.stop(stop)
        try:
            if zfs:
                listing = run(["zfs", "list", "-H", "-o", "name,mountpoint", "-r", *zfs]).stdout
                mounts = lib.parse_zfs_list(listing)
                for ds in zfs:
                    run(["zfs", "snapshot", "-r", f"{ds}@{snap}"])
                    self.zfs_taken.append(f"{ds}@{snap}")
                log("took zfs snapshot {} of {}".format(snap, ", ".join(zfs)))
                self.zfs_views(mounts, snap)
            for item in self.items:
                if item.get("copy") and item.get("kind", "dir") == "dir":
                    self.stage(item, view, mounts, snap)
        finally:
            self.start(stopped)
        binds = []
        try:
            names = []
            for item in self.items:
                kind = item.get("kind", "dir")
                source = self.source(item, mounts, snap)
                dest = os.path.join(view, item["name"])
                if kind == "sqlite":
                    pass  # staged above
                elif kind in ("ollama-models", "comfyui-nodes") and not os.path.isdir(source):
                    pass  # the service is not on this host
                elif kind == "ollama-models":
                    write_json(dest, {"models": lib.ollama_models(os.path.join(source, "manifests"))})
                elif kind == "comfyui-nodes":
                    write_json(dest, {"custom_nodes": lib.comfyui_nodes(source)})
                elif kind == "file":
                    if os.path.isfile(source):
                        shutil.copy2(source, dest)
                        copy_owner(source, dest)
                elif item.get("copy"):
                    pass  # staged above
                elif os.path.isdir(source):
                    os.makedirs(dest)
                    binds.append([source, dest])
                if os.path.lexists(dest):
                    names.append(item["name"])
                    manifest["items"][item["name"]] = {"path": item["path"], "kind": kind}
                else:
                    log("skipping {}: {} does not exist".format(item["name"], source))
            plan = {"view": view, "binds": binds, "names": names, "manifest": manifest}
            plan_file = os.path.join(self.state_dir, "plan.json")
            write_json(plan_file, plan)
            # The bind mounts and restic run in a private mount namespace: the
            # mounts vanish with that process, whatever happens to it.
            argv = ["unshare", "--mount", "--propagation", "private", sys.executable, os.path.abspath(__file__)]
            result = run([*argv, "--config", self.config_path, "_view-backup", plan_file])
            sys.stdout.write("".join(line + "\n" for line in result.stdout.splitlines() if not line.startswith("{")))
            snapshot_id = json.loads(result.stdout.splitlines()[-1])["snapshot_id"]
        finally:
            self.zfs_cleanup()
        keep = self.cfg.get("keep") or {}
        if keep:
            self.restic(
                [
                    "forget",
                    "--host",
                    self.cfg["host"],
                    "--tag",
                    self.cfg.get("tag", "ai-stack"),
                    "--prune",
                    # Not by paths: the item set changes when a service comes or goes.
                    "--group-by",
                    "host,tags",
                    *lib.forget_args(keep),
                ]
            )
        shutil.rmtree(view, ignore_errors=True)
        return snapshot_id

    def view_backup(self, plan_file):
        """Inside the private mount namespace: bind the items, checksum every file, restic backup."""
        with open(plan_file) as handle:
            plan = json.load(handle)
        view, manifest = plan["view"], plan["manifest"]
        for source, dest in plan["binds"]:
            run(["mount", "--bind", source, dest])
            run(["mount", "-o", "remount,bind,ro", dest], check=False)
        by_name = {item["name"]: item for item in self.items}
        for name in plan["names"]:
            excludes = by_name.get(name, {}).get("exclude", [])
            manifest["items"][name]["files"] = lib.checksum_tree(os.path.join(view, name), excludes)
        write_json(os.path.join(view, lib.MANIFEST_DIR, lib.MANIFEST_NAME), manifest)
        excludes = []
        for item in self.items:
            excludes.extend(lib.restic_excludes(item, view))
        tags = ["--tag", self.cfg.get("tag", "ai-stack")]
        result = self.restic(
            ["backup", "--json", "--host", self.cfg["host"], *tags, *excludes, lib.MANIFEST_DIR, *plan["names"]],
            cwd=view,
        )
        snapshot_id = ""
        for line in result.stdout.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("message_type") == "summary":
                snapshot_id = msg.get("snapshot_id", "")
        log("snapshot {} of {}".format(snapshot_id[:8], ", ".join(plan["names"])))
        print(json.dumps({"snapshot_id": snapshot_id}))
        return 0

    def zfs_views(self, mounts, snap):
        """Snapdir (.zfs/snapshot) when the platform has one, else read-only clones (zfs-fuse)."""
        usable = [mp for _ds, mp in mounts if mp.startswith("/")]
        if not usable or os.path.isdir(os.path.join(usable[0], ".zfs", "snapshot", snap)):
            return
        self.clone_root = os.path.join(self.state_dir, "zfs")
        parents, clones = lib.clone_plan(mounts, snap, self.clone_root)
        for parent in parents:
            run(["zfs", "destroy", "-r", parent], check=False)  # a crashed run's leftovers
            run(["zfs", "create", "-o", "canmount=off", "-o", "mountpoint=none", parent])
            self.clone_parents.append(parent)
        for origin, clone, mountpoint in clones:
            run(["zfs", "clone", "-o", f"mountpoint={mountpoint}", origin, clone])
        log(f"no .zfs snapshot directory: reading {len(clones)} clone(s) of {snap} below {self.clone_root}")

    def source(self, item, mounts, snap):
        if not mounts:
            return item["path"]
        if self.clone_root:
            return lib.clone_source(item["path"], mounts, self.clone_root)
        dataset, path = lib.zfs_source(item["path"], mounts, snap)
        if dataset is not None and not os.path.exists(os.path.dirname(path.rstrip("/"))):
            raise RuntimeError(f"zfs snapshot directory {path} is not there (snapdir not reachable on {dataset})")
        return path

    def stage(self, item, view, mounts, snap):
        source = self.source(item, mounts, snap)
        if os.path.isdir(source):
            shutil.copytree(source, os.path.join(view, item["name"]), symlinks=True, copy_function=shutil.copy2)
            copy_owner_tree(source, os.path.join(view, item["name"]))

    # check --------------------------------------------------------------------
    def check(self):
        args = ["check"]
        subset = self.cfg.get("check_read_data_subset", "")
        if subset:
            args += ["--read-data-subset", subset]
        result = self.restic(args, check=False)
        ok = result.returncode == 0
        self.write_state(last_check=time.time(), last_check_ok=ok)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode

    # restore ------------------------------------------------------------------
    def restore(self, snapshot, only, keep_restore, start=True):
        staging = self.cfg["restore_dir"]
        target = os.path.join(staging, "tree")
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.makedirs(target, mode=0o700)
        resolved = self.restic(
            [
                "snapshots",
                "--json",
                "--host",
                self.cfg["host"],
                "--tag",
                self.cfg.get("tag", "ai-stack"),
                "--latest",
                "1",
            ]
            if snapshot == "latest"
            else ["snapshots", "--json", snapshot]
        ).stdout
        snaps = json.loads(resolved or "[]")
        if not snaps:
            raise RuntimeError("no snapshot {} of host {} in the repository".format(snapshot, self.cfg["host"]))
        snap_id = snaps[-1]["id"]
        log("restoring snapshot {} ({})".format(snap_id[:8], snaps[-1].get("time", "")))
        self.restic(["restore", snap_id, "--target", target, "--verify"])
        with open(os.path.join(target, lib.MANIFEST_DIR, lib.MANIFEST_NAME)) as handle:
            manifest = json.load(handle)
        by_name = {item["name"]: item for item in self.items}
        names = [n for n in manifest["items"] if (not only or n in only)]
        unknown = [n for n in (only or []) if n not in manifest["items"]]
        if unknown:
            raise RuntimeError(
                "snapshot {} has no item {} (it has {})".format(
                    snap_id[:8], ", ".join(unknown), ", ".join(manifest["items"])
                )
            )
        # Lists are records, not data to put back.
        names = [n for n in names if manifest["items"][n]["kind"] in ("dir", "file", "sqlite")]
        stop = sorted({c for n in names for c in by_name.get(n, {}).get("stop_on_restore", [])})
        self.stop(stop)
        # Started afterwards even when they were down (a service whose data went missing may have stopped).
        stopped = [c for c in stop if self.exists(c)]
        previous = os.path.join(staging, "previous")
        if os.path.isdir(previous):
            shutil.rmtree(previous)
        os.makedirs(previous, mode=0o700)
        report = {"snapshot": snap_id, "items": {}}
        # Directories first: a database copy goes into the directory restored before it.
        order = sorted(names, key=lambda n: manifest["items"][n]["kind"] == "sqlite")
        for name in order:
            meta = manifest["items"][name]
            src = os.path.join(target, name)
            dest = meta["path"]
            place(src, dest, os.path.join(previous, name), meta["kind"] == "dir")
            for stale in ("-wal", "-shm", "-journal"):
                if meta["kind"] == "sqlite" and os.path.lexists(dest + stale):
                    os.remove(dest + stale)
        # Every placed file against the checksum taken at backup time.
        bad = []
        for name in order:
            meta = manifest["items"][name]
            patterns = by_name.get(name, {}).get("exclude", [])
            actual = lib.checksum_tree(meta["path"], patterns)
            expected = meta["files"]
            if meta["kind"] == "dir":
                # A database copy restored into this directory is checked as its own item.
                for other in order:
                    opath = manifest["items"][other]["path"]
                    if manifest["items"][other]["kind"] == "sqlite" and opath.startswith(meta["path"] + "/"):
                        actual.pop(os.path.relpath(opath, meta["path"]), None)
            missing, changed, extra = lib.compare_sums(expected, actual)
            report["items"][name] = {
                "path": meta["path"],
                "files": len(expected),
                "missing": missing,
                "changed": changed,
                "extra": extra,
            }
            if missing or changed:
                bad.append(name)
        if start:
            self.start(stopped)
        if not keep_restore:
            shutil.rmtree(target, ignore_errors=True)
        print(json.dumps(report, sort_keys=True))
        if bad:
            log("restored files differ from the backup in {}".format(", ".join(bad)))
            return 3
        return 0


def place(src, dest, aside, is_dir):
    """Put the restored src at dest; what was there goes to aside.

    A directory keeps its inode (it may be a mount point or a dataset): its
    entries are exchanged, and it takes the restored one's owner and mode.
    """
    if not is_dir or not os.path.isdir(dest) or os.path.islink(dest):
        if os.path.lexists(dest):
            shutil.move(dest, aside)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.move(src, dest)
        return
    os.makedirs(aside)
    for entry in os.listdir(dest):
        shutil.move(os.path.join(dest, entry), os.path.join(aside, entry))
    for entry in os.listdir(src):
        shutil.move(os.path.join(src, entry), os.path.join(dest, entry))
    st = os.stat(src)
    os.chown(dest, st.st_uid, st.st_gid)
    os.chmod(dest, st.st_mode & 0o7777)


def sqlite_backup(src, dest):
    """SQLite's online backup: a consistent copy while the application writes."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def copy_owner(src, dest):
    st = os.stat(src)
    os.chown(dest, st.st_uid, st.st_gid)
    os.chmod(dest, st.st_mode & 0o7777)


def copy_owner_tree(src, dest):
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        for name in ["", *dirnames, *filenames]:
            s = os.path.join(dirpath, name) if name else dirpath
            d = os.path.join(dest, rel, name) if name else os.path.join(dest, rel)
            st = os.lstat(s)
            os.lchown(d, st.st_uid, st.st_gid)


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def write_json(path, data):
    with open(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")


def main():
    parser = argparse.ArgumentParser(description="The AI stack's restic backup and restore")
    parser.add_argument("--config", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("init", "backup", "check", "age", "snapshots"):
        sub.add_parser(name)
    inner = sub.add_parser("_view-backup", help=argparse.SUPPRESS)
    inner.add_argument("plan")
    restore = sub.add_parser("restore")
    restore.add_argument("--snapshot", default="latest")
    restore.add_argument("--items", default="", help="comma-separated item names (default: every item)")
    restore.add_argument("--keep-restore", action="store_true", help="keep the restored tree for inspection")
    restore.add_argument(
        "--no-start", action="store_true", help="leave the stopped containers stopped (an upgrade rollback)"
    )
    args = parser.parse_args()
    with open(args.config) as handle:
        config = json.load(handle)
    if args.command == "age":
        state_file = os.path.join(config["state_dir"], "state.json")
        try:
            with open(state_file) as handle:
                text = handle.read()
        except OSError:
            text = "{}"
        print(lib.backup_age(text, time.time()))
        return 0
    tool = Tool(config, os.path.abspath(args.config))
    try:
        if args.command == "init":
            return tool.init()
        if args.command == "backup":
            return tool.backup()
        if args.command == "_view-backup":
            return tool.view_backup(args.plan)
        if args.command == "check":
            return tool.check()
        if args.command == "snapshots":
            print(tool.restic(["snapshots", "--json", "--host", config["host"]]).stdout.strip())
            return 0
        only = [n for n in args.items.split(",") if n]
        return tool.restore(args.snapshot, only, args.keep_restore, not args.no_start)
    except (RuntimeError, lib.ConfigError, OSError) as exc:
        log(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
