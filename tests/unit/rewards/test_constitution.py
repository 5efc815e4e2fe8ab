"""Constitution loading and validation: field-path errors, weights, rubric precedence."""
from __future__ import annotations

from pathlib import Path

import pytest

from rewards.constitution import (Constitution, ConstitutionError, constitution_from_dict, criterion_id,
                                  load_constitution, parse_rubric, slug)

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # repo root at any depth
DEFAULT = ROOT / "configs" / "constitutions" / "default.yaml"
P = [{"id": "helpful", "text": "Be helpful", "weight": 2}, {"id": "honest", "text": "Be honest", "weight": 1}]


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "constitutions").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_constitution_loads(path):
    c = load_constitution(path)
    assert c.principles and sum(p.weight for p in c.principles) > 0
    assert c.scale.max > c.scale.min


def test_default_constitution_content():
    c = load_constitution(DEFAULT)
    ids = {p.id for p in c.principles}
    assert {"helpful", "honest", "harmless", "instructions", "clear"} <= ids
    assert (c.scale.min, c.scale.max) == (0, 10)
    assert [criterion_id(x) for x in c.rubrics["writing"]][0] == "fulfils_request"
    assert all(x.weight > 0 for x in c.rubrics["writing"])


@pytest.mark.parametrize("data,path,problem", [
    ({"principles": [*P, {"id": "x", "text": "t", "weight": -1}]}, "principles[2].weight", "must be >= 0"),
    ({"principles": [{"id": "a", "text": "t", "weight": 0}]}, "principles", "all zero"),
    ({"principles": []}, "principles", "must not be empty"),
    ({}, "principles", "required"),
    ({"principles": P, "scale": {"min": 5, "max": 1}}, "scale", "greater than min"),
    ({"principles": P, "scale": {"min": 0, "max": "ten"}}, "scale.max", "must be an integer"),
    ({"principles": P, "rubrics": {"writing": [{"criterion": "x", "weight": "high"}]}}, "rubrics.writing[0].weight",
     "must be a number"),
    ({"principles": P, "rubrics": {"writing": [{"criterion": "x", "weight": 0}]}}, "rubrics.writing", "all zero"),
    ({"principles": P, "rubrics": {"writing": [{"criterion": "x", "wieght": 1}]}}, "rubrics.writing[0].wieght",
     "unknown field; allowed: criterion, weight, id"),
    ({"principles": P, "rubrics": {"w": [{"criterion": "Tone"}, {"criterion": "tone"}]}}, "rubrics.w", "duplicate"),
    ({"principles": [*P, {"id": "helpful", "text": "again"}]}, "principles", "duplicate principle id 'helpful'"),
    ({"principles": [{"id": "a", "text": "t", "weight": float("nan")}]}, "principles[0].weight", "finite"),
    ({"principles": [{"id": "a", "text": ""}]}, "principles[0].text", "must not be empty"),
    ({"principles": P, "extra": 1}, "extra", "unknown field; allowed: principles, scale, rubrics, guard"),
    ({"principles": P, "guard": {"patterns": {"bad": "("}}}, "guard.patterns", "not a valid regular expression"),
])
def test_invalid_constitutions_name_the_field(data, path, problem):
    with pytest.raises(ConstitutionError) as e:
        constitution_from_dict(data)
    assert e.value.path == path and problem in str(e.value)
    assert str(e.value).startswith(path + ": ")


def test_error_message_format_matches_contract():
    with pytest.raises(ConstitutionError, match=r"^principles\[2\]\.weight: must be >= 0$"):
        constitution_from_dict({"principles": [*P, {"id": "x", "text": "t", "weight": -0.5}]})


def test_file_level_errors(tmp_path):
    with pytest.raises(ConstitutionError, match="cannot read"):
        load_constitution(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("principles: [unclosed\n")
    with pytest.raises(ConstitutionError, match="not valid YAML"):
        load_constitution(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(ConstitutionError, match="top level must be a mapping"):
        load_constitution(bad)
    bad.write_text("")
    with pytest.raises(ConstitutionError, match="top level must be a mapping"):
        load_constitution(bad)


def test_rubric_precedence_row_then_domain_then_principles():
    c = constitution_from_dict({"principles": P, "rubrics": {"writing": [{"criterion": "Domain default", "weight": 1}]}})
    row = [{"criterion": "Says Paris", "weight": 3}, {"criterion": "One sentence", "weight": 1}]
    assert [x.criterion for x in c.rubric_for("writing", row)] == ["Says Paris", "One sentence"]
    assert [x.criterion for x in c.rubric_for("writing", None)] == ["Domain default"]
    assert [x.criterion for x in c.rubric_for("writing", [])] == ["Domain default"]
    fallback = c.rubric_for("poetry", None)
    assert [(x.criterion, x.weight, criterion_id(x)) for x in fallback] == [("Be helpful", 2, "helpful"), ("Be honest", 1, "honest")]
    # datasets store nested columns as JSON strings
    assert c.rubric_for("writing", '[{"criterion": "From JSON", "weight": 2}]')[0].criterion == "From JSON"


@pytest.mark.parametrize("rubric,path", [
    ([{"criterion": "a", "weight": -2}], "rubric[0].weight"),
    ([{"criterion": "a", "weight": 0}, {"criterion": "b", "weight": 0}], "rubric"),
    ([{"weight": 1}], "rubric[0].criterion"),
    ("not json [", "rubric"),
])
def test_invalid_row_rubric_names_the_field(rubric, path):
    c = constitution_from_dict({"principles": P})
    with pytest.raises(ConstitutionError) as e:
        c.rubric_for("writing", rubric)
    assert e.value.path == path


def test_ids_and_fingerprint():
    assert slug("Asks clearly for Friday off!") == "asks_clearly_for_friday_off"
    assert criterion_id(parse_rubric([{"criterion": "x y", "id": "custom"}])[0]) == "custom"
    a = constitution_from_dict({"principles": P})
    b = constitution_from_dict({"principles": P, "rubrics": {"w": [{"criterion": "c"}]}})
    c = constitution_from_dict({"principles": [{**P[0], "text": "Be very helpful"}, P[1]]})
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()  # rubrics are keyed per row, not here
    assert isinstance(a, Constitution)
