"""Forms partner contacts submit, and what a submission changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from domain import models
from domain.audiences import AudienceSpec
from domain.principal import Principal
from resolvers import layouts as resolve
from resolvers.context import Info
from schema.common import UserError

if TYPE_CHECKING:
    from schema.access import Audience
    from schema.identity import Viewer

AudienceRef = Annotated["Audience", strawberry.lazy("schema.access")]
ViewerRef = Annotated["Viewer", strawberry.lazy("schema.identity")]


@strawberry.type(description="One field of a form, in display order.")
class FormField:
    name: str
    label: str
    type: str = strawberry.field(description="STRING, NUMBER, BOOLEAN or DATE.")
    required: bool


@strawberry.type(description="A change a submission makes to the submitter's partner or contact.")
class PropertyUpdate:
    path: str = strawberry.field(description='A rule path, e.g. "partner.phase".')
    value: JSON | None = strawberry.field(description='e.g. "SIGNED_AGREEMENT"; null clears.')


@strawberry.type(description="A form partner contacts submit; onSubmit says what it changes.")
class Form:
    key: str
    title: str

    @strawberry.field(description="In display order.")
    def fields(self, root: strawberry.Parent[models.Form]) -> list[FormField]:
        return [
            FormField(name=f["name"], label=f["label"], type=f["type"], required=f["required"])
            for f in root.fields
        ]

    @strawberry.field(description="Applied in order, in the submission's transaction.")
    def on_submit(self, root: strawberry.Parent[models.Form]) -> list[PropertyUpdate]:
        return [PropertyUpdate(path=u["path"], value=u["value"]) for u in root.on_submit]

    @strawberry.field(description="null: every partner contact.", graphql_type=AudienceRef | None)
    async def audience(
        self, root: strawberry.Parent[models.Form], info: Info
    ) -> AudienceSpec | None:
        return await resolve.audience(info, root.audience_id)


@strawberry.type
class FormSubmissionPayload:
    viewer: Principal | None = strawberry.field(
        default=None,
        description="The submitter, answered after the submission: its new navigation, "
        "homepage, capabilities and forms.",
        graphql_type=ViewerRef | None,
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
