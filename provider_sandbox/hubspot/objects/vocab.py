"""Word lists for HubSpot CRM records: prospect companies, contacts' jobs, email and meeting text.

Mixed on purpose like `provider_sandbox.vocabulary`: accents, CJK, right-to-left scripts, emoji
(including multi-codepoint ones), quotes and markup characters, because loaders that assume
ASCII or well-behaved HTML break on exactly these.
"""

from __future__ import annotations

# Company names are prefix + core (+ legal suffix). Each part carries an ASCII spelling for the
# domain, since a slug of "مؤسسة" or "さくら" would be empty.
COMPANY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Blue", "blue"), ("Nordic", "nordic"), ("Café", "cafe"), ("Sakura", "sakura"), ("Atlas", "atlas"),
    ("Zenith", "zenith"), ("Kranich", "kranich"), ("Delta", "delta"), ("Orbit", "orbit"),
    ("Pampas", "pampas"), ("Fjord", "fjord"), ("Harbor", "harbor"), ("Lumière", "lumiere"),
    ("Silver", "silver"), ("Granite", "granite"), ("Coral", "coral"), ("Østfold", "ostfold"),
    ("São Paulo", "saopaulo"), ("Kyoto", "kyoto"), ("مؤسسة", "muassasa"), ("Évora", "evora"),
    ("Maple", "maple"), ("Summit", "summit"), ("Redwood", "redwood"), ("Polar", "polar"),
    ("Quantum", "quantum"), ("Meridian", "meridian"), ("Cobalt", "cobalt"), ("Aurora", "aurora"),
    ("Vértice", "vertice"), ("Helix", "helix"), ("Nimbus", "nimbus"), ("Bright", "bright"),
    ("Iron", "iron"), ("Willow", "willow"), ("北京", "beijing"), ("Oak & Ivy", "oakandivy"),
    ("Tel Aviv", "telaviv"), ("Zürich", "zurich"), ("Ngọc", "ngoc"),
)
COMPANY_CORES: tuple[tuple[str, str], ...] = (
    ("Dental", "dental"), ("Logistics", "logistics"), ("Maschinenbau", "maschinenbau"),
    ("Fintech", "fintech"), ("Media", "media"), ("Agro", "agro"), ("Outfitters", "outfitters"),
    ("Legal", "legal"), ("Hotels", "hotels"), ("Analytics", "analytics"), ("Robotics", "robotics"),
    ("Health", "health"), ("Software", "software"), ("Foods", "foods"), ("Energy", "energy"),
    ("Freight", "freight"), ("Security", "security"), ("Biotech", "biotech"), ("Capital", "capital"),
    ("Studios", "studios"), ("Pharma", "pharma"), ("Telecom", "telecom"), ("Retail", "retail"),
    ("Consulting", "consulting"), ("Labs", "labs"), ("Textiles", "textiles"), ("Motors", "motors"),
    ("Insurance", "insurance"), ("Solar", "solar"), ("Brewing", "brewing"), ("الأفق", "alofoq"),
    ("物流", "wuliu"), ("Systems", "systems"), ("Partners", "partners"), ("Airways", "airways"),
)
COMPANY_SUFFIXES: tuple[str, ...] = (
    "", "", "", "", " Inc.", " Ltd", " GmbH", " S.A.", " LLC", " AG", " B.V.", " Pty Ltd", " SAS",
    " & Co.", " 株式会社", " Sp. z o.o.",
)
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("COMPUTER_SOFTWARE", "Computer Software"), ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care"),
    ("LOGISTICS_AND_SUPPLY_CHAIN", "Logistics and Supply Chain"), ("FINANCIAL_SERVICES", "Financial Services"),
    ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"), ("MACHINERY", "Machinery"),
    ("HOSPITALITY", "Hospitality"), ("LAW_PRACTICE", "Law Practice"), ("FOOD_BEVERAGES", "Food & Beverages"),
    ("RETAIL", "Retail"), ("TELECOMMUNICATIONS", "Telecommunications"), ("RENEWABLES_ENVIRONMENT",
    "Renewables & Environment"), ("PHARMACEUTICALS", "Pharmaceuticals"), ("INSURANCE", "Insurance"),
)
LOCATIONS: tuple[tuple[str, str, str], ...] = (  # city, country, phone prefix
    ("New York", "United States", "+1212"), ("Austin", "United States", "+1512"),
    ("San Francisco", "United States", "+1415"), ("Toronto", "Canada", "+1416"),
    ("London", "United Kingdom", "+4420"), ("München", "Germany", "+4989"), ("Paris", "France", "+331"),
    ("São Paulo", "Brazil", "+5511"), ("Tokyo", "Japan", "+813"), ("Dubai", "United Arab Emirates", "+9714"),
    ("Tel Aviv", "Israel", "+9723"), ("Kraków", "Poland", "+4812"), ("Sydney", "Australia", "+612"),
    ("Reykjavík", "Iceland", "+354"), ("Hà Nội", "Vietnam", "+8424"),
)
PERSONAL_EMAIL_DOMAINS = ("mail.example.com", "inbox.example.net", "post.example.org")

JOB_TITLES = (
    "VP of Sales", "Head of Operations", "CFO", "IT Manager", "Procurement Lead", "Office Manager",
    "Founder & CEO", "Directrice commerciale", "Geschäftsführer", "Software Engineer", "COO",
    "Marketing Director", "Head of Revenue Operations", "مدير المبيعات", "営業部長", None,
)

DEAL_PRODUCTS = (
    "Platform licence", "Annual renewal", "Expansion seats", "Onboarding package", "Enterprise plan",
    "Pilot", "Premium support", "Data add-on", "Multi-year agreement", "Upsell – Analytics",
)

EMAIL_SUBJECTS = (
    "Re: Pricing for {company}", "Following up on our call", "Quick question about your rollout",
    "Proposal – {company} 🚀", "Intro: {first} <> {rep}", "Re: Re: Fwd: security questionnaire",
    "Angebot für {company}", "Propuesta comercial – ¿seguimos?", "عرض الأسعار المحدث",
    "ご提案資料の送付", "Contract redlines (v3) \"final\"", "Meeting recap & next steps ✅",
    "Out of office: back Monday", "Your trial ends in 3 days", "Invoice #{number} question",
    "👋 Checking in", "Re: <no subject>", "Renewal – {company} – Q{quarter}",
)
EMAIL_GREETINGS = ("Hi {first},", "Hello {first},", "Dear {first},", "Hey {first} 👋", "Hola {first},",
                   "مرحباً {first}،", "{first}さん、", "Bonjour {first},", "Hi team,")
EMAIL_SIGNOFFS = ("Best,", "Thanks!", "Cheers,", "Kind regards,", "Saludos,", "مع أطيب التحيات،",
                  "Mit freundlichen Grüßen", "よろしくお願いします。", "— sent from my phone")
EMAIL_PARAGRAPHS = (
    "Thanks for taking the time to speak with me today. As promised, I'm attaching the deck and the "
    "pricing overview we discussed.",
    "Could you share the security questionnaire with your IT team? We usually turn it around within "
    "five business days.",
    "Following up on the proposal from last week — happy to walk your CFO through the numbers.",
    "We'd love to set up a technical deep dive with your engineers. Does Tuesday or Thursday work?",
    "Quick reminder that the pilot ends on Friday; let me know if you'd like to extend it.",
    "Per our conversation, I've looped in my colleague who handles onboarding. 🙌",
    "Wir freuen uns auf die Zusammenarbeit und melden uns nächste Woche mit dem Vertragsentwurf.",
    "Te envío la propuesta revisada con el descuento anual del 12 %. ¿Podemos hablar el jueves?",
    "نشكركم على اهتمامكم بمنتجنا. يسعدنا ترتيب عرض توضيحي لفريقكم في الأسبوع القادم.",
    "שלום, מצורפת הצעת המחיר המעודכנת. נשמח לתאם שיחה עם צוות הרכש.",
    "お忙しいところ恐縮ですが、見積書をご確認いただけますでしょうか。",
    "Le contrat est prêt à être signé ; il ne manque que la validation de votre service juridique.",
    "Our usage-based tier starts at $1,200/month & includes 5 seats; overage is billed at cost.",
    "Let me know if \"Q3\" still works for the go-live, or whether it's slipping to Q4 <sigh>.",
    "Family emoji test: 👨‍👩‍👧‍👦, flags 🇧🇷🇯🇵, skin tones 👍🏽 — all should survive the round trip.",
    "Tab\tseparated\tvalues and a line with trailing spaces   ",
)
MEETING_TITLES = (
    "Discovery call – {company}", "Demo: {company}", "QBR {company} Q{quarter}", "Technical deep dive",
    "Contract review 📝", "Kick-off: onboarding", "Renewal discussion", "Reunión de seguimiento",
    "اجتماع المتابعة", "打ち合わせ：導入計画", "Security review with IT", "Pricing negotiation",
)
MEETING_TYPES = ("Discovery", "Demo", "Follow-up", "QBR", "Onboarding", None)
MEETING_LOCATIONS = ("Zoom", "Google Meet", "Microsoft Teams", "Customer HQ", "Café Lumière, 2nd floor",
                     "Phone", None)
NOTE_LINES = (
    "Spoke with {first}: budget confirmed for next fiscal year.",
    "Champion left the company; need to re-map the buying committee.",
    "Sent follow-up with case studies 📎",
    "Left voicemail, will retry Thursday.",
    "Customer asked for invoice in EUR — updated billing profile.",
    "ملاحظة: العميل يفضل التواصل باللغة العربية.",
    "הלקוח ביקש הצעת מחיר מעודכנת.",
    "Renewal risk: usage down 30% QoQ ⚠️",
    "Prefers email over phone. Timezone: CET.",
    "<b>Important:</b> legal needs the DPA signed before the pilot.",
    "Competitor pricing came in 15% lower; approved counter-offer.",
    "次回の打ち合わせで導入スケジュールを確認する。",
)
TASK_SUBJECTS = (
    "Follow up with {first}", "Send proposal to {company}", "Call back {first} {last}",
    "Prepare QBR deck", "Schedule demo", "Review contract redlines", "Update deal stage",
    "Email pricing sheet", "Confirm onboarding date", "Ask for referral 🙏", "Enviar propuesta",
    "متابعة العرض",
)
