"""A model that allocates in a loop and never frees: the heap cap stops it."""

from pyfuzz.model import *


class Page(Struct):
    words: Array[int, 4096]
    next: Ref["Page"]


class Pool(Struct):
    head: Ref[Page]


pool = Global(Pool)


def hoard():
    while True:
        page = kzalloc(Page, GFP_KERNEL)
        page.next = pool.head
        pool.head = page


hog = Scenario(name="hog", actors=[Thread(hoard, name="hoarder")])
