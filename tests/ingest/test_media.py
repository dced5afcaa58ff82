"""Image mirroring end to end against the local server: stored once by hash, failures reported, caps kept."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from conftest import run_cli, write_config
from imagehelpers import png
from newsmirror.archive.postformat import parse_post
from newsmirror.ingest.media import site_path
from pagehelpers import rss


def _posts(root):
    return {p.title: p for p in (parse_post(f.read_text(encoding="utf-8")) for f in sorted((root / "_posts").iterdir()))}


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
