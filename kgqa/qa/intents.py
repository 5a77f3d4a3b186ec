"""Question understanding: map a question to a canned query and its parameters.

A question is first linked (:mod:`kgqa.qa.linker`), then read as a *slotted* sentence in
which each mention is replaced by its kind (``ORG``, ``PERSON``, ``PRODUCT``, ``ROUNDTYPE``,
``ROLE``, ``RELKIND``). The rules below recognise kinds of questions from cue words around
those slots ("led", "invested in", "valuation", "how many"...) and from what the
mentioned entities are (a start-up is invested in; an investment firm invests). They
never match whole questions, and parameters are always the linked entities' IRIs or
numbers parsed from the text, never raw question text.

Simple Chinese questions are handled by turning their cue words into the same English
cues before the rules run ("阿里巴巴投资了哪些公司" reads as "阿里巴巴 which companies has invested in").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from kgqa.qa.linker import Linker, Mention, normalise
from kgqa.vocab import ONTOLOGY_NS

ORG_KINDS = {"Organization"}
INVESTOR_KINDS = {"TechGiant", "InvestmentFirm", "Investor", "CloudProvider"}

# Chinese cue phrases -> English cues (longest first when applied).
CHINESE_CUES = {
    "投资了哪些公司": " which companies has invested in ",
    "投资了哪些": " which companies has invested in ",
    "投资过哪些": " which companies has invested in ",
    "投资了几家": " how many companies has invested in ",
    "投资了多少家": " how many companies has invested in ",
    "谁投资了": " who invested in ",
    "哪些机构投资了": " who invested in ",
    "的投资方": " investors ",
    "投资方": " investors ",
    "投资者": " investors ",
    "谁领投": " who led ",
    "领投": " led ",
    "估值": " valuation ",
    "独角兽": " unicorn ",
    "子公司": " subsidiary ",
    "母公司": " parent ",
    "融资金额": " how much raised ",
    "融了多少": " how much raised ",
    "开发": " developed ",
    "发布": " released ",
    "背后": " behind ",
    "支持": " backs ",
    "的": " ",
    "是谁": " who ",
    "谁": " who ",
    "哪些": " which ",
    "是否": " is ",
    "多少": " how much ",
    "什么时候": " when ",
    "何时": " when ",
}

_SCALE = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "t": 10**12,
    "trillion": 10**12,
}
_AMOUNT = re.compile(
    r"(?:us\$|\$|usd\s*)?(\d+(?:[.,]\d+)*)\s*(k|thousand|m|mn|million|b|bn|billion|t|trillion)?\b"
    r"(?:\s*(?:us\s*)?(?:dollars|usd))?"
)


@dataclass
class Reading:
    """How the question was read: which canned query, with which parameters, and why."""

    query: str
    bindings: dict[str, str | Decimal]
    answer: str = "entities"  # how to turn rows into answers (see kgqa.qa.ask)
    focus: dict[str, str] = field(default_factory=dict)  # extra hints for the answer builder
    why: str = ""


@dataclass
class NotUnderstood:
    """No kind of question fits, or a needed entity is missing; says why."""

    reason: str


@dataclass
class Parsed:
    """A question with its mentions and its slotted text."""

    question: str
    text: str  # normalised, with cue translation
    slotted: str  # mentions replaced by their kind
    mentions: list[Mention]
    index: dict = field(default_factory=dict, repr=False)  # the linker's names, for implied terms

    def of(self, *kinds: str) -> list[Mention]:
        seen: list[Mention] = []
        for mention in self.mentions:
            if mention.target.kinds & set(kinds) and all(m.iri != mention.iri for m in seen):
                seen.append(mention)
        return seen

    def has(self, pattern: str) -> bool:
        return re.search(pattern, self.slotted) is not None

    def linker_terms(self, local_name: str) -> list[Mention]:
        """A controlled term implied by a cue word rather than named ("cloud" -> cloud provider)."""
        iri = ONTOLOGY_NS + local_name
        target = next((t for ts in self.index.values() for t in ts if t.iri == iri), None)
        return [Mention(0, 0, local_name, target, 100.0)] if target else []


def _slot(mention: Mention) -> str:
    kinds = mention.target.kinds
    for kind, slot in (
        ("RoundType", "ROUNDTYPE"),
        ("Role", "ROLE"),
        ("RelationshipKind", "RELKIND"),
        ("Person", "PERSON"),
        ("Product", "PRODUCT"),
        ("Organization", "ORG"),
    ):
        if kind in kinds:
            return slot
    return "THING"


def prepare(question: str, linker: Linker) -> Parsed:
    """Link the question and build its slotted form."""
    text = question
    # Chinese: space out known names first (they may contain cue characters), then cues.
    if re.search(r"[\u3400-\u9fff]", text):
        names = sorted((n for n in linker.names if re.search(r"[\u3400-\u9fff]", n)), key=len, reverse=True)
        for name in names:
            text = text.replace(name, f" {name} ")
        for cue in sorted(CHINESE_CUES, key=len, reverse=True):
            text = text.replace(cue, CHINESE_CUES[cue])
    mentions = linker.link(text)
    words = normalise(text).split()
    slotted_words: list[str] = []
    index = 0
    by_start = {}
    for mention in mentions:
        by_start.setdefault(mention.start, mention)
    while index < len(words):
        mention = by_start.get(index)
        if mention is not None:
            slotted_words.append(_slot(mention))
            index = mention.end
        else:
            slotted_words.append(words[index])
            index += 1
    return Parsed(question, " ".join(words), " ".join(slotted_words), mentions, linker.names)


def parse_amount(text: str) -> Decimal | None:
    """'$2 billion', 'US$2.4bn', '2,000,000,000 dollars' -> Decimal; None if no amount."""
    best: Decimal | None = None
    for number, unit in _AMOUNT.findall(text.casefold()):
        try:
            value = Decimal(number.replace(",", ""))
        except ArithmeticError:
            continue
        if unit:
            value *= _SCALE[unit]
        if value >= 1000 and (best is None or value > best):
            best = value
    return best


_STAT_CUES = (
    r"\b(games?|gaming|revenue|run rate|annual|lps?|limited partners?|guidance|industrial capital|"
    r"rmb|proportion|percentage|percent|share|outside china|abroad|overseas|deals?|acquisitions?|"
    r"acquired|2021|2023|figures?|statistics?|record)\b"
)
_INVEST = (
    r"\b(invest|invests|invested|investing|investor|investors|investment|investments|back|backed|backs|"
    r"funded|funds|fund|financed|financing|participated|took part|put money|stake|stakes)\b"
)
_BESIDES = r"\b(besides|other than|apart from|except|excluding|aside from|beyond)\b"


_SLOTS = {"ORG", "PERSON", "PRODUCT", "ROUNDTYPE", "ROLE", "RELKIND", "THING"}


def excluded_mentions(parsed: Parsed) -> set[str]:
    """IRIs named right after "besides", "other than", ...: answers to leave out."""
    spans = sorted({(m.start, m.end) for m in parsed.mentions})
    out: set[str] = set()
    for match in re.finditer(_BESIDES + r"\s+(?:the\s+)?(ORG|PERSON|PRODUCT)\b", parsed.slotted):
        slot_index = sum(1 for t in parsed.slotted[: match.start(2)].split() if t in _SLOTS)
        if slot_index < len(spans):
            start, end = spans[slot_index]
            out |= {m.iri for m in parsed.mentions if (m.start, m.end) == (start, end)}
    return out


_YES_NO = r"^(is|was|are|were|does|did|do|has|have|had|can)\b"
_COUNT = r"\bhow many\b|\bnumber of\b"


def understand(parsed: Parsed) -> Reading | NotUnderstood:
    """The canned query for the question, or why none fits.

    Two shapes apply to any kind whose answers are entities: "how many ...?" counts them, and a
    yes/no question naming one more entity ("Did Tencent invest in MiniMax?") asks whether it
    is among them.
    """
    reading = _understand(parsed)
    if not isinstance(reading, Reading) or reading.answer != "entities":
        return reading
    if excluded := excluded_mentions(parsed):
        reading.focus["exclude"] = " ".join(sorted(excluded))
    bound = {str(v) for v in reading.bindings.values()}
    others = [
        m
        for m in parsed.mentions
        if m.iri not in bound and not m.target.kinds & {"RoundType", "Role", "RelationshipKind"}
    ]
    if re.match(_YES_NO, parsed.slotted):
        if not others:
            # "Did Huawei invest in MiniMax?": the subject of the yes/no is not in the graph.
            return NotUnderstood("the question asks yes or no about something the graph does not know")
        reading.answer = "contains"
        reading.focus["iri"] = others[0].iri
        reading.why = f"{reading.why} — is {others[0].target.label} among them?"
    elif parsed.has(_COUNT):
        reading.answer = "count"
        words = re.search(r"\bhow many ([a-z]+)", parsed.slotted)
        reading.focus.setdefault("noun", words.group(1) if words else "")
    return reading


# The regex cascade the compositional question reader of issue 13 replaces; left as it is until then.
def _understand(parsed: Parsed) -> Reading | NotUnderstood:  # noqa: C901
    orgs = parsed.of("Organization")
    people = parsed.of("Person")
    products = parsed.of("Product")
    rtypes = parsed.of("RoundType")
    roles = parsed.of("Role")
    relkinds = parsed.of("RelationshipKind")
    has = parsed.has
    entities = orgs + people + products

    def startup_first(candidates: list[Mention]) -> list[Mention]:
        return sorted(candidates, key=lambda m: "Startup" not in m.target.kinds)

    def round_filter() -> dict[str, str]:
        return {"roundType": rtypes[0].iri} if rtypes else {}

    # --- yes/no: did X lead Y's round? ----------------------------------------------------
    if (
        re.match(r"^(did|was|is|has|had|were)\b", parsed.slotted)
        and has(r"\b(lead|led|leader|leading)\b")
        and len(orgs) >= 2
    ):
        startup = startup_first(orgs)[0]
        investor = next(m for m in orgs if m.iri != startup.iri)
        return Reading(
            "did-lead",
            {"investor": investor.iri, "startup": startup.iri},
            "did-lead",
            why=f"yes/no: did {investor.target.label} lead {startup.target.label}'s round",
        )

    # --- statistics (before the generic "how many"/"how much") ----------------------------
    if has(_STAT_CUES) and not rtypes and not has(r"\bvaluation|valued|worth\b"):
        about = [m for m in orgs if "Startup" not in m.target.kinds]
        bindings: dict[str, str | Decimal] = {"about": about[0].iri} if about else {}
        wants_source = has(
            r"\b(who|which (analyst|organi[sz]ation|company|firm|agency))\b.*\b(said|says|stated|"
            r"states|reported|reports|according|source|pointed|claims?|estimated?)\b|\bsource\b|"
            r"\baccording to whom\b"
        )
        return Reading(
            "statistics",
            bindings,
            "statistic-source" if wants_source else "statistic",
            focus={"words": parsed.text},
            why="a figure the article reports",
        )

    # --- unicorns ------------------------------------------------------------------------
    if has(r"\bunicorns?\b"):
        investors = [m for m in orgs if "Startup" not in m.target.kinds]
        if investors and has(_INVEST):
            count = has(r"\bhow many\b")
            return Reading(
                "portfolio",
                {"investor": investors[0].iri},
                "count" if count else "entities",
                focus={"only": "unicorns"},
                why=f"unicorns {investors[0].target.label} invested in",
            )
        if has(r"^(is|are|was)\b") and orgs:
            return Reading(
                "is-unicorn", {"company": orgs[0].iri}, "is-unicorn", why=f"yes/no: is {orgs[0].target.label} a unicorn"
            )
        if has(r"\bhow many\b"):
            return Reading("unicorns", {}, "count", why="count the unicorns")
        return Reading("unicorns", {}, "entities", why="list the unicorns")

    # --- lead investor ----------------------------------------------------------------------
    if has(r"\b(led|lead|leads|leader|leading)\b") and orgs:
        startup = startup_first(orgs)[0]
        return Reading(
            "round-lead",
            {"startup": startup.iri, **round_filter()},
            "entities",
            why=f"lead investor of {startup.target.label}'s round",
        )

    # --- corporate structure ---------------------------------------------------------------
    if has(r"\b(subsidiar(y|ies)|unit|arm|division|business unit)\b") and len(orgs) >= 2:
        parent, startup = orgs[0], orgs[1]
        if "Startup" in parent.target.kinds:
            parent, startup = startup, parent
        return Reading(
            "subsidiary-investor",
            {"company": parent.iri, "startup": startup.iri},
            "entities",
            why=f"which subsidiary of {parent.target.label} invested in {startup.target.label}",
        )
    if has(r"\bsubsidiar(y|ies)\b|\bbusiness units?\b|\bowns?\b.*\bwhich\b") and orgs and not has(r"\bsubsidiary of\b"):
        return Reading(
            "subsidiaries", {"company": orgs[0].iri}, "entities", why=f"subsidiaries of {orgs[0].target.label}"
        )
    if (
        re.match(r"^(is|was|does|did|do)\b", parsed.slotted)
        and len(orgs) >= 2
        and has(r"\b(parent|owns?|owner|owned|part of|belongs?|subsidiary|holding company)\b")
    ):
        parent, child = orgs[0], orgs[1]
        if has(r"^(is|was) ORG (a |an |the )?(subsidiary|part|unit|owned)"):
            parent, child = child, parent
        return Reading(
            "parent",
            {"company": child.iri},
            "contains",
            focus={"iri": parent.iri},
            why=f"yes/no: is {parent.target.label} the parent of {child.target.label}",
        )
    if has(r"\b(parent|owns|owner|owned|part of|belongs?|subsidiary of|holding company)\b") and orgs:
        return Reading("parent", {"company": orgs[0].iri}, "entities", why=f"parent of {orgs[0].target.label}")

    # --- two investors: both / but not -----------------------------------------------------
    if len(orgs) >= 2 and has(
        r"\b(but not|not by|without|and not|excluding|except)\b|ORG (has|have|did|does) not\b|"
        r"\bnot ORG\b|ORG (hasn|haven|didn|doesn) t\b"
    ):
        return Reading(
            "backed-by-not",
            {"first": orgs[0].iri, "second": orgs[1].iri},
            "entities",
            why=f"backed by {orgs[0].target.label} but not {orgs[1].target.label}",
        )
    if (
        len(orgs) >= 2
        and (
            has(r"\bboth\b")
            or has(r"\b(in common|jointly|shared|together)\b")
            or (has(r"ORG (and|&) ORG") and has(_INVEST))
        )
        and not has(r"\b(higher|more valuable|larger|bigger|valued more|worth more)\b")
    ):
        return Reading(
            "backed-by-both",
            {"first": orgs[0].iri, "second": orgs[1].iri},
            "entities",
            why=f"backed by both {orgs[0].target.label} and {orgs[1].target.label}",
        )

    # --- valuations ------------------------------------------------------------------------------
    if len(orgs) >= 2 and has(r"\b(higher|more valuable|larger|bigger|valued more|worth more|greater|highest)\b"):
        if re.match(r"^(is|was|are)\b", parsed.slotted):
            return Reading(
                "compare-valuations",
                {"first": orgs[0].iri, "second": orgs[1].iri},
                "higher",
                focus={"iri": orgs[0].iri},
                why=f"yes/no: is {orgs[0].target.label} valued higher than {orgs[1].target.label}",
            )
        return Reading(
            "compare-valuations",
            {"first": orgs[0].iri, "second": orgs[1].iri},
            "higher",
            why=f"compare the valuations of {orgs[0].target.label} and {orgs[1].target.label}",
        )
    amount = parse_amount(parsed.question)
    if amount is not None and not orgs and has(r"\b(valued|valuation|worth)\b"):
        return Reading("valued-above", {"amount": amount}, "entities", why=f"valued at {amount:,} or more")
    if has(r"\b(valuation|valued|worth|value|valuable)\b") and orgs:
        return Reading("valuation", {"company": orgs[0].iri}, "money", why=f"valuation of {orgs[0].target.label}")

    # --- rounds: amount, date, type --------------------------------------------------------------
    how_much_raised = has(r"\bhow much\b") and has(
        r"\b(raise|raised|raising|get|got|secure|secured|funding|"
        r"money|financing|round|collect|collected)\b"
    )
    size_of_round = has(r"\b(size|amount|how big|how large)\b") and (rtypes or has(r"\b(round|financing|funding)\b"))
    if orgs and (how_much_raised or size_of_round):
        return Reading(
            "round-amount",
            {"startup": orgs[0].iri, **round_filter()},
            "money",
            why=f"money raised by {orgs[0].target.label}",
        )
    when = has(r"^when\b|\bwhat date\b|\bwhich month\b|\bin which month\b|\bwhen did\b|\bdate of\b")
    # On the normalised text, not the slotted one: "founded" may have been linked to the role Founder.
    if (
        when
        and re.search(r"\b(founded|established|set up|created|incorporated|started)\b", parsed.text)
        and (orgs or products)
    ):
        return NotUnderstood(
            "the graph records no founding dates (the article only says three of the five "
            "unicorns were founded in 2023, without naming them)"
        )
    if when and products:
        return NotUnderstood(f"the graph records no release dates for products such as {products[0].target.label}")
    if when and orgs:
        return Reading(
            "funding-rounds",
            {"startup": orgs[0].iri, **round_filter()},
            "date",
            why=f"date of {orgs[0].target.label}'s round",
        )
    if has(r"\b(what|which) (type|kind|series|stage)\b|\bround type\b|\bwhat round\b") and orgs:
        return Reading(
            "funding-rounds",
            {"startup": orgs[0].iri, **round_filter()},
            "round-type",
            why=f"type of {orgs[0].target.label}'s round",
        )

    # --- strategic relationships ------------------------------------------------------------------
    if not relkinds and orgs and has(r"\bcloud\b"):
        relkinds = [m for m in parsed.linker_terms("ExclusiveCloudProvision")]
    if relkinds and orgs:
        company = startup_first(orgs)[0]
        return Reading(
            "strategic-relationships",
            {"company": company.iri, "kind": relkinds[0].iri},
            "entities",
            why=f"{relkinds[0].target.label} of {company.target.label}",
        )
    if has(r"\b(largest|biggest|main|major) (institutional )?(shareholder|stakeholder|investor|owner)s?\b") and orgs:
        return Reading(
            "largest-shareholder",
            {"company": startup_first(orgs)[0].iri},
            "entities",
            why=f"largest shareholder of {startup_first(orgs)[0].target.label}",
        )
    if has(r"\bmost of the (funds|money|funding|capital)\b") and orgs:
        return Reading(
            "round-investors",
            {"startup": startup_first(orgs)[0].iri, **round_filter()},
            "entities",
            focus={"qualifier": "provided most of the funds"},
            why=f"who provided most of the funds in {startup_first(orgs)[0].target.label}'s round",
        )

    # --- people and roles -------------------------------------------------------------------------
    founded = has(r"\b(founded|founder|started|set up|established)\b")
    if (roles or founded) and orgs and not people:
        role = roles[0].iri if roles else ONTOLOGY_NS + "Founder"
        return Reading(
            "role-holders",
            {"organization": orgs[0].iri, "role": role},
            "entities",
            why=f"who holds the role at {orgs[0].target.label}",
        )
    if people:
        person = people[0]
        bindings = {"person": person.iri}
        if orgs:
            bindings["organization"] = orgs[0].iri
        if roles and orgs and re.match(r"^(is|was)\b", parsed.slotted):
            return Reading(
                "role-holders",
                {"organization": orgs[0].iri, "role": roles[0].iri},
                "holds-role",
                focus={"person": person.iri},
                why=f"yes/no: is {person.target.label} the {roles[0].target.label}",
            )
        if has(
            r"\b(say|says|said|view|views|opinion|point|think|thinks|argue|argues|argued|claim|claims|believe|"
            r"believes|reflection|comment|comments|words|remark|speech|quote)\b"
        ):
            return Reading("claims", {"statedBy": person.iri}, "claims", why=f"what {person.target.label} said")
        if has(
            r"\b(where|which (company|organi[sz]ation|firm|agency)|work|works|worked|employer|employed|"
            r"affiliated)\b"
        ):
            return Reading("person-roles", bindings, "organizations", why=f"where {person.target.label} works")
        return Reading("person-roles", bindings, "entities", why=f"{person.target.label}'s role")

    # --- products and models ----------------------------------------------------------------------
    if products:
        product = products[0]
        comparison = None
        if has(
            r"\b(outperform|outperforms|outperformed|beat|beats|surpass|surpassed|better than|exceed|"
            r"exceeded|beyond|superior|outdo|outdid|capabilities)\b"
        ):
            comparison = ONTOLOGY_NS + "outperforms"
        elif has(r"\b(overshadow|overshadowed|limelight|spotlight|steal|stole|upstage|upstaged)\b"):
            comparison = ONTOLOGY_NS + "overshadowed"
        elif has(r"\b(outsell|outsells|outsold|sells better|sold better|sell better|sells more)\b"):
            comparison = ONTOLOGY_NS + "outsells"
        if comparison:
            inverse = bool(re.search(r"PRODUCT\s*\??$", parsed.slotted)) and has(r"^(which|what|who)\b")
            return Reading(
                "product-comparisons",
                {"product": product.iri},
                "entities",
                focus={"relation": comparison, "direction": "inverse" if inverse else "forward"},
                why=f"what {product.target.label} is compared with",
            )
        return Reading(
            "product-developer", {"product": product.iri}, "entities", why=f"who developed {product.target.label}"
        )
    if (
        orgs
        and has(
            r"\b(products?|models?|released?|releases|develop|develops|developed|launch|launched|"
            r"built|make|makes|made)\b"
        )
        and not has(_INVEST)
    ):
        return Reading("products", {"organization": orgs[0].iri}, "entities", why=f"products of {orgs[0].target.label}")

    # --- claims by an organisation -----------------------------------------------------------------
    if (
        orgs
        and has(r"\b(say|says|said|view|opinion|point|argue|argues|claim|claims|believe|comment)\b")
        and not has(_INVEST)
    ):
        return Reading("claims", {"statedBy": orgs[0].iri}, "claims", why=f"what {orgs[0].target.label} said")

    # --- backers ---------------------------------------------------------------------------------------
    if (
        orgs
        and has(r"\b(behind|backs|backed|backer|backers|backing|supports?|supporters?|supported|giants?)\b")
        and not has(
            r"\b(which|what|how many) ([a-z]+ ){0,2}(companies|startups|firms|ones|businesses|company|"
            r"startup|unicorns)\b"
        )
    ):
        company = startup_first(orgs)[0]
        return Reading("backers", {"company": company.iri}, "entities", why=f"who stands behind {company.target.label}")

    # --- investments: who invested in X / what did X invest in / alongside ---------------------------
    if orgs and has(r"\b(alongside|co-?invest\w*|coinvest\w*|together with|along with|with whom)\b"):
        investor = next((m for m in orgs if "Startup" not in m.target.kinds), orgs[0])
        companies = [m for m in orgs if m.iri != investor.iri]
        focus = {"company": companies[0].iri} if companies else {}
        where = f" in {companies[0].target.label}" if companies else ""
        return Reading(
            "co-investors",
            {"investor": investor.iri},
            "entities",
            focus=focus,
            why=f"co-investors of {investor.target.label}{where}",
        )
    if orgs and (has(_INVEST) or has(r"\bportfolio\b")):
        org = orgs[0]
        count = has(r"\bhow many\b|\bnumber of\b|\bcount\b")
        object_of_invest = (
            has(r"\b(in|into|to) ORG\b")
            or has(r"\bORG (investors?|backers?|funders?)\b")
            or has(r"\bhow many (investors|backers|funders|shareholders)\b")
            or has(r"\binvestors? (of|in) ORG\b")
        )
        asks_companies = has(
            r"\b(which|what|how many) ([a-z]+ ){0,2}(companies|startups|firms|ones|businesses|"
            r"company|startup|firm|unicorns)\b"
        )
        subject_of_invest = (
            asks_companies
            or has(r"\bportfolio\b")
            or has(r"\b(has|did|does) ORG\b")
            or has(r"\bORG (has |have |had )?(invest|invests|invested|investing|back|backs|backed|fund|funds|funded)\b")
        )
        if object_of_invest and (not asks_companies or "Startup" in startup_first(orgs)[0].target.kinds):
            subject_of_invest = False
            org = startup_first(orgs)[0]
        if subject_of_invest:
            if count:
                return Reading(
                    "portfolio-size",
                    {"investor": org.iri},
                    "count",
                    why=f"number of companies {org.target.label} invested in",
                )
            return Reading(
                "portfolio", {"investor": org.iri}, "entities", why=f"companies {org.target.label} invested in"
            )
        if rtypes or has(r"\bround\b"):
            return Reading(
                "round-investors",
                {"startup": org.iri, **round_filter()},
                "entities",
                why=f"investors in {org.target.label}'s round",
            )
        if "Startup" not in org.target.kinds and org.target.kinds & INVESTOR_KINDS and not object_of_invest:
            return Reading(
                "portfolio", {"investor": org.iri}, "entities", why=f"companies {org.target.label} invested in"
            )
        return Reading("startup-investors", {"startup": org.iri}, "entities", why=f"investors of {org.target.label}")

    if rtypes and orgs:
        return Reading(
            "funding-rounds",
            {"startup": orgs[0].iri, **round_filter()},
            "rounds",
            why=f"{orgs[0].target.label}'s {rtypes[0].target.label}",
        )
    if has(r"\b(evidence|source|article say|article said|what does the article|tell me about|about)\b") and entities:
        return Reading(
            "evidence",
            {"entity": entities[0].iri},
            "statements",
            why=f"what the article says about {entities[0].target.label}",
        )
    if not entities:
        return NotUnderstood("the question names no organisation, person or product that the graph knows")
    return NotUnderstood(
        "no kind of question I can answer fits it (I answer questions about investors, rounds, valuations, "
        "subsidiaries, people and roles, backers, products, unicorns and the article's statistics)"
    )
