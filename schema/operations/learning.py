"""Root fields for learning: courses, enrolments and progress, certifications and awards."""

from __future__ import annotations

import strawberry

from domain import models
from domain.principal import SCOPES
from resolvers import learning as resolve
from resolvers.context import Info
from schema.access import AudienceInput
from schema.certification import Certification
from schema.course import Course
from schema.operations.content import UNSET, arguments, id_of
from schema.payloads import ConfigPayload, DeletePayload, delete_payload, payload
from schema.roots import ADMIN, ALL_STAFF, EDITORS, Allow, mutation, query

READ_LEARNING = Allow(staff=ALL_STAFF, contacts=True, scopes=SCOPES)
CONFIGURE = Allow(staff=ADMIN)
AWARD = Allow(staff=EDITORS)
OWN_LEARNING = Allow(contacts=True)


@strawberry.type
class Query:
    @query(
        "Courses the viewer may see (staff and API keys: every course), by title.",
        READ_LEARNING,
        graphql_type=list[Course],
    )
    async def courses(self, info: Info) -> list[models.Course]:
        return await resolve.courses_for_viewer(info)

    @query(
        "Every certification definition, by name.",
        READ_LEARNING,
        graphql_type=list[Certification],
    )
    async def certifications(self, info: Info) -> list[models.Certification]:
        return await resolve.certification_definitions(info)


@strawberry.type
class Mutation:
    @mutation(
        "Create a course. Everyone matching `autoEnrollAudience` is enrolled at once, and "
        "whoever comes to match it later in the same transaction as the change that made it "
        "match (null: nobody automatically; {} : every partner contact). "
        "`certificationKey` (an addition to the contract) names a certification that "
        "completing the course awards (source COURSE).",
        CONFIGURE,
    )
    async def create_course(
        self,
        info: Info,
        key: str,
        title: str,
        audience: AudienceInput | None = None,
        auto_enroll_audience: AudienceInput | None = None,
        certification_key: str | None = None,
    ) -> ConfigPayload:
        patch = arguments(
            key=key,
            title=title,
            audience=audience,
            autoEnrollAudience=auto_enroll_audience,
            certificationKey=certification_key,
        )
        return payload(ConfigPayload, await resolve.create_course(info, patch), id=id_of("Course"))

    @mutation(
        "Change a course by key (the key stays). Omitted arguments are unchanged. A new "
        "auto-enrol audience enrols everyone matching it now; a newly named certification is "
        "awarded to those who completed the course already.",
        CONFIGURE,
    )
    async def update_course(
        self,
        info: Info,
        key: str,
        title: str | None = UNSET,
        audience: AudienceInput | None = UNSET,
        auto_enroll_audience: AudienceInput | None = UNSET,
        certification_key: str | None = UNSET,
    ) -> ConfigPayload:
        patch = arguments(
            title=title,
            audience=audience,
            autoEnrollAudience=auto_enroll_audience,
            certificationKey=certification_key,
        )
        result = await resolve.update_course(info, key, patch)
        return payload(ConfigPayload, result, id=id_of("Course"))

    @mutation(
        "Remove a course and its enrolments: it leaves its completers' completed courses "
        "(segments and metrics move). Certifications it awarded stay.",
        CONFIGURE,
    )
    async def delete_course(self, info: Info, key: str) -> DeletePayload:
        return delete_payload(await resolve.delete_course(info, key))

    @mutation(
        "Enrol yourself in a course you may see (already enrolled: unchanged). `id` is the "
        "enrolment's. An addition to the contract.",
        OWN_LEARNING,
    )
    async def enroll_in_course(self, info: Info, key: str) -> ConfigPayload:
        return payload(ConfigPayload, await resolve.enroll(info, key), id=id_of("Enrollment"))

    @mutation(
        "Record your progress in one of your enrolments: 0.0 to 1.0, 1.0 completes the course "
        "(and it stays completed). Another contact's enrolment is NOT_FOUND.",
        OWN_LEARNING,
    )
    async def record_course_progress(
        self, info: Info, enrollment_id: strawberry.ID, progress: float
    ) -> ConfigPayload:
        result = await resolve.record_progress(info, enrollment_id, progress)
        return payload(ConfigPayload, result, id=id_of("Enrollment"))

    @mutation(
        "Create a certification. Held exactly while a contact matches `awardAudience` (source "
        "AUDIENCE); null: held only when awarded by hand or by a course. An audience that "
        "depends on a segment whose rule reads this certification is CYCLE.",
        CONFIGURE,
    )
    async def create_certification(
        self, info: Info, key: str, name: str, award_audience: AudienceInput | None = None
    ) -> ConfigPayload:
        raw = arguments(audience=award_audience).get("audience")
        result = await resolve.create_certification(info, key, name, raw)
        return payload(ConfigPayload, result, id=id_of("Certification"))

    @mutation(
        "Rename or re-audience a certification by key (omitted: unchanged; null awardAudience: "
        "no longer held by audience). Holders by audience follow at once.",
        CONFIGURE,
    )
    async def update_certification(
        self,
        info: Info,
        key: str,
        name: str | None = UNSET,
        award_audience: AudienceInput | None = UNSET,
    ) -> ConfigPayload:
        patch = arguments(name=name, awardAudience=award_audience)
        result = await resolve.update_certification(info, key, patch)
        return payload(ConfigPayload, result, id=id_of("Certification"))

    @mutation(
        "Remove a certification: every holder loses it (segments and metrics move), courses "
        "stop awarding it.",
        CONFIGURE,
    )
    async def delete_certification(self, info: Info, key: str) -> DeletePayload:
        return delete_payload(await resolve.delete_certification(info, key))

    @mutation(
        "Award a certification by hand (source MANUAL); one already held stays as it is. "
        "Channel managers award to contacts of their partners (others: NOT_FOUND). `id` is the "
        "contact's.",
        AWARD,
    )
    async def award_certification(
        self, info: Info, contact_id: strawberry.ID, key: str
    ) -> ConfigPayload:
        result = await resolve.award(info, contact_id, key)
        return payload(ConfigPayload, result, id=id_of("Contact"))
