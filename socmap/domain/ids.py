"""Typed identifiers: a GroupId can never be passed where a NominalId is expected."""

from typing import NewType

AreaId = NewType("AreaId", int)
GroupId = NewType("GroupId", int)
NominalId = NewType("NominalId", int)
MembershipId = NewType("MembershipId", int)
LocationId = NewType("LocationId", int)
IntelId = NewType("IntelId", int)
PartnerId = NewType("PartnerId", int)
DisruptionId = NewType("DisruptionId", int)
AssessmentId = NewType("AssessmentId", int)
