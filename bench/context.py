"""What every benchmark receives: the stage, the size of the run, and the shared data and servers."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from bench.harness import Proc, Stage
from bench.seed import World, world_create


@dataclass
class Context:
    stage: Stage
    quick: bool
    runs: int
    _world: World | None = None
    _web: tuple[Proc, str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def profile(self) -> str:
        return self.stage.profile

    def world(self) -> World:
        if self._world is None:
            self._world = world_create()
        return self._world

    def web(self) -> tuple[Proc, str]:
        """One `comptoir web` (gunicorn, its production defaults), shared by the API benchmarks."""
        from bench.servers import web_start

        if self._web is None or not self._web[0].alive():
            self._web = web_start(self.stage)
        return self._web

    def size(self, quick, full):
        return quick if self.quick else full


def api_client(base_url: str, token: str, timeout: float = 120) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)


def run_concurrently(items: list, worker: Callable[[httpx.Client, object], None], *, clients: int,
                     client_factory: Callable[[], httpx.Client]) -> None:
    """Feed `items` to `clients` threads, each with its own keep-alive connection."""
    local = threading.local()
    made: list[httpx.Client] = []
    lock = threading.Lock()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = client_factory()
            with lock:
                made.append(local.client)
        return local.client

    try:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            for future in [pool.submit(lambda item=item: worker(client(), item)) for item in items]:
                future.result()
    finally:
        for c in made:
            c.close()
