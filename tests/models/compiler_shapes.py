"""Compiler test model: one small function per construct; tests compile them one at a time."""

from pyfuzz.model import *


class Dev(Struct):
    lock: Mutex
    spin: Spinlock
    count: int
    data: Ref
    release: Func
    wq: WaitQueue
    regs: Array[int, 8]
    done: int


def f_assign(a):
    x = a
    y = x + 1
    return y


def f_attr_chain(d):
    return d.data.count


def f_store(d, v):
    d.count = v


def f_aug(d, n):
    d.count += 1
    n -= d.count


def f_subscript(d, i):
    d.regs[i] = d.regs[i + 1]


def f_if(d):
    if d.count == 0:
        r = 1
    elif d.done:
        r = 2
    else:
        r = 3
    return r


def f_while(d):
    while d.count:
        if d.done:
            break
        continue
    return 0


def f_for(d):
    for i in range(8, 0, -2):
        d.regs[i] = 0


def f_for_simple(n):
    total = 0
    for i in range(n):
        total += i
    return total


def f_with(d):
    with d.lock:
        if d.count:
            return 1
        d.count = 2
    return 0


def f_with_loop(d):
    while True:
        with d.lock, d.spin:
            if d.done:
                break
            continue


def f_boolop(a, b):
    return a and b or None


def f_chain(a, b, c):
    return a < b < c


def f_is_none(p):
    return p is None


def f_is_not_none(p):
    return p is not None


def f_ifexp(a):
    return 1 if a else 2


def f_icall(d):
    d.release(d, d.data)


def f_local_icall(d):
    cb = d.release
    return cb(d)


def f_func_value(d):
    d.release = f_store


def f_direct_call(d):
    return f_store(d, 5)


def f_wait(d):
    wait_event(d.wq, d.done)


def f_wait_interruptible(d):
    return wait_event_interruptible(d.wq, d.done)


def f_wait_timeout(d):
    return wait_event_timeout(d.wq, d.done, 100)


def f_alloc():
    return kzalloc(Dev, GFP_KERNEL)


def f_container(p):
    return container_of(p, Dev, "lock")


def f_warn(d):
    WARN(d.count < 0, "negative count")


def f_assert(d):
    assert d.count >= 0, "never negative"


def f_unary(a):
    return -a + ~a + (not a) + +a


def f_neg_const():
    return -EINVAL


def f_docstring():
    """Only a docstring and a pass."""
    pass


def f_self_or(x, y):
    x = y or x
    return x


def f_multi_assign(d):
    a = b = d.count
    return a + b


@infra
def f_infra(d):
    mutex_lock(d.lock)


def f_global():
    return DEV.count


def f_if_and(a, b):
    if a and not b:
        return 1
    return 0


def f_with_local(d):
    lk = d.lock
    with lk:
        lk = d.spin


def f_recursive(n):
    if n > 0:
        return f_recursive(n - 1)
    return 0


DEV = Global(Dev)
