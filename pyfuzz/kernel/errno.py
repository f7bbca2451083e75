"""The errno values drivers return, with the kernel's numbers, for model files.

`from pyfuzz.kernel.errno import *` (after `from pyfuzz.model import *`) gives a model every
name below; a driver returns `-ENODEV`, `-EPROBE_DEFER`, ... as in C. The numbers are those of
include/uapi/asm-generic/errno-base.h (1..34), include/uapi/asm-generic/errno.h (the generic
ABI: x86, arm64, riscv; alpha, mips, parisc and sparc number some of these differently) and
include/linux/errno.h (kernel-internal codes that userspace never sees, such as EPROBE_DEFER)
[V torvalds/linux]. The model language already knows a few of them as built-in constants
(pyfuzz/model/prims.py); the values here are the same, so importing both is harmless.
`ERRNO_NAMES` maps a number back to its name for tests and reports.
"""

# include/uapi/asm-generic/errno-base.h
EPERM = 1
ENOENT = 2
ESRCH = 3
EINTR = 4
EIO = 5
ENXIO = 6
E2BIG = 7
ENOEXEC = 8
EBADF = 9
ECHILD = 10
EAGAIN = 11
ENOMEM = 12
EACCES = 13
EFAULT = 14
ENOTBLK = 15
EBUSY = 16
EEXIST = 17
EXDEV = 18
ENODEV = 19
ENOTDIR = 20
EISDIR = 21
EINVAL = 22
ENFILE = 23
EMFILE = 24
ENOTTY = 25
ETXTBSY = 26
EFBIG = 27
ENOSPC = 28
ESPIPE = 29
EROFS = 30
EMLINK = 31
EPIPE = 32
EDOM = 33
ERANGE = 34

# include/uapi/asm-generic/errno.h (the generic numbering)
EDEADLK = 35
ENAMETOOLONG = 36
ENOLCK = 37
ENOSYS = 38
ENOTEMPTY = 39
ELOOP = 40
ENOMSG = 42
EIDRM = 43
ENODATA = 61
ETIME = 62
ENOLINK = 67
EPROTO = 71
EBADMSG = 74
EOVERFLOW = 75
EBADFD = 77
EILSEQ = 84
EMSGSIZE = 90
EOPNOTSUPP = 95
EADDRINUSE = 98
ENETDOWN = 100
ECONNABORTED = 103
ECONNRESET = 104
ENOBUFS = 105
ENOTCONN = 107
ESHUTDOWN = 108
ETIMEDOUT = 110
EHOSTDOWN = 112
EALREADY = 114
EINPROGRESS = 115
EREMOTEIO = 121
ENOMEDIUM = 123
ECANCELED = 125
ENOKEY = 126
EHWPOISON = 133
EWOULDBLOCK = EAGAIN
EDEADLOCK = EDEADLK

# include/linux/errno.h: kernel-internal, never returned to user space
ERESTARTSYS = 512
ERESTARTNOINTR = 513
ERESTARTNOHAND = 514
ENOIOCTLCMD = 515
ERESTART_RESTARTBLOCK = 516
EPROBE_DEFER = 517
EOPENSTALE = 518
ENOPARAM = 519
EBADHANDLE = 521
ENOTSYNC = 522
EBADCOOKIE = 523
ENOTSUPP = 524
ETOOSMALL = 525
ESERVERFAULT = 526
EBADTYPE = 527
EJUKEBOX = 528
EIOCBQUEUED = 529

# Largest errno value (include/linux/err.h): IS_ERR_VALUE is -MAX_ERRNO <= x < 0.
MAX_ERRNO = 4095

ERRNO_NAMES: dict[int, str] = {
    value: name
    for name, value in dict(globals()).items()
    if name.startswith("E") and isinstance(value, int) and name not in ("EWOULDBLOCK", "EDEADLOCK")
}
