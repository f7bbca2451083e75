"""Identical threads, for `verify`'s symmetry (tests/test_symmetry.py): copies of one actor
that the search may explore once while none of them has started.

- `ten_lockers`, `five_lockers`: ten (five) identical threads incrementing one counter under
  one mutex (no bug): 10! (5!) orders of the lock at bound 0 without symmetry, one with it.
- `double_release`: three identical threads releasing one buffer with a check-then-act race
  (`double_free` in the kernel's words): two of them must both see the pointer before either
  clears it, so the bug needs two identical threads interleaved in a particular way.
- `readers_and_remover`: identical readers beside one remover that frees what they read
  (a use-after-free), so a class of twins runs next to a unique thread.
- `turns`: identical threads that draw turns and wait in a different function per turn,
  forever: which thread the hung-task report names depends on thread numbers, so the search
  must not treat them as interchangeable (it notices and searches without symmetry).
"""

from pyfuzz.model import *


class Counter(Struct):
    lock: Mutex
    value: int


counter = Global(Counter)


def bump():
    mutex_lock(counter.lock)
    counter.value += 1
    mutex_unlock(counter.lock)


ten_lockers = Scenario(
    name="ten_lockers",
    description="ten identical threads, one mutex, no bug",
    actors=[Thread(bump, name=f"bump{i}") for i in range(10)],
)

five_lockers = Scenario(
    name="five_lockers",
    description="five identical threads, one mutex, no bug (5! = 120 orders at bound 0)",
    actors=[Thread(bump, name=f"bump{i}") for i in range(5)],
)


class Buffer(Struct):
    data: int


class Box(Struct):
    buf: Ref[Buffer]


box = Global(Box)


def box_init():
    box.buf = kzalloc(Buffer, GFP_KERNEL)


def release():
    buf = box.buf
    if buf is not None:
        box.buf = None
        kfree(buf)


def release_locked():
    mutex_lock(counter.lock)
    release()
    mutex_unlock(counter.lock)


double_release = Scenario(
    name="double_release",
    description="three identical releasers; the check-then-act race frees the buffer twice",
    boot=[box_init],
    actors=[Thread(release, name=f"rel{i}") for i in range(3)],
    variants={"racy": {}, "locked": {release: release_locked}},
    expect={"racy": "KASAN: double-free", "locked": "clean"},
)


def read_box():
    buf = box.buf
    if buf is not None:
        counter.value += buf.data


def remove_box():
    buf = box.buf
    box.buf = None
    kfree(buf)


readers_and_remover = Scenario(
    name="readers_and_remover",
    description="three identical readers and a remover that frees what they read",
    boot=[box_init],
    actors=[Thread(read_box, name=f"reader{i}") for i in range(3)] + [Thread(remove_box)],
)


class Turns(Struct):
    lock: Mutex
    next: int
    never: Completion


turns_state = Global(Turns)


def wait_first():
    wait_for_completion(turns_state.never)


def wait_later():
    wait_for_completion(turns_state.never)


def take_turn():
    mutex_lock(turns_state.lock)
    mine = turns_state.next
    turns_state.next = mine + 1
    mutex_unlock(turns_state.lock)
    if mine == 0:
        wait_first()
    else:
        wait_later()


turns = Scenario(
    name="turns",
    description="identical threads that hang in a function chosen by their turn",
    actors=[Thread(take_turn, name=f"turn{i}") for i in range(3)],
)
