"""Word lists for Fathom meetings: titles, spoken lines per transcript language, summary and
action-item phrases. Mixed scripts and emoji on purpose, as in `vocabulary.py`."""

from __future__ import annotations

TEAMS = ("Sales", "Customer Success", "Solutions Engineering", None)  # None: not on a team
MEETING_TYPES = ("Discovery", "Demo", "Quarterly Business Review", "Onboarding", "Internal sync")
SHARED_WITH = ("no_teams", "single_team", "multiple_teams", "all_teams")
LANGUAGES = ("en", "es", "de", "fr")
EXTERNAL_TOPICS = ("Discovery call", "Product demo", "Pricing review", "Security review", "Renewal check-in",
                   "Onboarding kickoff", "Technical deep dive", "Contract walkthrough")
INTERNAL_TOPICS = ("Pipeline review", "Deal strategy", "Weekly sync", "Forecast call", "Account planning")
AD_HOC_TITLES = ("Impromptu Zoom Meeting", "Google Meet call", "Microsoft Teams meeting")

LINES: dict[str, tuple[str, ...]] = {
    "en": (
        "Thanks for making the time today.",
        "Can everyone hear me okay?",
        "Let's start with a quick round of introductions.",
        "What does your current process look like?",
        "We're mostly doing this in spreadsheets right now.",
        "How many people on your team would use it day to day?",
        "Let me share my screen for a second.",
        "This dashboard shows pipeline by stage and owner.",
        "Is that something you can export to your data warehouse?",
        "Yes, there's an API and a native Snowflake connector.",
        "What would it take to get a pilot going?",
        "We'd need security to sign off first.",
        "I can send over our SOC 2 report after the call.",
        "Pricing depends on seats, but there's an annual discount.",
        "Our budget cycle closes at the end of the quarter.",
        "Who else should be involved in the decision?",
        "Let's revisit the budget allocations.",
        "That integration is the main blocker for us.",
        "Could you walk me through onboarding?",
        "Typically it takes two to three weeks end to end.",
        "Sounds great, let's pencil in a follow-up next week.",
        "I'll loop in our solutions engineer for the deep dive.",
        "Sorry, you cut out for a second there.",
        "Honestly the reporting is what sold us 👍",
        "Any questions before we wrap up?",
        "I'll send a recap with next steps right after this.",
    ),
    "es": (
        "Gracias por tu tiempo hoy.",
        "¿Cómo gestionan hoy el seguimiento de clientes?",
        "Lo hacemos casi todo en hojas de cálculo.",
        "Déjame compartir la pantalla un momento.",
        "¿Cuántas personas del equipo lo usarían?",
        "Necesitamos la aprobación del área de seguridad.",
        "Te envío la propuesta después de la llamada.",
        "¿Podemos agendar una demo técnica la próxima semana?",
    ),
    "de": (
        "Danke, dass Sie sich heute Zeit nehmen.",
        "Wie sieht Ihr aktueller Prozess aus?",
        "Wir arbeiten momentan hauptsächlich mit Excel.",
        "Ich teile kurz meinen Bildschirm.",
        "Die Datenschutzprüfung ist für uns entscheidend.",
        "Können wir nächste Woche einen Folgetermin machen?",
        "Ich schicke Ihnen die Unterlagen nach dem Gespräch.",
    ),
    "fr": (
        "Merci d'avoir pris le temps aujourd'hui.",
        "Comment gérez-vous ce processus actuellement ?",
        "Je partage mon écran une seconde.",
        "Le budget est validé pour le prochain trimestre.",
        "Il faudra l'accord de l'équipe sécurité.",
        "On peut prévoir une démo technique la semaine prochaine ?",
        "Je vous envoie le récapitulatif après l'appel.",
    ),
}

PURPOSES = (
    "Understand the prospect's current workflow and qualify the opportunity.",
    "Demo the reporting features and agree on a pilot scope.",
    "Review account health and renewal timeline.",
    "Align internally on deal strategy for the quarter.",
    "Answer open security and compliance questions.",
)
TAKEAWAYS = (
    "Current process relies on spreadsheets and manual exports.",
    "Security review is required before any pilot can start.",
    "Budget is approved for next quarter; legal review pending.",
    "Main blocker is the data warehouse integration.",
    "Champion is enthusiastic; economic buyer not yet engaged.",
    "Competitor evaluation in progress — reporting is our edge.",
    "Usage grew 40% since last renewal.",
    "Onboarding concerns addressed with a two-week plan.",
)
ACTION_ITEMS = (
    "Email revised proposal with the annual discount",
    "Send SOC 2 report and security questionnaire answers",
    "Schedule technical deep dive with the solutions engineer",
    "Share recording and deck with the wider team",
    "Confirm pilot success criteria in writing",
    "Loop in legal for the MSA review",
    "Update the deal stage and close date in the CRM",
    "Book the follow-up call for next week",
)
HIGHLIGHT_TYPES = ("Bookmark", "Question", "Objection", "Next step")
