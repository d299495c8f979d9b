"""Error types of the engine: scheme errors and input errors, always reported together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SchemeError:
    """One problem in a scheme: the file, the path inside it and the reason."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class SchemeErrors(ValueError):
    """All problems found in a scheme (never only the first)."""

    def __init__(self, errors: list[SchemeError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __iter__(self):
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)


@dataclass(frozen=True)
class InputError:
    """One problem in the inputs: table (sheet), row (1-based data row), column and reason."""

    table: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = [self.table]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return f"{', '.join(parts)}: {self.message}"


class InputErrors(ValueError):
    """All problems found in the inputs of a computation."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))

    def __iter__(self):
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)
