"""Jekyll's permalink rules as newsmirror.site.urls reproduces them.

The expected values are what real Jekyll 4.3.1 wrote under _site/ for these file names (tests/site/test_jekyll_site.py
checks the same rule end to end against a live `jekyll build`).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsmirror.site import search
from newsmirror.site.urls import (
    filename_parts,
    href,
    jekyll_slugify_pretty,
    output_path,
    post_url,
    with_suffix,
)

DAY = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_post_urls_match_what_jekyll_wrote():
    cases = {
        "2024-01-02-  spaces  .md": "/2024/01/02/spaces.html",
        "2024-01-02-#hash --- dashes.md": "/2024/01/02/hash-dashes.html",
        "2024-01-02-100% sure & safe.md": "/2024/01/02/100-sure-&-safe.html",
        "2024-01-02-He said ＂hi＂ ＼ back： now.md": "/2024/01/02/He-said-hi-back-now.html",
        "2024-01-02-Title..md": "/2024/01/02/Title.html",
        "2024-01-02-a--b c？d.md": "/2024/01/02/a-b-c-d.html",
        "2024-01-02-emoji 🎉 here.md": "/2024/01/02/emoji-here.html",
        "2024-01-02-line break.md": "/2024/01/02/line-break.html",
        "2024-01-02-v1.2 released....md": "/2024/01/02/v1.2-released.html",
        "2024-01-02-{% endraw %} end.md": "/2024/01/02/endraw-end.html",
        "2024-01-02-{{ site }} and {% include x %}.md": "/2024/01/02/site-and-include-x.html",
        "2024-01-02-Ünïcödé café.md": "/2024/01/02/Ünïcödé-café.html",
        "2024-01-02-中文：标点，测试！.md": "/2024/01/02/中文-标点-测试.html",
    }
    for name, url in cases.items():
        assert post_url(name, DAY) == url, name


def test_golden_post_url_uses_the_utc_date_of_the_front_matter():
    name = "2023-10-28-布林肯王毅会谈逾7小时 盘点美中冲突领域.md"
    moment = datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)
    assert post_url(name, moment) == "/2023/10/28/布林肯王毅会谈逾7小时-盘点美中冲突领域.html"


def test_front_matter_slug_and_permalink_override_the_file_name():
    assert post_url("2024-01-02-x.md", DAY, {"slug": "Own Slug"}) == "/2024/01/02/Own-Slug.html"
    assert post_url("2024-01-02-x.md", DAY, {"permalink": "/fixed/page.html"}) == "/fixed/page.html"


def test_filename_parts_and_helpers():
    assert filename_parts("2023-10-28-a.b.c.md") == ("2023-10-28", "a.b.c")
    assert filename_parts("2023-10-28-v1.2 released....md") == ("2023-10-28", "v1.2 released")
    assert with_suffix("/2024/01/02/x.html", 2) == "/2024/01/02/x-2.html"
    assert output_path("/") == "index.html" and output_path("/page2/") == "page2/index.html"
    assert href("/2023/10/28/布林 肯.html", "/mirror") == "/mirror/2023/10/28/%E5%B8%83%E6%9E%97%20%E8%82%AF.html"


_PRETTY_EXTRA = set("._~!$&'()+,;=@")


@given(st.text(max_size=60))
def test_slug_shape(text):
    slug = jekyll_slugify_pretty(text)
    assert not slug.startswith("-") and not slug.endswith("-")
    assert "--" not in slug
    for char in slug:
        category = unicodedata.category(char)
        assert char == "-" or char in _PRETTY_EXTRA or category[0] in "LM" or category == "Nd", repr(char)
    # Idempotent: a slug is its own slug.
    assert jekyll_slugify_pretty(slug) == slug


# ---------------------------------------------------------------------------------------------------------------
# search bundles


def _posts(n, start=0):
    return [(f"/p/{i}.html", f"s{i}") for i in range(start, start + n)]


def test_first_plan_chunks_posts_into_sealed_bundles():
    size = search.SEALED_SIZE
    plan = search.plan_bundles({}, _posts(2 * size + size // 2))
    sizes = [len(plan.state["bundles"][b]) for b in plan.state["order"]]
    assert sizes == [size, size, size // 2]
    assert plan.dirty == set(plan.state["order"])


def test_new_posts_go_to_a_small_open_bundle_and_only_it_is_reindexed():
    first = search.plan_bundles({}, _posts(12_000))
    second = search.plan_bundles(first.state, _posts(12_100))
    assert len(second.dirty) == 1
    (bundle,) = second.dirty
    assert second.state["bundles"][bundle] == [f"/p/{i}.html" for i in range(12_000, 12_100)]
    third = search.plan_bundles(second.state, _posts(12_100))
    assert third.dirty == set()


def test_changed_and_deleted_posts_dirty_their_bundle_only():
    size = search.SEALED_SIZE
    first = search.plan_bundles({}, _posts(3 * size))
    posts = _posts(3 * size)
    posts[10] = (posts[10][0], "changed")
    del posts[size + 5]
    plan = search.plan_bundles(first.state, posts)
    assert plan.dirty == {first.state["order"][0], first.state["order"][1]}
    assert f"/p/{size + 5}.html" not in plan.state["bundles"][first.state["order"][1]]


def test_bundle_count_stays_small_as_posts_keep_coming():
    plan = search.plan_bundles({}, _posts(10_000))
    total = 10_000
    for _ in range(60):  # 60 fetches of 100 posts
        total += 100
        plan = search.plan_bundles(plan.state, _posts(total))
        assert all(len(plan.state["bundles"][b]) <= search.OPEN_CAP for b in plan.dirty if b in plan.state["open"])
    full_bundles = -(-total // search.SEALED_SIZE)  # the open bundle is sealed when full
    assert len(plan.state["order"]) <= full_bundles + search.MAX_SMALL_SEALED + 1
    placed = [u for b in plan.state["order"] for u in plan.state["bundles"][b]]
    assert sorted(placed) == sorted(u for u, _ in _posts(total)) and len(placed) == len(set(placed))


def test_bundles_thinned_by_removed_posts_are_folded_but_never_past_the_sealed_size():
    size = search.SEALED_SIZE
    first = search.plan_bundles({}, _posts(10 * size))
    kept = [post for i, post in enumerate(_posts(10 * size)) if i % 5 < 2]  # 40% of every bundle left
    plan = search.plan_bundles(first.state, kept)
    sizes = [len(plan.state["bundles"][b]) for b in plan.state["order"]]
    assert max(sizes) <= size and len(sizes) < 10  # folded, each within the size Pagefind's memory allows
    placed = [u for b in plan.state["order"] for u in plan.state["bundles"][b]]
    assert sorted(placed) == sorted(u for u, _ in kept) and len(placed) == len(set(placed))
    assert plan.dirty <= set(plan.state["order"])


@pytest.mark.parametrize("url", ["/../../escape.html", "/a/../../../b.html", "..\\..\\x.html", "/./../x/"])
def test_output_paths_never_leave_the_site(url):
    path = output_path(url)
    assert ".." not in path.split("/") and not path.startswith("/") and "\\" not in path


def test_new_posts_that_do_not_fit_in_the_open_bundle_start_a_new_one():
    cap = search.OPEN_CAP
    first = search.plan_bundles({}, _posts(12_000))
    second = search.plan_bundles(first.state, _posts(12_000 + cap - 1))
    (opened,) = second.dirty
    third = search.plan_bundles(second.state, _posts(12_000 + 2 * cap - 1))  # the hour's posts fit no more
    assert opened not in third.dirty and len(third.dirty) == 1  # the nearly full bundle is not indexed again
    assert third.state["bundles"][opened] == [f"/p/{i}.html" for i in range(12_000, 12_000 + cap - 1)]
    fourth = search.plan_bundles(third.state, _posts(12_000 + 2 * cap + 3 * cap))  # many at once
    assert all(len(fourth.state["bundles"][b]) <= search.SEALED_SIZE for b in fourth.dirty)
    placed = [u for b in fourth.state["order"] for u in fourth.state["bundles"][b]]
    assert sorted(placed) == sorted(u for u, _ in _posts(12_000 + 5 * cap)) and len(placed) == len(set(placed))


def _family(plan):
    japanese = set(plan.state["japanese"])
    return [u for b in plan.state["order"] if b in japanese for u in plan.state["bundles"][b]]


def test_posts_with_kana_get_bundles_of_their_own_and_are_indexed_first():
    posts = _posts(1_200)
    kana = frozenset(url for url, _ in posts[::97])
    first = search.plan_bundles({}, posts, japanese=kana)
    assert sorted(_family(first)) == sorted(kana)
    assert all(url not in kana for b in first.state["order"] if b not in first.state["japanese"]
               for url in first.state["bundles"][b])  # fmt: skip
    more = _posts(60, start=1_200)
    new_kana = kana | {more[5][0]}
    second = search.plan_bundles(first.state, posts + more, japanese=new_kana)
    assert sorted(_family(second)) == sorted(new_kana)
    assert second.dirty == set(second.state["open"]) | {second.state["japanese"][-1]}
    placed = [u for b in second.state["order"] for u in second.state["bundles"][b]]
    assert sorted(placed) == sorted(u for u, _ in posts + more) and len(placed) == len(set(placed))
    third = search.plan_bundles(second.state, posts + more, japanese=new_kana)
    assert third.dirty == set()


def test_the_bundles_of_posts_with_kana_fill_and_fold_among_themselves_only():
    posts = _posts(3 * search.SEALED_SIZE)
    kana = frozenset(url for url, _ in posts[::2])
    plan = search.plan_bundles({}, [], japanese=kana)
    for end in range(100, len(posts) + 1, 100):
        plan = search.plan_bundles(plan.state, posts[:end], japanese=kana)
    family = plan.state["japanese"]
    assert sorted(_family(plan)) == sorted(kana)
    assert sum(len(plan.state["bundles"][b]) < search.SMALL_SIZE for b in family[:-1]) <= search.MAX_SMALL_SEALED
    assert all(len(plan.state["bundles"][b]) <= search.SEALED_SIZE for b in family)
    assert len(plan.state["bundles"][family[-1]]) <= search.JAPANESE_OPEN_CAP  # the open one
    thinned = [p for i, p in enumerate(posts) if i % 6 < 2]  # most of every bundle removed
    after = search.plan_bundles(plan.state, thinned, japanese=kana)
    for bundle in after.state["order"]:
        urls = set(after.state["bundles"][bundle])
        assert urls <= kana if bundle in after.state["japanese"] else not urls & kana


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_needs_japanese_is_exactly_a_kana_character(text):
    assert search.needs_japanese(text.encode("utf-8")) == any("\u3040" <= ch <= "\u30ff" for ch in text)


def test_index_runs_start_with_the_bundles_of_posts_with_kana(tmp_path, monkeypatch):
    posts = _posts(30)
    plan = search.plan_bundles({}, posts, japanese=frozenset({posts[3][0]}))
    started = []
    monkeypatch.setattr(search, "_index_bundle", lambda site, bundle, urls, out, warm, **kw: started.append((bundle, warm)))
    search.index_bundles(tmp_path, plan, {}, 1, lambda done, total: None, warm_japanese="the warm service")
    (first,) = plan.state["japanese"]
    assert started == [(first, "the warm service")] + [(b, None) for b in plan.state["order"] if b != first]
    started.clear()
    plan = search.plan_bundles({}, posts)  # no bundle of posts with kana: the warm service is not theirs
    search.index_bundles(tmp_path, plan, {}, 1, lambda done, total: None, warm_japanese="the warm service")
    assert started == [(b, None) for b in plan.state["order"]]


def _weights(plan, sizes):
    return [(len(plan.state["bundles"][b]), sum(sizes[u] for u in plan.state["bundles"][b])) for b in plan.state["order"]]


def test_sealed_bundles_are_bounded_by_their_posts_bytes_too():
    posts = _posts(1_200)
    sizes = {url: (10_000 if i < 600 else 60_000) for i, (url, _) in enumerate(posts)}  # later posts: longer
    plan = search.plan_bundles({}, posts, sizes=sizes)
    weights = _weights(plan, sizes)
    assert all(n <= search.SEALED_SIZE and b <= search.SEALED_BYTES for n, b in weights)
    assert weights[0] == (500, 5_000_000) and len(weights) > 1_200 // search.SEALED_SIZE + 1
    sizes[posts[0][0]] = 2 * search.SEALED_BYTES  # one post past the bound gets a bundle of its own
    assert _weights(search.plan_bundles({}, posts, sizes=sizes), sizes)[0][0] == 1


def test_folding_keeps_to_the_bytes_bound():
    size = search.OPEN_CAP
    posts = _posts(20 * size)
    sizes = {url: search.SEALED_BYTES // (3 * size) for url, _ in posts}  # a full open bundle: a third of it
    plan = search.plan_bundles({}, [], sizes=sizes)
    for end in range(size, len(posts) + 1, size):
        plan = search.plan_bundles(plan.state, posts[:end], sizes=sizes)
        assert all(b <= search.SEALED_BYTES for _, b in _weights(plan, sizes))
    assert len(plan.state["order"]) < 20  # folded all the same, three at most to a bundle (by bytes, not posts)
    assert max(len(plan.state["bundles"][b]) for b in plan.state["order"]) == 3 * size
