"""Word lists for generated people, companies and notes, shared by every provider's generator.

Deliberately mixed: accents, non-Latin scripts, right-to-left text and emoji, because real CRM
text has them and loaders that assume ASCII break on them.
"""

from __future__ import annotations

import unicodedata

REP_FIRST_NAMES = (
    "Avery", "Jordan", "Priya", "Mateo", "Chloé", "Noah", "Aisha", "Lukas", "Sofia", "Kenji",
    "Hannah", "Omar", "Elena", "Marcus", "Ingrid", "Tomás", "Grace", "Dmitri", "Leila", "Samuel",
)
REP_LAST_NAMES = (
    "Nguyen", "Okafor", "García", "Schmidt", "Patel", "Lindqvist", "O'Brien", "Rossi", "Tanaka",
    "Kowalski", "Haddad", "Müller", "Dubois", "Fernández", "Walsh", "Novak", "Reyes", "Brennan",
)
CONTACT_FIRST_NAMES = REP_FIRST_NAMES + (
    "José", "Zoë", "Łukasz", "Nguyễn", "محمد", "王伟", "Siobhán", "Björn", "Ayşe", "Renée", "Dana",
)
CONTACT_LAST_NAMES = REP_LAST_NAMES + ("Álvarez", "Þórsson", "Çelik", "Ødegaard", "كريم", "李", "Smith")

COMPANY_NAMES = (
    "Northwind Traders", "Globex Logistics", "Initech Software", "Umbrella Health", "Stark Analytics",
    "Wayne Freight", "Acme Robotics", "Hooli Cloud", "Soylent Foods", "Vandelay Imports",
    "Cyberdyne Security", "Tyrell Biotech", "Wonka Confectionery", "Oscorp Energy", "Gringotts Finance",
)
PROSPECT_COMPANIES = (
    "Blue Harbor Dental", "Café Lumière", "Kranich Maschinenbau", "Sakura Logistics", "Delta Fintech",
    "Orbit Media", "Pampas Agro", "Fjord Outfitters", "Atlas Legal", "Zenith Hotels", "مؤسسة الأفق",
)

CALL_TOPICS = (
    "Walked through pricing tiers and the annual discount.",
    "Prospect asked about SSO and the security questionnaire.",
    "Discussed rollout timeline; decision expected next quarter.",
    "Budget approved, waiting on legal review of the MSA.",
    "Competitor evaluation in progress — they like our reporting.",
    "Follow-up on the demo; sent recording and deck afterwards.",
    "Champion is moving teams, need a new sponsor.",
    "Renewal conversation: usage is up 40% since last year.",
    "Objection about onboarding effort; offered a pilot.",
    "Great call 👍 next step is a technical deep dive.",
    "Gatekeeper only, will try the direct line tomorrow.",
    "Asked for a Spanish-speaking CSM — ¿podemos ayudar?",
    "Customer prefers to continue in Arabic: شكراً على وقتك.",
)


def ascii_slug(text: str, separator: str = ".") -> str:
    """'Chloé O'Brien' -> 'chloe.obrien' for email local parts and domains."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = ["".join(ch for ch in word if ch.isalnum()) for word in folded.lower().split()]
    return separator.join(word for word in words if word)
