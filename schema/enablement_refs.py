"""Lazy references to the enablement types, for the Viewer (schema.identity) to name without
importing them (they import what the Viewer imports)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

if TYPE_CHECKING:
    from schema.certification import CertificationHeld
    from schema.course import Enrollment
    from schema.goal import GoalProgress

EnrollmentRef = Annotated["Enrollment", strawberry.lazy("schema.course")]
CertificationHeldRef = Annotated["CertificationHeld", strawberry.lazy("schema.certification")]
GoalProgressRef = Annotated["GoalProgress", strawberry.lazy("schema.goal")]
