from pathlib import Path

from reconciler.documents import discover, load_file, load_text


def test_every_value_keeps_file_line_and_column() -> None:
    docs, problems = load_text("account: a\nsite_blocks:\n  - {site_block_id: 11, phone_number_id: 5}\n", "c.yaml")
    assert problems == []
    src = docs[0].source
    assert str(src.pos(("site_blocks", 0, "phone_number_id"))) == "c.yaml:3:42"
    assert str(src.pos(("site_blocks", 0, "phone_number_id"), key=True)) == "c.yaml:3:25"
    assert str(src.pos(("account",))) == "c.yaml:1:10"


def test_several_documents_per_file_and_empty_ones_skipped() -> None:
    docs, problems = load_text("name: a\n---\n---\nname: b\n", "c.yaml")
    assert problems == []
    assert [d.data for d in docs] == [{"name": "a"}, {"name": "b"}]
    assert docs[1].source.pos(("name",)).line == 4


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    _, problems = load_text("name: a\nstatus: active\nname: b\n", "c.yaml")
    assert [str(p) for p in problems] == ["c.yaml:3:1: YAML duplicate key 'name' (first at line 1)"]


def test_scalars_follow_yaml_1_2() -> None:
    docs, _ = load_text("a: yes\nb: true\nc: 0x1F\nd: 1_000\ne: 1.5\nf: ~\ng: '12'\n", "c.yaml")
    assert docs[0].data == {"a": "yes", "b": True, "c": 31, "d": 1000, "e": 1.5, "f": None, "g": "12"}


def test_syntax_error_and_tab_are_located() -> None:
    _, problems = load_text("a: [1, 2\n", "c.yaml")
    assert problems and problems[0].rule == "YAML" and problems[0].pos is not None
    _, problems = load_text("a:\n\t- 1\n", "c.yaml")
    assert str(problems[0]) == "c.yaml:2:1: YAML tab character: YAML is indented with spaces only"


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)]
    _, problems = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert any("too large" in p.message for p in problems)


def test_non_utf8_file_is_one_problem(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_bytes(b"name: ok\nx: \xff\xfe\n")
    docs, problems = load_file(f, "bad.yaml")
    assert docs == [] and [str(p) for p in problems] == ["bad.yaml:2:1: YAML file is not valid UTF-8"]


def test_discover_finds_the_default_documents_and_skips_config_and_hidden_folders(tmp_path: Path) -> None:
    for rel in ["reconciler.yaml", "a.yaml", "campaigns/a.yaml", "campaigns/sub/b.yml", "campaigns/.x/y.yaml",
                ".reconciler/x.yaml", ".git/y.yaml", "campaigns/c.json"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x: 1\n")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["campaigns/a.yaml",
                                                                               "campaigns/sub/b.yml"]


def test_a_recursive_alias_is_refused_not_a_crash() -> None:
    _, problems = load_text("a: &x [1, *x]\n", "loop.yaml")
    assert [p.rule for p in problems] == ["YAML"] and "nested too deeply" in problems[0].message


def test_a_file_s_documents_carry_their_positions(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("name: a\n---\naccount: b\nsite_blocks:\n  - {site_block_id: 11}\n")
    docs, problems = load_file(f, "c.yaml")
    assert problems == [] and [d.data.get("name", d.data.get("account")) for d in docs] == ["a", "b"]
    assert [d.index for d in docs] == [0, 1]
    assert str(docs[1].source.pos(("site_blocks", 0, "site_block_id"))) == "c.yaml:5:21"
    assert str(docs[1].source.pos(("account",), key=True)) == "c.yaml:3:1"
