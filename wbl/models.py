"""Every feature's models, imported in one place so the metadata is complete whenever the
app exists (Alembic's autogenerate and the schema test compare against it)."""

from wbl.api.models import ApiToken
from wbl.auth.models import SsoIdentity, User, UserRole
from wbl.calendars.models import CalendarFeed
from wbl.catalog.clearance_models import DistrictClearanceRule, SupervisorClearance
from wbl.catalog.models import Offering, OfferingChange, Partner, PartnerContact
from wbl.catalog.worksite_models import WorksiteAgreement, WorksiteAgreementTemplate
from wbl.certificates.models import Certificate, Interview, InterviewPanel, InterviewVote
from wbl.county.models import CountySettings
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    StudentCredential,
    WorkKeysScore,
)
from wbl.evaluations.models import PlacementEvaluation, PlacementReflection
from wbl.events.models import EventDateOption, EventRequest
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourEvent,
    ExternshipTeam,
)
from wbl.geocoding.models import GeocodeCache
from wbl.hours.models import Digest, EventAttendance, HourEntry, HourEntryEvent
from wbl.incentives.models import Appropriation, ProgramTier, ProgramYear, StaffCompletion
from wbl.incidents.models import Incident, IncidentNote
from wbl.jobs.models import JobLease, JobRun
from wbl.notifications.models import OutboxMessage
from wbl.pathways.models import PathwayRule
from wbl.placements.models import (
    AgreementAcknowledgement,
    Application,
    ApplicationEvent,
    GuardianConsent,
    PermitPart,
    Placement,
    ReadinessRecord,
    TrainingAgreement,
    WorkPermit,
)
from wbl.portfolio.models import (
    Artifact,
    ArtifactComment,
    ArtifactOutcome,
    PortfolioDocument,
    Recommendation,
)
from wbl.reference.models import (
    EvaluationCategory,
    ExperienceType,
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
)
from wbl.reporting.models import CteConcentrator, OfferingReporting, ReportingCode
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewAssignment,
    ReviewerVolunteer,
    ReviewResolution,
    ReviewScore,
    ScoringDescriptor,
    ScoringGuide,
    ScoringLevel,
)
from wbl.roster.models import Guardian, StudentDemographics
from wbl.rounds.models import AllocationRound, RoundChoice, RoundEmployerRank
from wbl.schools.models import ClassSection, District, School
from wbl.signup.models import SignupRequest
from wbl.students.models import StudentProfile
from wbl.visits.models import (
    VisitChecklistItem,
    VisitDueFlag,
    VisitSettings,
    WorksiteVisit,
    WorksiteVisitAnswer,
)

__all__ = [
    "AgreementAcknowledgement",
    "AllocationRound",
    "ApiToken",
    "Application",
    "ApplicationEvent",
    "Appropriation",
    "Artifact",
    "ArtifactComment",
    "ArtifactOutcome",
    "CalendarFeed",
    "Certificate",
    "ClassSection",
    "CountySettings",
    "Credential",
    "CteConcentrator",
    "Digest",
    "District",
    "DistrictClearanceRule",
    "DistrictCredentialPolicy",
    "EvaluationCategory",
    "EventAttendance",
    "EventDateOption",
    "EventRequest",
    "ExperienceType",
    "Externship",
    "ExternshipApplication",
    "ExternshipHour",
    "ExternshipHourEvent",
    "ExternshipTeam",
    "GeocodeCache",
    "Guardian",
    "GuardianConsent",
    "HourEntry",
    "HourEntryEvent",
    "Incident",
    "IncidentNote",
    "IndustrySector",
    "Interview",
    "InterviewPanel",
    "InterviewVote",
    "JobLease",
    "JobRun",
    "Offering",
    "OfferingChange",
    "OfferingReporting",
    "OutboxMessage",
    "Partner",
    "PartnerContact",
    "Pathway",
    "PathwayRule",
    "PermitPart",
    "Placement",
    "PlacementEvaluation",
    "PlacementReflection",
    "PogOutcome",
    "PortfolioDocument",
    "PortfolioSubmission",
    "PreparatoryActivity",
    "ProgramTier",
    "ProgramYear",
    "ReadinessRecord",
    "Recommendation",
    "ReportingCode",
    "ReviewAssignment",
    "ReviewResolution",
    "ReviewScore",
    "ReviewerVolunteer",
    "RoundChoice",
    "RoundEmployerRank",
    "School",
    "ScoringDescriptor",
    "ScoringGuide",
    "ScoringLevel",
    "SignupRequest",
    "SsoIdentity",
    "StaffCompletion",
    "StudentCredential",
    "StudentDemographics",
    "StudentProfile",
    "SupervisorClearance",
    "TrainingAgreement",
    "User",
    "UserRole",
    "VisitChecklistItem",
    "VisitDueFlag",
    "VisitSettings",
    "WorkKeysScore",
    "WorkPermit",
    "WorksiteAgreement",
    "WorksiteAgreementTemplate",
    "WorksiteVisit",
    "WorksiteVisitAnswer",
]
