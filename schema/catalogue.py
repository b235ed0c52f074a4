"""The data catalogue: picklists and custom attribute definitions."""

from __future__ import annotations

import strawberry

from domain import catalogue as domain_catalogue
from domain import models

# The domain enums themselves, shown in GraphQL under these names (strawberry.enum registers
# them in place).
AttributeSubject = domain_catalogue.AttributeSubject
AttributeType = domain_catalogue.AttributeType
strawberry.enum(AttributeSubject, name="AttributeSubject")
strawberry.enum(AttributeType, name="AttributeType")


@strawberry.type
class AttributeDefinition:
    @strawberry.field
    def subject(self, root: strawberry.Parent[models.AttributeDefinition]) -> AttributeSubject:
        return AttributeSubject(root.subject)

    key: str

    @strawberry.field
    def type(self, root: strawberry.Parent[models.AttributeDefinition]) -> AttributeType:
        return AttributeType(root.type)

    label: str


@strawberry.type
class PicklistValue:
    value: str
    label: str
    rank: int = strawberry.field(description="Order for comparisons on ranked picklists (tier).")


@strawberry.type
class Picklist:
    field: str = strawberry.field(
        description="partner.type, partner.tier, partner.region or partner.phase."
    )
    values: list[PicklistValue]


@strawberry.input
class PicklistValueInput:
    value: str
    label: str | None = None
    rank: int | None = strawberry.field(
        default=None, description="Defaults to the position, from 1."
    )
