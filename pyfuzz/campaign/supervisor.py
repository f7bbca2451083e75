"""`pyfuzz fuzz`: one campaign over one scenario variant, in this process or on N workers.

One job runs in this process (atheris: libFuzzer's own log goes to `logs/worker-0.log` so
the terminal shows pyfuzz's progress line instead). Several jobs run as worker processes
(`python -m pyfuzz.campaign.worker`) sharing one corpus directory (libFuzzer's `-reload`),
as libFuzzer's `-jobs` would, but started and stopped by pyfuzz so that Ctrl-C, the budget
and the summary behave the same as with one job. Findings are deduplicated across workers
by title (see `outdir`). Exit codes: 1 when the campaign directory holds findings, 4 when the
budget ran out with none (a campaign is never complete), 130/143 after SIGINT/SIGTERM, 2 for
unusable input, 3 for an internal error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TextIO

from pyfuzz.campaign.outdir import CampaignDir
from pyfuzz.campaign.status import WorkerStatus, merge_stats
from pyfuzz.campaign.worker import Worker, WorkerConfig, run_worker
from pyfuzz.engine import LoadedScenario
from pyfuzz.errors import UsageError
from pyfuzz.exitcodes import EXIT_FINDING, EXIT_INCOMPLETE, EXIT_SIGINT, EXIT_SIGTERM


@dataclass
class CampaignConfig:
    """A `pyfuzz fuzz` invocation."""

    loaded: LoadedScenario
    spec: str
    out: Path
    engine: str = "atheris"
    jobs: int = 1
    seconds: float | None = None
    runs: int | None = None
    seed: int = 0
    depth: int = 3
    libfuzzer_args: list[str] = field(default_factory=list)
    encoding: str = "bytes"
    # `--fail`: fault injection classes (None: as the scenario declares).
    faults: tuple[str, ...] | None = None


class Progress:
    """The live line on a terminal, a plain line every 10 s otherwise."""

    def __init__(self, cfg: CampaignConfig, stream: TextIO, known_before: int) -> None:
        self.cfg = cfg
        self.stream = stream
        self.tty = stream.isatty()
        self.known_before = known_before
        self._last_plain = 0.0

    def line(self, statuses: list[WorkerStatus], corpus: int, findings: int) -> str:
        elapsed = max((s.seconds for s in statuses), default=0.0)
        execs = sum(s.executions for s in statuses)
        rate = execs / elapsed if elapsed > 0 else 0.0
        left = ""
        if self.cfg.seconds is not None:
            left = f" ({_clock(max(0.0, self.cfg.seconds - elapsed))} left)"
        feats = max((s.features for s in statuses), default=0)
        feat = f" | {feats:,} model features" if self.cfg.engine == "atheris" else ""
        return (
            f"{_clock(elapsed)}{left} | {execs:,} execs ({rate:,.0f}/s){feat}"
            f" | corpus {corpus:,} | {findings} distinct finding(s)"
        )

    def show(self, statuses: list[WorkerStatus], corpus: int, findings: int) -> None:
        text = self.line(statuses, corpus, findings)
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()
            return
        now = time.monotonic()
        if now - self._last_plain >= 10.0:
            self._last_plain = now
            self.stream.write(text + "\n")
            self.stream.flush()

    def end(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _check_directory(cfg: CampaignConfig, cdir: CampaignDir) -> dict:
    previous = cdir.read_stats()
    res = cfg.loaded.resolved
    was = (previous.get("scenario"), previous.get("variant"))
    if previous and was != (res.scenario.name, res.variant):
        raise UsageError(
            f"{cdir.root} holds a campaign of {was[0]}:{was[1]}; give another --out for {res.label}"
        )
    return previous


def summary(cfg: CampaignConfig, cdir: CampaignDir, stats: dict, code: int) -> str:
    """The findings table printed at the end of a campaign."""
    res = cfg.loaded.resolved
    execs, secs = stats.get("executions", 0), stats.get("seconds", 0.0)
    findings: dict = stats.get("findings", {})
    known = cdir.known_findings()
    lines = [
        f"\npyfuzz fuzz {res.label}: {stats.get('sessions', 1)} session(s), {secs:.1f}s, "
        f"{execs:,} executions, {cfg.jobs} job(s), engine {cfg.engine}; "
        f"{len(known)} distinct finding(s) in {cdir.crashes}"
    ]
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        lines.append("interrupted: the campaign stopped early; run the same command to resume")
    if known:
        rows = []
        for title, path in known.items():
            info = findings.get(title, {})
            first = info.get("first_seen_seconds")
            rows.append((f"{first:.2f}s" if first is not None else "earlier", title, str(path)))
        w1 = max(len("first seen"), *(len(r[0]) for r in rows))
        w2 = max(len("title"), *(len(r[1]) for r in rows))
        lines.append(f"  {'first seen':<{w1}}  {'title':<{w2}}  file")
        lines += [f"  {a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows]
        lines.append("replay one with: pyfuzz replay FILE (add --html page.html for a timeline)")
    else:
        lines.append("no finding")
    return "\n".join(lines) + "\n"


def _final_code(signal_code: int | None, cdir: CampaignDir) -> int:
    if signal_code is not None:
        return signal_code
    return EXIT_FINDING if cdir.known_findings() else EXIT_INCOMPLETE


def run_campaign(cfg: CampaignConfig, stream: TextIO | None = None) -> int:
    """Runs the campaign and prints its progress and summary on `stream` (stderr by default
    for progress, stdout for the summary)."""
    cdir = CampaignDir(cfg.out).create(clean=True)
    previous = _check_directory(cfg, cdir)
    res = cfg.loaded.resolved
    session = {"scenario": res.scenario.name, "variant": res.variant, "engine": cfg.engine}
    if cfg.jobs > 1:
        return _run_workers(cfg, cdir, previous, session, stream)
    out = stream or sys.stdout
    progress_stream: TextIO = sys.stderr
    if cfg.engine == "atheris":
        # libFuzzer writes to fd 2; keep the terminal for pyfuzz's own lines.
        saved = os.dup(2)
        log = open(cdir.logs / "worker-0.log", "ab")  # noqa: SIM115 (lives until os._exit)
        os.dup2(log.fileno(), 2)
        progress_stream = os.fdopen(saved, "w", buffering=1)
        sys.stderr = progress_stream
    progress = Progress(cfg, progress_stream, len(cdir.known_findings()))

    def on_tick(st: WorkerStatus) -> None:
        progress.show([st], cdir.corpus_size(), len(cdir.known_findings()))

    def on_finish(st: WorkerStatus, code: int) -> int:
        progress.end()
        stats = merge_stats(previous, [st], session)
        cdir.write_stats(stats)
        final = code if code not in (0,) else _final_code(None, cdir)
        out.write(summary(cfg, cdir, stats, final))
        out.flush()
        return final

    wcfg = WorkerConfig(
        spec=cfg.spec, out=cfg.out, worker=0, engine=cfg.engine, seconds=cfg.seconds,
        runs=cfg.runs, seed=cfg.seed + int(previous.get("sessions", 0)), depth=cfg.depth,
        libfuzzer_args=cfg.libfuzzer_args, encoding=cfg.encoding,
    )  # fmt: skip
    worker = Worker(wcfg, cfg.loaded, on_tick=on_tick, on_finish=on_finish)
    return run_worker(worker)


def _run_workers(
    cfg: CampaignConfig,
    cdir: CampaignDir,
    previous: dict,
    session: dict,
    stream: TextIO | None,
) -> int:
    out = stream or sys.stdout
    progress = Progress(cfg, sys.stderr, len(cdir.known_findings()))
    seed = cfg.seed + int(previous.get("sessions", 0))
    procs: list[subprocess.Popen[bytes]] = []
    for k in range(cfg.jobs):
        status_file = cdir.logs / f"worker-{k}.status.json"
        status_file.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "pyfuzz.campaign.worker", cfg.spec, "--out", str(cfg.out)]
        argv += ["--worker", str(k), "--engine", cfg.engine, "--seed", str(seed)]
        argv += ["--depth", str(cfg.depth), "--encoding", cfg.encoding]
        if cfg.faults:
            argv += [f"--fail={','.join(cfg.faults)}"]
        if cfg.seconds is not None:
            argv += ["--time", str(cfg.seconds)]
        if cfg.runs is not None:
            argv += ["--runs", str(max(1, cfg.runs // cfg.jobs))]
        if cfg.libfuzzer_args:
            argv += ["--", *cfg.libfuzzer_args]
        log = open(cdir.logs / f"worker-{k}.log", "ab")  # noqa: SIM115
        procs.append(subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL))
        log.close()
    stopped: list[int] = []

    def forward(code: int) -> None:
        if not stopped:
            stopped.append(code)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT if code == EXIT_SIGINT else signal.SIGTERM)

    def on_signal(code: int) -> object:
        def handler(_sig: int, _frame: FrameType | None) -> None:
            forward(code)

        return handler

    signal.signal(signal.SIGINT, on_signal(EXIT_SIGINT))  # type: ignore[arg-type]
    signal.signal(signal.SIGTERM, on_signal(EXIT_SIGTERM))  # type: ignore[arg-type]
    deadline = None if cfg.seconds is None else time.monotonic() + cfg.seconds + 90
    while any(p.poll() is None for p in procs):
        statuses = [s for k in range(cfg.jobs) if (s := WorkerStatus.read(cdir, k))]
        progress.show(statuses, cdir.corpus_size(), len(cdir.known_findings()))
        if deadline is not None and time.monotonic() > deadline:
            forward(EXIT_SIGTERM)
        time.sleep(0.25)
    progress.end()
    statuses = [s for k in range(cfg.jobs) if (s := WorkerStatus.read(cdir, k))]
    failed = [
        (k, p.returncode)
        for k, p in enumerate(procs)
        if p.returncode not in (0, 1, 4, EXIT_SIGINT, EXIT_SIGTERM)
    ]
    stats = merge_stats(previous, statuses, session)
    cdir.write_stats(stats)
    code = _final_code(stopped[0] if stopped else None, cdir)
    if failed:
        k, rc = failed[0]
        tail = (cdir.logs / f"worker-{k}.log").read_text(errors="replace").splitlines()[-5:]
        out.write(f"pyfuzz: worker {k} exited with {rc}; its log ends:\n  " + "\n  ".join(tail))
        out.write("\n")
        code = rc if rc in (2, 3) else 3
    out.write(summary(cfg, cdir, stats, code))
    out.flush()
    return code
