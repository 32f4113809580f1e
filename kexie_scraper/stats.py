"""`kexie stats`: how many articles the database holds by province, city and month, and
(``--plot FILE.png``, matplotlib: the ``plot`` extra) articles per province per month.

Months are the ``YYYY-MM`` of ``published_at``; articles without a date or a place are
counted under ``(none)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .storage.base import ArticleFilter

NONE = "(none)"
# Fonts that carry simplified Chinese, in order of preference; the plot labels provinces by
# their GB/T 2260 code when none is installed (e.g. fonts-noto-cjk, fonts-wqy-microhei).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN", "Noto Serif CJK SC")


def collect(database_url: str, where: ArticleFilter | None = None) -> dict[str, Any]:
    from .storage import open_store

    store = open_store(database_url)
    try:
        def rows(by):
            return [[NONE if v is None else v for v in r[:-1]] + [r[-1]] for r in store.article_counts(by, where)]

        return {
            "articles": store.count_articles(where),
            "by_province": rows(("province",)),
            "by_city": rows(("province", "city")),
            "by_month": sorted(rows(("month",)), key=lambda r: r[0]),
            "by_province_month": rows(("province", "region_code", "month")),
        }
    finally:
        store.close()


def cjk_font() -> str | None:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def plot(data: dict[str, Any], path: Path, top: int = 12) -> dict[str, Any]:
    """Articles per province per month as lines (the ``top`` provinces; the rest summed as
    "other"). Returns what was drawn."""
    try:
        import matplotlib
    except ImportError as exc:
        raise RuntimeError("--plot needs matplotlib: pip install 'kexie-scraper[plot]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = cjk_font()
    series: dict[str, dict[str, int]] = {}
    label_of: dict[str, str] = {}
    for province, code, month, n in data["by_province_month"]:
        if month == NONE:
            continue
        label = province if font or province == NONE else (f"{str(code)[:2]}0000" if code != NONE else NONE)
        label_of[province] = label
        series.setdefault(province, {})
        series[province][month] = series[province].get(month, 0) + n
    months = sorted({m for s in series.values() for m in s})
    ranked = sorted(series, key=lambda p: -sum(series[p].values()))
    shown, rest = ranked[:top], ranked[top:]
    if font:
        plt.rcParams["font.family"] = font
    fig, ax = plt.subplots(figsize=(max(8, 0.45 * len(months) + 4), 5.5), dpi=100)
    x = range(len(months))
    colours = plt.get_cmap("tab20").colors
    for i, province in enumerate(shown):
        ax.plot(x, [series[province].get(m, 0) for m in months], marker="o", linewidth=1.5, label=label_of[province],
                color=colours[(2 * i) % 20 if i < 10 else (2 * i + 1) % 20])
    if rest:
        ax.plot(x, [sum(series[p].get(m, 0) for p in rest) for m in months], marker=".", linestyle="--",
                color="grey", label=f"other ({len(rest)})")
    ax.set_xticks(list(x))
    ax.set_xticklabels(months, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("articles")
    ax.set_title("articles per province per month" + ("" if font else " (provinces by GB/T 2260 code)"))
    if shown:
        ax.legend(fontsize=8, ncol=2, loc="upper left", frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return {"plot": str(path), "months": len(months), "provinces": len(series), "font": font}


def report(data: dict[str, Any], limit: int = 20) -> str:
    from .ui import ljust

    lines = [f"articles: {data['articles']}", "", "by province:"]
    lines += [f"  {ljust(p, 14)} {n:>6}" for p, n in data["by_province"][:limit]]
    lines += ["", "by city:"]
    lines += [f"  {ljust(p, 14)} {ljust(c, 16)} {n:>6}" for p, c, n in data["by_city"][:limit]]
    if len(data["by_city"]) > limit:
        lines.append(f"  … {len(data['by_city']) - limit} more")
    lines += ["", "by month:"]
    lines += [f"  {m:<8} {n:>6}" for m, n in data["by_month"]]
    return "\n".join(lines)
