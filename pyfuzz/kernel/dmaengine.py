"""drivers/dma/dmaengine.c: the device list, channel lists, clients and (channel)
unregistration.

* A provider lists its channels on `dma_device.channels` (`list_add_tail(&chan->device_node,
  &dma->channels)`, `chan->device = dma`) before `dma_async_device_register`, which registers
  each channel (`__dma_async_device_channel_register`: channel id, client_count = 0, chancnt,
  `chan->local`) and then lists the device on `dma_device_list` under `dma_list_mutex`.
  `dma_async_device_channel_register` / `dma_async_device_channel_unregister` add and remove
  one channel of a registered device (hotplug channels, idxd); the caller lists the channel
  first, the unregister unlists it under `dma_list_mutex`.
* `dma_request_channel` walks `dma_device_list` and each device's channels for one with no
  client (`__dma_request_channel` -> `find_candidate` -> `private_candidate`), and takes it
  (`dma_chan_get`); `dma_release_channel` WARNs unless the count is 1, then `dma_chan_put`.
* current (`dma_async_device_unregister`, Logan's 2020 series): every listed channel is
  unregistered (`__dma_async_device_channel_unregister`: WARN_ONCE when clients still hold it
  and the provider has no `device_release`), then the device reference is dropped under
  `dma_list_mutex`; the dma_device has a kref, each client holds a reference, and
  `dma_device_release` unlists the device and calls the provider's `device_release` after
  the last one is dropped.
* `dma_async_device_unregister_2019`: the pre-2020 core: the device is unlisted, then each
  channel WARNs (WARN_ONCE(chan->client_count)) when a client still holds it -- the core
  "holds module references to prevent it being called while channels are in use", which does
  not stop an unbind [V-old, Logan Gunthorpe 2019-11-14].
* both: the first client reference calls the provider's `device_alloc_chan_resources`, the
  last one `device_free_chan_resources` (dma_chan_get / dma_chan_put, under dma_list_mutex)
  [V drivers/dma/dmaengine.c, torvalds/linux: both the current file and the 2019 one].
* not modelled: module references (`try_module_get`), DMA_PRIVATE / the public channel table
  (every channel is requested privately), `find_candidate`'s `list_del_rcu(&device->
  global_node)` when `dma_chan_get` fails with -ENODEV (here the device stays listed; in the
  kernel a provider whose `device_alloc_chan_resources` returns -ENODEV during its removal,
  as plx_dma's does once `pdev` is NULL, is unlisted there and again by
  `dma_device_release`), `chan->dev` (the sysfs channel device), debugfs.
"""

from pyfuzz.model import *


class dma_chan(Struct):
    device: Ref                     # chan->device (a dma_device)
    device_node: ListHead           # on device->channels
    client_count: int
    chan_id: int
    local: int                      # chan->local: set while the channel is registered


class dma_device(Struct):
    channels: ListHead              # the provider's dma_chan entries (device_node)
    global_node: ListHead           # on dma_device_list while registered
    chancnt: int
    chan_ida: int                   # the next channel id (device->chan_ida)
    privatecnt: int
    ref: Kref
    device_release: Func            # device_release(dd): frees the provider's state
    device_alloc_chan_resources: Func   # alloc(chan) -> >= 0 / -errno (first client)
    device_free_chan_resources: Func    # free(chan) (last client)
    device_prep_dma_memcpy: Func    # prep(chan, callback, param) -> 0 / -errno (prep, set
                                    # txd->callback, dmaengine_submit)
    device_issue_pending: Func      # issue(chan)
    device_tx_status: Func          # status(chan) -> DMA_COMPLETE / DMA_IN_PROGRESS / ...


class dmaengine_t(Struct):
    dma_list_mutex: Mutex
    dma_device_list: ListHead       # registered dma_devices (global_node)


dmaengine = Global(dmaengine_t, name="dmaengine")

DMA_COMPLETE = 0
DMA_IN_PROGRESS = 1
DMA_ERROR = 3


def __dma_async_device_channel_register(dd, chan):
    chan.local = 1                  # alloc_percpu(typeof(*chan->local))
    chan.chan_id = dd.chan_ida      # ida_alloc(&device->chan_ida)
    dd.chan_ida += 1
    chan.client_count = 0           # (device_register of chan->dev)
    dd.chancnt += 1
    return 0


def dma_async_device_channel_register(dd, chan):
    # the caller has listed chan on dd.channels; dma_channel_rebalance() has nothing to do
    # for private channels
    return __dma_async_device_channel_register(dd, chan)


def __dma_async_device_channel_unregister(dd, chan):
    if not chan.local:
        return
    # WARN_ONCE(!device->device_release && chan->client_count, ...) [V]
    if dd.device_release is None and chan.client_count:
        __WARN_printf(
            "__dma_async_device_channel_unregister called while %d clients hold a reference",
            chan.client_count, None)
    mutex_lock(dmaengine.dma_list_mutex)
    list_del(chan.device_node)
    dd.chancnt -= 1
    mutex_unlock(dmaengine.dma_list_mutex)
    chan.local = 0                  # ida_free, device_unregister(&chan->dev->device),
                                    # free_percpu(chan->local)


def dma_async_device_channel_unregister(dd, chan):
    __dma_async_device_channel_unregister(dd, chan)


def dma_async_device_register(dd):
    kref_init(dd.ref)
    n = list_first(dd.channels)
    while n is not None:
        chan = container_of(n, dma_chan, "device_node")
        __dma_async_device_channel_register(dd, chan)
        n = list_next(n, dd.channels)
    mutex_lock(dmaengine.dma_list_mutex)
    list_add_tail(dd.global_node, dmaengine.dma_device_list)   # list_add_tail_rcu
    mutex_unlock(dmaengine.dma_list_mutex)
    return 0


def dma_device_release(k):
    # under dma_list_mutex (dma_device_put's lockdep_assert_held)
    dd = container_of(k, dma_device, "ref")
    list_del(dd.global_node)        # list_del_rcu(&device->global_node)
    rel = dd.device_release
    if rel is not None:
        rel(dd)


@infra
def dma_device_put(dd):
    kref_put(dd.ref, dma_device_release)


def dma_chan_get(chan):
    # dmaengine.c dma_chan_get(), under dma_list_mutex: the first client takes a dma_device
    # reference (kref_get_unless_zero; the device is still listed, so it is live) and
    # allocates the channel's resources.  [V dmaengine.c]
    dd = chan.device
    if chan.client_count:
        chan.client_count += 1
        return 0
    kref_get(dd.ref)
    alloc = dd.device_alloc_chan_resources
    if alloc is not None:
        ret = alloc(chan)
        if ret < 0:
            dma_device_put(dd)
            return ret
    chan.client_count += 1
    return 0


def dma_chan_put(chan):
    # dmaengine.c dma_chan_put(), under dma_list_mutex: the last client frees the channel's
    # resources (the provider kills its tasklet there), then drops the dma_device reference,
    # which may run device_release.  The device reference is dropped on the last put only, as
    # in the 2026 fix "dmaengine: Fix device kref underflow in dma_chan_put()" (Shivank Garg).
    if not chan.client_count:
        return
    chan.client_count -= 1
    if chan.client_count == 0:
        dd = chan.device
        free = dd.device_free_chan_resources
        if free is not None:
            free(chan)
        dma_device_put(dd)


@infra
def private_candidate(dd, get):
    # the first channel of dd without a client, taken with get() (find_candidate)
    n = list_first(dd.channels)
    while n is not None:
        chan = container_of(n, dma_chan, "device_node")
        if not chan.client_count:
            dd.privatecnt += 1
            if get(chan) == 0:
                return chan
            dd.privatecnt -= 1
            return None
        n = list_next(n, dd.channels)
    return None


@infra
def __dma_request_channel(get):
    # under dma_list_mutex: the first device of dma_device_list with a free channel
    n = list_first(dmaengine.dma_device_list)
    while n is not None:
        dd = container_of(n, dma_device, "global_node")
        chan = private_candidate(dd, get)
        if chan is not None:
            return chan
        n = list_next(n, dmaengine.dma_device_list)
    return None


def dma_request_channel():
    mutex_lock(dmaengine.dma_list_mutex)
    chan = __dma_request_channel(dma_chan_get)
    mutex_unlock(dmaengine.dma_list_mutex)
    return chan


def dma_release_channel(chan):
    # Upstream dma_release_channel() still reads chan->device (privatecnt, cap_mask, the debug
    # client name) *after* dma_chan_put(), which can have freed the provider through
    # device_release (a use-after-free pointed out in review of the 2026 kref fix; the
    # follow-up patch, Shivank Garg, moves dma_chan_put() after every chan/device read).
    # The model follows that order (dma_chan_put last), so inuse-unbind models Logan's
    # in-use unbind with that fix applied.
    mutex_lock(dmaengine.dma_list_mutex)
    if chan.client_count != 1:
        __WARN_printf("chan reference count %d != 1", chan.client_count, None)
    chan.device.privatecnt -= 1
    dma_chan_put(chan)
    mutex_unlock(dmaengine.dma_list_mutex)


def dma_chan_get_2019(chan):
    # the pre-2020 core: a client count and a module reference, no dma_device reference.
    dd = chan.device
    if chan.client_count:
        chan.client_count += 1
        return 0
    alloc = dd.device_alloc_chan_resources
    if alloc is not None:
        ret = alloc(chan)
        if ret < 0:
            return ret
    chan.client_count += 1
    return 0


def dma_chan_put_2019(chan):
    if not chan.client_count:
        return
    chan.client_count -= 1
    if chan.client_count == 0:
        dd = chan.device
        free = dd.device_free_chan_resources
        if free is not None:
            free(chan)


def dma_request_channel_2019():
    mutex_lock(dmaengine.dma_list_mutex)
    chan = __dma_request_channel(dma_chan_get_2019)
    mutex_unlock(dmaengine.dma_list_mutex)
    return chan


def dma_release_channel_2019(chan):
    mutex_lock(dmaengine.dma_list_mutex)
    if chan.client_count != 1:
        __WARN_printf("chan reference count %d != 1", chan.client_count, None)
    chan.device.privatecnt -= 1
    dma_chan_put_2019(chan)
    mutex_unlock(dmaengine.dma_list_mutex)


def dma_async_device_unregister(dd):
    # list_for_each_entry_safe over the channels, then the device reference under
    # dma_list_mutex (dma_cap_set(DMA_PRIVATE), rebalance, ida_free: nothing to model)
    n = list_first(dd.channels)
    while n is not None:
        nxt = list_next(n, dd.channels)
        chan = container_of(n, dma_chan, "device_node")
        __dma_async_device_channel_unregister(dd, chan)
        n = nxt
    mutex_lock(dmaengine.dma_list_mutex)
    dma_device_put(dd)
    mutex_unlock(dmaengine.dma_list_mutex)


def dma_async_device_unregister_2019(dd):
    mutex_lock(dmaengine.dma_list_mutex)
    list_del(dd.global_node)        # list_del_rcu(&device->global_node)
    mutex_unlock(dmaengine.dma_list_mutex)
    n = list_first(dd.channels)
    while n is not None:
        chan = container_of(n, dma_chan, "device_node")
        WARN(chan.client_count != 0,
             "dma_async_device_unregister called while clients hold a reference")
        mutex_lock(dmaengine.dma_list_mutex)
        chan.local = 0              # chan->dev->chan = NULL
        mutex_unlock(dmaengine.dma_list_mutex)
        n = list_next(n, dd.channels)


@infra
def dmaengine_prep_dma_memcpy(chan, callback, param):
    # device_prep_dma_memcpy + txd->callback/callback_param + dmaengine_submit in one call
    # (plx_dma: prep returns with ring_lock held, tx_submit drops it).
    return chan.device.device_prep_dma_memcpy(chan, callback, param)


@infra
def dma_async_issue_pending(chan):
    chan.device.device_issue_pending(chan)


@infra
def dma_async_is_tx_complete(chan):
    return chan.device.device_tx_status(chan)
