"""Root fields for the portal shell: tabs, pages, forms and coach tips (vendor admins
configure them), form submissions and the partner profile (partner contacts)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from domain import models, portal
from domain.portal import Kind
from permissions.actions import EDIT_PARTNER_PROFILE
from resolvers import portal as resolve
from resolvers.context import Info
from schema.access import AudienceInput
from schema.form import Form, FormSubmissionPayload
from schema.inputs import provided
from schema.payloads import (
    ConfigPayload,
    DeletePayload,
    PartnerPayload,
    config_payload,
    delete_payload,
    payload,
    same,
)
from schema.roots import ADMIN, Allow, mutation, query

CONFIGURE = Allow(staff=ADMIN)
SUBMIT = Allow(contacts=True)
UNSET: Any = strawberry.UNSET


def _spec(**arguments: Any) -> dict[str, Any]:
    """The arguments the client sent (explicit nulls included), audiences as plain dicts."""
    spec = {name: value for name, value in arguments.items() if value is not strawberry.UNSET}
    if isinstance(spec.get("audience"), AudienceInput):
        spec["audience"] = provided(spec["audience"])
    return spec


async def _create(info: Info, kind: Kind, spec: dict[str, Any]) -> ConfigPayload:
    return config_payload(await resolve.create(info, kind, spec))


async def _update(info: Info, kind: Kind, key: str, spec: dict[str, Any]) -> ConfigPayload:
    return config_payload(await resolve.update(info, kind, key, spec))


async def _delete(info: Info, kind: Kind, key: str) -> DeletePayload:
    return delete_payload(await resolve.delete(info, kind, key))


@strawberry.type
class Query:
    @query(
        "The forms the viewer may submit, by key (staff and API keys: every form). "
        "UNAUTHENTICATED without valid credentials.",
        graphql_type=list[Form],
    )
    async def forms(self, info: Info) -> list[models.Form]:
        return await resolve.forms(info)


@strawberry.type
class Mutation:
    # ---------------------------------------------------------------- tabs
    @mutation(
        "Add a navigation tab (key: lowercase-kebab, unique). ConfigPayload.id is the key.",
        CONFIGURE,
    )
    async def create_tab(
        self,
        info: Info,
        key: str,
        label: str,
        path: str,
        order: int | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        spec = _spec(key=key, label=label, path=path, order=order, audience=audience)
        return await _create(info, portal.TAB, spec)

    @mutation(
        "Change a tab: omitted arguments stay as they are; audience null: every contact.",
        CONFIGURE,
    )
    async def update_tab(
        self,
        info: Info,
        key: str,
        label: str | None = UNSET,
        path: str | None = UNSET,
        order: int | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        spec = _spec(label=label, path=path, order=order, audience=audience)
        return await _update(info, portal.TAB, key, spec)

    @mutation("Remove a tab.", CONFIGURE)
    async def delete_tab(self, info: Info, key: str) -> DeletePayload:
        return await _delete(info, portal.TAB, key)

    # ---------------------------------------------------------------- pages
    @mutation(
        "Add a page; a contact's homepage is the highest-priority page it matches. "
        "ConfigPayload.id is the key.",
        CONFIGURE,
    )
    async def create_page(
        self,
        info: Info,
        key: str,
        title: str,
        body: str | None = None,
        priority: int | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        spec = _spec(key=key, title=title, body=body, priority=priority, audience=audience)
        return await _create(info, portal.PAGE, spec)

    @mutation(
        "Change a page: omitted arguments stay as they are; audience null: every contact.",
        CONFIGURE,
    )
    async def update_page(
        self,
        info: Info,
        key: str,
        title: str | None = UNSET,
        body: str | None = UNSET,
        priority: int | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        spec = _spec(title=title, body=body, priority=priority, audience=audience)
        return await _update(info, portal.PAGE, key, spec)

    @mutation("Remove a page.", CONFIGURE)
    async def delete_page(self, info: Info, key: str) -> DeletePayload:
        return await _delete(info, portal.PAGE, key)

    # ---------------------------------------------------------------- forms
    @mutation(
        'Add a form. fields: [{"name", "label", "type", "required"}] (type STRING, NUMBER, '
        'BOOLEAN or DATE); onSubmit: [{"path", "value"}] with a partner or contact rule path '
        "a form may set. ConfigPayload.id is the key.",
        CONFIGURE,
    )
    async def create_form(
        self,
        info: Info,
        key: str,
        title: str,
        fields: JSON,
        on_submit: JSON,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        spec = _spec(key=key, title=title, fields=fields, onSubmit=on_submit, audience=audience)
        return await _create(info, portal.FORM, spec)

    @mutation(
        "Change a form: omitted arguments stay as they are; audience null: every contact.",
        CONFIGURE,
    )
    async def update_form(
        self,
        info: Info,
        key: str,
        title: str | None = UNSET,
        fields: JSON | None = UNSET,
        on_submit: JSON | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        spec = _spec(title=title, fields=fields, onSubmit=on_submit, audience=audience)
        return await _update(info, portal.FORM, key, spec)

    @mutation("Remove a form (its submissions are kept).", CONFIGURE)
    async def delete_form(self, info: Info, key: str) -> DeletePayload:
        return await _delete(info, portal.FORM, key)

    # ---------------------------------------------------------------- coach tips
    @mutation(
        "Add a deal-coach tip for a deal stage (null: every stage). ConfigPayload.id is the key.",
        CONFIGURE,
    )
    async def create_coach_tip(
        self,
        info: Info,
        key: str,
        text: str,
        stage: str | None = None,
        audience: AudienceInput | None = None,
    ) -> ConfigPayload:
        spec = _spec(key=key, text=text, stage=stage, audience=audience)
        return await _create(info, portal.COACH_TIP, spec)

    @mutation(
        "Change a tip: omitted arguments stay as they are; stage null: every stage; "
        "audience null: every contact.",
        CONFIGURE,
    )
    async def update_coach_tip(
        self,
        info: Info,
        key: str,
        text: str | None = UNSET,
        stage: str | None = UNSET,
        audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        spec = _spec(text=text, stage=stage, audience=audience)
        return await _update(info, portal.COACH_TIP, key, spec)

    @mutation("Remove a tip.", CONFIGURE)
    async def delete_coach_tip(self, info: Info, key: str) -> DeletePayload:
        return await _delete(info, portal.COACH_TIP, key)

    # ---------------------------------------------------------------- partner side
    @mutation(
        "Submit a form the viewer's audiences offer it: values (an object of field names) are "
        "kept, its onSubmit updates apply to the viewer's partner and contact, and the "
        "payload's viewer already shows the portal that results. A form the viewer does not "
        "match is NOT_FOUND.",
        SUBMIT,
    )
    async def submit_form(self, info: Info, key: str, values: JSON) -> FormSubmissionPayload:
        return payload(
            FormSubmissionPayload, await resolve.submit_form(info, key, values), viewer=same
        )

    @mutation(
        "Change the viewer's own company through its PARTNER_PROFILE layout (record type "
        '"default"): values holds PartnerInput names and attribute keys the layout lists and '
        "does not make read-only. With expectedVersion, a stale version is VERSION_CONFLICT.",
        EDIT_PARTNER_PROFILE,
    )
    async def update_partner_profile(
        self, info: Info, values: JSON, expected_version: int | None = None
    ) -> PartnerPayload:
        result = await resolve.update_partner_profile(info, values, expected_version)
        return payload(PartnerPayload, result, partner=same)
