"""Page-fault reports say what the CPU did (arch/x86/mm/fault.c show_fault_oops): a device
whose `teardown` unmaps its register window and clears its event callback while `kick`
still uses them. `mmio-write` stores to the unmapped window (`#PF: supervisor write access`,
error_code 0x0002), `mmio-read` loads from it (read access, 0x0000), `null-store` writes
through the cleared state pointer (a write in the NULL page, at the field's offset), `null-call` calls the cleared
callback (an instruction fetch at address 0, error_code 0x0010). The `fixed` variants take
the device lock and test `alive`, which teardown clears under the lock first: clean."""

from pyfuzz.model import *


class pf_state(Struct):
    flags: int
    events: int


class pf_dev(Struct):
    lock: Mutex
    alive: int
    regs: Ref
    state: Ref[pf_state]
    saved: Ref[pf_state]
    notify: Func


dev = Global(pf_dev, name="dev")


def pf_notify(d):
    d.state.events += 1


def pf_boot():
    dev.regs = ioremap(4)
    dev.saved = kzalloc(pf_state, GFP_KERNEL)
    dev.state = dev.saved
    dev.notify = pf_notify
    dev.alive = 1


def pf_teardown():
    mutex_lock(dev.lock)
    dev.alive = 0
    mutex_unlock(dev.lock)
    iounmap(dev.regs)
    dev.state = None  # parked: dev.saved keeps it
    dev.notify = None


def pf_kick_write():
    mmio_write(dev.regs, 0, 1)  # BUG: no check that the device is still there


def pf_kick_read():
    return mmio_read(dev.regs, 1)  # BUG: likewise


def pf_kick_store():
    st = dev.state
    if st is None:
        return
    dev.state.events = 1  # BUG: reloads the pointer teardown may have cleared since


def pf_kick_call():
    cb = dev.notify
    cb(dev)  # BUG: the callback may be cleared already


def pf_kick_fixed():
    mutex_lock(dev.lock)
    if dev.alive:
        mmio_write(dev.regs, 0, 1)
        mmio_read(dev.regs, 1)
        dev.state.events = 1
        dev.notify(dev)
    mutex_unlock(dev.lock)


def pf_teardown_fixed():
    mutex_lock(dev.lock)
    dev.alive = 0
    iounmap(dev.regs)
    dev.state = None
    dev.notify = None
    mutex_unlock(dev.lock)


scenarios = [
    Scenario(
        name=name,
        description=f"a {name} after the device's teardown",
        boot=[pf_boot],
        actors=[Thread(pf_teardown, name="teardown"), Thread(kick, name="kick")],
        variants={"buggy": {}, "fixed": {kick: pf_kick_fixed, pf_teardown: pf_teardown_fixed}},
        expect={"buggy": title, "fixed": "clean"},
    )
    for name, kick, title in [
        ("mmio-write", pf_kick_write, "BUG: unable to handle kernel paging request"),
        ("mmio-read", pf_kick_read, "BUG: unable to handle kernel paging request"),
        ("null-store", pf_kick_store, "BUG: unable to handle kernel NULL pointer dereference"),
        ("null-call", pf_kick_call, "BUG: unable to handle kernel NULL pointer dereference"),
    ]
]
