"""The new tree made from the old (run/write.py's Output): the spare taken
and made into it (run/spare.py), or, without one, the output's unchanged
files linked into a tree made from nothing; the replaced tree kept as the
next spare; and the notes of the folders of a tree the build made whole
(walk.known).  Every kept file is checked, as it is linked, to be the one
the output's walk found (``_as_checked``): one replaced or changed while
the build ran stops the build, and the old site stays."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gongkai.core.errors import OutputError
from gongkai.run import spare, walk
from gongkai.run.manifest import MARKER, Manifest, read_marker

__all__ = ["Renew"]

_THREADED_LINKS = 2000  # files to link before threads pay
_LINKERS = 2  # two cores: more threads only wait on each other (4: 0.53 s against 0.44)
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}


class Renew:
    """Output's making of its new tree from the old one (a mixin: the
    attributes below are Output's)."""

    out: Path
    tmp: Path | None
    spare: Path
    private: bool
    verify: bool
    keep_spare: bool
    previous: Manifest | None
    manifest: Manifest
    _out_prefix: str
    _seen: dict[str, walk.Seen | None]
    _noted: walk.Folders
    _probe: int
    _had: dict[str, tuple[str, int, int]]
    _spare_probe: int
    _ahead: Any  # write.Ahead | None
    _ahead_taken: bool

    def _target(self, rel: str) -> str:  # Output's
        raise NotImplementedError

    def _take_spare(self) -> tuple[Path | None, tuple[walk.Folders, walk.Listed | None] | None]:
        """The last build's replaced tree, renamed to a temporary name of
        this build, when this build keeps most of its files (else the new
        tree is made afresh); and, when it holds exactly the files the
        manifest says it does, the notes of its folders (walk.known: then
        it is made into the new tree by difference, else by ``assemble``),
        with the folders whose files may not be the ones they were (listed:
        None for all, where the server's own folder was only walked by name)."""
        new = sum(1 for e in self.manifest.files.values() if e[2] == 0)
        if not self.keep_spare or self.previous is None or 2 * new > len(self.manifest.files):
            return None, None
        had = self.previous.spare
        if self.private and had is None:
            return None, None
        if not _our_tree(self.spare):
            return self._take_links()
        try:
            if os.stat(self.spare).st_dev != os.stat(self.out).st_dev:
                return None, None
            work = self.out.parent / f".{self.out.name}.tmp-{os.getpid()}-spare"
            os.rename(self.spare, work)
        except OSError:
            return None, None
        if had is None:
            return work, None
        optional = frozenset() if self.private else frozenset({".gitignore"})
        checked = walk.known(str(work), had, self.previous.spare_folders, frozenset({MARKER}), optional, stat=False)
        if checked is not None:
            self._had, self._spare_probe = had, self._probe
            return work, (checked[1], checked[2])
        if self.private and not walk.can_note() and spare.holds(str(work), had, MARKER):
            self._had, self._spare_probe = had, self._probe
            return work, ({}, None)  # where folders take no notes: one walk of names, as before
        if self.private:
            # something the server did not write (or a file gone): neither used nor kept
            shutil.rmtree(work, ignore_errors=True)
            return None, None
        return work, None

    def _take_links(self) -> tuple[Path | None, tuple[walk.Folders, walk.Listed | None] | None]:
        """Where no spare is kept yet: the tree of links to the output that
        the output's check made once it had answered (run/engine/ahead.py),
        taken as a spare holding the last build's files, checked by the
        notes it took of its folders (walk.known) as a spare is by its
        manifest's (else, changed since, matched file by file as any spare
        not known is); only when this build took that check's answer (its
        files were checked, as linked, against that same walk)."""
        if not self._ahead_taken or self._ahead is None or self.private or self.previous is None:
            return None, None
        got = self._ahead.links()
        if got is None:
            return None, None
        path, probe, notes = got
        work = self.out.parent / f".{self.out.name}.tmp-{os.getpid()}-spare"
        try:
            os.rename(path, work)
        except OSError:
            shutil.rmtree(path, ignore_errors=True)
            return None, None
        had = self.previous.files
        checked = walk.known(str(work), had, notes, frozenset({MARKER}), frozenset({".gitignore"}), stat=False)
        if checked is None:  # changed since its notes: made into the new tree file by file (spare.assemble)
            return work, None
        self._had, self._spare_probe = had, probe
        return work, (checked[1], checked[2])

    def _kept_inode(self, rel: str) -> tuple[int, int] | None:
        """(device, inode) of the output's ``rel``, which this build keeps."""
        seen = self._seen.get(rel)
        if seen is not None:
            return seen[2], seen[3]
        try:  # not stat'ed when walked (verify off)
            st = os.stat(self._out_prefix + rel)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _link(self, rel: str, target: str) -> None:
        """Link the output's ``rel`` to ``target`` (a copy where the disk has no hard links), checked."""
        if not self._try_link(rel, target):
            shutil.copy2(self._out_prefix + rel, target)
            self._as_checked(rel, target, linked=False)

    def _as_checked(self, rel: str, target: str, linked: bool) -> None:
        """The output's ``rel``, just linked (or copied) to ``target``, is the
        file the output's check found there: not one put in its place, or
        changed, while the build ran (the check may have run well before, beside
        the build: run/engine/ahead.py).  Else the build stops, the old site stays."""
        if not self.verify:
            return
        seen = self._seen.get(rel)
        st = os.lstat(target)
        if seen is not None and (
            (st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino) == seen
            if linked
            else (st.st_size, st.st_mtime_ns) == seen[:2]
        ):
            return
        raise OutputError(
            f"输出目录 {self.out} 里的文件 {rel} 在生成过程中被改动或替换。为免发布不是 gongkai 生成的内容，"
            "本次没有更新网站，原来的网站保持不变。请确认没有别的程序在写这个目录，然后重新生成"
        )

    def _retire(self, old: Path | None, used_spare: bool) -> None:
        """After the swap: the replaced tree becomes the spare (a spare this
        build did not use is removed first); what is left of this build's
        temporary tree is removed.  Failing here costs only time."""
        assert self.tmp is not None
        if self.private:
            self._retire_private(old, used_spare)
            return
        if not used_spare and _our_tree(self.spare):
            shutil.rmtree(self.spare, ignore_errors=True)
        if old is not None:
            try:
                if not self.keep_spare:
                    raise OSError("no spare beside this output")
                if os.path.lexists(self.spare):  # not ours (left alone above): the old tree goes
                    raise FileExistsError(self.spare)
                os.rename(old, self.spare)
                # what the next build checks the spare against (walk.known): the files and folders
                # of the tree it was, as this build found them (its root is renamed: never noted)
                self.manifest.spare = self.previous.files if self.previous is not None else None
                self.manifest.spare_folders = walk.noted({f: n for f, n in self._noted.items() if f}, self._probe)
                # git ignores the spare even in a site whose .gitignore predates it: it holds the
                # previous site, names a 公示期 has since taken off included (the next build removes
                # this file with every other entry the new tree has no use for)
                (self.spare / ".gitignore").write_text("*\n", encoding="utf-8")
            except OSError:
                shutil.rmtree(old, ignore_errors=True)
        if used_spare:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _retire_private(self, old: Path | None, used_spare: bool) -> None:
        """A private output's replaced tree becomes its spare, what it holds
        (the previous manifest's files) noted in the new manifest; after the
        first build, a tree of links to the new one is made the spare."""
        assert self.tmp is not None
        self.manifest.spare = None
        if not used_spare and os.path.lexists(self.spare):
            shutil.rmtree(self.spare, ignore_errors=True)
        if used_spare:
            shutil.rmtree(self.tmp, ignore_errors=True)
        try:
            if os.path.lexists(self.spare):
                raise FileExistsError(self.spare)
            if old is not None and self.previous is not None:
                os.rename(old, self.spare)
                old = None
                self.manifest.spare = self.previous.files
                self.manifest.spare_folders = self.previous.folders  # untouched since they were noted
            elif old is None:  # the first build: the next one would else link every file afresh
                spare.link_copy(str(self.out), str(self.spare), self.manifest.files, MARKER)
                self.manifest.spare = self.manifest.files
                # made whole here, its marker linked last: noted as a tree the build made
                self.manifest.spare_folders = self._made_notes(self.spare)
        except OSError:
            shutil.rmtree(self.spare, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _made_notes(self, tree: Path) -> walk.Folders:
        """Notes of the folders of ``tree`` (walk.known), a tree this build made
        whole: from nothing, or by ``spare.assemble``, which lists every folder
        of the spare and leaves in each exactly the manifest's names.  Its
        names are then known without a listing, as its files' bytes are known
        without reading them back: it is this build's own temporary tree,
        made by mkdtemp (no other user can write in it) and named by no one
        else.  The probe is the marker, the last thing written into the
        tree: a folder whose ctime is not older than the marker's (changed
        within the same tick of the file system's clock) is not noted, and
        any change after a folder is stat'ed here gives it a ctime its note
        cannot match.  So the next build lists only what changed since,
        instead of every folder (~0.5 s at 10,000 records for the first two
        edits after a cold build)."""
        if not walk.can_note():
            return {}
        prefix = os.path.join(str(tree), "")
        notes: walk.Folders = {}
        try:
            probe = os.lstat(prefix + MARKER).st_ctime_ns
            for folder in walk.layout(self.manifest.files):
                if folder:
                    st = os.lstat(prefix + folder)
                    if stat.S_ISDIR(st.st_mode):
                        notes[folder] = (st.st_ino, st.st_ctime_ns)
        except OSError:
            return {}
        return walk.noted(notes, probe)

    def _stamp(self, tree: Path) -> None:
        """Fill in the mtime of every file written (the next build checks it)."""
        files = self.manifest.files
        for rel, (digest, size, mtime) in files.items():
            if mtime == 0:
                st = os.stat(tree.joinpath(*rel.split("/")))
                files[rel] = (digest, size, st.st_mtime_ns)

    def _link_kept(self) -> None:
        """Hard-link the unchanged files of the previous build into the new
        tree (copied where the disk has no hard links, e.g. FAT).  Many are
        linked on a few threads: a tree made from nothing beside a built
        output (the first edit after a cold build) links every file, ~37,000
        at 10,000 records, and the calls wait on the file system, not on
        Python (one thread 0.71 s, two 0.44 s for those links here)."""
        assert self.tmp is not None
        todo = [rel for rel, (_, _, mtime) in self.manifest.files.items() if mtime != 0]
        if not todo:
            return
        targets = [self._target(rel) for rel in todo]  # every folder made first, here
        if not self._try_link(todo[0], targets[0]):  # no hard links on this disk: copies
            for rel, target in zip(todo, targets, strict=True):
                shutil.copy2(self._out_prefix + rel, target)
                self._as_checked(rel, target, linked=False)
            return
        pairs = list(zip(todo[1:], targets[1:], strict=True))
        threads = _LINKERS if len(pairs) >= _THREADED_LINKS else 1
        if threads == 1:
            self._link_each(pairs)
            return
        with ThreadPoolExecutor(threads, thread_name_prefix="gongkai-link") as pool:
            for _ in pool.map(self._link_each, [pairs[i::threads] for i in range(threads)]):
                pass  # an error of any thread is raised here, once all have ended

    def _try_link(self, rel: str, target: str) -> bool:
        """Link the output's ``rel`` to ``target``; False where the disk has no hard links."""
        try:
            os.link(self._out_prefix + rel, target)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            return False
        self._as_checked(rel, target, linked=True)
        return True

    def _link_each(self, pairs: list[tuple[str, str]]) -> None:
        for rel, target in pairs:
            self._link(rel, target)


def _our_tree(path: Path) -> bool:
    """A folder (not a link) holding a marker: a tree gongkai made."""
    return path.is_dir() and not path.is_symlink() and read_marker(path) is not None
