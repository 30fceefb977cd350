"""README sections as the adapters read them (forge-neutral file rules)."""

from __future__ import annotations

from bot.forges.files import trusted_committers_section


def test_the_section_runs_to_the_next_heading_of_the_same_or_a_higher_level() -> None:
    readme = "# Aurora\n\n## Trusted committers\n\n- @alice\n\n### Emeritus\n\n@bob\n\n## Usage\n\n@carol\n"

    assert trusted_committers_section(readme) == "- @alice\n\n### Emeritus\n\n@bob"


def test_any_level_any_case_and_underlined_headings() -> None:
    assert trusted_committers_section("#### TRUSTED COMMITTERS:\n@alice\n# Next\n@bob") == "@alice"
    rst = "Aurora\n======\n\nTrusted Committers\n------------------\n\n* alice\n\nUsage\n-----\n\n@bob\n"
    assert trusted_committers_section(rst) == "* alice"
    assert trusted_committers_section("# Aurora\n\n## Trusted Committers\n- @alice") == "- @alice"


def test_headings_inside_code_and_other_titles_do_not_count() -> None:
    readme = "# Becoming a trusted committer\n\n@x\n\n```\n# Trusted Committers\n```\n"

    assert trusted_committers_section(readme) is None
    fenced = "## Trusted Committers\n```\n# not a heading\n```\n@alice\n## Next\n"
    assert trusted_committers_section(fenced) == "```\n# not a heading\n```\n@alice"
