"""drivers/pci/pci.c pci_intx(): its versions.

* `pci_intx` - current, after dfa2f4d5f9e5 "PCI: Remove devres from pci_intx()": a pure
  PCI_COMMAND read-modify-write, never managed, never allocates.
* `pci_intx_pre611` - before 6.11: records orig_intx in the pci_devres node allocated by
  pcim_enable_device; no allocation here.
* `pci_intx_hybrid_611` - 25216afc9db5 (6.11): when pci_is_managed(), redirect to pcim_intx(),
  which may devres_alloc(GFP_KERNEL) + devres_add.
* `pci_intx_e0c0b1cb2e0d` - "PCI: Fix devres regression in pci_intx()": redirect to the managed
  path only when the command word changes.
Checked against the diffs on linux-pci: e0c0b1cb2e0d moves the `if (pci_is_managed(pdev))
{ WARN_ON_ONCE(pcim_intx(pdev, enable) != 0); return; }` block from the top of pci_intx() into
`if (new != pci_command)`; dfa2f4d5f9e5 deletes it (pci_intx() = read, modify, write if changed).
"""

from pyfuzz.model import *


def pci_intx(pdev, enable):
    new = 0 if enable else 1
    if pdev.intx_disable != new:
        pdev.intx_disable = new


def pci_intx_pre611(pdev, enable):
    new = 0 if enable else 1
    if pdev.intx_disable != new:
        pdev.intx_disable = new
        if pdev.is_managed:
            dr = pdev.pci_dr
            if dr is not None:
                dr.ival = 2 | (0 if enable else 1)   # restore_intx | orig_intx


def pci_intx_hybrid_611(pdev, enable):
    if pdev.is_managed:
        WARN_ON(pcim_intx(pdev, enable) != 0)
        return
    new = 0 if enable else 1
    if pdev.intx_disable != new:
        pdev.intx_disable = new


def pci_intx_e0c0b1cb2e0d(pdev, enable):
    new = 0 if enable else 1
    if pdev.intx_disable != new:
        # "Preserve the hybrid behavior for backwards compatibility"
        if pdev.is_managed:
            WARN_ON(pcim_intx(pdev, enable) != 0)
            return
        pdev.intx_disable = new


from pyfuzz.kernel.pci_devres import pcim_intx  # noqa: E402
