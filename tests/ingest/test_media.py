"""Image mirroring end to end against the local server: stored once by hash, failures reported, caps kept."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from conftest import post_files, run_cli, write_config
from imagehelpers import animated_gif, dimensions, likeness, photo, png, wide_photo
from newsmirror.archive.postformat import parse_post
from newsmirror.ingest.media import site_path
from pagehelpers import rss


def _posts(root):
    return {p.title: p for p in (parse_post(f.read_text(encoding="utf-8")) for f in post_files(root))}


def test_images_are_mirrored_once_failures_and_oversized_are_reported(server, tmp_path):
    good = png(1)
    same_again = server.add("/img/copy-of-good.png", good, content_type="image/png")  # same bytes, other address
    good_url = server.add("/img/good.png", good, content_type="image/png")
    other = server.add("/img/other.jpg", png(2), content_type="image/jpeg")
    big = server.add("/img/big.png", png(3, padding=300_000), content_type="image/png")
    html_instead = server.add("/img/fake.png", "<html>login</html>", content_type="text/html")
    svg = server.add("/img/vector.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                     content_type="image/svg+xml")
    missing = server.url("/img/missing.png")
    body = "<p>" + "正文。" * 200 + "</p>"
    items = [
        {"title": "第一篇", "link": server.url("/a/1.html"), "date": datetime(2026, 11, 1, tzinfo=UTC),
         "description": f'{body}<p><img src="{good_url}" alt="a"></p><p><img src="/img/other.jpg"></p><p><img src="{missing}"></p>'},
        {"title": "第二篇", "link": server.url("/a/2.html"), "date": datetime(2026, 11, 2, tzinfo=UTC),
         "description": f'{body}<p><img src="{good_url}"><img src="{same_again}"><img src="{big}"><img src="{html_instead}"><img src="{svg}"></p>'},
    ]
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", rss(items)), "mirror_images": True}],
                 extra='[site]\nbaseurl = "/mirror"\n[fetch]\nmax_bytes = 200000\nretries = 0')

    result = run_cli("fetch", "-C", str(tmp_path), "--json")

    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["sources"][0]["warnings"]
    assert sorted(w.split(" not mirrored: ")[0] for w in warnings) == sorted(
        f"image {u}" for u in (missing, big, html_instead, svg)
    )
    assert any("HTTP 404" in w for w in warnings) and any("too large" in w for w in warnings)
    assert any("not an image (content type text/html)" in w for w in warnings)
    digest = hashlib.sha256(good).hexdigest()
    stored = f"assets/images/{digest[:2]}/{digest}.png"
    assert (tmp_path / stored).read_bytes() == good
    files = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "assets/images").rglob("*") if p.is_file())
    assert len(files) == 2  # good (three references, two addresses) and other.jpg
    posts = _posts(tmp_path)
    first, second = posts["第一篇"].content, posts["第二篇"].content
    assert f'<img src="/mirror/{stored}" alt="a">' in first
    assert f'src="{missing}"' in first  # a failed image keeps its original address
    assert second.count(f'src="/mirror/{stored}"') == 2
    assert f'src="{big}"' in second and f'src="{svg}"' in second
    assert server.hits["/img/good.png"] == 1

    # A re-run with new posts reusing the images downloads nothing again.
    items.append({"title": "第三篇", "link": server.url("/a/3.html"), "date": datetime(2026, 11, 3, tzinfo=UTC),
                  "description": f'{body}<img src="{good_url}"><img src="{other}">'})
    server.add("/feed.xml", rss(items))
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert server.hits["/img/good.png"] == 1 and server.hits["/img/other.jpg"] == 1
    assert f'src="/mirror/{stored}"' in _posts(tmp_path)["第三篇"].content


def test_mirroring_is_off_unless_asked(server, tmp_path):
    image = server.add("/img/x.png", png(5), content_type="image/png")
    items = [{"title": "一", "link": server.url("/a/1.html"), "date": datetime(2026, 11, 1, tzinfo=UTC),
              "description": f'<p>正文</p><img src="{image}">'}]
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", rss(items))}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert "/img/x.png" not in server.hits and not (tmp_path / "assets").exists()


def test_site_path():
    assert site_path("", "assets/images/ab/c.png") == "/assets/images/ab/c.png"
    assert site_path("/mirror/", "assets/images/ab/c.png") == "/mirror/assets/images/ab/c.png"
    assert site_path("mirror", "assets/x") == "/mirror/assets/x"


def test_images_per_post_are_limited_in_number_and_bytes(server, tmp_path):
    """Volume limits (issue 18, finding 5): past max_images_per_post, or once the post's new images would pass
    max_image_bytes_per_post, images keep their original address; each limit is reported."""
    urls = [server.add(f"/img/{i}.png", png(i, padding=30_000), content_type="image/png") for i in range(6)]
    body = "<p>" + "正文。" * 200 + "</p>" + "".join(f'<p><img src="{u}"></p>' for u in urls)
    items = [{"title": "多图", "link": server.url("/a/1.html"), "date": datetime(2026, 11, 1, tzinfo=UTC), "description": body}]
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", rss(items)), "mirror_images": True}],
                 extra="[fetch]\nretries = 0\nmax_images_per_post = 4\nmax_image_bytes_per_post = 100_000")

    result = run_cli("fetch", "-C", str(tmp_path), "--json")

    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["sources"][0]["warnings"]
    assert "2 images beyond the first 4 not mirrored (max_images_per_post); they keep their original address" in warnings
    over_budget = [w for w in warnings if "over the post's image limit of 100000 bytes" in w]
    assert len(over_budget) == 1  # three of ~30 KB fit in 100,000 bytes, the fourth does not
    assert not any(server.hits.get(f"/img/{i}.png") for i in (4, 5))  # beyond the count: never downloaded
    (post,) = _posts(tmp_path).values()
    stored = sorted((tmp_path / "assets" / "images").rglob("*.png"))
    assert len(stored) == 3 and post.content.count('src="/assets/images/') == 3
    assert all(post.content.count(urls[i]) == 1 for i in (4, 5))


# ---------------------------------------------------------------------------------------------------------------
# Images within a budget (issue 15): re-encoded above a size, none mirrored past the archive's budget.


def _image_post(server, tmp_path, images: dict[str, tuple[bytes, str]], extra: str, day: int = 1, title: str = "图片"):
    """A feed with one post showing `images` ({path: (bytes, content type)}) and settings `extra`; its URLs."""
    urls = {path: server.add(path, data, content_type=kind) for path, (data, kind) in images.items()}
    body = "<p>" + "正文。" * 200 + "</p>" + "".join(f'<p><img src="{u}"></p>' for u in urls.values())
    item = {"title": title, "link": server.url(f"/a/{day}.html"), "date": datetime(2026, 11, day, tzinfo=UTC),
            "description": body}  # fmt: skip
    write_config(tmp_path, [{"name": "源", "url": server.add(f"/feed-{day}.xml", rss([item])), "mirror_images": True}],
                 extra="[fetch]\nretries = 0\n" + extra)  # fmt: skip
    return urls


def _stored(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "assets" / "images").rglob("*") if p.is_file()}


def test_large_images_are_stored_re_encoded_below_the_caps_and_look_the_same(server, tmp_path):
    big_png = photo("astronaut.png")  # 792 KB, 512 px: over the size cap
    wide = wide_photo(2400)  # 2400 px wide: over the width cap
    small = photo("rocket.jpg")  # 113 KB, 640 px: within both, stored as it came
    _image_post(server, tmp_path, {"/img/astronaut.png": (big_png, "image/png"), "/img/wide.jpg": (wide, "image/jpeg"),
                                   "/img/rocket.jpg": (small, "image/jpeg")}, "[site]\nimage_max_width = 1600\n"
                                   'image_max_size = "400KB"')  # fmt: skip

    result = run_cli("fetch", "-C", str(tmp_path), "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sources"][0]["warnings"] == []
    stored = _stored(tmp_path)
    assert len(stored) == 3  # one file per image: the originals of the re-encoded two are not kept beside them
    webp = {path: data for path, data in stored.items() if path.endswith(".webp")}
    assert len(webp) == 2
    for path, data in webp.items():
        assert path == f"assets/images/{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()}.webp"
        kind, width, _height = dimensions(data)
        assert kind == "WEBP" and width <= 1600 and len(data) <= 400 * 1024
    by_width = {dimensions(data)[1]: data for data in webp.values()}
    assert sorted(by_width) == [512, 1600]  # the wide one resized to the cap, the heavy one kept at its size
    assert likeness(big_png, by_width[512]) >= 0.95 and likeness(wide, by_width[1600]) >= 0.95
    assert len(by_width[512]) < len(big_png) / 4
    digest = hashlib.sha256(small).hexdigest()
    assert stored[f"assets/images/{digest[:2]}/{digest}.jpg"] == small
    (post,) = _posts(tmp_path).values()
    assert post.content.count('src="/assets/images/') == 3 and post.content.count(".webp") == 2
    images = report["images"]
    assert (images["stored"], images["reencoded"], images["over_budget"]) == (3, 2, 0)
    assert images["bytes_before_reencoding"] == len(big_png) + len(wide)
    assert images["bytes_after_reencoding"] == sum(len(d) for d in webp.values())


def test_animations_and_images_within_the_caps_are_stored_as_they_came(server, tmp_path):
    gif = animated_gif()
    assert len(gif) > 500_000
    urls = _image_post(server, tmp_path, {"/img/anim.gif": (gif, "image/gif"), "/img/rocket.jpg": (photo("rocket.jpg"), "image/jpeg")},
                       '[site]\nimage_max_size = "100KB"\nimage_max_width = 300\n')  # fmt: skip
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    stored = _stored(tmp_path)
    assert sorted(p.rsplit(".", 1)[1] for p in stored) == ["gif", "webp"]  # the rocket (640 px) shrank, not the GIF
    assert next(d for p, d in stored.items() if p.endswith(".gif")) == gif
    assert server.hits["/img/anim.gif"] == 1 and urls


def test_without_caps_every_image_is_stored_as_it_came(server, tmp_path):
    big_png = photo("astronaut.png")
    _image_post(server, tmp_path, {"/img/astronaut.png": (big_png, "image/png")},
                '[site]\nimage_max_width = 0\nimage_max_size = ""\n')  # fmt: skip
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert list(_stored(tmp_path).values()) == [big_png]


def test_the_image_budget_stops_mirroring_new_images_and_says_so_once(server, tmp_path):
    first, second, third = photo("rocket.jpg"), photo("retina.jpg"), photo("chelsea.png")
    urls = _image_post(server, tmp_path, {"/img/rocket.jpg": (first, "image/jpeg")}, '[site]\nimage_budget = "150KB"\n')
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["images"]["budget_reached"] is False  # 113 KB of 150 KB
    assert len(_stored(tmp_path)) == 1

    # The next post: the first new image stored takes the archive past the budget, the other keeps its address
    # (both may be downloading at once: which one is stored first is not fixed).
    more = _image_post(server, tmp_path, {"/img/retina.jpg": (second, "image/jpeg"), "/img/rocket.jpg": (first, "image/jpeg"),
                                          "/img/chelsea.png": (third, "image/png")},
                       '[site]\nimage_budget = "150KB"\nimage_max_size = ""\n', day=2, title="第二篇")  # fmt: skip
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    images = report["images"]
    assert images["budget_reached"] is True and images["over_budget"] == 1 and images["stored"] == 1
    assert images["archive_bytes"] == sum(len(d) for d in _stored(tmp_path).values()) >= 150 * 1024
    assert report["sources"][0]["warnings"] == []  # not once per image…
    (warning,) = [w for w in report["warnings"] if "image budget reached" in w]  # …but once for the run
    assert "1 new images keep their original address" in warning and "of the 150 KB [site] image_budget" in warning
    post = _posts(tmp_path)["第二篇"]
    assert post.content.count('src="/assets/images/') == 2  # the image stored before the budget and the known one
    left = [u for u in more.values() if u in post.content]
    assert len(left) == 1 and left[0] != urls["/img/rocket.jpg"]
    assert urls["/img/rocket.jpg"] not in post.content  # an image stored before costs nothing: still mirrored

    # A third run: nothing new is downloaded at all once the budget is reached.
    _image_post(server, tmp_path, {"/img/new.png": (photo("coffee.png"), "image/png")}, '[site]\nimage_budget = "150KB"\n',
                day=3, title="第三篇")  # fmt: skip
    human = run_cli("fetch", "-C", str(tmp_path))
    assert human.returncode == 0, human.stderr
    assert "image budget reached" in human.stderr and "/img/new.png" not in server.hits
    assert "1 left at their address (image budget)" in human.stdout


def test_a_picture_still_over_the_size_cap_is_tried_at_lower_qualities_down_to_80():
    from newsmirror.ingest.media import ShrinkRule, shrink_image

    stars = photo("hubble_deep_field.jpg")  # 528 KB of fine noise: the hardest picture to compress
    at_90 = shrink_image(stars, ShrinkRule(max_width=1600, max_bytes=len(stars) - 1, lowest_quality=90))
    laddered = shrink_image(stars, ShrinkRule(max_width=1600, max_bytes=200 * 1024))
    floor = shrink_image(stars, ShrinkRule(max_width=1600, max_bytes=10 * 1024))
    assert at_90 is not None and laddered is not None and floor is not None
    assert len(at_90[0]) > 200 * 1024 >= len(laddered[0])  # 90 was not enough; a lower quality was
    assert len(floor[0]) > 10 * 1024 and len(floor[0]) <= len(laddered[0])  # never below 80, even if over the cap
    assert likeness(stars, floor[0]) >= 0.85
    assert shrink_image(stars, ShrinkRule(max_width=1600, max_bytes=len(stars))) is None  # within both caps
    assert shrink_image(b"not an image at all", ShrinkRule(max_width=1, max_bytes=1)) is None


def _article_with_images(server, path: str, images: dict[str, bytes]) -> str:
    urls = [server.add(f"/img/{name}", data, content_type="image/jpeg" if name.endswith(".jpg") else "image/png")
            for name, data in images.items()]  # fmt: skip
    return server.add(path, "<html><head><title>加了图片的文章</title></head><body><article><h1>加了图片的文章</h1>"
                      + "<p>" + "正文的一段话，讲述了事情的经过。" * 30 + "</p>" + "".join(f'<p><img src="{u}"></p>' for u in urls)
                      + "</article></body></html>", content_type="text/html; charset=utf-8")  # fmt: skip


def test_add_reports_its_images_and_the_budget_as_fetch_does(server, tmp_path):
    write_config(tmp_path, [], extra='[fetch]\nretries = 0\n[site]\nmirror_images = true\nimage_budget = "150KB"\nimage_max_size = ""\n')
    first = _article_with_images(server, "/a/1.html", {"rocket.jpg": photo("rocket.jpg")})
    result = run_cli("add", first, "-C", str(tmp_path), "--allow-private", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outcomes"][0]["status"] == "added" and report["warnings"] == []
    assert (report["images"]["stored"], report["images"]["budget_reached"]) == (1, False)  # 113 KB of 150 KB
    # the first new image stored takes the archive past the budget, the other keeps its address
    second = _article_with_images(server, "/a/2.html", {"retina.jpg": photo("retina.jpg"), "chelsea.png": photo("chelsea.png")})
    report = json.loads(run_cli("add", second, "-C", str(tmp_path), "--allow-private", "--json").stdout)
    assert (report["images"]["stored"], report["images"]["over_budget"], report["images"]["budget_reached"]) == (1, 1, True)
    (warning,) = report["warnings"]
    assert "1 new images keep their original address" in warning
    third = _article_with_images(server, "/a/3.html", {"coffee.png": photo("coffee.png")})
    human = run_cli("add", third, "-C", str(tmp_path), "--allow-private")
    assert human.returncode == 0, human.stderr  # nothing is downloaded past the budget, and it says so
    assert "1 added, 0 images stored, 1 left at their address (image budget)" in human.stdout
    assert "image budget reached" in human.stderr and "/img/coffee.png" not in server.hits
