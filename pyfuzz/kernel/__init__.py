"""The kernel library: the Linux driver core, PCI, IRQ, char-device and dmaengine paths in the
pyfuzz model language, one module per kernel source area (see docs/model.md).

Function names are the kernel's, so they appear as such in the call traces of findings. Where
the kernel changed behaviour, each version is a separate function named after it (e.g.
`free_msi_irqs_2017`, `pci_intx_hybrid_611`); scenarios select versions through variants.
Step orders follow the kernel source file each module names; `[V ...]` marks a step order
verified against that file, `[I]` one inferred from the code around it.
"""
