"""The run directory as a local path or an fsspec URL (``s3://bucket/runs/x``, ``gs://...``, any
fsspec protocol whose backend is installed on every node).

Stages always read and write a local folder. An ``output_dir`` without ``://`` *is* that folder and
nothing is synced. An ``output_dir`` URL is the shared copy; each node works in a local staging
folder, ``<staging_dir>/<run name>-<hash of the URL>`` (``staging_dir`` defaults to
``~/.cache/posttrain/runs``), synced with the URL at stage boundaries:

* the driver decides what to skip from the remote manifests (a stage complete locally with the
  same config hash but missing remotely, e.g. after a killed upload, is pushed then skipped);
* a stage task first pulls every complete upstream stage folder whose local copy differs from the
  remote one (a stage can read any of them: checkpoints, the distill shards, eval results), runs,
  and pushes its own folder: the remote manifest is deleted first and uploaded last, so a killed
  upload never leaves a ``complete`` manifest without its files;
* manifests hold absolute local paths (``outputs.checkpoint``); remotely they are stored with the
  staging folder written as ``${run_dir}``, and a pull writes this node's staging folder back in,
  so ``read_manifest`` on any node gives paths that exist there.

Not synced: the files of a stage in progress (a retried stage resumes from its checkpoints only on
the node that wrote them, else starts over), except its ``cache/`` (eval's content-addressed cache),
which a stage's task pulls when it has no local folder yet.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError
from .manifest import read_manifest, stage_dir, write_json_atomic

log = logging.getLogger(__name__)

RUN_DIR_TOKEN = "${run_dir}"
DEFAULT_STAGING = "~/.cache/posttrain/runs"
MANIFEST = "manifest.json"
# Protocols fsspec knows that cannot hold a run shared by several processes.
UNUSABLE = {"memory": "lives inside one process, so Ray workers would not see each other's stages",
            "http": "is read-only", "https": "is read-only"}


def is_remote(output_dir: str | Path) -> bool:
    """A URL (``proto://...``) is synced through a staging folder; anything else is a local path."""
    return "://" in str(output_dir)


def check_output_dir(output_dir: str) -> None:
    """Raise a ConfigError naming ``output_dir`` when its protocol is unknown, unusable for a run,
    or its fsspec backend is not installed (naming the package to install)."""
    if not is_remote(output_dir):
        return
    from fsspec.registry import get_filesystem_class, known_implementations

    for part in output_dir.split("::"):  # chained URLs, e.g. simplecache::s3://bucket/x
        protocol = part.split("://", 1)[0] if "://" in part else part
        if protocol in UNUSABLE:
            raise ConfigError("output_dir", f"{output_dir!r}: the {protocol}:// protocol {UNUSABLE[protocol]}; use "
                                            "a local path or shared storage such as s3://bucket/runs/x")
        try:
            get_filesystem_class(protocol)
        except ValueError:
            raise ConfigError("output_dir", f"{output_dir!r}: unknown fsspec protocol {protocol!r}; use a local path "
                                            "or a URL such as s3://bucket/runs/x, gs://bucket/runs/x") from None
        except ImportError as e:
            module = known_implementations[protocol]["class"].split(".")[0]
            pkg = f"; pip install {module} on every node" if module != "fsspec" else ""
            raise ConfigError("output_dir", f"{output_dir!r}: the fsspec backend for {protocol}:// is not installed "
                                            f"({e}){pkg}") from None


def staging_path(url: str, staging_dir: str | None = None) -> Path:
    """This node's local folder for the run at ``url``."""
    url = url.rstrip("/")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", url.rsplit("/", 1)[-1]).strip("_.") or "run"
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path(staging_dir or DEFAULT_STAGING).expanduser().resolve() / f"{name}-{digest}"


def _map_strings(data: Any, fn) -> Any:
    if isinstance(data, str):
        return fn(data)
    if isinstance(data, dict):
        return {k: _map_strings(v, fn) for k, v in data.items()}
    if isinstance(data, list):
        return [_map_strings(v, fn) for v in data]
    return data


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder``, manifest and atomic-write leftovers excluded."""
    out = []
    for root, _dirs, names in os.walk(folder):
        for n in names:
            if not (n == MANIFEST or (n.startswith(f".{MANIFEST}.") and n.endswith(".tmp"))):
                out.append(Path(root) / n)
    return sorted(out)


@dataclass
class RunStore:
    """``local``: the folder stages use; ``url``: the remote run directory, or None for a local run."""

    local: Path
    url: str | None = None
    _fs: Any = field(default=None, repr=False)
    _root: str = field(default="", repr=False)

    @classmethod
    def for_output_dir(cls, output_dir: str, staging_dir: str | None = None) -> "RunStore":
        if not is_remote(output_dir):
            return cls(Path(output_dir))
        check_output_dir(output_dir)
        return cls(staging_path(output_dir, staging_dir), output_dir.rstrip("/"))

    @classmethod
    def for_config(cls, cfg: Any) -> "RunStore":
        return cls.for_output_dir(cfg.output_dir, getattr(cfg, "staging_dir", None))

    @property
    def remote(self) -> bool:
        return self.url is not None

    @property
    def where(self) -> str:
        return self.url or str(self.local.resolve())

    # -- remote helpers -------------------------------------------------------------------
    @property
    def fs(self) -> Any:
        if self._fs is None:
            from fsspec.core import url_to_fs

            self._fs, self._root = url_to_fs(self.url)
            self._root = self._root.rstrip("/")
        return self._fs

    def _rpath(self, *parts: str) -> str:
        self.fs  # noqa: B018 (sets _root)
        return "/".join([self._root, *parts])

    def _to_remote(self, manifest: dict[str, Any]) -> dict[str, Any]:
        local = str(self.local)
        return _map_strings(manifest, lambda s: RUN_DIR_TOKEN + s[len(local):]
                            if s == local or s.startswith(local + os.sep) else s)

    def _to_local(self, manifest: dict[str, Any]) -> dict[str, Any]:
        return _map_strings(manifest, lambda s: str(self.local) + s[len(RUN_DIR_TOKEN):]
                            if s.startswith(RUN_DIR_TOKEN) else s)

    def remote_manifest(self, stage: str) -> dict[str, Any] | None:
        """The stage's remote manifest with paths for this node, or None."""
        try:
            raw = self.fs.cat_file(self._rpath(stage_dir(Path(), stage).name, MANIFEST))
            return self._to_local(json.loads(raw))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def _remote_stages(self) -> list[str]:
        """Stage folder names present remotely."""
        self.fs.invalidate_cache()
        try:
            entries = self.fs.ls(self._rpath(), detail=True)
        except FileNotFoundError:
            return []
        return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "directory")

    # -- what the orchestrator calls ------------------------------------------------------
    def manifest(self, stage: str) -> dict[str, Any] | None:
        """The stage's manifest as the run sees it: the remote one for a URL, else the local one."""
        return self.remote_manifest(stage) if self.remote else read_manifest(self.local, stage)

    def is_complete(self, stage: str, config_hash: str) -> bool:
        """Complete with this config hash. A remote run that finished a stage locally but lost the
        upload (the process died in between) pushes it now rather than rerunning it."""
        def done(m: dict[str, Any] | None) -> bool:
            return bool(m and m.get("status") == "complete" and m.get("config_hash") == config_hash)

        if done(self.manifest(stage)):
            return True
        if self.remote and done(read_manifest(self.local, stage)):
            log.info("stage %s: complete locally but not in %s; uploading it", stage, self.url)
            self.push_stage(stage)
            return True
        return False

    def push_file(self, name: str) -> None:
        """Upload one file at the top of the run folder (config.json)."""
        if self.remote:
            self.fs.makedirs(self._rpath(), exist_ok=True)
            self.fs.put_file(str(self.local / name), self._rpath(name))

    def push_stage(self, stage: str) -> None:
        """Replace the remote copy of a stage folder with the local one, manifest last."""
        if not self.remote:
            return
        folder = stage_dir(self.local, stage)
        manifest = read_manifest(self.local, stage)
        if manifest is None:
            raise FileNotFoundError(f"{folder / MANIFEST}: no manifest to push")
        rdir = self._rpath(folder.name)
        if self.fs.exists(rdir):
            if self.fs.exists(f"{rdir}/{MANIFEST}"):
                self.fs.rm_file(f"{rdir}/{MANIFEST}")  # first: the remote copy is incomplete from here on
            self.fs.rm(rdir, recursive=True)
        files = _files(folder)
        rpaths = [f"{rdir}/{p.relative_to(folder).as_posix()}" for p in files]
        for parent in sorted({rdir, *(r.rsplit("/", 1)[0] for r in rpaths)}):
            self.fs.makedirs(parent, exist_ok=True)
        if files:
            self.fs.put([str(p) for p in files], rpaths)
        self.fs.pipe_file(f"{rdir}/{MANIFEST}", json.dumps(self._to_remote(manifest), indent=2, sort_keys=True,
                                                           default=str).encode())
        log.info("stage %s: pushed %d file(s) to %s", stage, len(files) + 1, rdir)

    def pull_stage(self, stage: str, manifest: dict[str, Any] | None = None, only: str | None = None) -> None:
        """Replace the local stage folder with the remote one, manifest last (``only``: just that
        subfolder, no manifest, into the existing folder)."""
        folder = stage_dir(self.local, stage)
        rdir = self._rpath(folder.name)
        rsub = f"{rdir}/{only}" if only else rdir
        try:
            rfiles = sorted(self.fs.find(rsub))
        except FileNotFoundError:
            rfiles = []
        rfiles = [r for r in rfiles if r != f"{rdir}/{MANIFEST}" and not r.endswith("/")]  # "/": folder markers
        if not only:
            shutil.rmtree(folder, ignore_errors=True)
        lpaths = [folder / r[len(rdir) + 1:] for r in rfiles]
        for parent in {p.parent for p in lpaths} | {folder}:
            parent.mkdir(parents=True, exist_ok=True)
        if rfiles:
            self.fs.get(rfiles, [str(p) for p in lpaths])
        if not only:
            manifest = manifest if manifest is not None else self.remote_manifest(stage)
            if manifest is not None:
                write_json_atomic(folder / MANIFEST, manifest)
        log.info("stage %s: pulled %d file(s) from %s", stage, len(rfiles) + (not only), rsub)

    def pull_complete(self, kinds: Iterable[str]) -> list[str]:
        """Pull every remote stage of these kinds that is complete and differs from the local copy."""
        if not self.remote:
            return []
        kinds, pulled = set(kinds), []
        for name in self._remote_stages():
            m = self.remote_manifest(name)
            stage = (m or {}).get("stage", "")
            if not m or m.get("status") != "complete" or stage.split(":", 1)[0] not in kinds:
                continue
            if read_manifest(self.local, stage) != m:
                self.pull_stage(stage, m)
                pulled.append(stage)
        return pulled

    def pull_kept(self, stage: str, keep: str = "cache") -> None:
        """A stage about to run with no local folder yet gets the remote ``keep/`` subfolder
        (what a rerun keeps, see orchestrator._clear_stage_dir)."""
        if self.remote and not stage_dir(self.local, stage).exists():
            self.pull_stage(stage, only=keep)
