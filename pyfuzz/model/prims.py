"""Names a model function may call: kernel primitives, compiler sugar and kernel constants.

Each primitive is a `Primitive` stub: the compiler recognises it by identity and emits
`["prim", d, name, args]` (see docs/ir.md); calling it from plain Python is an error, because
model code only runs inside the Rust core. `SUGAR` names (`kzalloc`, `wait_event`, ...) are
translated by the compiler into several IR instructions.
"""

from __future__ import annotations

from typing import Any, NoReturn


class Primitive:
    """A kernel primitive implemented in the Rust core; `arity` is its argument count."""

    def __init__(self, name: str, arity: int) -> None:
        self.name = name
        self.arity = arity

    def __call__(self, *args: Any) -> NoReturn:
        from pyfuzz.errors import ModelError

        raise ModelError(f"{self.name}() is a pyfuzz model primitive and only runs in the engine")

    def __repr__(self) -> str:
        return f"<pyfuzz primitive {self.name}/{self.arity}>"


# name -> argument count; the Rust loader holds the same table (rust/ir/prim.rs).
PRIMITIVE_ARITY: dict[str, int] = {
    "kfree": 1,
    "lock": 1,
    "unlock": 1,
    "mutex_lock": 1,
    "mutex_lock_interruptible": 1,
    "mutex_trylock": 1,
    "mutex_unlock": 1,
    "mutex_is_locked": 1,
    "spin_lock": 1,
    "spin_unlock": 1,
    "spin_lock_irq": 1,
    "spin_unlock_irq": 1,
    "spin_lock_bh": 1,
    "spin_unlock_bh": 1,
    "spin_lock_irqsave": 1,
    "spin_unlock_irqrestore": 2,
    "down_read": 1,
    "up_read": 1,
    "down_write": 1,
    "up_write": 1,
    "down_read_trylock": 1,
    "down_write_trylock": 1,
    "lockdep_set_novalidate_class": 1,
    "lockdep_assert_held": 1,
    "init_completion": 1,
    "reinit_completion": 1,
    "complete": 1,
    "complete_all": 1,
    "wait_for_completion": 1,
    "wait_for_completion_interruptible": 1,
    "wait_for_completion_timeout": 2,
    "completion_done": 1,
    "wq_prepare": 1,
    "wq_wait": 2,
    "wq_finish": 1,
    "wake_up": 1,
    "wake_up_interruptible": 1,
    "wake_up_all": 1,
    "rcu_read_lock": 0,
    "rcu_read_unlock": 0,
    "synchronize_rcu": 0,
    "kref_init": 1,
    "kref_get": 1,
    "kref_put": 2,
    "kref_read": 1,
    "list_init": 1,
    "list_add": 2,
    "list_add_tail": 2,
    "list_del": 1,
    "list_del_init": 1,
    "list_empty": 1,
    "list_first": 1,
    "list_next": 2,
    "container_of": 1,
    "init_work": 2,
    "schedule_work": 1,
    "cancel_work_sync": 1,
    "flush_work": 1,
    "local_irq_disable": 0,
    "local_irq_enable": 0,
    "local_irq_save": 0,
    "local_irq_restore": 1,
    "preempt_disable": 0,
    "preempt_enable": 0,
    "local_bh_disable": 0,
    "local_bh_enable": 0,
    "might_sleep": 0,
    "msleep": 1,
    "schedule": 0,
    "cond_resched": 0,
    "yield_cpu": 0,
    "in_atomic": 0,
    "in_interrupt": 0,
    "irqs_disabled": 0,
    "BUG_ON": 1,
    "WARN_ON": 1,
    "WARN": 2,
    "report": 1,
    "ioremap": 1,
    "iounmap": 1,
    "mmio_read": 2,
    "mmio_write": 3,
    "current_context": 0,
}

PRIMITIVES: dict[str, Primitive] = {n: Primitive(n, a) for n, a in PRIMITIVE_ARITY.items()}
globals().update(PRIMITIVES)


class Sugar:
    """A name the compiler expands into several IR instructions (see the compiler)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any) -> NoReturn:
        from pyfuzz.errors import ModelError

        raise ModelError(f"{self.name}() is pyfuzz model syntax and only runs in the engine")

    def __repr__(self) -> str:
        return f"<pyfuzz model syntax {self.name}>"


# kzalloc(T, gfp) / kmalloc(T, gfp): allocate a struct T.
# wait_event(wq, cond) / wait_event_interruptible(wq, cond) / wait_event_timeout(wq, cond, t):
#   `cond` is an expression, re-evaluated after every wake-up, exactly as in C.
# container_of(ptr, T, "field"): T and the field name are accepted for readability and ignored.
SUGAR: dict[str, Sugar] = {
    n: Sugar(n)
    for n in (
        "kzalloc",
        "kmalloc",
        "wait_event",
        "wait_event_interruptible",
        "wait_event_timeout",
    )
}
globals().update(SUGAR)

# Kernel constants (values as in the kernel headers).
GFP_KERNEL = 0xCC0
GFP_ATOMIC = 0x820
GFP_NOWAIT = 0x800
__GFP_DIRECT_RECLAIM = 0x400

EPERM = 1
ENOENT = 2
EINTR = 4
EIO = 5
ENXIO = 6
EAGAIN = 11
ENOMEM = 12
EBUSY = 16
ENODEV = 19
EINVAL = 22
ENOSPC = 28
ERESTARTSYS = 512
EPROBE_DEFER = 517

IRQ_NONE = 0
IRQ_HANDLED = 1

CONSTANTS: dict[str, int] = {
    name: value
    for name, value in dict(globals()).items()
    if isinstance(value, int) and not name.startswith("_") or name == "__GFP_DIRECT_RECLAIM"
}
