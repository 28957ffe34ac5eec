"""Reference values for test/metrics: run with scikit-image, scipy and numpy installed.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install scikit-image scipy numpy
    /tmp/ref/bin/python test/metrics/reference/make_reference.py

Writes test/metrics/reference/{pixel,distribution}.json. Inputs are rounded to float32 first,
so the TypeScript tests (float32 tensors) see exactly the same numbers.
"""
import base64
import json
import os

import numpy as np
import scipy
import scipy.linalg
import scipy.ndimage
import skimage
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261128)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def b64(a):
    """Row-major float32 bytes, base64: compact and exact."""
    return base64.b64encode(np.ascontiguousarray(a, dtype='<f4').tobytes()).decode('ascii')


def smooth(h, w, c=None):
    """A structured image: gradients, a disc and a stripe pattern, in [0, 1]."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = 0.5 * xx / w + 0.3 * (((yy - h / 2) ** 2 + (xx - w / 3) ** 2) < (min(h, w) / 4) ** 2)
    img = img + 0.2 * (np.sin(xx / 2.0) > 0)
    img = np.clip(img, 0, 1)
    if c:
        img = np.stack([np.roll(img, k * 3, axis=1) for k in range(c)], axis=-1)
    return img


def ssim_case(name, a, b, data_range, channel_axis=None):
    a, b = f32(a), f32(b)
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=data_range)
    if channel_axis is not None:
        kw['channel_axis'] = channel_axis
    return {
        'name': name, 'shape': list(a.shape), 'dataRange': data_range,
        'a': b64(a), 'b': b64(b),
        'ssim': float(structural_similarity(a, b, **kw)),
        'mse': float(mean_squared_error(a, b)),
        'psnr': float(peak_signal_noise_ratio(a, b, data_range=data_range)),
    }


# --- MS-SSIM: an independent numpy version of the definition documented in lib/metrics/pixel.ts
WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]


def taps(sigma, size):
    r = (size - 1) // 2
    t = np.exp(-0.5 * np.arange(-r, r + 1) ** 2 / sigma ** 2)
    return t / t.sum()


def filt_valid(x, t):
    k = np.outer(t, t)
    full = scipy.ndimage.correlate(x, k, mode='constant')
    r = (len(t) - 1) // 2
    return full[r:x.shape[0] - r, r:x.shape[1] - r]


def ssim_terms(x, y, L, t, k1=0.01, k2=0.03):
    c1, c2 = (k1 * L) ** 2, (k2 * L) ** 2
    ux, uy = filt_valid(x, t), filt_valid(y, t)
    vx = filt_valid(x * x, t) - ux ** 2
    vy = filt_valid(y * y, t) - uy ** 2
    vxy = filt_valid(x * y, t) - ux * uy
    cs = (2 * vxy + c2) / (vx + vy + c2)
    lum = (2 * ux * uy + c1) / (ux ** 2 + uy ** 2 + c1)
    return (lum * cs).mean(), cs.mean()


def ms_ssim(x, y, L, levels, sigma=1.5):
    w = np.array(WEIGHTS[:levels])
    w = w / w.sum()
    out = 1.0
    for i in range(levels):
        if i > 0:
            h2, w2 = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
            x = x[:h2, :w2].reshape(h2 // 2, 2, w2 // 2, 2).mean(axis=(1, 3))
            y = y[:h2, :w2].reshape(h2 // 2, 2, w2 // 2, 2).mean(axis=(1, 3))
        win = min(11, min(x.shape))
        if win % 2 == 0:
            win -= 1
        s, cs = ssim_terms(x, y, L, taps(sigma, win))
        term = s if i == levels - 1 else cs
        out *= max(term, 0.0) ** w[i]
    return float(out)


def ms_case(name, a, b, L, levels):
    a, b = f32(a), f32(b)
    return {'name': name, 'shape': list(a.shape), 'dataRange': L, 'levels': levels,
            'a': b64(a), 'b': b64(b), 'msSsim': ms_ssim(a, b, L, levels)}


def fid(x, y):
    """The pytorch-fid / TTUR formula with scipy.linalg.sqrtm."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1.dot(s2))
    covmean = (covmean[0] if isinstance(covmean, tuple) else covmean).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid(x, y):
    """Unbiased MMD² with k(a, b) = (a·b / d + 1)³ (Bińkowski et al. 2018)."""
    d = x.shape[1]
    kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
    n, m = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                 - 2 * kxy.mean())


def precision_recall(real, fake, k):
    """Kynkäänniemi et al. 2019: k-NN balls around each set's points (k-th neighbour, self excluded)."""
    def radii(x):
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, k]  # column 0 is the point itself
    def inside(points, centres, r):
        d = np.sqrt(((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1))
        return float((d <= r[None, :]).any(axis=1).mean())
    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def main():
    noise = lambda *s: rng.normal(0, 1, s)
    pixel = []
    u = rng.uniform(0, 1, (28, 28))
    pixel.append(ssim_case('uniform noise vs noisier copy, 28x28', u, np.clip(u + 0.1 * noise(28, 28), 0, 1), 1.0))
    s = smooth(24, 32)
    pixel.append(ssim_case('structured 24x32 vs noisy copy', s, np.clip(s + 0.05 * noise(24, 32), 0, 1), 1.0))
    pixel.append(ssim_case('structured 24x32 vs shifted copy', s, np.roll(s, 1, axis=1), 1.0))
    c = smooth(20, 22, 3)
    pixel.append(ssim_case('colour 20x22x3 vs noisy copy (channel_axis=-1)', c, np.clip(c + 0.08 * noise(20, 22, 3), 0, 1), 1.0, channel_axis=-1))
    m = 2 * smooth(16, 16) - 1
    pixel.append(ssim_case('[-1,1] 16x16 vs darker copy, data_range 2', m, np.clip(m - 0.3 + 0.05 * noise(16, 16), -1, 1), 2.0))
    g = np.round(255 * smooth(12, 14))
    pixel.append(ssim_case('0..255 12x14 vs quantised noise, data_range 255', g, np.clip(np.round(g + 10 * noise(12, 14)), 0, 255), 255.0))
    pixel.append(ssim_case('11x11 (one window), data_range 1', u[:11, :11], np.clip(u[:11, :11] * 0.8 + 0.1, 0, 1), 1.0))

    ms = []
    ms.append(ms_case('structured 28x28 vs noisy, 3 levels', smooth(28, 28), np.clip(smooth(28, 28) + 0.1 * noise(28, 28), 0, 1), 1.0, 3))
    ms.append(ms_case('structured 48x40 vs shifted, 3 levels', smooth(48, 40), np.roll(smooth(48, 40), 2, axis=0), 1.0, 3))
    ms.append(ms_case('structured 64x64 vs noisy, 4 levels', smooth(64, 64), np.clip(smooth(64, 64) + 0.2 * noise(64, 64), 0, 1), 1.0, 4))

    dist = {'fid': [], 'kid': [], 'precisionRecall': []}
    for n1, n2, d, shift in [(60, 50, 8, 0.5), (40, 45, 12, 0.0), (30, 30, 4, 2.0)]:
        a = f32(noise(n1, d) @ rng.normal(0, 1, (d, d)) * 0.5)
        b = f32(noise(n2, d) * rng.uniform(0.5, 2, d) + shift)
        dist['fid'].append({'n1': n1, 'n2': n2, 'd': d, 'x': b64(a), 'y': b64(b), 'fid': fid(a, b)})
    for n1, n2, d in [(30, 25, 8), (20, 40, 5)]:
        a = f32(noise(n1, d))
        b = f32(noise(n2, d) * 1.3 + 0.4)
        dist['kid'].append({'n1': n1, 'n2': n2, 'd': d, 'x': b64(a), 'y': b64(b), 'kid': kid(a, b)})
    for n1, n2, d, k in [(40, 35, 4, 3), (30, 30, 3, 5)]:
        real = f32(noise(n1, d))
        fake = f32(noise(n2, d) * 0.7 + 1.2)
        p, r = precision_recall(real, fake, k)
        dist['precisionRecall'].append({'n1': n1, 'n2': n2, 'd': d, 'k': k, 'real': b64(real), 'fake': b64(fake), 'precision': p, 'recall': r})

    meta = {'numpy': np.__version__, 'scipy': scipy.__version__, 'skimage': skimage.__version__}
    with open(os.path.join(HERE, 'pixel.json'), 'w') as f:
        json.dump({'generatedBy': 'make_reference.py', 'versions': meta, 'ssim': pixel, 'msSsim': ms}, f)
        f.write('\n')
    with open(os.path.join(HERE, 'distribution.json'), 'w') as f:
        json.dump({'generatedBy': 'make_reference.py', 'versions': meta, **dist}, f)
        f.write('\n')
    for c in pixel:
        print(f"{c['name']}: ssim {c['ssim']:.6f} psnr {c['psnr']:.4f}")
    for c in ms:
        print(f"{c['name']}: ms-ssim {c['msSsim']:.6f}")
    print('fid', [c['fid'] for c in dist['fid']], 'kid', [c['kid'] for c in dist['kid']])
    print('precision/recall', [(c['precision'], c['recall']) for c in dist['precisionRecall']])


if __name__ == '__main__':
    main()
