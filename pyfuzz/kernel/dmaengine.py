"""drivers/dma/dmaengine.c: channels, clients and device unregistration.

* `dma_async_device_unregister_2019`: the pre-2020 core: the public channel is withdrawn and
  WARN_ONCE(chan->client_count) fires when a client still holds it -- the core "holds module
  references to prevent it being called while channels are in use", which does not stop an
  unbind [V-old, Logan Gunthorpe 2019-11-14].
* current (`dma_async_device_unregister`, Logan's 2020 series): the dma_device has a kref;
  each client holds a reference, and `device_release` runs after the last one is dropped.
* both: the first client reference calls the provider's `device_alloc_chan_resources`, the
  last one `device_free_chan_resources` (dma_chan_get / dma_chan_put, under dma_list_mutex)
  [V drivers/dma/dmaengine.c, torvalds/linux: both the current file and the 2019 one].
"""

from pyfuzz.model import *


class dma_chan(Struct):
    client_count: int


class dma_device(Struct):
    chan: dma_chan
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
    public: Ref[dma_device]         # the one registered device (dma_device_list)


dmaengine = Global(dmaengine_t, name="dmaengine")

DMA_COMPLETE = 0
DMA_IN_PROGRESS = 1
DMA_ERROR = 3


def dma_async_device_register(dd):
    kref_init(dd.ref)
    mutex_lock(dmaengine.dma_list_mutex)
    dmaengine.public = dd
    mutex_unlock(dmaengine.dma_list_mutex)
    return 0


def dma_device_release(k):
    dd = container_of(k, dma_device, "ref")
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
    dd = container_of(chan, dma_device, "chan")
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
        dd = container_of(chan, dma_device, "chan")
        free = dd.device_free_chan_resources
        if free is not None:
            free(chan)
        dma_device_put(dd)


def dma_request_channel():
    mutex_lock(dmaengine.dma_list_mutex)
    dd = dmaengine.public
    chan = None
    if dd is not None and dma_chan_get(dd.chan) == 0:
        chan = dd.chan
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
    dma_chan_put(chan)
    mutex_unlock(dmaengine.dma_list_mutex)


def dma_chan_get_2019(chan):
    # the pre-2020 core: a client count and a module reference, no dma_device reference.
    dd = container_of(chan, dma_device, "chan")
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
        dd = container_of(chan, dma_device, "chan")
        free = dd.device_free_chan_resources
        if free is not None:
            free(chan)


def dma_request_channel_2019():
    mutex_lock(dmaengine.dma_list_mutex)
    dd = dmaengine.public
    chan = None
    if dd is not None and dma_chan_get_2019(dd.chan) == 0:
        chan = dd.chan
    mutex_unlock(dmaengine.dma_list_mutex)
    return chan


def dma_release_channel_2019(chan):
    mutex_lock(dmaengine.dma_list_mutex)
    dma_chan_put_2019(chan)
    mutex_unlock(dmaengine.dma_list_mutex)


def dma_async_device_unregister(dd):
    mutex_lock(dmaengine.dma_list_mutex)
    dmaengine.public = None
    mutex_unlock(dmaengine.dma_list_mutex)
    # __dma_async_device_channel_unregister(): only providers without device_release
    # are warned about [V].
    WARN(dd.device_release is None and dd.chan.client_count != 0,
         "__dma_async_device_channel_unregister called while clients hold a reference")
    dma_device_put(dd)


def dma_async_device_unregister_2019(dd):
    mutex_lock(dmaengine.dma_list_mutex)
    dmaengine.public = None
    mutex_unlock(dmaengine.dma_list_mutex)
    WARN(dd.chan.client_count != 0,
         "dma_async_device_unregister called while clients hold a reference")


@infra
def dmaengine_prep_dma_memcpy(chan, callback, param):
    # device_prep_dma_memcpy + txd->callback/callback_param + dmaengine_submit in one call
    # (plx_dma: prep returns with ring_lock held, tx_submit drops it).
    dd = container_of(chan, dma_device, "chan")
    return dd.device_prep_dma_memcpy(chan, callback, param)


@infra
def dma_async_issue_pending(chan):
    dd = container_of(chan, dma_device, "chan")
    dd.device_issue_pending(chan)


@infra
def dma_async_is_tx_complete(chan):
    dd = container_of(chan, dma_device, "chan")
    return dd.device_tx_status(chan)
