"""Draw every figure of the notebook from the course data and save each as a PNG, to look at.

Usage:  python scripts/render_figures.py [OUTDIR] [--cvd]

The EM functions come from the notebook itself (helpers.load_notebook), so the figures
show what a Run All shows.  Each PNG has twice the figure's CSS pixels, as in the notebook.
With --cvd, each figure is also saved as seen under deuteranomaly, protanomaly and
tritanomaly (colorspacious, severity 100).  Prints each figure's CSS size, whether it fits
helpers.plotting.BOX, and its smallest text in CSS pixels.
"""

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the helpers package, when run from anywhere

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import helpers  # noqa: E402
from helpers import plotting  # noqa: E402

CVD_TYPES = ("deuteranomaly", "protanomaly", "tritanomaly")


def smallest_text_px(fig):
    """The smallest font size of any visible text in the figure, in CSS pixels."""
    sizes = [t.get_fontsize() * fig.dpi / 72 for t in fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes)


def simulate_cvd(png_path, cvd_type):
    """Save the PNG as seen with a colour-vision deficiency, beside the original."""
    from colorspacious import cspace_convert

    image = plt.imread(png_path)[..., :3]
    seen = np.clip(cspace_convert(image, {"name": "sRGB1+CVD", "cvd_type": cvd_type, "severity": 100},
                                  "sRGB1"), 0, 1)
    out = png_path.with_name(f"{png_path.stem}-{cvd_type}.png")
    plt.imsave(out, seen)
    return out


def figures(nb, x):
    """Yield (name, figure) for every figure the notebook draws, in notebook order."""
    yield "data", helpers.make_plot(x, title=f"the data: {len(x)} samples").figure

    pi0, mu0, sigma0 = nb.init_params(x, 4, np.random.default_rng(0))
    r0 = nb.e_step(x, pi0, mu0, sigma0)
    start_limits = helpers.default_limits(x, mu0, sigma0)
    yield "start", helpers.make_plot(x, r0, mu0, sigma0, nb.ll(x, pi0, mu0, sigma0),
                                     title="start").figure

    pi1, mu1, sigma1 = nb.m_step(x, r0)
    r1 = nb.e_step(x, pi1, mu1, sigma1)
    yield "manual-step", helpers.make_plot(x, r1, mu1, sigma1, nb.ll(x, pi1, mu1, sigma1),
                                           title="after 1 manual step", limits=start_limits).figure

    pi, mu, sigma, history = nb.run_em(x, pi0, mu0, sigma0)
    last = len(history) - 1
    r = nb.e_step(x, pi, mu, sigma)
    yield "converged", helpers.make_plot(x, r, mu, sigma, history[-1]["ll"],
                                         title=f"converged after {last} iterations").figure

    lls = [h["ll"] for h in history]
    yield "ll", helpers.plot_ll(lls, end_label=f"converged after {last} iterations").figure

    def snapshot(i):
        h = history[i]
        return {"iteration": i, "ll": h["ll"], "mu": h["mu"], "sigma": h["sigma"],
                "r": nb.e_step(x, h["pi"], h["mu"], h["sigma"])}

    shown = [snapshot(i) for i in sorted({i for i in (0, 5, 10) if i < last} | {last})]
    shown[-1]["label"] = f"converged ({last})"
    yield "snapshots", helpers.plot_snapshots(x, shown, ncols=2)[0]

    result = nb.simulate(len(x), pi, mu, sigma, np.random.default_rng(1))
    if isinstance(result, tuple):
        x_sim, z_sim = result
    else:  # an older notebook: simulate returned the points only; label each by its likeliest component
        x_sim, z_sim = result, nb.e_step(result, pi, mu, sigma).argmax(axis=1)
    yield "simulated", helpers.plot_data_vs_simulated(x, x_sim, z_sim, mu, sigma)[0]

    fits = []
    for seed in range(6):
        *fit, hist = nb.run_em(x, *nb.init_params(x, 4, np.random.default_rng(seed)))
        fits.append((hist[-1]["ll"], seed, fit))
    fits.sort(key=lambda item: item[0])
    panels = [{"title": f"{name}: seed {seed}\nll = {value:.4f}", "mu": fit[1], "sigma": fit[2],
               "r": nb.e_step(x, *fit)} for name, (value, seed, fit) in
              (("best", fits[-1]), ("worst", fits[0]))]
    yield "restarts", helpers.plot_panels(x, panels)[0]

    labels_km, mu_km = nb.kmeans(x, mu0)  # the notebook's Lloyd loop, from EM's start
    panels = [{"title": "k-means: hard labels", "labels": labels_km, "mu": mu_km},
              {"title": "EM: soft labels, ellipses", "r": r, "mu": mu, "sigma": sigma}]
    yield "kmeans-vs-em", helpers.plot_panels(x, panels)[0]

    ks = range(1, 7)  # as the notebook: each K from seed 1, run to convergence
    bics = [nb.bic(x, *nb.run_em(x, *nb.init_params(x, K, np.random.default_rng(1)))[:3]) for K in ks]
    yield "bic", helpers.plot_bic(ks, bics).figure


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", default=str(ROOT / "build" / "figures"))
    parser.add_argument("--cvd", action="store_true", help="also save each figure as seen with CVD")
    args = parser.parse_args()
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)

    helpers.use_class_style()
    nb = helpers.load_notebook(ROOT / "nb07_em.ipynb")
    x = np.loadtxt(ROOT / "data" / "gmm.csv", delimiter=",")
    box_w, box_h = plotting.BOX
    for name, fig in figures(nb, x):
        start = time.perf_counter()
        path = outdir / f"{name}.png"
        fig.savefig(path, dpi=2 * fig.dpi)
        seconds = time.perf_counter() - start
        width, height = fig.get_size_inches() * fig.dpi
        fits = "fits" if width <= box_w and height <= box_h else "DOES NOT FIT"
        print(f"{name:14s} {width:4.0f} x {height:3.0f} CSS px ({fits} {box_w} x {box_h}), "
              f"smallest text {smallest_text_px(fig):.0f} px, saved in {seconds:.2f} s")
        print(f"{'':14s} alt: {plotting.figure_alt_text(fig)}")
        if args.cvd:
            for cvd_type in CVD_TYPES:
                simulate_cvd(path, cvd_type)
        plt.close(fig)


if __name__ == "__main__":
    main()
