"""PostgreSQL client tools for the scale tests: found beside the server bin/ci-services started."""

import glob
import os
import shutil
import subprocess
from pathlib import Path

from django.db import connection


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def pg_tool(name: str) -> str | None:
    candidates = [os.environ.get("COMPTOIR_PG_BIN", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"))[::-1]]
    for directory in candidates:
        if directory and (Path(directory) / name).is_file():
            return str(Path(directory) / name)
    return shutil.which(name)


def pg_run(tool: str, *args: str) -> subprocess.CompletedProcess:
    """Run a client tool against the test database, with the connection Django uses."""
    params = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": params["PASSWORD"] or ""}
    command = [pg_tool(tool), "-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432),
               "-U", params["USER"], *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=300)
