"""dmaengine with a channel list and per-channel unregister (pyfuzz/kernel/dmaengine.py): a
provider registers a dma_device with two channels (each in its own kzalloc'd state,
`list_add_tail(&chan->device_node, &dma->channels)`), a client requests a channel, reads its
status and releases it, and a hotplug path removes channel 0 with
`dma_async_device_channel_unregister` (as idxd does when a work queue is disabled).

Variants:
* `fixed`: the provider has `device_release`, and the channel state is refcounted: the
  removal drops the provider's reference, the first client takes one in
  `device_alloc_chan_resources` and the last drops it in `device_free_chan_resources`.
* `no-release` (buggy): no `device_release` and the channel state is freed at removal:
  `WARNING in __dma_async_device_channel_unregister` ("... called while 1 clients hold a
  reference"), before the client's next use is a use-after-free.
* `free-in-use` (buggy): `device_release` set (no WARN), but the channel state is freed right
  after the unregister: the client's next use (`tx_status`, `dma_release_channel`) is
  `KASAN: slab-use-after-free`.
* `free-first` (buggy): the channel state is freed before the unregister, which unlists the
  freed channel: `KASAN: slab-use-after-free ... in __dma_async_device_channel_unregister`.
"""

from pyfuzz.model import *
from pyfuzz.kernel.dmaengine import dma_async_device_channel_unregister
from pyfuzz.kernel.dmaengine import dma_async_device_register, dma_async_is_tx_complete
from pyfuzz.kernel.dmaengine import dma_chan, dma_device, dma_release_channel
from pyfuzz.kernel.dmaengine import dma_request_channel


class mychan(Struct):
    chan: dma_chan
    ref: Kref
    status: int


class myprov(Struct):
    dma_dev: dma_device


class world_t(Struct):
    lock: Mutex
    prov: Ref[myprov]
    chan0: Ref[mychan]          # the channel the hotplug path removes


class client_t(Struct):
    held: Ref[dma_chan]
    status: int


world = Global(world_t, name="world")
client = Global(client_t, name="client")


@infra
def to_mychan(chan):
    return container_of(chan, mychan, "chan")


def mychan_release(k):
    kfree(container_of(k, mychan, "ref"))


def mychan_alloc_chan_resources(chan):
    mc = to_mychan(chan)
    kref_get(mc.ref)
    mc.status = 0
    return 0


def mychan_free_chan_resources(chan):
    mc = to_mychan(chan)
    mc.status = 0
    kref_put(mc.ref, mychan_release)


def mychan_alloc_plain(chan):
    to_mychan(chan).status = 0
    return 0


def mychan_free_plain(chan):
    to_mychan(chan).status = 0


def mychan_tx_status(chan):
    return to_mychan(chan).status


def mychan_issue_pending(chan):
    to_mychan(chan).status = 1


def myprov_release(dd):
    pass


@infra
def myprov_add_chan(dd):
    mc = kzalloc(mychan, GFP_KERNEL)
    kref_init(mc.ref)
    mc.chan.device = dd
    list_add_tail(mc.chan.device_node, dd.channels)
    return mc


def myprov_setup(dd):
    dd.device_alloc_chan_resources = mychan_alloc_chan_resources
    dd.device_free_chan_resources = mychan_free_chan_resources
    dd.device_release = myprov_release


def myprov_setup_no_release(dd):
    dd.device_alloc_chan_resources = mychan_alloc_plain
    dd.device_free_chan_resources = mychan_free_plain


def myprov_setup_plain(dd):
    dd.device_alloc_chan_resources = mychan_alloc_plain
    dd.device_free_chan_resources = mychan_free_plain
    dd.device_release = myprov_release


def boot_provider():
    prov = kzalloc(myprov, GFP_KERNEL)
    dd = prov.dma_dev
    world.chan0 = myprov_add_chan(dd)
    myprov_add_chan(dd)
    dd.device_issue_pending = mychan_issue_pending
    dd.device_tx_status = mychan_tx_status
    myprov_setup(dd)
    dma_async_device_register(dd)
    world.prov = prov


def myprov_remove_chan(dd, mc):
    dma_async_device_channel_unregister(dd, mc.chan)
    kref_put(mc.ref, mychan_release)        # the provider's reference


def myprov_remove_chan_free(dd, mc):
    dma_async_device_channel_unregister(dd, mc.chan)
    kfree(mc)


def myprov_remove_chan_free_first(dd, mc):
    kfree(mc)
    dma_async_device_channel_unregister(dd, mc.chan)


def hotplug_remove_chan0():
    mutex_lock(world.lock)
    mc = world.chan0
    world.chan0 = None
    mutex_unlock(world.lock)
    if mc is not None:
        myprov_remove_chan(world.prov.dma_dev, mc)


def client_request():
    if client.held is None:
        client.held = dma_request_channel()


def client_status():
    chan = client.held
    if chan is not None:
        client.status = dma_async_is_tx_complete(chan)


def client_release():
    chan = client.held
    if chan is not None:
        client.held = None
        dma_release_channel(chan)


SCENARIOS = [
    Scenario(
        name="dma-chan-unregister",
        description="a client holds channel 0 while the provider removes it",
        actors=[
            Actor(
                name="client",
                actions=[
                    Action(client_request, name="dma_request_channel"),
                    Action(client_status, name="tx_status"),
                    Action(client_release, name="dma_release_channel"),
                ],
                default=(0, 1, 2),
                min=1,
                max=4,
            ),
            Thread(hotplug_remove_chan0, name="chan-remove"),
        ],
        boot=[boot_provider],
        variants={
            "fixed": {},
            "no-release": {
                myprov_setup: myprov_setup_no_release,
                myprov_remove_chan: myprov_remove_chan_free,
            },
            "free-in-use": {
                myprov_setup: myprov_setup_plain,
                myprov_remove_chan: myprov_remove_chan_free,
            },
            "free-first": {
                myprov_setup: myprov_setup_plain,
                myprov_remove_chan: myprov_remove_chan_free_first,
            },
        },
        default_variant="fixed",
        expect={
            "fixed": "clean",
            "no-release": "WARNING",
            "free-in-use": "KASAN: slab-use-after-free",
            "free-first": "KASAN: slab-use-after-free",
        },
    ),
]
