"""Instruction emission for one IR function: the code buffer, jump labels and registers.

`CodeBuffer` collects IR instructions with the model line of each, and resolves forward jump
labels when the function is finished. `Registers` numbers the parameters and named locals first
and hands out temporaries above them as a stack (`mark`/`release`), remembering the high-water
mark that becomes the IR `locals` count. Nothing here knows Python syntax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Label:
    """A jump target; placed once, possibly after the jumps that refer to it."""

    __slots__ = ("pos",)

    def __init__(self) -> None:
        self.pos: int | None = None


@dataclass
class CodeBuffer:
    """The instructions of one function under construction."""

    line: int = 0
    code: list[list[Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def emit(self, *instr: Any) -> None:
        """Append one instruction at the current line (`Label`s are resolved at `finish`)."""
        self.code.append(list(instr))
        self.lines.append(self.line)

    def place(self, label: Label) -> None:
        """Make `label` refer to the next instruction emitted."""
        label.pos = len(self.code)

    def finish(self) -> tuple[list[list[Any]], list[int]]:
        """The code with every label replaced by its position, and the line table."""
        for instr in self.code:
            for i, operand in enumerate(instr):
                if isinstance(operand, Label):
                    if operand.pos is None:
                        raise AssertionError("invariant: every jump label is placed")
                    instr[i] = operand.pos
        return self.code, self.lines


class Registers:
    """Register numbering: parameters, then named locals, then a stack of temporaries."""

    def __init__(self, names: list[str]) -> None:
        self._named = {name: i for i, name in enumerate(names)}
        self._next = len(names)
        self.size = len(names)

    def local(self, name: str) -> int | None:
        """The register of a parameter or local, or None for a non-local name."""
        return self._named.get(name)

    def temp(self) -> int:
        """A fresh temporary register, live until the enclosing `release`."""
        reg = self._next
        self._next += 1
        self.size = max(self.size, self._next)
        return reg

    def mark(self) -> int:
        """The current top of the temporary stack."""
        return self._next

    def release(self, mark: int) -> None:
        """Free every temporary allocated since `mark`."""
        self._next = mark
