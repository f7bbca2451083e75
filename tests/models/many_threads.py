"""More than a thousand threads (tests/test_many_threads.py): thread numbers past 1,024 in
the runnable set, the schedulers, the trace and the search.

- `irq_cpus`: one interrupt handler firing on 1,100 CPUs at once (1,100 identical hardirq
  actors counting under a spinlock); the `unlocked` variant drops the lock, a lost update
  the last CPU's check then catches (`WARN_ON`), which needs one preemption.
- `vfs`: a PF enabling 1,100 VFs, each probed asynchronously by its own work item: up to
  1,100 workers alive at once beside the actors (thread numbers past 1,024), while a sysfs
  reader reads the PF's VF count. The probes touch only their own VF, so they commute; but
  the enabling thread runs more than `FAIR_STEPS` (1,000) steps in a row, and the free
  switch fair scheduling then makes lets a probe already queued end before the rest are
  queued (a spawn and a worker's end conflict: slots are reused), in any of exponentially
  many ways even at bound 0: `verify` runs it within a budget. `vfs-100`, the same PF with
  100 VFs, is searched completely at bound 0 in two schedules (the reader before or after
  the enabling).
"""

from pyfuzz.model import *

CPUS = 1100
VFS = 1100


class irq_stats(Struct):
    lock: Spinlock
    count: int
    done: int


stats = Global(irq_stats)


def irq_count_locked():
    spin_lock(stats.lock)
    stats.count += 1
    stats.done += 1
    if stats.done == CPUS:
        WARN_ON(stats.count != CPUS)
    spin_unlock(stats.lock)


def irq_count_unlocked():
    n = stats.count
    stats.count = n + 1
    spin_lock(stats.lock)
    stats.done += 1
    if stats.done == CPUS:
        WARN_ON(stats.count != CPUS)
    spin_unlock(stats.lock)


irq_cpus = Scenario(
    name="irq_cpus",
    description="an interrupt handler on 1,100 CPUs counting events",
    actors=[Thread(irq_count_locked, name=f"cpu{i}", context="hardirq") for i in range(CPUS)],
    variants={"locked": {}, "unlocked": {irq_count_locked: irq_count_unlocked}},
    expect={"locked": "clean", "unlocked": "WARNING"},
)


class vf_dev(Struct):
    probe_work: Work
    probed: int


class pf_dev(Struct):
    vfs: Array[Ref[vf_dev], VFS]
    num_vfs: int


pf = Global(pf_dev)


def vf_probe(work):
    vf = container_of(work)
    vf.probed = 1


def pf_setup():
    for i in range(VFS):
        vf = kzalloc(vf_dev, GFP_KERNEL)
        init_work(vf.probe_work, vf_probe)
        pf.vfs[i] = vf


def sriov_enable(numvfs):
    # sriov_enable(): the VFs are added and their probes run asynchronously.
    for i in range(numvfs):
        schedule_work(pf.vfs[i].probe_work)
    pf.num_vfs = numvfs


def sriov_show():
    n = pf.num_vfs
    assert n == 0 or n == VFS or n == 100


vfs = Scenario(
    name="vfs",
    description="a PF probing 1,100 VFs from 1,100 work items alive at once",
    boot=[pf_setup],
    actors=[Thread(sriov_enable, VFS, name="sriov_numvfs"), Thread(sriov_show, name="cat")],
)

vfs_100 = Scenario(
    name="vfs-100",
    description="the same PF with 100 VFs",
    boot=[pf_setup],
    actors=[Thread(sriov_enable, 100, name="sriov_numvfs"), Thread(sriov_show, name="cat")],
)
