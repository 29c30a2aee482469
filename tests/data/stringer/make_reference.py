#!/usr/bin/env python3
"""Stringer et al.'s shuffle-averaged cvPCA α on the reference repeat pairs, for
tests/crossval.rs (`shuffle_mean_alpha_equals_stringers_procedure`).

Procedure (MouseLand/stringer-pachitariu-et-al-2018b, python/utils.py and the notebook
python/powerlaws.ipynb, commit 79850db):
    ss = utils.shuff_cvPCA(sresp)          # K shuffles, each row's repeats swapped at p = 1/2
    ss = ss.mean(axis=0)                   # averaged over shuffles
    alpha, ypred = utils.get_powerlaw(ss/ss.sum(), trange)   # log(abs(ss)), weights 1/n
Here the shuffles are the ones eigenlens draws (xoshiro256++ seeded by SplitMix64, one coin =
top bit of a draw per row, row by row, shuffle after shuffle; src/rng.rs, crossval::swap_masks),
each shuffled split is cvPCA'd with eigenlens's column centring (V = eigenvectors of cov(A'),
cv_n = v_n^T sym(A'_c^T B'_c)/(N-1) v_n, computed directly from the swapped matrices), and
`get_powerlaw` is Stringer's, copied verbatim, over 0-based trange = arange(n_lo - 1, n_hi),
i.e. the same 1-based ranks n_lo..n_hi that eigenlens fits. (Their notebook passes
np.arange(11, 500): 1-based ranks 12..500; their MATLAB code passes 11:500.)

For information it also records α under Stringer's own cvPCA convention (PCA of X[0].T as
sklearn fits it, uncentred projections), on column-centred repeats, and the largest difference
between the two conventions on doubly centred repeats.

Run from the repository root: python3 tests/data/stringer/make_reference.py
Writes tests/data/stringer/cvpca_shuffle_reference.json.
"""
import json
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
M64 = (1 << 64) - 1


class Rng:
    """eigenlens's src/rng.rs: xoshiro256++ seeded through SplitMix64."""

    def __init__(self, seed):
        sm = seed & M64
        self.s = []
        for _ in range(4):
            sm = (sm + 0x9E3779B97F4A7C15) & M64
            z = sm
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next_u64(self):
        s = self.s
        result = (self.rotl((s[0] + s[3]) & M64, 23) + s[0]) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def coin(self):
        return self.next_u64() >> 63 == 1


def swap_masks(seed, shuffles, rows):
    rng = Rng(seed)
    return np.array([[rng.coin() for _ in range(rows)] for _ in range(shuffles)], dtype=bool)


# --- Stringer's get_powerlaw, verbatim from python/utils.py ---
def get_powerlaw(ss, trange):
    ''' fit exponent to variance curve'''
    logss = np.log(np.abs(ss))
    y = logss[trange][:,np.newaxis]
    trange += 1
    nt = trange.size
    x = np.concatenate((-np.log(trange)[:,np.newaxis], np.ones((nt,1))), axis=1)
    w = 1.0 / trange.astype(np.float32)[:,np.newaxis]
    b = np.linalg.solve(x.T @ (x * w), (w * x).T @ y).flatten()

    allrange = np.arange(0, ss.size).astype(int) + 1
    x = np.concatenate((-np.log(allrange)[:,np.newaxis], np.ones((ss.size,1))), axis=1)
    ypred = np.exp((x * b).sum(axis=1))
    alpha = b[0]
    return alpha,ypred


def cvpca_column_centred(a, b):
    """eigenlens's convention: (eigenvalues of cov(A) desc, cv_n)."""
    n = a.shape[0]
    ac, bc = a - a.mean(0), b - b.mean(0)
    w, v = np.linalg.eigh(ac.T @ ac / (n - 1))
    w, v = w[::-1], v[:, ::-1]
    s = (ac.T @ bc + bc.T @ ac) / (2 * (n - 1))
    return w, np.einsum('in,ij,jn->n', v, s, v)


def cvpca_stringer(x0, x1):
    """Stringer's cvPCA (utils.py) with sklearn's PCA written out: PCA of X[0].T (neurons as
    samples) centres each column of X[0].T (each stimulus across neurons); components_ are the
    right singular vectors. n_components = min(1024, stimuli, neurons) (sklearn refuses more)."""
    xt = x0.T
    nc = min(1024, xt.shape[0], xt.shape[1])
    _, sv, vt = np.linalg.svd(xt - xt.mean(0), full_matrices=False)
    u, sv = vt[:nc].T, sv[:nc]
    xproj = xt @ (u / sv)
    return ((x0 @ xproj) * (x1 @ xproj)).sum(axis=0)
# (Checked against sklearn 1.x's PCA itself on 200 stimuli of plain_h1: equal to 3.4e-15 of ss_1.)


def alpha_or_none(ss, lo, hi, use_abs):
    seg = ss[lo - 1:hi]
    if not use_abs and (seg <= 0).any():
        return None
    return float(get_powerlaw(ss / ss.sum(), np.arange(lo - 1, hi))[0])


def suggested_range(cv, lo, hi):
    last = lo - 1
    while last < hi and cv[last] > 0:
        last += 1
    return [lo, last] if last > lo else None


def main():
    ref = json.load(open(os.path.join(DATA, 'reference.json')))
    shuffles, seed = 5, 1
    out = {
        'source': 'tests/data/stringer/make_reference.py (NumPy %s)' % np.__version__,
        'shuffles': shuffles,
        'seed': seed,
        'pairs': {},
    }
    masks_written = None
    for name, p in ref['cvpca_pairs'].items():
        a = np.load(os.path.join(DATA, p['rep1'] + '.f32.npy')).astype(np.float64)
        b = np.load(os.path.join(DATA, p['rep2'] + '.f32.npy')).astype(np.float64)
        n, d = a.shape
        lo, hi = 11, min(500, d // 2)  # eigenlens's default fit, n_hi capped at D/2
        masks = swap_masks(seed, shuffles, n)
        if masks_written is None:
            masks_written = [''.join('1' if m else '0' for m in row) for row in masks]
            out['swap_masks'] = masks_written
        cvs, noises, stringer_cvs = [], [], []
        for mask in masks:
            a2, b2 = a.copy(), b.copy()
            a2[mask], b2[mask] = b[mask], a[mask]
            w, cv = cvpca_column_centred(a2, b2)
            cvs.append(cv)
            noises.append(w - cv)
            stringer_cvs.append(cvpca_stringer(a2 - a2.mean(0), b2 - b2.mean(0)))
        mean_cv, mean_noise = np.mean(cvs, 0), np.mean(noises, 0)
        _, cv0 = cvpca_column_centred(a, b)
        stringer_mean = np.mean(stringer_cvs, 0)
        # Doubly centred (columns, then each row): the conventions agree up to 1/(N - 1).
        dc = lambda x: (lambda c: c - c.mean(1, keepdims=True))(x - x.mean(0))
        a_dc, b_dc = dc(a), dc(b)
        # (Over the fit range: these layers have dead units, so the last axes are null and
        # Stringer's division by their singular values is 0/0.)
        ours = cvpca_column_centred(a_dc, b_dc)[1][lo - 1:hi] * (n - 1)
        theirs = cvpca_stringer(a_dc, b_dc)[lo - 1:hi]
        out['pairs'][name] = {
            'rep1': p['rep1'],
            'rep2': p['rep2'],
            'n_rows': n,
            'n_cols': d,
            'rank_lo': lo,
            'rank_hi': hi,
            'swap_counts': [int(m.sum()) for m in masks],
            'shuffle_mean_cv_spectrum': mean_cv.tolist(),
            'shuffle_mean_noise_spectrum': mean_noise.tolist(),
            'alpha_shuffle_mean_get_powerlaw': alpha_or_none(mean_cv, lo, hi, True),
            'alpha_shuffle_mean_positive': alpha_or_none(mean_cv, lo, hi, False),
            'alpha_unshuffled_get_powerlaw': alpha_or_none(cv0, lo, hi, True),
            'alpha_unshuffled_positive': alpha_or_none(cv0, lo, hi, False),
            'suggested_range_shuffle_mean': suggested_range(mean_cv, lo, hi),
            'n_nonpositive_shuffle_mean_in_range': int((mean_cv[lo - 1:hi] <= 0).sum()),
            'stringer_convention': {
                'note': "Stringer's cvPCA (PCA of X[0].T, uncentred projections) on column-centred "
                        'repeats with the same swaps; information only, eigenlens keeps column centring',
                'alpha_shuffle_mean_get_powerlaw': alpha_or_none(stringer_mean, lo, hi, True),
                'max_rel_diff_cv_in_range_vs_eigenlens': float(
                    np.max(np.abs(stringer_mean[lo - 1:hi] / (n - 1) - mean_cv[lo - 1:hi]) / np.abs(mean_cv[lo - 1:hi]))),
                'doubly_centred_max_rel_diff_in_range': float(np.max(np.abs(ours - theirs) / np.abs(ours))),
            },
        }
    path = os.path.join(HERE, 'cvpca_shuffle_reference.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    for name, r in out['pairs'].items():
        print(name, r['alpha_shuffle_mean_get_powerlaw'], r['alpha_unshuffled_get_powerlaw'],
              r['suggested_range_shuffle_mean'], r['stringer_convention']['alpha_shuffle_mean_get_powerlaw'],
              r['stringer_convention']['max_rel_diff_cv_in_range_vs_eigenlens'],
              r['stringer_convention']['doubly_centred_max_rel_diff_in_range'])


if __name__ == '__main__':
    main()
