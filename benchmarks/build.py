"""Time `newsmirror build` on a large realistic archive, and `jekyll build` on the same posts.

    python benchmarks/build.py                       # 30,000 posts, 20 sources; Jekyll on 2,000 of them
    python benchmarks/build.py --posts 3000 --jekyll-posts 0
    python benchmarks/build.py --jekyll-posts 30000  # the full Jekyll comparison (about 40 minutes here)
    python benchmarks/build.py --real /tmp/real --runs 3 --src before=/tmp/before-site/src --src after=src
                                                     # real posts, two versions interleaved, Hugo beside them

Posts are written through Archive.write_post, so they are exactly what the pipeline writes: Chinese titles and
multi-paragraph HTML bodies of a few KB, recombined from the sentences of a real article with generated names
so that the vocabulary is as varied as real news. Prints: full build, rebuild after adding 100 posts, rebuild
with nothing changed, peak memory (largest resident set of the build and of any Pagefind process), and Jekyll.

With --real DIR (DIR/_posts/: the unpacked ../shared/realposts/ archive), the posts are the real ones, and see
benchmarks/buildreal.py.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent / "tests" / "fixtures" / "000_48fe70f85b61edb0.txt"
sys.path.insert(0, str(HERE.parent / "src"))

from newsmirror.archive.layout import Archive  # noqa: E402
from newsmirror.archive.postformat import parse_post  # noqa: E402
from newsmirror.models import Article  # noqa: E402

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法"
    "所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政"
    "四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
PLACES = ["北京", "上海", "香港", "台湾", "华盛顿", "纽约", "东京", "首尔", "柏林", "巴黎", "伦敦", "莫斯科", "基辅", "新疆", "西藏", "广州", "深圳", "武汉", "成都", "南海"]
TOPICS = ["经济", "人权", "外交", "选举", "疫情", "贸易", "芯片", "军事", "移民", "教育", "媒体", "法院", "气候", "能源", "房地产", "科技", "网络审查", "宗教自由", "抗议", "制裁"]
VERBS = ["会谈", "访问", "批评", "回应", "宣布", "调查", "起诉", "警告", "呼吁", "否认", "通过", "谴责", "签署", "讨论", "披露"]


def _sentences() -> list[str]:
    body = parse_post(GOLDEN.read_text(encoding="utf-8")).content
    text = re.sub(r"<[^>]+>", "\n", body)
    parts = re.split(r"(?<=[。！？”])", text)
    return [p.strip() for p in parts if len(p.strip()) > 8]


class Generator:
    def __init__(self, seed: int = 2023, sources: int = 20):
        self.rng = random.Random(seed)
        self.sentences = _sentences()
        self.names = ["".join([self.rng.choice(SURNAMES), *self.rng.choices(COMMON, k=self.rng.choice((1, 2)))]) for _ in range(6000)]
        self.sources = ["大纪元", "美国之音", "BBC中文", "德国之声", "法广", "自由亚洲电台", "纽约时报中文网", "中国数字时代"]
        self.sources += [f"频道{i}" for i in range(len(self.sources), sources)]
        self.sources = self.sources[:sources]

    def title(self) -> str:
        r = self.rng
        forms = [
            f"{r.choice(self.names)}{r.choice(VERBS)}{r.choice(PLACES)}{r.choice(TOPICS)}问题",
            f"{r.choice(PLACES)}{r.choice(TOPICS)}：{r.choice(self.names)}称{r.choice(TOPICS)}{r.choice(VERBS)}",
            f"{r.choice(PLACES)}与{r.choice(PLACES)}{r.choice(VERBS)}{r.choice(TOPICS)} {r.choice(self.names)}表态",
            f"【{r.choice(TOPICS)}】{r.choice(self.names)}：{''.join(r.choices(COMMON, k=r.randint(6, 14)))}",
        ]
        return r.choice(forms)

    def body(self) -> str:
        r = self.rng
        paragraphs = []
        for _ in range(r.randint(6, 18)):
            words = []
            for sentence in r.sample(self.sentences, r.randint(1, 3)):
                words.append(sentence.replace("布林肯", r.choice(self.names)).replace("王毅", r.choice(self.names)))
            if r.random() < 0.3:
                words.append(f"{r.choice(self.names)}在{r.choice(PLACES)}对记者说，{r.choice(TOPICS)}问题仍需关注。")
            paragraphs.append("<p>" + "".join(words) + "</p>")
            if r.random() < 0.1:
                paragraphs.append(f"<h2>{r.choice(TOPICS)}与{r.choice(TOPICS)}</h2>")
        return "".join(paragraphs)

    def article(self, moment: datetime, n: int) -> Article:
        source = self.sources[n % len(self.sources)]
        return Article(
            title=self.title(),
            date=moment,
            author=source if self.rng.random() < 0.7 else self.rng.choice(self.names),
            link=f"https://news.example/{source}/{n}.html",
            source=source,
            content=self.body(),
            tags=[source],
            categories=[source],
        )


def generate(root: Path, posts: int, sources: int, start: datetime, seed: int = 2023) -> Generator:
    """An archive of `posts` posts spread over the two years before `start`."""
    from newsmirror.scaffold import init_archive

    init_archive(root, title="benchmark", force=True)
    archive = Archive(root)
    gen = Generator(seed, sources)
    span = timedelta(days=730).total_seconds()
    for n in range(posts):
        moment = start - timedelta(seconds=span * (posts - n) / posts + gen.rng.random() * 60)
        archive.write_post(gen.article(moment.replace(microsecond=0), n))
    return gen


def add_posts(root: Path, gen: Generator, count: int, start: datetime) -> None:
    archive = Archive(root)
    for i in range(count):
        archive.write_post(gen.article(start + timedelta(minutes=i), 10_000_000 + i))


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"{' '.join(command)} failed with {done.returncode}")
    return elapsed, (done.stdout + done.stderr).strip()


def peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=30_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/newsmirror-bench"))
    parser.add_argument("--jekyll-posts", type=int, default=2000, help="posts for the Jekyll run (0: skip)")
    parser.add_argument("--keep", action="store_true", help="reuse an archive generated before")
    parser.add_argument("--batches", type=int, default=6, help="further rebuilds of 100 new posts each")
    parser.add_argument("--real", type=Path, help="build real posts from DIR/_posts/ (see benchmarks/buildreal.py)")
    parser.add_argument("--sizes", default="2000,28589", help="with --real: the archive sizes, in posts")
    parser.add_argument("--runs", type=int, default=3, help="with --real: runs per figure (medians are printed)")
    parser.add_argument("--src", action="append", default=[], metavar="[LABEL=]PATH",
                        help="with --real: the newsmirror source tree to run (repeat to interleave versions)")
    parser.add_argument("--hugo-max", type=int, default=6000,
                        help="with --real: run the Hugo + Pagefind anchor up to this size (0: never); one Pagefind "
                             "over all posts needs ~0.9 MB a real post")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="with --real: run newsmirror without bytecode caches (compiling its sources each run)")
    args = parser.parse_args()
    if args.real:
        from buildreal import run_real

        run_real(args.real, [int(n) for n in args.sizes.split(",")], args.runs, args.src, args.dir, args.hugo_max,
                 args.batches, bytecode=not args.no_bytecode)  # fmt: skip
        return

    start = datetime(2026, 11, 1, tzinfo=UTC)
    root = args.dir / f"archive-{args.posts}"
    began = time.perf_counter()
    if args.keep and (root / "_posts").is_dir():
        gen = Generator(2023, args.sources)
        gen.rng.seed(time.time_ns())
    else:
        shutil.rmtree(root, ignore_errors=True)
        gen = generate(root, args.posts, args.sources, start)
    files = list((root / "_posts").rglob("*.md"))  # in dated folders
    size = sum(p.stat().st_size for p in files)
    print(f"archive: {len(files)} posts, {args.sources} sources, {size / 1e6:.0f} MB of posts "
          f"(generated in {time.perf_counter() - began:.0f} s) at {root}")

    cli = [sys.executable, "-m", "newsmirror", "build", "-C", str(root)]
    shutil.rmtree(root / "_site", ignore_errors=True)
    full, out = timed(cli, root)
    print(f"full build (pages + search index): {full:.1f} s   [{out.splitlines()[-1]}]")
    peak = peak_children_mb()
    add_posts(root, gen, 100, start + timedelta(days=1))
    incremental, out = timed(cli, root)
    print(f"rebuild after adding 100 posts:    {incremental:.2f} s   [{out.splitlines()[-1]}]")
    nothing, out = timed(cli, root)
    print(f"rebuild with nothing changed:      {nothing:.2f} s   [{out.splitlines()[-1]}]")
    # The search bundle taking new posts grows until it is sealed: the later rebuilds index more posts.
    times = []
    for batch in range(args.batches):
        add_posts(root, gen, 100, start + timedelta(days=2 + batch))
        seconds, out = timed(cli, root)
        times.append(seconds)
    if times:
        print(f"{args.batches} more rebuilds of 100 posts each:  "
              + " ".join(f"{t:.2f}" for t in times) + f" s (max {max(times):.2f} s)")
    print(f"peak memory (largest process):     {max(peak, peak_children_mb()):.0f} MB")
    files = sum(1 for _ in (root / "_site").rglob("*") if _.is_file())
    print(f"_site: {files} files")

    if args.jekyll_posts and shutil.which("jekyll"):
        jroot = args.dir / f"jekyll-{args.jekyll_posts}"
        shutil.rmtree(jroot, ignore_errors=True)
        generate(jroot, args.jekyll_posts, args.sources, start)
        seconds, out = timed(["jekyll", "build", "--quiet"], jroot)
        per_post = seconds / args.jekyll_posts
        ours = full / args.posts
        print(f"jekyll build, {args.jekyll_posts} posts:       {seconds:.1f} s ({per_post * 1000:.1f} ms/post; "
              f"newsmirror {ours * 1000:.2f} ms/post at {args.posts}: {per_post / ours:.0f}x faster per post, "
              "and Jekyll grows faster than linearly)")


if __name__ == "__main__":
    main()
