"""A seeded set of 40 offers and 40 wants, written the way the seeds' council, charity and
health staff write them, for the matching test the issue asks for.

Written before the matcher, and not changed to suit it: each want says in its own words
what an offer elsewhere can meet (a want to "learn to run a focus group" against an offer of
"community consultation groups"), often sharing few or no words with it. A few wants have
no right offer in the set (`RIGHT` leaves them out); two people (chidi, gareth) both offer
and want on neighbouring topics, so their own offer is close to their own want and must
never be proposed to them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    person: str
    text: str
    tags: tuple[str, ...] = ()


OFFERS: tuple[Entry, ...] = (
    Entry(
        "o01",
        "amara",
        "I've written successful bids to the National Lottery Community Fund and can read "
        "through a draft application",
        ("funding",),
    ),
    Entry(
        "o02",
        "ben",
        "Happy to share how I set up our volunteer rota in a shared calendar so every shift "
        "gets covered",
    ),
    Entry(
        "o03",
        "chidi",
        "I've facilitated community consultation groups for the council and can show how I "
        "plan and run them",
        ("research",),
    ),
    Entry(
        "o04",
        "dana",
        "I build Power BI dashboards for our performance team and can walk someone through one",
        ("data",),
    ),
    Entry(
        "o05",
        "eilidh",
        "I chair our multi-agency partnership board and have tips for keeping meetings to time "
        "and on track",
    ),
    Entry(
        "o06",
        "farah",
        "Designated safeguarding lead for eight years: I can talk through making a referral "
        "and what to record",
        ("safeguarding",),
    ),
    Entry("o07", "gareth", "Advanced Excel: pivot tables, XLOOKUP, tidying messy spreadsheets"),
    Entry(
        "o08",
        "hana",
        "I'm a social prescribing link worker and can explain how referrals from GP practices work",
        ("health",),
    ),
    Entry(
        "o09",
        "idris",
        "I led a co-production project with people with lived experience of homelessness; "
        "happy to share what worked and what didn't",
    ),
    Entry(
        "o10",
        "jo",
        "I've run tenders under the Public Contracts Regulations and can demystify procurement "
        "for small contracts",
    ),
    Entry(
        "o11",
        "kemi",
        "Data protection officer: I can help with DPIAs, privacy notices and GDPR questions",
        ("gdpr",),
    ),
    Entry(
        "o12",
        "liam",
        "I can mentor new managers through their first difficult conversations with staff",
    ),
    Entry(
        "o13",
        "maya",
        "I've designed outcome frameworks and run theory of change workshops for charities",
        ("evaluation",),
    ),
    Entry("o14", "nadia", "Experienced in writing Easy Read versions of documents"),
    Entry(
        "o15",
        "owen",
        "I can help write a case study or impact story for funders and newsletters",
    ),
    Entry(
        "o16",
        "priya",
        "I recruit and induct volunteers and have templates for role descriptions and "
        "induction packs",
        ("volunteers",),
    ),
    Entry(
        "o17",
        "quinn",
        "I've presented to council cabinet and scrutiny committees, happy to help you prepare",
    ),
    Entry(
        "o18",
        "rosa",
        "Trained Mental Health First Aider, can talk about supporting a colleague who is "
        "struggling",
        ("wellbeing",),
    ),
    Entry(
        "o19",
        "sam",
        "I run our Twitter, Facebook and Instagram accounts and can share a simple content "
        "calendar",
        ("comms",),
    ),
    Entry(
        "o20",
        "tariq",
        "I know my way around Microsoft Teams and SharePoint and can set up a team site",
    ),
    Entry(
        "o21",
        "uma",
        "I've done survey design in SurveyMonkey and Microsoft Forms, including how to avoid "
        "leading questions",
        ("research",),
    ),
    Entry(
        "o22",
        "victor",
        "I can coach on budgeting and reading a project's monthly finance report",
    ),
    Entry("o23", "wen", "I've trained staff in trauma-informed practice"),
    Entry("o24", "xavier", "I set up a peer support group for carers from scratch"),
    Entry(
        "o25",
        "yasmin",
        "I can explain how Integrated Care Boards and place-based partnerships fit together "
        "in the NHS",
        ("health",),
    ),
    Entry(
        "o26",
        "zac",
        "Qualitative analysis: coding interview transcripts and pulling out themes, in NVivo "
        "or by hand",
        ("research",),
    ),
    Entry(
        "o27",
        "aled",
        "I managed our charity's move to a new CRM (Beacon) and cleaned up the donor records",
    ),
    Entry("o28", "bea", "I've written risk assessments for events and community activities"),
    Entry(
        "o29",
        "cal",
        "I can help you plan a community event on a small budget, from venue to publicity",
    ),
    Entry(
        "o30",
        "dev",
        "Experienced at negotiating service level agreements with commissioners",
    ),
    Entry(
        "o31",
        "esme",
        "I coach people on presenting with confidence, especially nerves before speaking",
    ),
    Entry(
        "o32",
        "finn",
        "Quality improvement: process mapping and PDSA cycles",
        ("improvement",),
    ),
    Entry("o33", "gita", "I can translate and check materials in Bengali and Sylheti"),
    Entry(
        "o34",
        "hugo",
        "I've run bilingual services and can advise on the Welsh Language Standards",
    ),
    Entry(
        "o35",
        "isla",
        "Time management: I can share how I plan my week and protect time for focused work",
    ),
    Entry(
        "o36",
        "jonah",
        "I've supervised student social workers and can help with reflective supervision",
    ),
    Entry("o37", "kit", "Good at writing clear plain-English papers for boards and trustees"),
    Entry(
        "o38",
        "lola",
        "I've organised lunch-and-learn sessions at work and can help you get one going",
    ),
    Entry(
        "o39",
        "mo",
        "I can teach the basics of data visualisation: choosing a chart and making it readable",
        ("data",),
    ),
    Entry(
        "o40",
        "nell",
        "I can introduce you to the local CVS and the voluntary sector forum",
    ),
)

WANTS: tuple[Entry, ...] = (
    Entry(
        "w01",
        "sofia",
        "I'd like feedback on my first grant bid before it goes to the funder",
        ("funding",),
    ),
    Entry(
        "w02",
        "tom",
        "Our volunteers keep missing their shifts, how do others organise who is on when?",
    ),
    Entry("w03", "ursula", "I'd like to learn to run a focus group", ("research",)),
    Entry(
        "w04",
        "vik",
        "I want to turn our monthly figures into something visual managers will actually look at",
    ),
    Entry(
        "w05",
        "wanda",
        "How do I chair a meeting when a couple of people dominate it?",
    ),
    Entry(
        "w06",
        "xena",
        "I'm never sure when a worry about a child becomes a safeguarding concern I should pass on",
    ),
    Entry("w07", "yusuf", "I'd like to get better at spreadsheets, especially summarising data"),
    Entry(
        "w08",
        "zara",
        "I'd like to understand social prescribing so I know when to refer someone",
        ("health",),
    ),
    Entry(
        "w09",
        "adam",
        "We've been asked to design our service together with the people who use it. Where do "
        "I start?",
    ),
    Entry(
        "w10",
        "bella",
        "I need to commission an external evaluation and don't understand the procurement rules",
    ),
    Entry(
        "w11",
        "carl",
        "Do we need a privacy notice for our new WhatsApp group? Data protection confuses me",
    ),
    Entry(
        "w12",
        "dina",
        "I've just become a team leader and I dread having to give difficult feedback",
    ),
    Entry("w13", "ed", "Help to write a theory of change for our youth project"),
    Entry(
        "w14",
        "fay",
        "We need to make our leaflets accessible for people with learning disabilities",
    ),
    Entry(
        "w15",
        "gus",
        "I want to gather stories from the people we support for our annual report",
    ),
    Entry(
        "w16",
        "hetty",
        "Looking for examples of what to give new volunteers on their first day",
        ("volunteers",),
    ),
    Entry(
        "w17",
        "ian",
        "I have to take a paper to the overview and scrutiny committee next month and I'm nervous",
    ),
    Entry(
        "w18",
        "jess",
        "How can I support someone in my team whose mental health is suffering?",
    ),
    Entry(
        "w19",
        "kofi",
        "I'd like to plan our posts on social media rather than doing them at the last minute",
    ),
    Entry(
        "w20",
        "lena",
        "I want a shared online space where our partnership can keep its documents",
    ),
    Entry(
        "w21",
        "mark",
        "I'm writing a questionnaire for residents and don't want to bias the answers",
    ),
    Entry("w22", "nina", "I struggle to make sense of our budget monitoring spreadsheets"),
    Entry(
        "w23",
        "olu",
        "I'd like to learn about trauma-informed approaches for our front-line team",
    ),
    Entry("w24", "pat", "We want to start a support group where parents can help each other"),
    Entry(
        "w25",
        "rhys",
        "Can someone explain how the ICB works and where the voluntary sector fits in?",
        ("health",),
    ),
    Entry(
        "w26",
        "sue",
        "I've got twenty interview transcripts and no idea how to analyse them",
    ),
    Entry(
        "w27",
        "tim",
        "We're choosing a new database for our supporters and dread moving the data across",
    ),
    Entry("w28", "val", "Do I need a risk assessment for a community litter pick?"),
    Entry(
        "w29",
        "will",
        "I'd like ideas for running a summer fun day without much money",
    ),
    Entry(
        "w30",
        "xin",
        "We're renegotiating our contract with the commissioners and I want to go in prepared",
    ),
    Entry(
        "w31",
        "yara",
        "I'd like to feel less anxious when speaking in front of a big audience",
    ),
    Entry(
        "w32",
        "zoe",
        "How do I find where our referral process gets stuck and fix it?",
        ("improvement",),
    ),
    Entry("w33", "hal", "I want to learn to drive a minibus for our day trips"),
    Entry("w34", "bryn", "I'd like to write board reports that trustees actually read"),
    Entry(
        "w35",
        "cora",
        "I'd love to start informal learning sessions over lunch in our office",
    ),
    Entry("w36", "dom", "Which kind of graph should I use for our annual figures?", ("data",)),
    Entry(
        "w37",
        "elle",
        "I'm new to the area and want to meet other voluntary organisations",
    ),
    Entry(
        "w38",
        "chidi",
        "I'd like help turning what people said in our consultation groups into clear themes",
        ("research",),
    ),
    Entry(
        "w39",
        "gareth",
        "I'd like to move our Excel reports on to a proper dashboard",
        ("data",),
    ),
    Entry("w40", "frank", "I'd like to learn British Sign Language"),
)

# The offer that meets each want; wants with no right offer in the set are left out.
RIGHT: dict[str, str] = {
    "w01": "o01",
    "w02": "o02",
    "w03": "o03",
    "w04": "o04",
    "w05": "o05",
    "w06": "o06",
    "w07": "o07",
    "w08": "o08",
    "w09": "o09",
    "w10": "o10",
    "w11": "o11",
    "w12": "o12",
    "w13": "o13",
    "w14": "o14",
    "w15": "o15",
    "w16": "o16",
    "w17": "o17",
    "w18": "o18",
    "w19": "o19",
    "w20": "o20",
    "w21": "o21",
    "w22": "o22",
    "w23": "o23",
    "w24": "o24",
    "w25": "o25",
    "w26": "o26",
    "w27": "o27",
    "w28": "o28",
    "w29": "o29",
    "w30": "o30",
    "w31": "o31",
    "w32": "o32",
    "w34": "o37",
    "w35": "o38",
    "w36": "o39",
    "w37": "o40",
    "w38": "o26",
    "w39": "o04",
}
