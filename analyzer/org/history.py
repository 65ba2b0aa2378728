"""Scan history in SQLite: batches, one scan per repository, commit and policy, with its findings
and key-generation sites. One transaction per repository (WAL mode), so an interrupted batch keeps
everything already written and a rerun resumes where it stopped."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.findings.history import Change, TrendPoint
from analyzer.org.records import Outcome
from analyzer.policy import Policy

DEFAULT_DB = Path(".keyguard") / "results.sqlite"
SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    command TEXT NOT NULL,
    policy_sha256 TEXT NOT NULL,
    policy_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    batch_id INTEGER REFERENCES batches(id),
    repo TEXT NOT NULL,
    source TEXT NOT NULL,
    commit_sha TEXT,
    policy_sha256 TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    seconds REAL NOT NULL,
    files_seen INTEGER NOT NULL,
    files_analyzed INTEGER NOT NULL,
    run_json TEXT,
    notifications_json TEXT NOT NULL,
    UNIQUE (repo, commit_sha, policy_sha256)
);
CREATE INDEX IF NOT EXISTS scans_repo ON scans (repo, scanned_at);
CREATE TABLE IF NOT EXISTS findings (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    category TEXT NOT NULL,
    level TEXT NOT NULL,
    clause TEXT,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    message TEXT NOT NULL,
    engine TEXT NOT NULL,
    is_test INTEGER NOT NULL,
    suppressed TEXT,
    justification TEXT
);
CREATE INDEX IF NOT EXISTS findings_scan ON findings (scan_id);
CREATE TABLE IF NOT EXISTS sites (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    api TEXT NOT NULL,
    library TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    primitive TEXT NOT NULL,
    size INTEGER,
    curve TEXT,
    verdict TEXT NOT NULL,
    rule_ids TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS sites_scan ON sites (scan_id);
CREATE TABLE IF NOT EXISTS batch_repos (
    batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    repo TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    commit_sha TEXT,
    scan_id INTEGER REFERENCES scans(id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (batch_id, repo)
);
"""

# Added after schema 1 shipped; created on open, so older databases gain it without a migration.
LISTINGS_SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    repo TEXT NOT NULL,
    selected INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (batch_id, platform, owner, name)
);
"""


@dataclass(frozen=True)
class ListingRow:
    """One repository a platform listed for a batch: scanned (selected) or excluded, and why."""

    platform: str
    owner: str
    name: str
    repo: str  # the identity its scan is recorded under (clone URL without credentials)
    selected: bool
    reason: str = ""


FINDING_COLUMNS = (
    "fingerprint",
    "rule_id",
    "category",
    "level",
    "clause",
    "path",
    "line",
    "message",
    "engine",
    "is_test",
    "suppressed",
    "justification",
)
SCAN_COLUMNS = (
    "id, repo, source, commit_sha, policy_sha256, scanned_at, files_seen, files_analyzed,"
    " notifications_json"
)
SITE_COLUMNS = (
    "path",
    "line",
    "api",
    "library",
    "algorithm",
    "primitive",
    "size",
    "curve",
    "verdict",
    "rule_ids",
    "properties",
)


class HistoryError(Exception):
    """The database cannot be opened or is not a keyguard history."""


@dataclass(frozen=True)
class Scan:
    id: int
    repo: str
    source: str
    commit: str | None
    policy_sha256: str
    scanned_at: str
    files_seen: int
    files_analyzed: int
    notifications: list[dict[str, Any]]


def policy_json(policy: Policy) -> str:
    """The parts of the policy an assessor reads in the report."""
    return json.dumps(
        {
            "source": policy.source,
            "sha256": policy.sha256,
            "standard": {
                "id": policy.standard.id,
                "title": policy.standard.title,
                "version": policy.standard.version,
                "owner": policy.standard.owner,
            },
            "clauses": [
                {"id": c.id, "title": c.title, "text": c.text, "rules": list(c.rules)}
                for c in policy.clauses
            ],
            "pci_requirements": [
                {"id": c.id, "title": c.title, "text": c.text, "rules": list(c.rules)}
                for c in policy.pci_requirements
            ],
            "exceptions": [
                {
                    "rule": e.rule,
                    "paths": list(e.paths),
                    "justification": e.justification,
                    "approved_by": e.approved_by,
                    "expires": e.expires.isoformat(),
                    "ticket": e.ticket,
                }
                for e in policy.exceptions
            ],
        },
        sort_keys=True,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def parse_since(text: str) -> str:
    """A date (``2024-05-01``, midnight UTC) or an ISO date-time, as a comparable UTC string."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or ISO date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class History:
    """The results database; open it with :func:`open_history`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: committed whole or rolled back whole."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- writing -------------------------------------------------------------------------

    def start_batch(self, command: str, policy: Policy, label: str | None = None) -> int:
        uid = uuid.uuid4().hex
        started = _now()
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO batches (uid, label, started, command, policy_sha256, policy_json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (uid, label or started, started, command, policy.sha256, policy_json(policy)),
            )
        return int(cur.lastrowid or 0)

    def finish_batch(self, batch_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE batches SET ended = ? WHERE id = ?", (_now(), batch_id))

    def scanned_commits(self, repo: str, policy_sha256: str) -> frozenset[str]:
        rows = self.conn.execute(
            "SELECT commit_sha FROM scans WHERE repo = ? AND policy_sha256 = ?"
            " AND commit_sha IS NOT NULL",
            (repo, policy_sha256),
        )
        return frozenset(r[0] for r in rows)

    def record(self, batch_id: int, outcome: Outcome) -> int | None:
        """Store one repository's outcome in one transaction; returns its scan id if any."""
        with self.transaction() as db:
            scan_id = None
            if outcome.status == "scanned":
                scan_id = self._insert_scan(db, batch_id, outcome)
            elif outcome.status == "skipped":
                row = db.execute(
                    "SELECT id FROM scans WHERE repo = ? AND commit_sha = ? AND policy_sha256 = ?",
                    (outcome.repo, outcome.commit, outcome.policy_sha256),
                ).fetchone()
                scan_id = row[0] if row else None
            db.execute(
                "INSERT OR REPLACE INTO batch_repos"
                " (batch_id, repo, source, status, reason, commit_sha, scan_id, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    outcome.repo,
                    outcome.source,
                    outcome.status,
                    outcome.reason,
                    outcome.commit,
                    scan_id,
                    _now(),
                ),
            )
        return scan_id

    def _insert_scan(self, db: sqlite3.Connection, batch_id: int | None, outcome: Outcome) -> int:
        if outcome.commit is not None:
            db.execute(
                "DELETE FROM scans WHERE repo = ? AND commit_sha = ? AND policy_sha256 = ?",
                (outcome.repo, outcome.commit, outcome.policy_sha256),
            )
        cur = db.execute(
            "INSERT INTO scans (uid, batch_id, repo, source, commit_sha, policy_sha256, scanned_at,"
            " seconds, files_seen, files_analyzed, run_json, notifications_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uuid.uuid4().hex,
                batch_id,
                outcome.repo,
                outcome.source,
                outcome.commit,
                outcome.policy_sha256,
                _now(),
                outcome.seconds,
                outcome.files_seen,
                outcome.files_analyzed,
                json.dumps(outcome.run) if outcome.run is not None else None,
                json.dumps(outcome.notifications),
            ),
        )
        scan_id = int(cur.lastrowid or 0)
        self._insert_details(db, scan_id, outcome.findings, outcome.sites)
        return scan_id

    @staticmethod
    def _insert_details(
        db: sqlite3.Connection,
        scan_id: int,
        findings: list[dict[str, Any]],
        sites: list[dict[str, Any]],
    ) -> None:
        db.executemany(
            f"INSERT INTO findings (scan_id, {', '.join(FINDING_COLUMNS)})"
            f" VALUES (?, {', '.join('?' for _ in FINDING_COLUMNS)})",
            [(scan_id, *(_cell(f.get(c)) for c in FINDING_COLUMNS)) for f in findings],
        )
        db.executemany(
            f"INSERT INTO sites (scan_id, {', '.join(SITE_COLUMNS)})"
            f" VALUES (?, {', '.join('?' for _ in SITE_COLUMNS)})",
            [(scan_id, *(_cell(s.get(c)) for c in SITE_COLUMNS)) for s in sites],
        )

    # --- reading -------------------------------------------------------------------------

    def _scan(self, row: sqlite3.Row) -> Scan:
        return Scan(
            id=row["id"],
            repo=row["repo"],
            source=row["source"],
            commit=row["commit_sha"],
            policy_sha256=row["policy_sha256"],
            scanned_at=row["scanned_at"],
            files_seen=row["files_seen"],
            files_analyzed=row["files_analyzed"],
            notifications=json.loads(row["notifications_json"]),
        )

    def latest_scans(self, before: str | None = None) -> list[Scan]:
        """Each repository's most recent scan (optionally: most recent before a moment), without
        its SARIF run: :meth:`run` reads one at a time, so memory does not grow with the history."""
        rows = self.conn.execute(
            f"SELECT {SCAN_COLUMNS} FROM scans s WHERE s.id = (SELECT t.id FROM scans t"
            " WHERE t.repo = s.repo"
            " AND (:before IS NULL OR t.scanned_at < :before)"
            " ORDER BY t.scanned_at DESC, t.id DESC LIMIT 1) ORDER BY s.repo",
            {"before": before},
        )
        return [self._scan(r) for r in rows]

    def run(self, scan_id: int) -> dict[str, Any] | None:
        """One scan's SARIF run, if it has one."""
        row = self.conn.execute("SELECT run_json FROM scans WHERE id = ?", (scan_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def findings(self, scan_id: int, active_only: bool = False) -> list[dict[str, Any]]:
        extra = " AND suppressed IS NULL" if active_only else ""
        rows = self.conn.execute(
            f"SELECT * FROM findings WHERE scan_id = ?{extra} ORDER BY path, line, rule_id",
            (scan_id,),
        )
        return [_finding(dict(r)) for r in rows]

    def sites(self, scan_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM sites WHERE scan_id = ? ORDER BY path, line, api", (scan_id,)
        )
        out = []
        for r in rows:
            item = dict(r)
            item.pop("scan_id")
            item["rule_ids"] = json.loads(item["rule_ids"])
            item["properties"] = json.loads(item["properties"] or "{}")
            out.append(item)
        return out

    def batches(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM batches ORDER BY started, id")
        return [dict(r) for r in rows]

    def last_policy(self) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT policy_json FROM batches ORDER BY started DESC, id DESC LIMIT 1"
        ).fetchone()
        return json.loads(row[0]) if row else None

    def failures(self) -> list[dict[str, Any]]:
        """Repositories whose most recent batch entry is a failure."""
        rows = self.conn.execute(
            "SELECT br.* FROM batch_repos br JOIN batches b ON b.id = br.batch_id"
            " WHERE br.status = 'failed' AND NOT EXISTS ("
            "   SELECT 1 FROM batch_repos o JOIN batches ob ON ob.id = o.batch_id"
            "   WHERE o.repo = br.repo AND (ob.started > b.started"
            "     OR (ob.started = b.started AND ob.id > b.id)))"
            " ORDER BY br.repo"
        )
        return [dict(r) for r in rows]

    def record_listing(self, batch_id: int, rows: list[ListingRow]) -> None:
        """Store what a platform listed for ``batch_id`` (one transaction)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO listings"
                " (batch_id, platform, owner, name, repo, selected, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (batch_id, r.platform, r.owner, r.name, r.repo, int(r.selected), r.reason)
                    for r in rows
                ],
            )

    def not_scanned(self) -> list[dict[str, Any]]:
        """Repositories listed by a platform but not scanned: excluded by a filter in the latest
        listing of their owner, or failed in their latest batch entry; with the reason."""
        rows = self.conn.execute(
            "SELECT l.*, b.started FROM listings l JOIN batches b ON b.id = l.batch_id"
            " WHERE l.batch_id = (SELECT MAX(l2.batch_id) FROM listings l2"
            "   WHERE l2.platform = l.platform AND l2.owner = l.owner)"
            " ORDER BY l.platform, l.owner, l.name"
        )
        failed = {f["repo"]: f for f in self.failures()}
        out = []
        for row in map(dict, rows):
            where = f"{row['platform']}:{row['owner']}"
            if not row["selected"]:
                out.append(
                    {
                        "repo": row["name"],
                        "listed_by": where,
                        "status": "excluded",
                        "reason": row["reason"],
                    }
                )
            elif row["repo"] in failed:
                out.append(
                    {
                        "repo": row["name"],
                        "listed_by": where,
                        "status": "failed",
                        "reason": failed[row["repo"]]["reason"],
                    }
                )
        return out

    def batch_entries(self, batch_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM batch_repos WHERE batch_id = ? ORDER BY repo", (batch_id,)
        )
        return [dict(r) for r in rows]

    def trend(self) -> list[TrendPoint]:
        """Active findings per batch label, oldest first (shards of one CI run share a label)."""
        points: dict[str, TrendPoint] = {}
        rows = self.conn.execute(
            "SELECT b.label, MIN(b.started) OVER (PARTITION BY b.label) AS started,"
            " br.repo, br.status, br.scan_id FROM batch_repos br"
            " JOIN batches b ON b.id = br.batch_id ORDER BY started, b.id"
        )
        for row in rows:
            point = points.setdefault(row["label"], TrendPoint(row["label"], row["started"]))
            point.repos += 1
            if row["status"] == "failed" or row["scan_id"] is None:
                point.failed += row["status"] == "failed"
                continue
            for level, count in self.conn.execute(
                "SELECT level, COUNT(*) FROM findings WHERE scan_id = ?"
                " AND suppressed IS NULL GROUP BY level",
                (row["scan_id"],),
            ):
                point.by_level[level] += count
        return sorted(points.values(), key=lambda p: p.started)

    def changes_since(self, since: str) -> list[Change]:
        """Per repository: active findings new and fixed between its last scan before ``since``
        and its latest scan (matched by fingerprint)."""
        before = {s.repo: s for s in self.latest_scans(before=since)}
        changes: list[Change] = []
        for current in self.latest_scans():
            base = before.get(current.repo)
            if base is not None and base.id == current.id:
                continue
            now = {f["fingerprint"]: f for f in self.findings(current.id, active_only=True)}
            old = (
                {f["fingerprint"]: f for f in self.findings(base.id, active_only=True)}
                if base
                else {}
            )
            after_commit = current.commit
            before_commit = base.commit if base else None
            for fp in sorted(now.keys() - old.keys(), key=lambda k: _order(now[k])):
                changes.append(Change(current.repo, "new", now[fp], before_commit, after_commit))
            for fp in sorted(old.keys() - now.keys(), key=lambda k: _order(old[k])):
                changes.append(Change(current.repo, "fixed", old[fp], before_commit, after_commit))
        return changes

    # --- merging -------------------------------------------------------------------------

    def merge_from(self, other: Path) -> tuple[int, int]:
        """Copy batches and scans of another history (e.g. a CI shard) that are not here yet.

        Returns (batches added, scans added). Idempotent: rows are matched by their uid.
        """
        source = open_history(other, create=False)
        try:
            with self.transaction() as db:
                batch_ids, added_batches = self._merge_batches(db, source)
                scan_ids, added_scans = self._merge_scans(db, source, batch_ids)
                self._merge_batch_repos(db, source, batch_ids, scan_ids)
                self._merge_listings(db, source, batch_ids)
        finally:
            source.close()
        return added_batches, added_scans

    @staticmethod
    def _merge_batches(db: sqlite3.Connection, source: History) -> tuple[dict[int, int], int]:
        """The other history's batches that are not here yet: (its batch id -> ours, added)."""
        batch_ids: dict[int, int] = {}
        added = 0
        for b in source.batches():
            row = db.execute("SELECT id FROM batches WHERE uid = ?", (b["uid"],)).fetchone()
            if row:
                batch_ids[b["id"]] = row[0]
                continue
            cur = db.execute(
                "INSERT INTO batches (uid, label, started, ended, command, policy_sha256,"
                " policy_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    b["uid"],
                    b["label"],
                    b["started"],
                    b["ended"],
                    b["command"],
                    b["policy_sha256"],
                    b["policy_json"],
                ),
            )
            batch_ids[b["id"]] = int(cur.lastrowid or 0)
            added += 1
        return batch_ids, added

    def _merge_scans(
        self, db: sqlite3.Connection, source: History, batch_ids: dict[int, int]
    ) -> tuple[dict[int, int], int]:
        """The other history's scans, unless one of the same repository, commit and policy here
        is as new: (its scan id -> ours, added)."""
        scan_ids: dict[int, int] = {}
        added = 0
        for s in source.conn.execute("SELECT * FROM scans ORDER BY scanned_at, id"):
            row = db.execute("SELECT id FROM scans WHERE uid = ?", (s["uid"],)).fetchone()
            if row:
                scan_ids[s["id"]] = row[0]
                continue
            clash = db.execute(
                "SELECT id, scanned_at FROM scans WHERE repo = ? AND commit_sha = ?"
                " AND policy_sha256 = ?",
                (s["repo"], s["commit_sha"], s["policy_sha256"]),
            ).fetchone()
            if clash and clash["scanned_at"] >= s["scanned_at"]:
                scan_ids[s["id"]] = clash["id"]
                continue
            if clash:
                db.execute("DELETE FROM scans WHERE id = ?", (clash["id"],))
            values = dict(s)
            values.pop("id")
            values["batch_id"] = batch_ids.get(values["batch_id"])
            cols = ", ".join(values)
            cur = db.execute(
                f"INSERT INTO scans ({cols}) VALUES ({', '.join('?' for _ in values)})",
                tuple(values.values()),
            )
            new_id = int(cur.lastrowid or 0)
            scan_ids[s["id"]] = new_id
            self._insert_details(db, new_id, *_details_of(source, s["id"]))
            added += 1
        return scan_ids, added

    @staticmethod
    def _merge_batch_repos(
        db: sqlite3.Connection,
        source: History,
        batch_ids: dict[int, int],
        scan_ids: dict[int, int],
    ) -> None:
        """Each batch's per-repository entries, pointing at the merged scans."""
        for e in source.conn.execute("SELECT * FROM batch_repos"):
            db.execute(
                "INSERT OR IGNORE INTO batch_repos (batch_id, repo, source, status, reason,"
                " commit_sha, scan_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_ids[e["batch_id"]],
                    e["repo"],
                    e["source"],
                    e["status"],
                    e["reason"],
                    e["commit_sha"],
                    scan_ids.get(e["scan_id"]) if e["scan_id"] is not None else None,
                    e["at"],
                ),
            )

    @staticmethod
    def _merge_listings(db: sqlite3.Connection, source: History, batch_ids: dict[int, int]) -> None:
        """What the platforms listed for each merged batch (CI shards list the same owner)."""
        for row in source.conn.execute("SELECT * FROM listings"):
            db.execute(
                "INSERT OR IGNORE INTO listings"
                " (batch_id, platform, owner, name, repo, selected, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_ids[row["batch_id"]],
                    row["platform"],
                    row["owner"],
                    row["name"],
                    row["repo"],
                    row["selected"],
                    row["reason"],
                ),
            )


def _details_of(source: History, scan_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One scan's findings and sites as rows ready to insert again."""
    findings = [
        dict(r) for r in source.conn.execute("SELECT * FROM findings WHERE scan_id = ?", (scan_id,))
    ]
    sites = [
        dict(r) for r in source.conn.execute("SELECT * FROM sites WHERE scan_id = ?", (scan_id,))
    ]
    for site in sites:
        site["rule_ids"] = json.loads(site["rule_ids"])
        site["properties"] = json.loads(site["properties"] or "{}")
    return findings, sites


def _cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _finding(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("scan_id", None)
    row["is_test"] = bool(row["is_test"])
    return row


def _order(finding: dict[str, Any]) -> tuple[str, int, str]:
    return (finding["path"], finding["line"], finding["rule_id"])


def open_history(path: Path, create: bool = True) -> History:
    """Open (and create, unless ``create`` is false) a results database in WAL mode."""
    if not create and not path.is_file():
        raise HistoryError(f"{path}: no such results database")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        version = _schema_version(conn)
        if version is None:
            if not create:
                raise HistoryError(f"{path}: not a keyguard results database")
            conn.executescript(SCHEMA)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
        elif version != SCHEMA_VERSION:
            raise HistoryError(f"{path}: schema version {version}, expected {SCHEMA_VERSION}")
        if create or version is not None:
            conn.executescript(LISTINGS_SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"{path}: {exc}") from exc
    return History(conn, path)


def _schema_version(conn: sqlite3.Connection) -> str | None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if not has_meta:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return row[0] if row else None
