"""Courses: visibility by audience, auto-enrolment in the transaction that makes a contact
match (whatever made it match), progress each contact records on its own enrolments, and
what completing a course changes (completed courses, metrics, a certification)."""

from __future__ import annotations

from typing import Any

from domain.principal import ContactRole, StaffRole
from tests.records import snapshot
from tests.support import Api, create_segment

CREATE_COURSE = """
mutation($key: String!, $title: String!, $audience: AudienceInput,
         $auto: AudienceInput, $certification: String) {
  createCourse(key: $key, title: $title, audience: $audience, autoEnrollAudience: $auto,
               certificationKey: $certification) { id errors { path code message } } }
"""
UPDATE_COURSE = """
mutation($key: String!, $auto: AudienceInput, $certification: String) {
  updateCourse(key: $key, autoEnrollAudience: $auto, certificationKey: $certification) {
    id errors { path code message } } }
"""
DELETE_COURSE = 'mutation { deleteCourse(key: "onboarding") { deleted errors { code } } }'
PROGRESS = """
mutation($id: ID!, $progress: Float!) {
  recordCourseProgress(enrollmentId: $id, progress: $progress) {
    id errors { path code message } } }
"""
ENROL = """
mutation($key: String!) { enrollInCourse(key: $key) { id errors { path code message } } }
"""
MINE = """
{ viewer { enrollments { id status progress enrolledAt completedAt course { key title } }
           certifications { source certification { key } } } }
"""
COURSES = """
{ courses { key title certificationKey audience { anySegments } autoEnrollAudience { roles } } }
"""
UPDATE_PARTNER = """
mutation($id: ID!, $input: PartnerInput!) {
  updatePartner(id: $id, input: $input) { errors { path code } } }
"""
UPDATE_SEGMENT = """
mutation($key: String!, $input: SegmentInput!) {
  updateSegment(key: $key, input: $input) { errors { path code } } }
"""
SET_ROLE = """
mutation($id: ID!, $role: ContactRole!) {
  setContactRole(contactId: $id, role: $role) { errors { path code } } }
"""
INVITE = """
mutation($partnerId: ID!, $email: String!) {
  inviteContact(partnerId: $partnerId, email: $email, name: "New Person", role: SALES_REP) {
    contact { id } errors { path code } } }
"""
CERTIFY = """
mutation($key: String!, $audience: AudienceInput) {
  createCertification(key: $key, name: "Certified", awardAudience: $audience) {
    errors { path code } } }
"""
PARTNER_METRICS = """
query($id: ID!) { partner(id: $id) { metrics { trainingCompletionRate } } }
"""
MEMBERS = """
query($key: String!) { segment(key: $key) { members { edges { node { id } } } } }
"""
ONBOARDING = {"field": "partner.phase", "op": "in", "value": ["SIGNED_AGREEMENT", "ONBOARDING"]}


async def _course(api: Api, admin: str, key: str = "onboarding", **fields: Any) -> str:
    variables = {"key": key, "title": key.replace("-", " ").title(), **fields}
    response = await api.gql(CREATE_COURSE, variables, token=admin)
    payload = response.data["createCourse"]
    assert payload["errors"] == [], payload["errors"]
    return payload["id"]


async def _mine(api: Api, token: str) -> dict[str, Any]:
    response = await api.gql(MINE, token=token)
    assert response.errors == [], response.errors
    return response.data["viewer"]


async def _enrollments(api: Api, token: str) -> list[tuple[str, str, float]]:
    viewer = await _mine(api, token)
    return [(e["course"]["key"], e["status"], e["progress"]) for e in viewer["enrollments"]]


async def _progress(api: Api, token: str, enrollment_id: str, value: float) -> dict[str, Any]:
    response = await api.gql(PROGRESS, {"id": enrollment_id, "progress": value}, token=token)
    assert response.errors == [], response.errors
    return response.data["recordCourseProgress"]


async def _onboarding_programme(api: Api, admin: str) -> None:
    await create_segment(api, admin, "newly-signed", ONBOARDING)
    await _course(api, admin, auto={"anySegments": ["newly-signed"]})


async def test_a_partner_that_comes_to_match_is_enrolled_and_keeps_its_progress_after_leaving(
    api: Api,
) -> None:
    # given: a prospect, not yet in the auto-enrol audience
    admin, _ = await api.staff()
    await _onboarding_programme(api, admin)
    partner = await api.partner(phase="PROSPECTING")
    token, _ = await api.contact(partner)
    assert await _enrollments(api, token) == []
    # when: it signs its agreement
    signed = await api.gql(
        UPDATE_PARTNER, {"id": partner, "input": {"phase": "SIGNED_AGREEMENT"}}, token=admin
    )
    # then: enrolled in the same request
    assert signed.data["updatePartner"]["errors"] == []
    assert await _enrollments(api, token) == [("onboarding", "ENROLLED", 0.0)]
    enrollment = (await _mine(api, token))["enrollments"][0]
    assert enrollment["completedAt"] is None
    # and its progress stays when the partner leaves the audience
    assert (await _progress(api, token, enrollment["id"], 0.5))["errors"] == []
    await api.gql(UPDATE_PARTNER, {"id": partner, "input": {"phase": "ACTIVE"}}, token=admin)
    assert await _enrollments(api, token) == [("onboarding", "IN_PROGRESS", 0.5)]


async def test_creating_a_course_enrols_everyone_matching_its_audience_at_once(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "newly-signed", ONBOARDING)
    signed = [await api.partner(phase="SIGNED_AGREEMENT") for _ in range(3)]
    tokens = [(await api.contact(p))[0] for p in signed]
    active, _ = await api.contact(await api.partner(phase="ACTIVE"))
    # when
    await _course(api, admin, auto={"anySegments": ["newly-signed"]})
    # then
    for token in tokens:
        assert await _enrollments(api, token) == [("onboarding", "ENROLLED", 0.0)]
    assert await _enrollments(api, active) == []


async def test_a_rule_change_that_brings_contacts_in_enrols_them(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _onboarding_programme(api, admin)
    token, _ = await api.contact(await api.partner(phase="ACTIVE"))
    # when
    changed = await api.gql(
        UPDATE_SEGMENT,
        {
            "key": "newly-signed",
            "input": {"rule": {"field": "partner.phase", "op": "eq", "value": "ACTIVE"}},
        },
        token=admin,
    )
    # then
    assert changed.data["updateSegment"]["errors"] == []
    assert await _enrollments(api, token) == [("onboarding", "ENROLLED", 0.0)]


async def test_a_role_change_or_a_new_contact_that_matches_is_enrolled(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _course(api, admin, "admin-basics", auto={"roles": ["ADMIN"]})
    partner = await api.partner()
    token, contact = await api.contact(partner, ContactRole.SALES_REP)
    other, _ = await api.contact(partner, ContactRole.FINANCE)
    # when
    promoted = await api.gql(SET_ROLE, {"id": contact, "role": "ADMIN"}, token=admin)
    # then
    assert promoted.data["setContactRole"]["errors"] == []
    assert await _enrollments(api, token) == [("admin-basics", "ENROLLED", 0.0)]
    assert await _enrollments(api, other) == []
    # and a course open to everyone enrols a contact invited later
    await _course(api, admin, "welcome", auto={})
    invited = await api.gql(
        INVITE, {"partnerId": partner, "email": "new@p.example.com"}, token=admin
    )
    assert invited.data["inviteContact"]["errors"] == []
    assert [key for key, _, _ in await _enrollments(api, other)] == ["welcome"]


async def test_each_progress_error_is_reported_and_nothing_is_written(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _course(api, admin, auto={})
    partner = await api.partner()
    mine, _ = await api.contact(partner)
    colleague, _ = await api.contact(partner)
    stranger, _ = await api.contact(await api.partner())
    own_id = (await _mine(api, mine))["enrollments"][0]["id"]
    colleagues_id = (await _mine(api, colleague))["enrollments"][0]["id"]
    strangers_id = (await _mine(api, stranger))["enrollments"][0]["id"]
    before = await snapshot(api)
    # when
    below = await _progress(api, mine, own_id, -0.01)
    above = await _progress(api, mine, own_id, 1.01)
    others = [
        await _progress(api, mine, colleagues_id, 0.5),
        await _progress(api, mine, strangers_id, 0.5),
        await _progress(api, mine, "RW5yb2xsbWVudDo5OTk5OQ", 0.5),
        await _progress(api, mine, "not an id", 0.5),
    ]
    both = await _progress(api, mine, strangers_id, 2.0)
    staff = await api.gql(PROGRESS, {"id": own_id, "progress": 0.5}, token=admin)
    # then
    assert [(e["path"], e["code"]) for e in below["errors"]] == [(["progress"], "INVALID_VALUE")]
    assert [(e["path"], e["code"]) for e in above["errors"]] == [(["progress"], "INVALID_VALUE")]
    for refused in others:
        assert [(e["path"], e["code"]) for e in refused["errors"]] == [
            (["enrollmentId"], "NOT_FOUND")
        ]
    assert [e["code"] for e in both["errors"]] == ["NOT_FOUND", "INVALID_VALUE"]
    assert staff.error_codes == ["FORBIDDEN"]
    assert await snapshot(api) == before


async def test_completion_is_final_and_moves_completed_courses_and_the_metric(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _course(api, admin, auto={})
    await create_segment(
        api,
        admin,
        "onboarded",
        {"field": "contact.completedCourses", "op": "contains", "value": "onboarding"},
        subject="CONTACT",
    )
    partner = await api.partner()
    token, contact = await api.contact(partner)
    await api.contact(partner, sign_in=False)
    enrollment_id = (await _mine(api, token))["enrollments"][0]["id"]
    # when
    done = await _progress(api, token, enrollment_id, 1.0)
    later = await _progress(api, token, enrollment_id, 0.25)
    # then
    assert done == {"id": enrollment_id, "errors": []}
    assert later == {"id": enrollment_id, "errors": []}
    (enrollment,) = (await _mine(api, token))["enrollments"]
    assert (enrollment["status"], enrollment["progress"]) == ("COMPLETED", 1.0)
    assert enrollment["completedAt"] is not None
    members = await api.gql(MEMBERS, {"key": "onboarded"}, token=admin)
    assert [e["node"]["id"] for e in members.data["segment"]["members"]["edges"]] == [contact]
    metrics = await api.gql(PARTNER_METRICS, {"id": partner}, token=admin)
    assert metrics.data["partner"]["metrics"]["trainingCompletionRate"] == 0.5


async def test_completing_a_course_that_names_a_certification_awards_it(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await api.gql(CERTIFY, {"key": "onboarded"}, token=admin)
    await _course(api, admin, auto={}, certification="onboarded")
    token, _ = await api.contact(await api.partner())
    enrollment_id = (await _mine(api, token))["enrollments"][0]["id"]
    assert (await _mine(api, token))["certifications"] == []
    # when
    await _progress(api, token, enrollment_id, 1.0)
    # then
    assert (await _mine(api, token))["certifications"] == [
        {"source": "COURSE", "certification": {"key": "onboarded"}}
    ]


async def test_naming_a_certification_later_awards_it_to_those_who_completed_already(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await _course(api, admin, auto={})
    token, _ = await api.contact(await api.partner())
    enrollment_id = (await _mine(api, token))["enrollments"][0]["id"]
    await _progress(api, token, enrollment_id, 1.0)
    await api.gql(CERTIFY, {"key": "onboarded"}, token=admin)
    # when
    changed = await api.gql(
        UPDATE_COURSE, {"key": "onboarding", "certification": "onboarded"}, token=admin
    )
    # then
    assert changed.data["updateCourse"]["errors"] == []
    assert (await _mine(api, token))["certifications"] == [
        {"source": "COURSE", "certification": {"key": "onboarded"}}
    ]


async def test_enrolments_and_progress_stay_within_their_contact(api: Api) -> None:
    # given: two companies in the same course
    admin, _ = await api.staff()
    await _course(api, admin, auto={})
    first, _ = await api.contact(await api.partner())
    second, _ = await api.contact(await api.partner())
    first_enrollment = (await _mine(api, first))["enrollments"][0]["id"]
    second_enrollment = (await _mine(api, second))["enrollments"][0]["id"]
    # when
    await _progress(api, first, first_enrollment, 0.75)
    refused = await _progress(api, second, first_enrollment, 1.0)
    # then
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    assert [e["id"] for e in (await _mine(api, second))["enrollments"]] == [second_enrollment]
    assert await _enrollments(api, first) == [("onboarding", "IN_PROGRESS", 0.75)]
    assert await _enrollments(api, second) == [("onboarding", "ENROLLED", 0.0)]
    assert (await _mine(api, admin))["enrollments"] == []


async def test_courses_show_by_audience_and_a_contact_enrols_in_one_it_may_see(
    api: Api,
) -> None:
    # given
    admin, _ = await api.staff()
    await create_segment(api, admin, "gold", {"field": "partner.tier", "op": "eq", "value": "GOLD"})
    await _course(api, admin, "basics")
    await _course(api, admin, "gold-mastery", audience={"anySegments": ["gold"]})
    silver, _ = await api.contact(await api.partner(tier="SILVER"))
    gold, _ = await api.contact(await api.partner(tier="GOLD"))
    # when
    silver_courses = await api.gql(COURSES, token=silver)
    refused = await api.gql(ENROL, {"key": "gold-mastery"}, token=silver)
    enrolled = await api.gql(ENROL, {"key": "gold-mastery"}, token=gold)
    again = await api.gql(ENROL, {"key": "gold-mastery"}, token=gold)
    # then
    assert [c["key"] for c in silver_courses.data["courses"]] == ["basics"]
    staff_courses = await api.gql(COURSES, token=admin)
    assert [c["key"] for c in staff_courses.data["courses"]] == ["basics", "gold-mastery"]
    assert [(e["path"], e["code"]) for e in refused.data["enrollInCourse"]["errors"]] == [
        (["key"], "NOT_FOUND")
    ]
    assert enrolled.data["enrollInCourse"]["errors"] == []
    assert again.data["enrollInCourse"]["id"] == enrolled.data["enrollInCourse"]["id"]
    assert await _enrollments(api, gold) == [("gold-mastery", "ENROLLED", 0.0)]


async def test_course_inputs_are_checked_and_only_vendor_admins_configure(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    manager, _ = await api.staff(StaffRole.CHANNEL_MANAGER)
    await _course(api, admin, "basics")
    # when
    bad = await api.gql(
        CREATE_COURSE,
        {"key": "Not A Key", "title": "", "certification": "no-such-thing"},
        token=admin,
    )
    duplicate = await api.gql(CREATE_COURSE, {"key": "basics", "title": "Again"}, token=admin)
    unknown = await api.gql(
        CREATE_COURSE, {"key": "x", "title": "X", "certification": "nope"}, token=admin
    )
    refused = await api.gql(CREATE_COURSE, {"key": "y", "title": "Y"}, token=manager)
    # then
    assert [(e["path"], e["code"]) for e in bad.data["createCourse"]["errors"]] == [
        (["key"], "INVALID_VALUE"),
        (["title"], "INVALID_VALUE"),
    ]
    assert [(e["path"], e["code"]) for e in duplicate.data["createCourse"]["errors"]] == [
        (["key"], "DUPLICATE")
    ]
    assert [(e["path"], e["code"]) for e in unknown.data["createCourse"]["errors"]] == [
        (["certificationKey"], "NOT_FOUND")
    ]
    assert refused.error_codes == ["FORBIDDEN"]


async def test_removing_a_course_takes_it_out_of_completed_courses(api: Api) -> None:
    # given
    admin, _ = await api.staff()
    await _course(api, admin, auto={})
    await create_segment(
        api,
        admin,
        "onboarded",
        {"field": "contact.completedCourses", "op": "contains", "value": "onboarding"},
        subject="CONTACT",
    )
    token, _ = await api.contact(await api.partner())
    await _progress(api, token, (await _mine(api, token))["enrollments"][0]["id"], 1.0)
    # when
    removed = await api.gql(DELETE_COURSE, token=admin)
    # then
    assert removed.data["deleteCourse"] == {"deleted": True, "errors": []}
    assert await _enrollments(api, token) == []
    members = await api.gql(MEMBERS, {"key": "onboarded"}, token=admin)
    assert members.data["segment"]["members"]["edges"] == []
