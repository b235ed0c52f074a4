"""Mutation payloads: the object written, or the errors that kept anything from being written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from domain.principal import Principal
from resolvers.mutations import Result
from schema.common import UserError

if TYPE_CHECKING:
    from schema.contact import Contact
    from schema.identity import Viewer
    from schema.partner import Partner

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partner")]
ContactRef = Annotated["Contact", strawberry.lazy("schema.contact")]
ViewerRef = Annotated["Viewer", strawberry.lazy("schema.identity")]


@strawberry.type
class LoginPayload:
    token: str | None = None
    expires_at: datetime | None = None
    viewer: Principal | None = strawberry.field(
        default=None,
        description="The signed-in viewer, decided as for its next request.",
        graphql_type=ViewerRef | None,
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
    retry_after: int | None = strawberry.field(
        default=None,
        description="With TOO_MANY_ATTEMPTS: seconds until another attempt may be made.",
    )


@strawberry.type
class PartnerPayload:
    partner: PartnerRef | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpsertPartnersPayload:
    partners: list[PartnerRef] = strawberry.field(
        default_factory=list, description="In input order."
    )
    created: int = 0
    updated: int = strawberry.field(
        default=0, description="Inputs that matched an existing partner by externalId."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactPayload:
    contact: ContactRef | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InviteContactPayload:
    contact: ContactRef | None = None
    invitation_token: str | None = strawberry.field(
        default=None, description="Single-use; hand it to the invitee (e.g. in a link)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiKeyPayload:
    id: strawberry.ID | None = None
    secret: str | None = strawberry.field(default=None, description="Shown once; store it now.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    deleted: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="For content and experience configuration.")
class ConfigPayload:
    id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


P = TypeVar("P")


def payload(cls: Callable[..., P], result: Result[Any], **fields: Any) -> P:
    """A mutation's payload: `fields` when it succeeded, else its problems as `errors`.

    Each field's value may be a function of the service's result, e.g.
    `payload(PartnerPayload, result, partner=lambda value: value)`.
    """
    errors = UserError.from_problems(result.problems)
    if not result.ok or result.value is None:
        return cls(errors=errors)
    values = {name: make(result.value) if callable(make) else make for name, make in fields.items()}
    return cls(**values, errors=errors)


def same(value: Any) -> Any:
    return value


def config_payload(result: Result[str]) -> ConfigPayload:
    """ConfigPayload for services that return the configured object's id."""
    return payload(ConfigPayload, result, id=strawberry.ID)


def delete_payload(result: Result[Any]) -> DeletePayload:
    return DeletePayload(deleted=result.ok, errors=UserError.from_problems(result.problems))
