"""One campaign worker: runs executions under an engine until its budget or a signal, hands
findings to the sink, and reports its status about once a second.

The atheris engine runs libFuzzer in this process with the model-state counters registered;
libFuzzer's inputs become choices through `Program.run_bytes(..., feedback=True)`, and a
finding does not stop it (the harness records it and returns). Since `atheris.Fuzz()` never
returns, the worker ends the process itself (`os._exit`) after its last status. The batch
engines (pct, random, pos) run `Program.run_batch` in chunks with distinct seeds.

Run as `python -m pyfuzz.campaign.worker` by the supervisor for `--jobs N`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import NoReturn

from pyfuzz._core import STRATEGIES
from pyfuzz.campaign import libfuzzer
from pyfuzz.campaign.outdir import CampaignDir
from pyfuzz.campaign.sink import FindingSink
from pyfuzz.campaign.status import WorkerStatus
from pyfuzz.cli_args import add_fault_option
from pyfuzz.engine import LoadedScenario, load
from pyfuzz.errors import EngineError, ModelRuntimeError, UsageError
from pyfuzz.exitcodes import EXIT_INTERNAL, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE

# atheris, or a batch strategy from the core's registry.
ENGINES = ("atheris", *STRATEGIES)
BATCH_CHUNK = 4096
SELF_CHECK_RUNS = 64
# Seconds a worker at its budget waits for queued minimizations.
MINIMIZE_GRACE = 60.0


@dataclass
class WorkerConfig:
    """What one worker runs."""

    spec: str
    out: Path
    worker: int = 0
    engine: str = "atheris"
    seconds: float | None = None
    runs: int | None = None
    seed: int = 0
    depth: int = 3
    libfuzzer_args: list[str] = field(default_factory=list)
    search_budget: int = 50_000
    reload: bool = False
    # How libFuzzer's bytes become decisions: "bytes" or "switches" (see Program.run_bytes).
    encoding: str = "bytes"
    # Fault injection classes (None: as the scenario declares).
    faults: tuple[str, ...] | None = None


class Worker:
    """The loop state shared by both kinds of engine."""

    def __init__(
        self,
        cfg: WorkerConfig,
        loaded: LoadedScenario,
        on_tick: Callable[[WorkerStatus], None] | None = None,
        on_finish: Callable[[WorkerStatus, int], int] | None = None,
    ) -> None:
        self.cfg = cfg
        self.loaded = loaded
        self.cdir = CampaignDir(cfg.out).create()
        self.sink = FindingSink(
            loaded,
            self.cdir,
            origin={"command": "fuzz", "strategy": cfg.engine, "seed": cfg.seed},
            search_budget=cfg.search_budget,
        )
        self.status = WorkerStatus(worker=cfg.worker, engine=cfg.engine)
        self.on_tick = on_tick
        self.on_finish = on_finish
        self.start = time.monotonic()
        self.executions = 0
        self.signal_code: int | None = None
        self._last_tick = 0.0
        self._last_refresh = 0.0
        for sig, code in ((signal.SIGINT, EXIT_SIGINT), (signal.SIGTERM, EXIT_SIGTERM)):
            signal.signal(sig, self._on_signal(code))

    def _on_signal(self, code: int) -> Callable[[int, FrameType | None], None]:
        def handler(_sig: int, _frame: FrameType | None) -> None:
            if self.signal_code is None:
                self.signal_code = code

        return handler

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def offer(self, outcome: object) -> None:
        from pyfuzz._core import Outcome

        assert isinstance(outcome, Outcome)
        try:
            ModelRuntimeError.check(outcome, f"execution {self.executions} of the campaign")
        except ModelRuntimeError as exc:
            print(f"pyfuzz: error: model error at {exc}", file=sys.stderr)
            self.finish(EXIT_USAGE)
        self.sink.offer(outcome, self.executions, self.elapsed())

    def stop_code(self) -> int | None:
        """Why the worker should stop now (an exit code), or None to go on."""
        if self.signal_code is not None:
            return self.signal_code
        if self.cfg.seconds is not None and self.elapsed() >= self.cfg.seconds:
            return 0
        if self.cfg.runs is not None and self.executions >= self.cfg.runs:
            return 0
        return None

    def tick(self, force: bool = False) -> int | None:
        now = time.monotonic()
        if force or now - self._last_tick >= 0.5:
            self._last_tick = now
            if now - self._last_refresh >= 2.0:
                self._last_refresh = now
                self.sink.refresh()
            self.status.update(self.executions, self.elapsed(), self.sink)
            self.status.write(self.cdir)
            if self.on_tick is not None:
                self.on_tick(self.status)
        return self.stop_code()

    def finish(self, code: int) -> int:
        interrupted = code in (EXIT_SIGINT, EXIT_SIGTERM)
        if not self.sink.drain(5.0 if interrupted else MINIMIZE_GRACE):
            print(
                "pyfuzz: some findings are left unminimized (still valid reproducers); "
                "pyfuzz minimize FILE -o FILE shrinks them",
                file=sys.stderr,
            )
        self.status.update(self.executions, self.elapsed(), self.sink)
        self.status.done = True
        self.status.exit_code = code
        self.status.write(self.cdir)
        if self.on_finish is not None:
            code = self.on_finish(self.status, code)
        if self.cfg.engine == "atheris":
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code


def run_batch_engine(worker: Worker) -> int:
    """pct, random or pos in chunks until the budget; returns the exit code."""
    cfg = worker.cfg
    program = worker.loaded.program
    chunk_index = 0
    while True:
        code = worker.tick()
        if code is not None:
            return worker.finish(code)
        size = BATCH_CHUNK
        if cfg.runs is not None:
            size = min(size, cfg.runs - worker.executions)
        # Distinct, reproducible seeds per worker and chunk.
        seed = (cfg.seed * 1_000_003 + cfg.worker) * 1_000_033 + chunk_index
        res = program.run_batch(cfg.engine, size, seed=seed, depth=cfg.depth, stop_on_finding=False)
        if res.model_error is not None:
            index, outcome = res.model_error
            worker.executions += index
            worker.offer(outcome)  # reports the model error and ends the worker
        for index, outcome in res.distinct:
            saved = worker.executions
            worker.executions = saved + index
            worker.offer(outcome)
            worker.executions = saved
        worker.executions += res.executions
        chunk_index += 1


def run_atheris_engine(worker: Worker) -> NoReturn:
    """libFuzzer in this process, guided by the model-state counters; never returns."""
    import atheris

    cfg = worker.cfg
    program = worker.loaded.program
    where = libfuzzer.register()
    print(f"pyfuzz: model-state counters registered with {where}", file=sys.stderr)

    def test_one_input(data: bytes) -> None:
        outcome = program.run_bytes(data, feedback=True, encoding=cfg.encoding)
        worker.executions += 1
        if outcome.finding is not None or outcome.status == "model-error":
            worker.offer(outcome)
        if worker.executions == SELF_CHECK_RUNS:
            try:
                libfuzzer.check_loaded(worker.executions)
            except EngineError as exc:
                print(f"pyfuzz: internal error: {exc}", file=sys.stderr)
                worker.finish(EXIT_INTERNAL)
        if worker.executions & 63 == 0 or outcome.finding is not None:
            code = worker.tick()
            if code is not None:
                worker.finish(code)

    args = [
        sys.argv[0] or "pyfuzz",
        str(worker.cdir.corpus),
        f"-artifact_prefix={worker.cdir.logs / 'raw'}/",
        f"-seed={cfg.seed * 1000 + cfg.worker + 1}",
        "-handle_int=0",
        "-handle_term=0",
        "-print_final_stats=1",
        f"-reload={1 if cfg.reload else 0}",
    ]
    if cfg.seconds is not None:
        # A backstop only: the worker ends itself at its budget, with its summary.
        args.append(f"-max_total_time={int(cfg.seconds) + 60}")
    args.extend(cfg.libfuzzer_args)
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()
    worker.finish(0)
    os._exit(0)


def run_worker(worker: Worker) -> int:
    if worker.cfg.engine == "atheris":
        run_atheris_engine(worker)
    return run_batch_engine(worker)


def main(argv: list[str] | None = None) -> int:
    """The worker process the supervisor starts for `pyfuzz fuzz --jobs N`."""
    p = argparse.ArgumentParser(prog="python -m pyfuzz.campaign.worker")
    p.add_argument("spec")
    p.add_argument("--out", required=True)
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--engine", choices=ENGINES, default="atheris")
    p.add_argument("--time", type=float)
    p.add_argument("--runs", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--search-budget", type=int, default=50_000)
    p.add_argument("--encoding", choices=("bytes", "switches"), default="bytes")
    add_fault_option(p)
    p.add_argument("libfuzzer_args", nargs="*")
    a = p.parse_args(argv)
    cfg = WorkerConfig(
        spec=a.spec, out=Path(a.out), worker=a.worker, engine=a.engine, seconds=a.time,
        runs=a.runs, seed=a.seed, depth=a.depth, libfuzzer_args=a.libfuzzer_args,
        search_budget=a.search_budget, reload=True, encoding=a.encoding, faults=a.fail,
    )  # fmt: skip
    try:
        worker = Worker(cfg, load(cfg.spec, cfg.faults))
    except UsageError as exc:
        print(f"pyfuzz: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_worker(worker)


if __name__ == "__main__":
    sys.exit(main())
