"""The one YouTube video id rule (ingest.embeds), used by the sanitizer and by the built page's player."""

from __future__ import annotations

import pytest

from newsmirror.ingest.embeds import FRAME_SOURCES, is_youtube_video_id, player_embed, privacy_embed_url


@pytest.mark.parametrize(
    ("value", "expected"),
    [("dQw4w9WgXcQ", True), ("-_AZaz09-_A", True), ("dQw4w9WgXc", False), ("dQw4w9WgXcQQ", False),
     ("dQw4w9WgX!Q", False), ("", False), ("videoseries", True)],
)  # fmt: skip
def test_a_video_id_is_eleven_url_safe_characters(value, expected):
    assert is_youtube_video_id(value) is expected


@pytest.mark.parametrize("video", ["abc123", "dQw4w9WgXc", "dQw4w9WgXcQQ", "abcdefghijklmnopqrst"])
def test_a_player_needs_such_an_id(video):
    assert privacy_embed_url(f"https://www.youtube.com/embed/{video}") is None
    assert privacy_embed_url(f"https://youtu.be/{video}") is None


def test_a_lazy_frame_names_its_player_in_a_data_attribute():
    assert FRAME_SOURCES[0] == "src"
    frame = {"src": "about:blank", "data-src": "https://www.youtube.com/embed/dQw4w9WgXcQ"}
    assert player_embed(frame, "https://news.example/a.html") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
