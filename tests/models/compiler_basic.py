"""Compiler test model: two accounts, a transfer under two locks, a reader with wait_event."""

from pyfuzz.model import *


class Node(Struct):
    value: int
    next: Ref["Node"]


class Account(Struct):
    lock: Mutex
    balance: int
    wq: WaitQueue
    head: Ref[Node]
    slots: Array[int, 4]
    callback: Func


acct_a = Global(Account)
acct_b = Global(Account, name="second")


@infra
def lock_both(a, b):
    mutex_lock(a.lock)
    mutex_lock(b.lock)


def transfer(src, dst, amount):
    """Move money."""
    with src.lock, dst.lock:
        if src.balance < amount:
            return -EINVAL
        src.balance -= amount
        dst.balance += amount
    return 0


def waiter(acct):
    wait_event(acct.wq, acct.balance > 0)
    n = kzalloc(Node, GFP_KERNEL)
    n.value = acct.balance
    for i in range(4):
        acct.slots[i] = i * 2
    return n.value


def boot_setup():
    acct_a.balance = 10


SCENARIO = Scenario(
    name="compiler_basic",
    actors=[
        Thread(transfer, acct_a, acct_b, 5),
        Thread(waiter, acct_b),
    ],
    boot=[boot_setup],
)
