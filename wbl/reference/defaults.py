"""Default reference data, shipped with the project (never read from ../shared at run time).

Sectors and pathways: California's 15 CTE industry sectors and their pathways (CTE Model
Curriculum Standards). Outcomes: Sonoma County's Portrait of a Graduate. Preparatory
activities and the continuum: the SCOE work-based learning program.
"""

from __future__ import annotations

from slugify import slugify

from wbl.reference.models import ContinuumStage, ExperienceKind

SECTORS: list[tuple[str, str, list[str]]] = [
    (
        "agriculture",
        "Agriculture and Natural Resources",
        [
            "Agricultural Business",
            "Agricultural Mechanics",
            "Animal Science",
            "Forestry and Natural Resources",
            "Ornamental Horticulture",
            "Plant and Soil Science",
        ],
    ),
    (
        "arts_media",
        "Arts, Media, and Entertainment",
        [
            "Design, Visual, and Media Arts",
            "Game Design and Integration",
            "Performing Arts",
            "Production and Managerial Arts",
        ],
    ),
    (
        "building_trades",
        "Building and Construction Trades",
        [
            "Cabinetry, Millwork, and Woodworking",
            "Engineering and Heavy Construction",
            "Mechanical Systems Installation and Repair",
            "Residential and Commercial Construction",
        ],
    ),
    (
        "business_finance",
        "Business and Finance",
        ["Business Management", "Financial Services", "International Business"],
    ),
    (
        "education",
        "Education, Child Development, and Family Services",
        ["Child Development", "Consumer Services", "Education", "Family and Human Services"],
    ),
    (
        "energy",
        "Energy, Environment, and Utilities",
        ["Environmental Resources", "Energy and Power Technologies", "Telecommunications"],
    ),
    (
        "engineering",
        "Engineering and Architecture",
        [
            "Architectural Design",
            "Engineering Design",
            "Engineering Technology",
            "Environmental Engineering",
        ],
    ),
    (
        "fashion",
        "Fashion and Interior Design",
        ["Fashion Design and Merchandising", "Interior Design", "Personal Services"],
    ),
    (
        "health",
        "Health Science and Medical Technology",
        [
            "Biotechnology",
            "Healthcare Administrative Services",
            "Healthcare Operational Support Services",
            "Mental and Behavioral Health",
            "Patient Care",
            "Public and Community Health",
        ],
    ),
    (
        "hospitality",
        "Hospitality, Tourism, and Recreation",
        [
            "Food Science, Dietetics, and Nutrition",
            "Food Service and Hospitality",
            "Hospitality, Tourism, and Recreation",
        ],
    ),
    (
        "ict",
        "Information and Communication Technologies",
        [
            "Information Support and Services",
            "Networking",
            "Software and Systems Development",
            "Games and Simulation",
        ],
    ),
    (
        "manufacturing",
        "Manufacturing and Product Development",
        [
            "Graphic Production Technologies",
            "Machining and Forming Technologies",
            "Welding and Materials Joining",
            "Product Innovation and Design",
        ],
    ),
    (
        "marketing",
        "Marketing, Sales, and Services",
        ["Entrepreneurship", "Marketing", "Professional Sales"],
    ),
    (
        "public_services",
        "Public Services",
        ["Emergency Response", "Legal Practices", "Public Safety"],
    ),
    (
        "transportation",
        "Transportation",
        ["Operations", "Structural Repair and Refinishing", "Systems Diagnostics and Service"],
    ),
]


def pathway_code(sector_code: str, pathway_name: str) -> str:
    """The stable code a default pathway is seeded with (names are the county's to edit;
    the code stays)."""
    return f"{sector_code}.{slugify(pathway_name, separator='_')}"


#: Each default pathway's name (as written above) to its stable code.
DEFAULT_PATHWAY_CODES: dict[str, str] = {
    name: pathway_code(code, name) for code, _, names in SECTORS for name in names
}

POG_OUTCOMES: list[tuple[str, str, str]] = [
    (
        "curious",
        "Curious",
        "Wonders about the unknown, asks questions, and explores opportunities.",
    ),
    (
        "empathetic",
        "Empathetic",
        "Understands others' experiences and needs; is patient and generous with people.",
    ),
    (
        "communicator",
        "Communicator",
        "Makes a point clearly in writing, speech and body language; listens and responds "
        "appropriately.",
    ),
    (
        "collaborator",
        "Collaborator",
        "Joins forces with others, makes room for diverse voices, and brings out the best in a "
        "team.",
    ),
    ("ethical", "Ethical", "Does what is right; is honest; judges what is fair and good."),
    (
        "self_directed",
        "Self-directed",
        "Does not wait to be told; takes initiative to grow, explore and lead; perseveres.",
    ),
]

PREPARATORY_ACTIVITIES: list[tuple[str, str, str]] = [
    (
        "interest_survey",
        "Career interest survey",
        "Explores which careers fit the student's interests and strengths.",
    ),
    ("resume_workshop", "Resume workshop", "Writes a first resume with feedback."),
    ("mock_interview", "Mock interview", "Practises an interview with an adult volunteer."),
    (
        "workplace_safety",
        "Workplace safety orientation",
        "Learns workplace safety rules and the student's rights at work.",
    ),
]

EXPERIENCE_TYPES: list[tuple[ExperienceKind, str, ContinuumStage, bool, str]] = [
    (
        ExperienceKind.GUEST_SPEAKER,
        "Guest speaker",
        ContinuumStage.AWARENESS,
        True,
        "A professional talks to a class about their career.",
    ),
    (
        ExperienceKind.WORKPLACE_VISIT,
        "Workplace visit",
        ContinuumStage.AWARENESS,
        True,
        "A class tours a worksite to see its dynamics, norms and workflow.",
    ),
    (
        ExperienceKind.JOB_SHADOW,
        "Job shadow",
        ContinuumStage.EXPLORATION,
        False,
        "A student follows a professional for a day or a few.",
    ),
    (
        ExperienceKind.WORK_BASED_PROJECT,
        "Work-based project",
        ContinuumStage.PREPARATION,
        False,
        "Students solve a real problem a partner brings, tied to their coursework.",
    ),
    (
        ExperienceKind.INTERNSHIP,
        "Internship",
        ContinuumStage.PREPARATION,
        False,
        "A commitment of weeks, often 40–250 hours, paid or unpaid.",
    ),
]

# California's intern evaluation template: each rated 1 Does not meet, 2 Partially meets,
# 3 Meets, 4 Above expectations, or N/A.
EVALUATION_CATEGORIES: list[tuple[str, str, str]] = [
    (
        "foundational",
        "Foundational Skills",
        "Reading, writing, math and technology used on the job; listening and speaking.",
    ),
    (
        "applied",
        "Applied Workplace Skills",
        "Problem solving, teamwork, communication with customers and coworkers, following "
        "procedures and safety rules.",
    ),
    (
        "self_management",
        "Self-Management and Personal Responsibility",
        "Attendance and punctuality, appearance, initiative, accepting direction and feedback.",
    ),
]
