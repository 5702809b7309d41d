"""A repeated figure build costs nothing: the second build is served from the content-addressed cache."""
from statmech_nn import figures
from statmech_nn.figures import cache as fcache


def test_second_build_is_a_cache_hit(tmp_path, monkeypatch):
    monkeypatch.setenv("STATMECH_NN_CACHE", str(tmp_path / "cache"))
    calls = []
    rec = figures.recipes()["capacity-vs-P"]
    monkeypatch.setitem(figures._RECIPES, "capacity-vs-P",
                        figures.Recipe(rec.name, rec.description,
                                       lambda outdir, scale: calls.append(scale) or rec.fn(outdir, scale)))
    first = figures.build("capacity-vs-P", outdir=tmp_path / "a", scale="tiny")
    second = figures.build("capacity-vs-P", outdir=tmp_path / "b", scale="tiny")
    assert calls == ["tiny"]                                  # the recipe ran once
    assert [p.name for p in first] == [p.name for p in second]
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes()
    figures.build("capacity-vs-P", outdir=tmp_path / "c", scale="tiny", cache=False)
    assert calls == ["tiny", "tiny"]                          # --no-cache recomputes


def test_key_changes_with_settings():
    assert fcache.key("x", "tiny", False) != fcache.key("x", "quick", False)
    assert fcache.key("x", "tiny", False) != fcache.key("x", "tiny", True)
    assert fcache.key("x", "tiny", False) == fcache.key("x", "tiny", False)
