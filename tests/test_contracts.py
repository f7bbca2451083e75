"""The kernel's documented contract of each primitive family (docs/ir.md, "Contract"
paragraphs), one test per clause. Each drives a small model of tests/models/contracts/
through `verify` (exhaustive within the preemption bound, so a clause that held only in some
interleavings fails here) and asserts what the kernel's kernel-doc promises: the clean
variant is clean, and the twin that breaks the clause gives the kernel's report. The library
families (devres, kernfs removal) are checked on the library models their own tests use."""

from __future__ import annotations

import pytest

BOUND = 3


def verdict(load_model, spec: str, bound: int = BOUND, reduction: bool = True) -> str:
    """'clean', or the title of the finding `verify` gives within the bound."""
    result = load_model(f"contracts/{spec}").program.verify(bound, reduction=reduction)
    assert result.model_error is None, result.model_error
    assert result.step_limits == 0, spec
    if result.outcome is None:
        return "clean"
    return result.outcome.finding.title


def report(load_model, spec: str, bound: int = BOUND) -> str:
    return load_model(f"contracts/{spec}").program.verify(bound).outcome.finding.report


# ---- workqueue ---------------------------------------------------------------------------


def test_work_runs_once_per_successful_queue_work(load_model):
    assert verdict(load_model, "workqueue.py:wq-once-per-queueing") == "clean"


def test_work_never_runs_on_two_workers_at_once(load_model):
    assert verdict(load_model, "workqueue.py:wq-non-reentrant") == "clean"


def test_cancel_work_sync_waits_for_the_running_instance(load_model):
    assert verdict(load_model, "workqueue.py:wq-cancel-sync:sync") == "clean"
    # cancel_work() does not wait: the same teardown with it frees under the running function
    title = verdict(load_model, "workqueue.py:wq-cancel-sync:no-sync", reduction=False)
    assert title.startswith("KASAN: slab-use-after-free"), title
    assert title.endswith(" in item_fn"), title


def test_the_reduced_search_finds_the_cancel_work_race(load_model):
    """cancel_work() that dequeues a pending instance discards its worker, which takes no
    step: the reduction must still order the worker taking the instance before the cancel."""
    title = verdict(load_model, "workqueue.py:wq-cancel-sync:no-sync")
    assert title.startswith("KASAN: slab-use-after-free"), title


def test_cancel_work_sync_stops_a_self_requeueing_item(load_model):
    assert verdict(load_model, "workqueue.py:wq-cancel-requeueing") == "clean"


def test_cancel_delayed_work_sync_deletes_the_timer_and_waits(load_model):
    assert verdict(load_model, "workqueue.py:wq-cancel-delayed-sync") == "clean"


def test_flush_delayed_work_fires_the_timer_and_waits(load_model):
    assert verdict(load_model, "workqueue.py:wq-flush-delayed") == "clean"


# ---- completion --------------------------------------------------------------------------


def test_complete_before_wait_does_not_block(load_model):
    assert verdict(load_model, "completion.py:cmp-complete-first") == "clean"


def test_each_complete_releases_one_waiter(load_model):
    title = verdict(load_model, "completion.py:cmp-one-per-complete:complete")
    assert title.startswith("INFO: task hung"), title
    text = report(load_model, "completion.py:cmp-one-per-complete:complete")
    assert "blocked for more than 120 seconds" in text


def test_complete_all_releases_every_waiter_present_and_future(load_model):
    assert verdict(load_model, "completion.py:cmp-one-per-complete:complete-all") == "clean"
    assert verdict(load_model, "completion.py:cmp-all-is-sticky") == "clean"


@pytest.mark.parametrize("variant", ["completed", "nobody"])
def test_wait_for_completion_timeout_says_whether_it_completed(load_model, variant):
    assert verdict(load_model, f"completion.py:cmp-timeout:{variant}") == "clean"


# ---- wait queues -------------------------------------------------------------------------


def test_wait_event_loses_no_wake_up(load_model):
    assert verdict(load_model, "waitqueue.py:wq-wait-event:wait_event") == "clean"


def test_a_wake_up_without_a_registered_waiter_is_lost(load_model):
    title = verdict(load_model, "waitqueue.py:wq-wait-event:open-coded")
    assert title.startswith("INFO: task hung"), title


def test_wake_up_wakes_every_waiter(load_model):
    assert verdict(load_model, "waitqueue.py:wq-wake-all") == "clean"


def test_wake_up_interruptible_wakes_only_interruptible_sleepers(load_model):
    assert verdict(load_model, "waitqueue.py:wq-wake-interruptible:interruptible") == "clean"
    title = verdict(load_model, "waitqueue.py:wq-wake-interruptible:uninterruptible")
    assert title.startswith("INFO: task hung"), title


# ---- kref --------------------------------------------------------------------------------


def test_kref_put_at_zero_calls_release_exactly_once(load_model):
    assert verdict(load_model, "kref.py:kref-release-once") == "clean"


def test_kref_get_after_the_last_put(load_model):
    title = verdict(load_model, "kref.py:kref-get-after-release:freed")
    # kref_get is inline: the access, and the report, are in the caller
    assert title == "KASAN: slab-use-after-free Write in get_after_release", title
    text = report(load_model, "kref.py:kref-get-after-release:freed")
    assert "BUG: KASAN: slab-use-after-free in get_after_release+0x" in text
    title = verdict(load_model, "kref.py:kref-get-after-release:kept")
    assert title == "refcount bug in get_after_release", title
    assert "refcount_t: addition on 0; use-after-free." in report(
        load_model, "kref.py:kref-get-after-release:kept"
    )


# ---- locks -------------------------------------------------------------------------------


def test_a_mutex_excludes(load_model):
    assert verdict(load_model, "locks.py:lock-mutex-excludes:mutex") == "clean"
    title = verdict(load_model, "locks.py:lock-mutex-excludes:none")
    assert title.startswith("kernel BUG"), title


def test_rwsem_readers_share(load_model):
    assert verdict(load_model, "locks.py:lock-rwsem-readers-share:readers") == "clean"
    # the same with a writer in place of the second reader: it cannot get in
    title = verdict(load_model, "locks.py:lock-rwsem-readers-share:writer")
    assert title.startswith("INFO: task hung"), title


def test_rwsem_writers_exclude_readers_and_writers(load_model):
    assert verdict(load_model, "locks.py:lock-rwsem-writer-excludes") == "clean"


def test_mutex_trylock_never_blocks(load_model):
    assert verdict(load_model, "locks.py:lock-trylock") == "clean"


def test_a_spinlock_holder_may_not_sleep(load_model):
    title = verdict(load_model, "locks.py:lock-spin-no-sleep")
    assert title.startswith("BUG: sleeping function called from invalid context"), title


# ---- RCU ---------------------------------------------------------------------------------


def test_synchronize_rcu_makes_freeing_safe_for_readers(load_model):
    assert verdict(load_model, "rcu.py:rcu-free-after-grace-period:sync") == "clean"
    title = verdict(load_model, "rcu.py:rcu-free-after-grace-period:no-sync")
    assert title == "KASAN: slab-use-after-free Read in reader", title


def test_synchronize_rcu_waits_for_readers_that_started_before_it(load_model):
    assert verdict(load_model, "rcu.py:rcu-waits-for-earlier-readers") == "clean"


def test_synchronize_rcu_does_not_wait_for_readers_that_start_after_it(load_model):
    # the BUG fires only if a grace period ended inside a read section, which only a section
    # that began after synchronize_rcu() started may see
    title = verdict(load_model, "rcu.py:rcu-not-for-later-readers")
    assert title.startswith("kernel BUG"), title


@pytest.mark.parametrize("variant", ["irqsave", "irq-off", "preempt-off", "bh-off", "nested"])
def test_synchronize_rcu_waits_for_irq_preempt_and_bh_disabled_regions(load_model, variant):
    # consolidated RCU (v4.20): such a region is a read-side critical section
    assert verdict(load_model, f"rcu.py:rcu-sched-readers:{variant}") == "clean"
    for strategy in ("random", "pct"):
        batch = load_model(f"contracts/rcu.py:rcu-sched-readers:{variant}").program.run_batch(
            strategy, 2000, seed=1
        )
        assert batch.outcome is None, (variant, strategy)


def test_synchronize_rcu_does_not_wait_for_an_unprotected_reader(load_model):
    title = verdict(load_model, "rcu.py:rcu-sched-readers:unprotected")
    assert title == "KASAN: slab-use-after-free Read in reader_unprotected", title


def test_synchronize_rcu_waits_for_a_running_interrupt_handler(load_model):
    assert verdict(load_model, "rcu.py:rcu-hardirq-reader:unpublished") == "clean"
    # a handler that had not started when the grace period began does not delay it
    title = verdict(load_model, "rcu.py:rcu-hardirq-reader:kept-published")
    assert title == "KASAN: slab-use-after-free Read in handler_reader", title


def test_an_rcu_reader_may_not_sleep(load_model):
    title = verdict(load_model, "rcu.py:rcu-reader-may-not-sleep")
    assert title.startswith("BUG: sleeping function called from invalid context"), title


# ---- lists -------------------------------------------------------------------------------


def test_list_del_poisons_the_entry(load_model):
    assert verdict(load_model, "lists.py:list-del:del") == "BUG: corrupted list in del_twice"
    text = report(load_model, "lists.py:list-del:del")
    assert "->next is LIST_POISON1 (dead000000000100)\n" in text
    assert "kernel BUG at lib/list_debug.c" in text
    assert " __list_del_entry_valid_or_report\n del_twice+0x" in text


def test_list_del_init_leaves_an_empty_entry(load_model):
    assert verdict(load_model, "lists.py:list-del:del-init") == "clean"


def test_list_add_of_an_entry_on_the_list_is_a_double_add(load_model):
    text = report(load_model, "lists.py:list-del:add")
    assert text.startswith("list_add double add: new="), text


# ---- free_irq / synchronize_irq ----------------------------------------------------------


def test_free_irq_waits_for_a_running_handler(load_model):
    assert verdict(load_model, "irq.py:irq-free-waits:free-irq-first") == "clean"
    title = verdict(load_model, "irq.py:irq-free-waits:kfree-first")
    assert title == "KASAN: slab-use-after-free Write in dev_isr", title


def test_synchronize_irq_waits_for_a_running_handler(load_model):
    assert verdict(load_model, "irq.py:irq-synchronize") == "clean"


def test_free_irq_from_interrupt_context_warns(load_model):
    text = report(load_model, "irq.py:irq-free-in-irq")
    assert text.startswith("Trying to free IRQ 40 from IRQ context!\nWARNING:"), text


# ---- devres and kernfs removal (the library's own models) ---------------------------------


def test_devres_releases_after_remove_in_reverse_order(load_model):
    assert load_model("lib_devres.py:devres-helpers:fixed").program.verify(2).outcome is None
    # the stop action registered before the mapping it writes runs after devm_iounmap (LIFO)
    late = load_model("lib_devres.py:devres-helpers:action-first").program.verify(2)
    assert late.outcome.finding.title.startswith("BUG: unable to handle kernel paging request")


def test_kernfs_removal_waits_out_active_readers(load_model):
    assert load_model("lib_sysfs.py:sysfs-remove:fixed").program.verify(2).outcome is None
    # a show() that takes a lock the remover holds: the kernel's circular dependency on
    # kn->active, and without lockdep the deadlock itself
    held = load_model("lib_sysfs.py:sysfs-remove:lock-held").program.verify(2).outcome.finding
    assert held.title == "possible deadlock in kernfs_drain", held.title
    assert "WARNING: possible circular locking dependency detected" in held.report
    hang = load_model("lib_sysfs.py:sysfs-hang:lock-held").program.verify(2)
    assert hang.outcome.finding.kind == "deadlock"
