"""Shared pieces of the scheme language."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: keys are English snake_case: they become column names and paths.
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Strict(BaseModel):
    """Every scheme object forbids unknown fields, so a typo in YAML is an error."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=True)


class Named(Strict):
    """An object with an English key and Chinese and English names."""

    key: Key
    name_zh: str
    name_en: str
