"""The vendor's insights from the event store: funnel, queries, content gaps, articles, triage over time."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.classifier.data import LABELS
from triage.classifier.features import normalize_text
from triage.events.model import utc_now
from triage.events.store import EventStore, Funnel, SearchRow

DEFAULT_DAYS = 30
TOP_QUERIES = 20
GAP_GROUPS = 25
MAX_GAP_QUERIES = 500
WORST_ARTICLES = 10
MIN_VOTES = 3
# Queries whose character n-grams are at least this similar (cosine) fall into one content gap.
GAP_SIMILARITY = 0.5
WEEKLY_AFTER_DAYS = 60


@dataclass(frozen=True)
class QueryCount:
    """A query as customers wrote it most often, how often (any spelling) and how often without hits."""

    query: str
    count: int
    no_hits: int


@dataclass(frozen=True)
class GapGroup:
    """Similar queries with no results, or whose visitors still found no help."""

    label: str
    count: int
    no_results: int
    poor: int
    queries: list[QueryCount]
    languages: list[str]


@dataclass(frozen=True)
class ArticleRating:
    article: str
    helpful: int
    votes: int

    @property
    def ratio(self) -> float:
        return self.helpful / self.votes if self.votes else 0.0


@dataclass
class Insights:
    """Everything the report shows, for one period."""

    since: dt.datetime
    until: dt.datetime
    days: int
    counts: dict[str, int]
    funnel: Funnel
    top_queries: list[QueryCount]
    gaps: list[GapGroup]
    worst_articles: list[ArticleRating]
    buckets: list[str]
    bucket_size: str
    category_mix: dict[str, list[int]]
    needs_human: list[float | None]
    needs_human_share: float | None
    answers: int
    charts: dict[str, str] = field(default_factory=dict)
    # Customers whose contingent this month is near (past the warning threshold) or over its limit.
    contingents: list[Any] = field(default_factory=list)


def query_key(query: str) -> str:
    """Return a query as counted: case, umlauts and spacing folded, trailing punctuation dropped."""
    return normalize_text(query).strip(" ?!.,;:\"'")


def count_queries(rows: Sequence[SearchRow]) -> list[QueryCount]:
    """Count queries by key, most frequent first; each shown in its most common spelling."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    no_hits: Counter[str] = Counter()
    for row in rows:
        key = query_key(row.query)
        if not key:
            continue
        spellings[key][row.query.strip()] += 1
        no_hits[key] += row.hits == 0
    counted = [
        QueryCount(forms.most_common(1)[0][0], sum(forms.values()), no_hits[key]) for key, forms in spellings.items()
    ]
    return sorted(counted, key=lambda q: (-q.count, q.query))


def group_similar(queries: Sequence[QueryCount], similarity: float = GAP_SIMILARITY) -> list[list[QueryCount]]:
    """Group queries of similar wording (TF-IDF of character n-grams, average-linkage clustering)."""
    if len(queries) < 2:
        return [list(queries)] if queries else []
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), preprocessor=query_key).fit_transform(
        [q.query for q in queries]
    )
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1 - similarity
    )
    labels = clustering.fit_predict(cosine_distances(vectors))
    groups: dict[int, list[QueryCount]] = defaultdict(list)
    for label, query in zip(labels, queries, strict=True):
        groups[int(label)].append(query)
    return list(groups.values())


def content_gaps(rows: Sequence[SearchRow], unhappy_sessions: set[str]) -> list[GapGroup]:
    """Queries with no hits, or whose session ended unhelped ("not helpful", a ticket), grouped by wording."""
    gap_rows = [r for r in rows if r.hits == 0 or (r.session_id is not None and r.session_id in unhappy_sessions)]
    counted = count_queries(gap_rows)[:MAX_GAP_QUERIES]
    languages: dict[str, set[str]] = defaultdict(set)
    for row in gap_rows:
        if row.language:
            languages[query_key(row.query)].add(row.language)
    groups = []
    for members in group_similar(counted):
        members.sort(key=lambda q: (-q.count, q.query))
        no_results = sum(q.no_hits for q in members)
        total = sum(q.count for q in members)
        langs = sorted(set().union(*(languages[query_key(q.query)] for q in members)))
        groups.append(GapGroup(members[0].query, total, no_results, total - no_results, members, langs))
    return sorted(groups, key=lambda g: (-g.count, g.label))[:GAP_GROUPS]


def worst_articles(votes: Sequence[tuple[str, int, int]], min_votes: int = MIN_VOTES) -> list[ArticleRating]:
    """Return the articles with the lowest share of "helpful" votes (with at least `min_votes` votes)."""
    rated = [ArticleRating(article, yes, total) for article, yes, total in votes if total >= min_votes]
    return sorted(rated, key=lambda a: (a.ratio, -a.votes, a.article))[:WORST_ARTICLES]


def time_buckets(since: dt.datetime, until: dt.datetime, days: int) -> tuple[list[dt.date], str]:
    """Return the first day of each day (or ISO week, for long periods) in the period, and the unit."""
    weekly = days > WEEKLY_AFTER_DAYS
    start = since.date() - dt.timedelta(days=since.weekday()) if weekly else since.date()
    step = dt.timedelta(days=7 if weekly else 1)
    buckets = []
    while start <= until.date():
        buckets.append(start)
        start += step
    return buckets, "week" if weekly else "day"


def triage_over_time(
    facts: Sequence[tuple[dt.datetime, str, bool]], buckets: Sequence[dt.date], unit: str
) -> tuple[dict[str, list[int]], list[float | None]]:
    """Count categories and the needs_human share per bucket."""
    index = {day: i for i, day in enumerate(buckets)}
    categories = list(LABELS) + sorted({c for _, c, _ in facts if c not in LABELS})
    mix = {category: [0] * len(buckets) for category in categories}
    human = [0] * len(buckets)
    for created, category, needs_human in facts:
        day = created.date()
        if unit == "week":
            day -= dt.timedelta(days=day.weekday())
        if day not in index:
            continue
        mix[category][index[day]] += 1
        human[index[day]] += needs_human
    totals = [sum(column) for column in zip(*mix.values(), strict=True)] if mix else []
    shares = [h / t if t else None for h, t in zip(human, totals, strict=True)]
    return {c: counts for c, counts in mix.items() if any(counts) or c in LABELS}, shares


def build_insights(
    store: EventStore, *, days: int = DEFAULT_DAYS, now: dt.datetime | None = None, policy: Any = None
) -> Insights:
    """Read the last `days` days of events and compute the report's sections and charts.

    With the policy's plans, the report also lists this month's contingents near or over their limit.
    """
    from triage.events import charts

    until = now or utc_now()
    since = until - dt.timedelta(days=days)
    rows = store.searches(since)
    facts = store.triage_facts(since)
    buckets, unit = time_buckets(since, until, days)
    mix, shares = triage_over_time(facts, buckets, unit)
    labels = [day.isoformat() for day in buckets]
    funnel = store.funnel(since)
    insights = Insights(
        since=since,
        until=until,
        days=days,
        counts=store.counts_by_kind(since),
        funnel=funnel,
        top_queries=count_queries(rows)[:TOP_QUERIES],
        gaps=content_gaps(rows, store.unhappy_sessions(since)),
        worst_articles=worst_articles(store.article_votes(since)),
        buckets=labels,
        bucket_size=unit,
        category_mix=mix,
        needs_human=shares,
        needs_human_share=(sum(h for _, _, h in facts) / len(facts)) if facts else None,
        answers=len(facts),
    )
    if policy is not None and policy.plans:
        from triage.contracts.store import ContractStore
        from triage.contracts.usage import contingent_alerts, month_of

        insights.contingents = contingent_alerts(ContractStore(store), policy.plans, month_of(until.date()))
    insights.charts["funnel"] = charts.funnel_chart(funnel_stages(funnel))
    if facts:
        insights.charts["category_mix"] = charts.category_mix_chart(labels, mix)
        insights.charts["needs_human"] = charts.needs_human_chart(labels, shares)
    return insights


def funnel_stages(funnel: Funnel) -> list[tuple[str, int]]:
    return [
        ("problem page visits", funnel.visits),
        ("triage answers", funnel.answers),
        ("article opened", funnel.article_opened),
        ("found helpful", funnel.helpful),
        ("ticket opened anyway", funnel.ticket_anyway),
    ]


def render_insights(insights: Insights) -> str:
    """Render the report as one self-contained HTML page (inline SVG charts, no scripts, all text escaped)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup

    env = Environment(loader=PackageLoader("triage.events", "templates"), autoescape=True, undefined=StrictUndefined)
    template = env.get_template("insights.html.j2")
    # The charts are matplotlib's own SVG of our numbers and labels (it escapes the text it writes).
    charts = {name: None for name in ("funnel", "category_mix", "needs_human")}
    charts.update({name: Markup(svg) for name, svg in insights.charts.items()})
    return template.render(insights=insights, charts=charts, stages=funnel_stages(insights.funnel))


def write_insights_report(store: EventStore, path: Path, *, days: int = DEFAULT_DAYS, policy: Any = None) -> Path:
    """Write the HTML report for the last `days` days to path; return it."""
    html = render_insights(build_insights(store, days=days, policy=policy))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def report_from_settings(settings: Any, path: Path | None = None, *, days: int = DEFAULT_DAYS) -> Path:
    """Write the insights report of the settings' event store (default: reports/insights.html); return its path.

    The report never shows what the retention period says is gone: old events are purged first.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from kb_search.errors import Level0Error
    from triage.answer.policy import load_policy

    policy = load_policy(settings.policy_file)  # it names the plans of the contingents section
    store = EventStore.from_settings(settings)
    try:
        store.open()
        if settings.retention_days > 0:
            store.purge(settings.retention_days)
        return write_insights_report(store, path or settings.reports_dir / "insights.html", days=days, policy=policy)
    except SQLAlchemyError as exc:
        message = f"cannot read the event store: {str(exc).splitlines()[0]}"
        raise Level0Error(message, code="database_unavailable", status=503, exit_code=1) from None
    except OSError as exc:
        raise Level0Error(f"cannot write the report: {exc}", code="not_written", exit_code=1) from None
    finally:
        store.close()
