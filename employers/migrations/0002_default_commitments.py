"""The commitments, sectors and check-in schedule a new site starts with, for the comms team
to edit. The commitments follow the Government's employer pledge on loneliness (2018: lead,
support our people, a sociable workplace) and the five themes of its 'Employers and loneliness'
guidance (2021); the wording is ours."""

from django.db import migrations

COMMITMENTS = [
    (
        "culture",
        "Name a senior champion for social connection",
        "A senior leader speaks up about loneliness at work and makes sure the plan happens.",
        "Add social connection to the wellbeing strategy\nReport on the plan to the board twice a year",
    ),
    (
        "culture",
        "Talk openly about loneliness",
        "Make it normal to say you feel lonely at work, without stigma or fuss.",
        "Share colleagues' stories in Loneliness Awareness Week\nAsk about connection in the staff survey",
    ),
    (
        "management",
        "Help managers notice and respond",
        "Managers know the signs of loneliness and how to start a kind conversation.",
        "A short session for every line manager\nA 'how are you, really?' question in one-to-ones",
    ),
    (
        "management",
        "Keep in touch at times of change",
        "Stay close to people who are starting, returning, working apart or going through change.",
        "A buddy for every new starter\nKeeping-in-touch days during long absences",
    ),
    (
        "people",
        "Support staff networks and groups",
        "Give colleagues time and a little help to run groups around shared interests.",
        "Time in work hours for staff-led groups\nA lunchtime walking group",
    ),
    (
        "people",
        "Make room for connection in the working day",
        "Protect time when colleagues can simply talk, in ways that suit everyone.",
        "Shared breaks\nTeam socials that are not only after-work drinks",
    ),
    (
        "design",
        "Design spaces that help people meet",
        "Offer places where colleagues bump into each other, as well as quiet ones.",
        "A welcoming kitchen or common room\nQuiet spaces beside shared ones",
    ),
    (
        "design",
        "Keep remote and shift workers connected",
        "Make sure people who rarely share a workplace still feel part of a team.",
        "Regular video catch-ups with cameras optional\nRotas that let shift teams meet",
    ),
    (
        "community",
        "Give time to the local community",
        "Help colleagues take part in local groups that bring people together.",
        "Volunteering days with a befriending scheme\nHost a local group in your building",
    ),
    (
        "community",
        "Support people approaching retirement",
        "Help colleagues plan how they will stay connected after work ends.",
        "A pre-retirement session on staying connected\nLinks to local groups and volunteering",
    ),
]

SECTORS = [
    "Public sector",
    "Health and social care",
    "Education",
    "Charity and voluntary",
    "Retail and hospitality",
    "Manufacturing and construction",
    "Professional services",
    "Transport and logistics",
    "Other",
]

CHECK_INS = [
    {
        "slug": "3m",
        "months_after_approval": 3,
        "subject": "How is your workplace pledge going?",
        "body": "It is three months since the workplace pledge of {organisation} was approved. "
        "How are your actions going?\n\nA short update on each helps your colleagues, and "
        "the council, see what is changing.",
    },
    {
        "slug": "6m",
        "months_after_approval": 6,
        "subject": "Half way through your pledge year",
        "body": "You are half way through the year of the workplace pledge of {organisation}. "
        "Is there an action you could finish, or one to start?\n\nPost an update on each: "
        "you can choose to show your progress on your public page.",
    },
]


def add(apps, schema_editor):
    Commitment = apps.get_model("employers", "Commitment")
    Sector = apps.get_model("employers", "Sector")
    CheckInStep = apps.get_model("employers", "CheckInStep")
    for order, (theme, title, explanation, examples) in enumerate(COMMITMENTS):
        Commitment.objects.get_or_create(
            title=title,
            defaults={
                "theme": theme,
                "explanation": explanation,
                "examples": examples,
                "sort_order": order,
            },
        )
    for order, name in enumerate(SECTORS):
        Sector.objects.get_or_create(name=name, defaults={"sort_order": order})
    for step in CHECK_INS:
        CheckInStep.objects.get_or_create(slug=step["slug"], defaults=step)


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
