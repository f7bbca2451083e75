"""The kernel library a driver author reaches for (devm helpers, sysfs/kernfs removal, the TPM
chip core, char-device regions, device_shutdown, errno values): each test model's fixed driver
is clean under exhaustive search with 2 preemptions and under randomized and PCT batches, and
each buggy twin is found, with the kernel's title and the first line of its report."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pyfuzz.kernel import errno

FIXED = [
    "lib_devres.py:devres-helpers:fixed",
    "lib_sysfs.py:sysfs-remove:fixed",
    "lib_sysfs.py:sysfs-hang:fixed",
    "lib_tpm.py:tpm-chip:fixed",
    "lib_chrdev.py:chrdev-region:fixed",
    "lib_shutdown.py:device-shutdown:fixed",
]

# (spec, title prefix, a line the kernel's report starts with)
BUGGY = [
    (
        "lib_devres.py:devres-helpers:action-first",
        "BUG: unable to handle kernel paging request in demo_hw_stop",
        "BUG: unable to handle page fault for address:",
    ),
    (
        "lib_devres.py:devres-helpers:kfree-in-remove",
        "KASAN: slab-use-after-free Read in demo_hw_stop",
        "BUG: KASAN: slab-use-after-free in demo_hw_stop",
    ),
    (
        "lib_devres.py:devres-helpers:double-devm-kfree",
        "WARNING in devm_kfree",
        "WARNING: CPU: 0 PID: 1000 at pyfuzz/kernel/base_devres.py",
    ),
    (
        "lib_devres.py:devres-helpers:wrong-action",
        "WARNING in devm_remove_action",
        "WARNING: CPU: 0 PID: 1000 at pyfuzz/kernel/base_devres.py",
    ),
    (
        "lib_sysfs.py:sysfs-remove:free-first",
        "KASAN: slab-use-after-free Write in status_show",
        "BUG: KASAN: slab-use-after-free in mutex_lock",  # the freed mutex, as KASAN says
    ),
    (
        "lib_sysfs.py:sysfs-remove:lock-held",
        "possible deadlock in kernfs_drain",
        "WARNING: possible circular locking dependency detected",
    ),
    (
        "lib_sysfs.py:sysfs-hang:lock-held",
        "deadlock in kernfs_drain",
        "pyfuzz: deadlock: a wait-for cycle formed between unbind",
    ),
    (
        "lib_tpm.py:tpm-chip:hw-first",
        "BUG: unable to handle kernel paging request in td_send",
        "BUG: unable to handle page fault for address:",
    ),
    (
        "lib_tpm.py:tpm-chip:close-2019",
        "BUG: unable to handle kernel NULL pointer dereference in tpm_chip_",
        "BUG: kernel NULL pointer dereference, address:",
    ),
    (
        "lib_chrdev.py:chrdev-region:cdev-in-priv",
        "KASAN: slab-use-after-free Read in ",
        "BUG: KASAN: slab-use-after-free in ",
    ),
    (
        "lib_chrdev.py:chrdev-region:no-cdev-del",
        "KASAN: slab-use-after-free Read in chrdev_open_rdev",
        "BUG: KASAN: slab-use-after-free in chrdev_open_rdev",
    ),
    (
        "lib_shutdown.py:device-shutdown:unmap",
        "BUG: unable to handle kernel paging request in sh_",
        "BUG: unable to handle page fault for address:",
    ),
    (
        "lib_shutdown.py:device-shutdown:release-driver",
        "deadlock in device_release_driver_internal",
        "pyfuzz: deadlock: a wait-for cycle formed between reboot",
    ),
]


def _first_report_line(report: str) -> str:
    """The report's first line of text (KASAN reports open with a rule of '=')."""
    return next(line for line in report.splitlines() if line.strip("="))


@pytest.mark.parametrize("spec", FIXED)
def test_fixed_drivers_are_clean_under_verify(load_model, spec):
    result = load_model(spec).program.verify(2)
    assert result.outcome is None, result.outcome.finding.report
    assert result.complete
    assert result.step_limits == 0


@pytest.mark.parametrize("strategy", ["random", "pct"])
@pytest.mark.parametrize("spec", FIXED)
def test_fixed_drivers_are_clean_under_batches(load_model, spec, strategy):
    batch = load_model(spec).program.run_batch(strategy, 20000, seed=1)
    assert batch.outcome is None, batch.outcome.finding.report


@pytest.mark.parametrize(("spec", "title", "first_line"), BUGGY)
def test_buggy_twins_are_found_with_the_kernels_report(load_model, spec, title, first_line):
    program = load_model(spec).program
    finding = program.verify(2).outcome.finding
    assert finding.title.startswith(title), finding.title
    assert _first_report_line(finding.report).startswith(first_line), finding.report
    # The strategies may hit the freed object with a read or a write first: the same bug.
    kind = title.split(" in ")[0].removesuffix(" Read").removesuffix(" Write")
    for strategy in ("random", "pct"):
        batch = program.run_batch(strategy, 20000, seed=1)
        assert batch.outcome is not None, strategy
        assert batch.outcome.finding.title.startswith(kind), batch.outcome.finding.title


def test_the_hang_report_names_the_hung_tasks(load_model):
    # Without lockdep the lock-held removal is the deadlock itself: both tasks in D state,
    # which the kernel reports as hung tasks after 120 seconds.
    finding = load_model("lib_sysfs.py:sysfs-hang:lock-held").program.verify(2).outcome.finding
    assert "INFO: task unbind:1000 blocked for more than 120 seconds." in finding.report
    assert "INFO: task cat:" in finding.report
    assert "kernfs_drain" in finding.report


def test_the_shutdown_deadlock_is_one_lockdep_cannot_see(load_model):
    spec = "lib_shutdown.py:device-shutdown:release-driver"
    finding = load_model(spec).program.verify(2).outcome.finding
    assert "novalidate class" in finding.report
    assert "shutdown_one_device" in finding.report


def test_devres_releases_in_reverse_order_of_registration(load_model):
    # action-first registers the stop action before the mapping: released after it (LIFO),
    # so the fault is in the action, called from the devres release after ->remove.
    finding = load_model("lib_devres.py:devres-helpers:action-first").program.verify(2)
    report = finding.outcome.finding.report
    assert report.index("release_nodes") < report.index("device_unbind_cleanup")
    assert finding.outcome.finding.title.endswith("demo_hw_stop")


def test_errno_values_are_the_kernels():
    assert (errno.EPERM, errno.ENOENT, errno.EIO, errno.ENXIO, errno.EAGAIN) == (1, 2, 5, 6, 11)
    assert (errno.ENOMEM, errno.EFAULT, errno.EBUSY, errno.ENODEV, errno.EINVAL) == (
        12,
        14,
        16,
        19,
        22,
    )
    assert (errno.ENOSPC, errno.EPIPE, errno.ETIMEDOUT, errno.EOPNOTSUPP) == (28, 32, 110, 95)
    assert (errno.ERESTARTSYS, errno.EPROBE_DEFER, errno.ENOTSUPP) == (512, 517, 524)
    assert errno.EWOULDBLOCK == errno.EAGAIN
    assert errno.ERRNO_NAMES[517] == "EPROBE_DEFER"
    # the model language's built-in constants agree with the library's
    from pyfuzz.model.prims import CONSTANTS

    for name, value in CONSTANTS.items():
        if name in errno.ERRNO_NAMES.values():
            assert getattr(errno, name) == value, name


@pytest.mark.parametrize(
    ("spec", "args", "code"),
    [
        (
            "lib_tpm.py:tpm-chip:fixed",
            ["verify", "--preemptions", "2", "--workloads", "default"],
            0,
        ),
        ("lib_sysfs.py:sysfs-remove:fixed", ["run", "--strategy", "random"], 0),
        ("lib_sysfs.py:sysfs-remove:free-first", ["run", "--strategy", "pct"], 1),
    ],
)
def test_the_command_line_agrees(spec, args, code):
    from tests.conftest import MODELS

    command = [sys.executable, "-m", "pyfuzz", args[0], str(MODELS / spec), *args[1:]]
    if args[0] == "run":
        command += ["--executions", "20000", "--seed", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stdout + done.stderr
