"""The sample organisation as plain tables: people, projects, and the words their changes use.

`sample_org.build_sample_world` turns these into a World. Keeping the data apart from the builder
means a reader can review the landscape (who maintains what, how ready each project is) at a
glance, and a new sample project is one table entry, not a new code path.

Times are in days before the World's `now`, so the sample never ages: a project "pushed 2 days
ago" stays that fresh whenever the sandbox starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

GFI = "good first issue"

# What a project's default branch holds. A project's `kit` is a set of these words; the builder
# writes the matching files (or sets the forge flag, for "scanning").
FULL = frozenset(
    {"readme", "contributing", "codeowners", "license", "innersource", "ci", "secrets"}
    | {"issue_template", "change_template"}
)
READY = frozenset({"readme", "contributing", "codeowners", "license", "ci"})
PARTIAL = frozenset({"readme", "license", "ci"})
BARE = frozenset({"readme"})
NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IssueSpec:
    title: str
    labels: tuple[str, ...] = (GFI,)
    age: int = 14  # days since it was opened
    assignee: str | None = None
    closed: bool = False
    author: str | None = None  # default: the project's first maintainer


def gfi(title: str, *labels: str, age: int = 14, assignee: str | None = None,
        closed: bool = False, author: str | None = None) -> IssueSpec:  # fmt: skip
    """A good-first-issue; `labels` replace the default `good first issue` label."""
    return IssueSpec(title, labels or (GFI,), age, assignee, closed, author)


def issue(title: str, *labels: str, age: int = 30, author: str | None = None) -> IssueSpec:
    """An ordinary open issue (bug, RFC, ...): never a good-first-issue."""
    return IssueSpec(title, labels, age, author=author)


@dataclass(frozen=True)
class ProjectSpec:
    forge: str  # "github" | "gitlab"
    path: str  # "acme/name" or "platform/sub/name"
    description: str
    topics: tuple[str, ...] = ()
    langs: Mapping[str, int] = field(default_factory=dict)  # language -> bytes
    intro: str = ""  # the README's first paragraph: what search reads first
    kit: frozenset[str] = NOTHING
    visibility: str = "internal"
    age: int = 700  # days since creation
    pushed: int = 3  # days since the last push
    pace: float = 0.0  # commits a week while the project is active
    stars: int = 0
    forks: int = 0
    watchers: int = 0
    team: str = ""  # CODEOWNERS team slug
    maintainers: tuple[str, ...] = ()
    new_maintainers: tuple[str, ...] = ()  # joined lately: listed as maintainers, no part in `merged`
    trusted: tuple[str, ...] = ()  # trusted committers the project lists (innersource.json)
    contributors: tuple[str, ...] = ()  # outside authors of merged changes
    merged: int = 0  # merged changes in the last 180 days before the last push
    authored: Mapping[str, int] = field(default_factory=dict)  # exact extra merged counts
    reviewers: tuple[str, ...] = ()  # non-maintainers who also review
    reviews: Mapping[str, int] = field(default_factory=dict)  # exact extra reviews of the latest changes
    first_timers: Mapping[str, int] = field(default_factory=dict)  # merged in the last weeks: their first
    bots: bool = False  # dependency bots open (and get merged) bump PRs
    skills: tuple[str, ...] = ()
    motivation: str = ""
    issues: tuple[IssueSpec, ...] = ()
    open_prs: tuple[str, ...] = ()  # authors of open, unmerged changes
    license: str = "NOASSERTION"  # SPDX id GitHub would report
    scanner: str = "gitleaks"  # the secret scanner a GitHub workflow runs
    paths: Mapping[str, str] = field(default_factory=dict)  # kit word -> non-default path
    innersource_text: str | None = None  # raw innersource.json, for the broken ones
    extra_files: Mapping[str, str] = field(default_factory=dict)
    branch: str = "main"
    archived: bool = False
    fork: bool = False
    empty: bool = False
    title: str = ""  # default: the name, title-cased

    @property
    def listed_maintainers(self) -> tuple[str, ...]:
        """Everyone CODEOWNERS, innersource.json and CONTRIBUTING name as a maintainer."""
        return self.maintainers + self.new_maintainers


# Contributor progression over the merged changes and reviews the projects below generate (the last
# 180 days; tests/sandbox/test_sample_levels.py holds the outcome):
# - the one trusted-committer candidate: jasmine on acme/aurora-design-system (11 merged, 10 reviews,
#   the latest this month), nominated at start-up to aurora's maintainers alice, bob and sam, the
#   console's own user;
# - a trusted committer the project lists itself: yuki, in acme/developer-portal's innersource.json;
# - regulars (>= 5 merged outside their own projects): mateo, kofi, farah, elena, uma, bob, ...;
# - contributors: the others who merged outside their own projects; ana's first landed last week;
# - newcomers: alice and gustavo (their own projects only), sam (reviews on his project), tomas
#   (reviews only).
# login, name, email (None: the forge hides it, so linking must be by `/innersource link`)
USERS: tuple[tuple[str, str, str | None], ...] = (
    ("alice", "Alice Nakamura", "alice.nakamura@acme.example"),
    ("bob", "Bob Okafor", "bob.okafor@acme.example"),
    ("carol", "Carol Jensen", "carol.jensen@acme.example"),
    ("dmitri", "Dmitri Volkov", "dmitri.volkov@acme.example"),
    ("elena", "Elena García", "elena.garcia@acme.example"),
    ("farah", "Farah Haddad", "farah.haddad@acme.example"),
    ("gustavo", "Gustavo Pereira", "gustavo.pereira@acme.example"),
    ("hana", "Hana Kim", "hana.kim@acme.example"),
    ("ivan", "Ivan Petrov", "ivan.petrov@acme.example"),
    ("jasmine", "Jasmine Lee", "jasmine.lee@acme.example"),
    ("kofi", "Kofi Mensah", "kofi.mensah@acme.example"),
    ("lena", "Lena Fischer", "lena.fischer@acme.example"),
    ("mateo", "Mateo Rossi", "mateo.rossi@acme.example"),
    ("nadia", "Nadia Rahman", "nadia.rahman@acme.example"),
    ("oscar", "Oscar Lindqvist", "oscar.lindqvist@acme.example"),
    ("priya", "Priya Sharma", "priya.sharma@acme.example"),
    ("quentin", "Quentin Dubois", "quentin.dubois@acme.example"),
    ("rosa", "Rosa Martínez", "rosa.martinez@acme.example"),
    ("sanjay", "Sanjay Iyer", "sanjay.iyer@acme.example"),
    ("tomas", "Tomás Novák", "tomas.novak@acme.example"),  # newcomer: opened, nothing merged
    ("uma", "Uma Patel", "uma.patel@acme.example"),
    ("victor", "Victor Adeyemi", "victor.adeyemi@acme.example"),
    ("wen", "Wen Zhao", "wen.zhao@acme.example"),
    ("xavier", "Xavier Moreau", None),
    ("yuki", "Yuki Tanaka", "yuki.tanaka@acme.example"),
    ("zoe", "Zoe Williams", None),
    ("ana", "Ana Souza", "ana.souza@acme.example"),  # first merged change a week ago
    # The console's own user (U0SANDBOX1 in the fake Slack, same e-mail): a maintainer of
    # acme/aurora-design-system, so the sample's nomination reaches whoever tries the sandbox.
    ("sam", "Sam Sandbox", "sam.sandbox@acme.example"),
)
CONSOLE_LOGIN = "sam"
GITHUB_BOT = "dependabot[bot]"
GITLAB_BOT = "renovate-bot"

# Titles of merged and open changes: general ones, plus a few per primary language.
CHANGE_TITLES = (
    "Fix flaky integration test",
    "Improve error message when configuration is missing",
    "Document local development setup",
    "Add retry with jitter on transient failures",
    "Reduce log noise at INFO level",
    "Handle empty responses gracefully",
    "Add missing unit tests for edge cases",
    "Fix typo in README",
    "Speed up CI by caching dependencies",
    "Add CHANGELOG entry for the next release",
    "Clarify contribution guidelines",
    "Remove dead code",
)
LANG_TITLES: Mapping[str, tuple[str, ...]] = {
    "TypeScript": ("Migrate to strict TypeScript", "Add keyboard navigation", "Fix SSR hydration"),
    "Python": ("Add type hints to public API", "Support Python 3.12", "Replace setup.py"),
    "Go": ("Propagate context cancellation", "Add OpenTelemetry spans", "Bump Go to 1.23"),
    "Java": ("Make client thread-safe", "Add Micrometer metrics", "Upgrade to Java 21"),
    "Kotlin": ("Use coroutines for network calls", "Add ProGuard rules", "Support Android 15"),
    "Swift": ("Adopt Swift concurrency", "Fix Keychain access on iOS 18", "Add privacy manifest"),
    "HCL": ("Tag all resources with cost centre", "Enable encryption by default", "Add outputs"),
    "YAML": ("Add job for Python 3.12", "Pin image digests", "Add manual deploy gate"),
    "Open Policy Agent": ("Deny public buckets", "Add exceptions mechanism", "Add Rego tests"),
}
BUMPS: Mapping[str, tuple[str, str, str]] = {  # primary language -> (dependency, from, to)
    "TypeScript": ("typescript", "5.5.4", "5.6.3"),
    "JavaScript": ("eslint", "9.9.0", "9.13.0"),
    "Python": ("pydantic", "2.8.2", "2.9.2"),
    "Go": ("golang.org/x/net", "0.28.0", "0.30.0"),
    "Java": ("com.fasterxml.jackson.core:jackson-databind", "2.17.2", "2.18.0"),
    "Kotlin": ("org.jetbrains.kotlin:kotlin-stdlib", "2.0.10", "2.0.21"),
    "HCL": ("hashicorp/aws", "5.62.0", "5.72.1"),
    "YAML": ("python docker tag", "3.12.5", "3.12.7"),
    "Dockerfile": ("alpine", "3.20.2", "3.20.3"),
    "Open Policy Agent": ("openpolicyagent/opa", "0.67.1", "0.69.0"),
}

_ADR_1 = """# 1. Record architecture decisions

Date: 2021-03-04

## Status
Accepted

## Context
We need to record the architectural decisions made on Acme's platform.

## Decision
We will use Architecture Decision Records, as described by Michael Nygard.

## Consequences
See Michael Nygard's article, linked above.
"""
_ADR = "# {n}. {title}\n\n## Status\n{status}\n\n## Context\n{context}\n\n## Decision\n{decision}\n"
_INVALID_INNERSOURCE = """{
  "title": "Legacy billing adapter",
  "motivation": "Keep the SOAP bridge alive until billing v2 ships",
  "skills": ["Java", "SOAP", "XSLT",],
  "maintainers": ["gustavo"]
"""
_WRONG_TYPES_INNERSOURCE = '{"title": "Release tooling", "skills": "JavaScript", "maintainers": "dmitri"}\n'
_PIPELINE_TEMPLATE = """.{lang}-test:
  stage: test
  image: $CI_REGISTRY/platform/ci-cd/runner-images/{lang}:latest
  script:
    - make test
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""

P = ProjectSpec
# One entry per project, arguments packed by hand: the formatter would give every argument its own
# line and turn this table into a thousand lines nobody can review.
# fmt: off
PROJECTS: tuple[ProjectSpec, ...] = (
    # --- GitHub organisation "acme" ------------------------------------------------------------
    P("github", "acme/aurora-design-system",
      "Aurora: Acme's React design system: accessible components, design tokens and guidelines",
      ("design-system", "ui", "react", "accessibility", "components", "design-tokens", "frontend"),
      {"TypeScript": 1_842_310, "CSS": 402_118, "MDX": 188_004, "JavaScript": 41_220},
      "Aurora is Acme's design system: a library of accessible, themeable React components, the "
      "design tokens behind them, and the usage guidelines designers and engineers share. Every "
      "customer-facing product at Acme builds its UI from Aurora.",
      FULL | {"scanning"}, visibility="public", age=1100, pushed=0, pace=24, stars=214, forks=61,
      watchers=48, team="design-system-maintainers", maintainers=("alice", "bob"),
      new_maintainers=("sam",), contributors=("mateo", "uma", "lena", "oscar", "zoe"), merged=22,
      authored={"jasmine": 11}, reviewers=("jasmine",), reviews={"sam": 3}, bots=True,
      license="Apache-2.0",
      skills=("React", "TypeScript", "CSS", "Accessibility (WCAG 2.2)", "Storybook"),
      motivation="One set of accessible, themeable components so every Acme product looks and "
      "behaves the same, and nobody re-implements a date picker again.",
      issues=(gfi("Add a Storybook story for the Tooltip component", age=6),
              gfi("Document the focus-ring tokens in the accessibility guide", "good-first-issue",
                  age=12),
              gfi("Button: disabled state fails WCAG contrast in dark theme", "help wanted",
                  "accessibility", age=3),
              gfi("Replace deprecated defaultProps in Avatar", age=20, assignee="jasmine"),
              gfi("Add Dutch translations for DatePicker", age=40, closed=True),
              gfi("Typo in the Select component docs", age=2, author="tomas"),
              issue("Table: virtualised rows flicker in Safari 18", "bug", age=9),
              issue("RFC: theming API v2", "rfc", age=33)),
      open_prs=("jasmine", "tomas", "oscar"), paths={"codeowners": ".github/CODEOWNERS"}),
    P("github", "acme/architecture-decisions",
      "Architecture Decision Records (ADRs): the why behind Acme's platform choices",
      ("adr", "architecture", "decision-records", "governance", "documentation"),
      {"Shell": 3_412, "Makefile": 890},
      "This repository holds Acme's Architecture Decision Records (ADRs): short markdown documents "
      "that capture an important architectural decision, its context and its consequences. Read "
      "them before you propose a change to the platform; write one when you make a decision.",
      READY | {"innersource", "change_template"}, age=1400, pushed=6, pace=3, stars=88, forks=20,
      watchers=35, team="architecture-guild", maintainers=("carol", "sanjay"),
      contributors=("ivan", "elena", "quentin", "priya"), merged=9,
      skills=("Technical writing", "Software architecture"),
      motivation="Decisions that affect many teams are made in the open, once, and written down.",
      issues=(gfi("ADR index: mark superseded records", "good-first-issue", age=25),),
      extra_files={
          "docs/adr/0001-record-architecture-decisions.md": _ADR_1,
          "docs/adr/0002-use-kafka-for-asynchronous-integration.md": _ADR.format(
              n=2, title="Use Kafka for asynchronous integration", status="Accepted",
              context="Teams integrate through shared databases and nightly batch files.",
              decision="Services publish domain events to Kafka, using acme/kafka-client."),
          "docs/adr/0003-adopt-opa-for-cloud-policy.md": _ADR.format(
              n=3, title="Adopt OPA for cloud policy", status="Accepted",
              context="Cloud guardrails live in three consoles and drift apart.",
              decision="Policies are Rego in platform/security/cloud-guardrails, tested in CI."),
          "docs/adr/0004-one-design-system.md": _ADR.format(
              n=4, title="One design system for all customer-facing UIs", status="Accepted",
              context="Four component libraries, four date pickers.",
              decision="New UIs use acme/aurora-design-system; others migrate when touched."),
          "docs/adr/0005-prefer-postgresql.md": _ADR.format(
              n=5, title="Prefer PostgreSQL for new services", status="Proposed",
              context="We run five database engines.", decision="PostgreSQL unless an ADR says"),
      }),
    P("github", "acme/kafka-client",
      "JVM wrapper for Kafka: sane defaults, retries with dead-letter topics, Avro, tracing",
      ("kafka", "messaging", "java", "kotlin", "event-driven", "library"),
      {"Java": 612_004, "Kotlin": 98_310, "Shell": 2_100},
      "kafka-client wraps the Apache Kafka producer and consumer for JVM services with Acme's "
      "defaults: idempotent producers, retries with dead-letter topics, Avro with the schema "
      "registry, and OpenTelemetry tracing across topics.",
      FULL - {"issue_template"}, age=1300, pushed=2, pace=9, stars=73, forks=18, watchers=22,
      team="messaging", maintainers=("ivan", "gustavo"), contributors=("mateo", "wen", "farah"),
      merged=12, bots=True, scanner="trufflehog",
      skills=("Java", "Kotlin", "Apache Kafka", "Avro"),
      motivation="Every team used to hand-roll retries and dead-lettering; now they share one.",
      issues=(gfi("Expose consumer lag as a Micrometer gauge", age=10),
              gfi("Example: transactional outbox with Spring Boot", "help wanted", age=45)),
      open_prs=("mateo",)),
    P("github", "acme/flagpole",
      "Feature-flag service with percentage rollouts, kill switches and SDKs for Go, TS, Python",
      ("feature-flags", "go", "sdk", "experimentation", "platform"),
      {"Go": 488_120, "TypeScript": 120_441, "Python": 61_880, "Dockerfile": 1_210},
      "Flagpole is Acme's feature-flag service: percentage rollouts, targeting rules, kill "
      "switches and an audit log, with SDKs for Go, TypeScript and Python that evaluate flags "
      "locally.",
      READY | {"innersource", "issue_template"}, age=900, pushed=1, pace=11, stars=96, forks=14,
      watchers=31, team="flagpole-maintainers", maintainers=("sanjay", "yuki"),
      contributors=("mateo", "bob", "nadia"), merged=10,
      skills=("Go", "TypeScript", "Python", "gRPC"),
      motivation="Ship dark, roll out gradually, turn it off in seconds.",
      issues=(gfi("Python SDK: add async client", "help wanted", age=8),
              gfi("UI: show who changed a flag last", age=16)),
      open_prs=("nadia", "bob")),
    P("github", "acme/developer-portal",
      "Acme's internal developer portal (Backstage): software catalog, templates and TechDocs",
      ("backstage", "developer-portal", "platform-engineering", "typescript", "techdocs"),
      {"TypeScript": 930_200, "JavaScript": 44_002, "Handlebars": 8_120, "Dockerfile": 2_300},
      "The developer portal is Acme's Backstage instance: the software catalog of every service, "
      "golden-path templates to create new ones, and TechDocs for their documentation.",
      FULL, age=800, pushed=0, pace=15, stars=67, forks=9, watchers=40, team="portal",
      maintainers=("oscar", "dmitri"), trusted=("yuki",), contributors=("mateo", "lena", "yuki"),
      merged=14, bots=True, skills=("TypeScript", "React", "Backstage plugins"),
      motivation="Find any service, its owners and its docs in one place.",
      issues=(gfi("Catalog: show the on-call rota on entity pages", age=5),
              gfi("TechDocs: dark mode for code blocks", "good-first-issue", age=11),
              gfi("Template: add Python FastAPI golden path", "help wanted", age=30)),
      open_prs=("lena",), paths={"contributing": "docs/CONTRIBUTING.md"}),
    P("github", "acme/go-service-template",
      "Golden-path template for Go microservices: chi, slog, OpenTelemetry, health checks, Helm",
      ("go", "template", "microservices", "golden-path", "kubernetes"),
      {"Go": 84_300, "Makefile": 3_900, "Smarty": 4_400, "Dockerfile": 1_020},
      "A template repository for new Go services at Acme: HTTP routing with chi, structured "
      "logging with slog, OpenTelemetry traces and metrics, health checks and a Helm chart, "
      "ready to deploy on the platform.",
      READY | {"innersource"}, age=600, pushed=20, pace=2, stars=45, forks=38, watchers=12,
      team="go-guild", maintainers=("sanjay",), contributors=("kofi", "mateo"), merged=4,
      skills=("Go", "Kubernetes", "Helm"),
      issues=(gfi("Add graceful shutdown example", age=19),)),
    P("github", "acme/payments-sdk-java",
      "Java SDK for the Payments API: cards, SEPA, wallets, idempotency, webhook signatures",
      ("payments", "sdk", "java", "fintech"), {"Java": 402_770, "Groovy": 12_004},
      "The Payments SDK is the supported way for JVM services to call Acme's Payments API: card, "
      "SEPA and wallet payments, idempotency keys, and verification of webhook signatures.",
      READY - {"contributing"} | {"innersource"}, age=1000, pushed=12, pace=4, stars=31, forks=6,
      watchers=15, team="payments", maintainers=("gustavo",), contributors=("mateo", "ivan"),
      merged=5, skills=("Java", "Payments"), motivation="One correct client beats ten."),
    P("github", "acme/mobile-sdk-android",
      "Acme mobile SDK for Android: auth, analytics, push and feature flags in one dependency",
      ("android", "kotlin", "mobile", "sdk"), {"Kotlin": 356_000, "Java": 22_100},
      "The Acme mobile SDK for Android (Kotlin) bundles sign-in, analytics, push notifications "
      "and feature flags behind one dependency, so app teams stop copying code between apps.",
      READY | {"innersource", "issue_template", "change_template"}, age=700, pushed=4, pace=6,
      stars=29, forks=5, watchers=14, team="mobile", maintainers=("rosa",),
      contributors=("hana", "uma"), merged=7, bots=True, skills=("Kotlin", "Android", "Gradle"),
      issues=(gfi("Sample app: add a push notification screen", age=9),)),
    P("github", "acme/mobile-sdk-ios", "Acme mobile SDK for iOS (Swift Package)",
      ("ios", "swift", "mobile", "sdk"), {"Swift": 298_300, "Objective-C": 9_800, "Ruby": 2_100},
      "The Acme mobile SDK for iOS: sign-in, analytics and push notifications as a Swift package.",
      PARTIAL | {"codeowners"}, age=690, pushed=9, pace=4, stars=17, forks=3, watchers=9,
      team="mobile", maintainers=("hana",), contributors=("rosa",), merged=4),
    P("github", "acme/engineering-handbook",
      "Source of handbook.acme.example: engineering practices, onboarding and on-call guides",
      ("docs", "handbook", "docusaurus", "onboarding", "innersource"),
      {"MDX": 220_000, "JavaScript": 31_000, "CSS": 8_700},
      "The Acme engineering handbook: how we write, review and ship code, how on-call works, and "
      "everything a new engineer needs in their first month. Built with Docusaurus.",
      READY | {"change_template"}, age=1200, pushed=1, pace=8, stars=120, forks=44, watchers=60,
      team="docs", maintainers=("lena",), contributors=("carol", "kofi", "priya", "zoe"),
      merged=12, reviews={"tomas": 2}, first_timers={"ana": 1},
      issues=(gfi("Onboarding: add a glossary of internal acronyms", age=4),
              gfi("Fix broken links on the on-call page", "good-first-issue", age=13),
              gfi("Translate the code review guide to Spanish", "help wanted", age=60,
                  assignee="rosa")),
      open_prs=("tomas",)),
    P("github", "acme/oidc-auth",
      "OIDC/OAuth2 library for Python and Node services: token validation, JWKS caching",
      ("auth", "oidc", "oauth2", "security", "python", "nodejs"),
      {"Python": 140_220, "TypeScript": 96_400},
      "oidc-auth validates OpenID Connect tokens for Python and Node.js services, caches JWKS "
      "keys, and implements service-to-service authentication with client credentials.",
      FULL - {"innersource"}, age=950, pushed=5, pace=5, stars=52, forks=8, watchers=20,
      team="identity", maintainers=("priya", "victor"), contributors=("mateo", "farah"), merged=6,
      issues=(gfi("Document token exchange for batch jobs", age=22),)),
    P("github", "acme/featurestore",
      "ML feature store: offline (Spark) and online (Redis) features with point-in-time joins",
      ("machine-learning", "feature-store", "mlops", "python", "spark"),
      {"Jupyter Notebook": 1_204_330, "Python": 512_000, "Scala": 44_000, "Dockerfile": 900},
      "The Acme feature store serves machine-learning features offline (Spark on Parquet) for "
      "training and online (Redis) for inference, with point-in-time correct joins.",
      READY - {"codeowners"} | {"innersource"}, age=500, pushed=3, pace=7, stars=38, forks=7,
      watchers=19, team="ml-platform", maintainers=("nadia", "wen"), contributors=("farah",),
      merged=8,
      skills=("Python", "Spark", "Redis", "MLOps"),
      issues=(gfi("Add feature freshness metric", age=15),)),
    P("github", "acme/pipekit", "", ("data-engineering", "airflow", "python", "etl"),
      {"Python": 233_000},
      "pipekit is a small Python library for batch data pipelines: typed Airflow operators, "
      "idempotent loads into Snowflake, and data-quality checks that fail the run loudly.",
      PARTIAL | {"contributing"}, age=450, pushed=30, pace=2, stars=11, forks=2, watchers=6,
      maintainers=("farah",), merged=3,
      paths={"readme": "README.rst", "contributing": "docs/CONTRIBUTING.md"}),
    P("github", "acme/graphql-gateway",
      "Federated GraphQL gateway: router configuration and subgraph schema checks",
      ("graphql", "api", "apollo", "federation"),
      {"TypeScript": 188_000, "JavaScript": 12_000, "Dockerfile": 700},
      "The GraphQL gateway federates Acme's subgraphs into one API for web and mobile clients, "
      "and checks every subgraph schema change for breaking changes before it ships.",
      READY, age=650, pushed=2, pace=6, stars=41, forks=6, watchers=18, team="api-platform",
      maintainers=("yuki",), contributors=("bob", "mateo"), merged=6,
      issues=(gfi("Add persisted query example", age=7),)),
    P("github", "acme/api-design-guidelines",
      "REST and event API design guidelines, with Spectral rules to lint OpenAPI specs",
      ("api-design", "openapi", "guidelines", "linting", "spectral"), {"JavaScript": 18_200},
      "Acme's API design guidelines for REST and event APIs: naming, pagination, errors and "
      "versioning, plus Spectral rules that lint OpenAPI specs against them in CI.",
      READY - {"codeowners"} | {"innersource"}, age=1100, pushed=40, pace=1, stars=57, forks=11,
      watchers=25, team="architecture-guild", maintainers=("carol", "yuki"), merged=2,
      skills=("API design", "OpenAPI")),
    P("github", "acme/aurora-icons", "SVG icon set for the Aurora design system",
      ("icons", "svg", "design-system"), {"JavaScript": 12_400, "TypeScript": 4_100},
      "Aurora icons: the SVG icon set of the Aurora design system, published as React components.",
      BARE | {"codeowners"}, age=800, pushed=60, pace=1, stars=19, forks=2, watchers=5,
      team="design-system-maintainers", maintainers=("alice",), merged=2),
    P("github", "acme/design-tokens",
      "Brand colour, spacing and typography tokens (Style Dictionary), early days",
      ("design-tokens", "design-system", "style-dictionary"), {"JavaScript": 6_200},
      "Design tokens for the Acme brand, built with Style Dictionary. Very early: expect churn.",
      BARE, age=9, pushed=1, pace=5, stars=3, watchers=2, maintainers=("bob",), merged=2),
    P("github", "acme/legacy-billing-adapter",
      "SOAP adapter between the billing system and SAP (maintenance only)",
      ("billing", "soap", "sap", "java"), {"Java": 820_000, "XSLT": 40_000},
      "The legacy billing adapter translates billing events into SAP IDocs over SOAP. It is in "
      "maintenance mode until billing v2 replaces it.",
      PARTIAL | {"innersource"}, age=2900, pushed=420, stars=4, forks=1, watchers=3,
      maintainers=("gustavo",), merged=3, innersource_text=_INVALID_INNERSOURCE, branch="master",
      issues=(gfi("Remove the unused FTP export", age=500),)),
    P("github", "acme/rate-limiter",
      "Distributed rate limiting for Go services (token bucket on Redis)",
      ("go", "redis", "rate-limiting", "library"), {"Go": 62_000, "Lua": 2_300},
      "rate-limiter implements a distributed token bucket on Redis for Go services, with a "
      "net/http middleware and per-tenant limits.",
      PARTIAL | {"codeowners", "contributing"}, age=1000, pushed=200, pace=1, stars=22, forks=4,
      watchers=7, team="go-guild", maintainers=("sanjay",), contributors=("mateo",), merged=2,
      issues=(gfi("Add sliding-window algorithm", age=220),)),
    P("github", "acme/deploy-notifier",
      'Posts deploy notices to Slack; "<!channel>" only for prod incidents, owners as <@U123> & co',
      ("slack", "deployments", "chatops"), {"Python": 38_000},
      "deploy-notifier posts a message to the team channel when a deploy starts, succeeds or "
      "fails. It never uses `<!here>` or `<!channel>` unless production is down.",
      PARTIAL | {"codeowners"}, age=400, pushed=15, pace=1, stars=8, watchers=4, team="sre",
      maintainers=("kofi",), merged=2),
    P("github", "acme/pricing-engine",
      "Rules engine that prices quotes for all sales channels (private: commercial terms)",
      ("innersource", "pricing", "rules-engine", "kotlin"), {"Kotlin": 402_000, "Java": 10_000},
      "The pricing engine computes prices, discounts and taxes for every quote across Acme's "
      "sales channels. The repository is private because of commercial terms, but product teams "
      "are welcome to contribute rules.",
      READY | {"innersource"}, visibility="private", age=1500, pushed=7, pace=5, stars=12,
      forks=2, watchers=11, team="pricing", maintainers=("gustavo",),
      contributors=("mateo", "ivan"), merged=6, skills=("Kotlin", "Drools")),
    P("github", "acme/checkout-v3", "", visibility="internal", age=2, pushed=2, empty=True),
    P("github", "acme/eslint-config-acme",
      "Shared ESLint and Prettier config for Acme TypeScript projects",
      ("eslint", "prettier", "typescript", "linting"), {"JavaScript": 9_800},
      "Shared ESLint and Prettier configuration for Acme's TypeScript and JavaScript projects.",
      READY, visibility="public", age=1300, pushed=25, pace=1, stars=34, forks=9, watchers=8,
      team="frontend-guild", maintainers=("bob",), contributors=("jasmine", "yuki"), merged=3,
      bots=True, license="MIT", issues=(gfi("Enable the no-floating-promises rule", age=28),)),
    P("github", "acme/sre-runbooks", "On-call runbooks",
      ("sre", "runbooks", "on-call", "incident-response"), {"Shell": 8_400, "Python": 5_200},
      "Runbooks for Acme's on-call engineers: one page per alert, with dashboards and escalation.",
      BARE, age=1100, pushed=45, pace=1, stars=15, watchers=30, maintainers=("kofi",), merged=2),
    P("github", "acme/load-testing-kit", "k6 load tests", ("k6", "load-testing", "performance"),
      {"JavaScript": 44_000}, kit=NOTHING, age=300, pushed=130, pace=1, stars=3,
      maintainers=("uma",), merged=1),
    P("github", "acme/hackathon-2025-chatbot", "", (), {"Python": 12_000, "HTML": 3_000},
      kit=NOTHING, age=420, pushed=380, stars=2, maintainers=("xavier",), branch="master"),
    # Never listed: private without the topic, archived, a fork.
    P("github", "acme/hr-salary-bands", "Salary band calculator (HR only)", ("hr",),
      {"Python": 20_000}, kit=BARE | {"codeowners"}, visibility="private", pushed=11, pace=1,
      maintainers=("xavier",)),
    P("github", "acme/old-monolith",
      "The original acme.com Rails monolith, archived: see developer-portal for its successors",
      ("rails", "ruby", "legacy"), {"Ruby": 4_200_000, "JavaScript": 610_000, "HTML": 300_000},
      "The monolith that ran acme.com from 2012 to 2021.", PARTIAL, age=4800, pushed=900,
      stars=40, forks=12, watchers=2, branch="master", archived=True),
    P("github", "acme/react-datepicker",
      "Fork of Hacker0x01/react-datepicker with an Aurora theme patch", ("react", "datepicker"),
      {"JavaScript": 310_000, "SCSS": 22_000}, "A simple and reusable datepicker for React.",
      PARTIAL, visibility="public", age=500, pushed=90, stars=1, license="MIT", fork=True),
    # --- GitLab group "platform" and its subgroups ---------------------------------------------
    P("gitlab", "platform/security/cloud-guardrails",
      "Policy-as-code guardrails for AWS, Azure and GCP: OPA/Rego policies for Terraform plans",
      ("opa", "rego", "policy-as-code", "cloud-security", "aws", "azure", "gcp", "terraform"),
      {"Open Policy Agent": 310_000, "Python": 22_000, "HCL": 18_000},
      "Cloud guardrails are Acme's cloud security policies as code: OPA/Rego policies for AWS, "
      "Azure and GCP, evaluated against every Terraform plan in CI and against the live cloud "
      "inventory every night.",
      FULL, age=900, pushed=1, pace=10, stars=41, forks=12, team="security",
      maintainers=("elena", "victor"), contributors=("quentin", "mateo", "kofi"), merged=11,
      bots=True, skills=("Rego", "AWS", "Azure", "GCP", "Terraform"),
      motivation="Secure defaults that every team can read, test and improve.",
      issues=(gfi("GCP: deny public Cloud Storage buckets", age=4),
              gfi("Azure: require TLS 1.2 on storage accounts", "good-first-issue", age=17),
              gfi("Unit tests for the S3 encryption policy", "help wanted", age=26),
              gfi("AWS: flag security groups open to 0.0.0.0/0 on port 22", age=50,
                  assignee="quentin"),
              issue("False positive on KMS key rotation for imported keys", "bug", age=6)),
      open_prs=("quentin", "mateo"), paths={"codeowners": ".gitlab/CODEOWNERS"}),
    P("gitlab", "platform/security/threat-models",
      "Threat model templates (STRIDE) and the models of tier-1 services",
      ("threat-modeling", "security", "stride"), {},
      "Threat model templates based on STRIDE, and the completed threat models of Acme's tier-1 "
      "services. Start from TEMPLATE.md when you design a new service.",
      BARE | {"license"}, age=700, pushed=75, pace=1, stars=9, maintainers=("victor",), merged=1),
    P("gitlab", "platform/security/gitleaks-config",
      "Shared gitleaks rules and allowlists used by every pipeline's secret detection",
      ("secret-detection", "gitleaks", "security"), {"Shell": 2_000},
      "The gitleaks rules and allowlists that every Acme pipeline uses to detect secrets, "
      "including rules for our internal token formats.",
      READY | {"secrets"}, age=600, pushed=18, pace=1, stars=14, forks=3, team="security",
      maintainers=("elena",), contributors=("dmitri",), merged=2),
    P("gitlab", "platform/security/vault-policies",
      "HashiCorp Vault policies and auth roles, managed with Terraform",
      ("vault", "terraform", "secrets-management"), {"HCL": 88_000},
      "Vault policies, auth roles and secret engines for every environment, as Terraform.",
      PARTIAL | {"codeowners"}, age=800, pushed=33, pace=2, stars=6, team="security",
      maintainers=("victor", "quentin"), merged=3),
    P("gitlab", "platform/ci-cd/pipeline-templates",
      "Shared GitLab CI/CD templates: build, test, SAST, secret detection, deploy for every stack",
      ("gitlab-ci", "ci-cd", "templates", "devops", "yaml"),
      {"YAML": 64_000, "Shell": 21_000, "Python": 9_000, "Dockerfile": 3_000},
      "Shared GitLab CI/CD templates for every stack at Acme: build, test, SAST, secret "
      "detection, container scanning and deploy jobs. Include one file and get a compliant "
      "pipeline.",
      FULL, age=1000, pushed=0, pace=12, stars=58, forks=15, team="ci-cd",
      maintainers=("dmitri", "sanjay"), contributors=("kofi", "elena", "mateo", "quentin", "farah"),
      merged=15, bots=True, skills=("GitLab CI", "YAML", "Docker"),
      motivation="A compliant pipeline in three lines of YAML.",
      issues=(gfi("Add a template for Rust crates", age=8),
              gfi("Document how to override the default image", "help wanted", age=21),
              issue("deploy-k8s: rollback job ignores the namespace variable", "bug", age=2)),
      open_prs=("farah",), paths={"codeowners": ".gitlab/CODEOWNERS"},
      extra_files={f"templates/{lang}.yml": _PIPELINE_TEMPLATE.format(lang=lang)
                   for lang in ("python", "go", "node", "jvm", "docker")}),
    P("gitlab", "platform/ci-cd/runner-images",
      "Docker images for GitLab runners (build, node, python, terraform), rebuilt weekly",
      ("docker", "gitlab-runner", "ci-cd"), {"Dockerfile": 12_000, "Shell": 9_000},
      "Container images for Acme's GitLab runners, rebuilt every week with the latest patches.",
      READY, age=900, pushed=3, pace=4, stars=11, forks=2, team="ci-cd", maintainers=("dmitri",),
      contributors=("kofi",), merged=5, bots=True),
    P("gitlab", "platform/ci-cd/release-tooling", "", ("release", "semantic-release", "changelog"),
      {"JavaScript": 22_000},
      "Release tooling: semantic-release presets and changelog generation for GitLab projects.",
      PARTIAL | {"innersource"}, age=750, pushed=100, pace=1, stars=4, maintainers=("dmitri",),
      merged=1, innersource_text=_WRONG_TYPES_INNERSOURCE),
    P("gitlab", "platform/terraform-modules",
      "Reusable Terraform modules: VPC, EKS, RDS, S3 with Acme's tagging and encryption defaults",
      ("terraform", "aws", "infrastructure-as-code", "modules"),
      {"HCL": 402_000, "Go": 38_000, "Shell": 3_000},
      "Reusable Terraform modules for AWS: VPC, EKS, RDS and S3, with Acme's tagging, encryption "
      "and logging defaults built in. Tested with Terratest.",
      FULL - {"change_template"}, age=1200, pushed=2, pace=8, stars=49, forks=21,
      team="cloud", maintainers=("quentin",), contributors=("kofi", "elena", "sanjay"), merged=9,
      bots=True, skills=("Terraform", "AWS", "Go (Terratest)"),
      issues=(gfi("rds: expose the performance insights retention", age=12),
              gfi("s3: example with replication", "good-first-issue", age=35))),
    P("gitlab", "platform/observability-charts",
      "Helm charts for Prometheus, Grafana, Loki, Tempo and the OpenTelemetry Collector",
      ("helm", "kubernetes", "observability", "prometheus", "grafana", "opentelemetry"),
      {"Jsonnet": 90_000, "Smarty": 48_000, "Shell": 6_000},
      "Helm charts for Acme's observability stack (Prometheus, Grafana, Loki, Tempo and the "
      "OpenTelemetry Collector) with the dashboards and alerts every service gets by default.",
      READY | {"innersource"}, age=850, pushed=4, pace=6, stars=27, forks=8, team="sre",
      maintainers=("kofi",), contributors=("sanjay", "dmitri"), merged=6,
      skills=("Helm", "Kubernetes", "Prometheus", "Jsonnet"),
      issues=(gfi("Dashboard for Kafka consumer lag", age=14),)),
    P("gitlab", "platform/platform-cli",
      "plat: the platform CLI to scaffold services, open environments and rotate credentials",
      ("cli", "go", "developer-experience"), {"Go": 190_000},
      "plat is the platform team's command-line tool: scaffold a service from a golden-path "
      "template, open a preview environment, rotate your credentials.",
      PARTIAL | {"contributing"}, age=500, pushed=14, pace=3, stars=13, forks=1,
      maintainers=("sanjay",), merged=3),
    # Never listed: private without the topic, archived, a fork.
    P("gitlab", "platform/security/incident-reports", "Post-incident reports (restricted)",
      ("security", "incidents"), {}, "Security incident reports.", BARE, visibility="private",
      pushed=20, pace=1, maintainers=("elena",)),
    P("gitlab", "platform/ci-cd/jenkins-shared-library",
      "Jenkins shared library, archived after the move to GitLab CI", ("jenkins", "groovy"),
      {"Groovy": 140_000}, "Shared Jenkins pipeline steps.", PARTIAL, age=2500, pushed=700,
      branch="master", archived=True),
    P("gitlab", "platform/ci-cd/gitlab-ci-local", "Fork of firecow/gitlab-ci-local",
      ("gitlab-ci", "testing"), {"TypeScript": 260_000},
      "Run GitLab pipelines locally as shell executor or docker executor.", PARTIAL,
      visibility="public", age=300, pushed=120, license="MIT", fork=True),
)
# fmt: on
