"""drivers/dma/dmaengine.c: channels, clients and device unregistration (kernel-model.md C2).

* `dma_async_device_unregister_2019`: the pre-2020 core: the public channel is withdrawn and
  WARN_ONCE(chan->client_count) fires when a client still holds it -- the core "holds module
  references to prevent it being called while channels are in use", which does not stop an
  unbind [V-old, Logan Gunthorpe 2019-11-14].
* current (`dma_async_device_unregister`, Logan's 2020 series): the dma_device has a kref;
  each client holds a reference, and `device_release` runs after the last one is dropped.
"""

from pyfuzz.model import *


class dma_chan(Struct):
    client_count: int


class dma_device(Struct):
    chan: dma_chan
    ref: Kref
    device_release: Func            # device_release(dd): frees the provider's state
    device_prep_dma_memcpy: Func    # prep(chan) -> 0 / -errno
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


def dma_request_channel():
    mutex_lock(dmaengine.dma_list_mutex)
    dd = dmaengine.public
    chan = None
    if dd is not None:
        chan = dd.chan
        chan.client_count += 1
        kref_get(dd.ref)
    mutex_unlock(dmaengine.dma_list_mutex)
    return chan


def dma_release_channel(chan):
    dd = container_of(chan, dma_device, "chan")
    mutex_lock(dmaengine.dma_list_mutex)
    chan.client_count -= 1
    mutex_unlock(dmaengine.dma_list_mutex)
    dma_device_put(dd)


def dma_request_channel_2019():
    # the pre-2020 core: a client count and a module reference, no dma_device reference.
    mutex_lock(dmaengine.dma_list_mutex)
    dd = dmaengine.public
    chan = None
    if dd is not None:
        chan = dd.chan
        chan.client_count += 1
    mutex_unlock(dmaengine.dma_list_mutex)
    return chan


def dma_release_channel_2019(chan):
    mutex_lock(dmaengine.dma_list_mutex)
    chan.client_count -= 1
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
def dmaengine_prep_dma_memcpy(chan):
    dd = container_of(chan, dma_device, "chan")
    return dd.device_prep_dma_memcpy(chan)


@infra
def dma_async_issue_pending(chan):
    dd = container_of(chan, dma_device, "chan")
    dd.device_issue_pending(chan)


@infra
def dma_async_is_tx_complete(chan):
    dd = container_of(chan, dma_device, "chan")
    return dd.device_tx_status(chan)
