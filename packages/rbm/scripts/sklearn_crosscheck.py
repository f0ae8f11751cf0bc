#!/usr/bin/python3
"""Cross-check of @gradlab/rbm against scikit-learn's BernoulliRBM (run by hand; CI has no
scikit-learn, so the tests read the small fixtures this script writes).

  /usr/bin/python3 packages/rbm/scripts/sklearn_crosscheck.py generate
      Fits sklearn.neural_network.BernoulliRBM (scikit-learn 1.2) on 4x4 bars-and-stripes and
      writes test/fixtures/sklearn-rbm.safetensors (its components_, intercept_hidden_,
      intercept_visible_ as float64) and test/fixtures/sklearn-rbm.json (its transform(X),
      _free_energy(X) and the exact per-unit pseudo-log-likelihood computed from _free_energy).
      The test `rbm-safetensors.test.ts` loads the file with loadRBM and compares.

  /usr/bin/python3 packages/rbm/scripts/sklearn_crosscheck.py check
      Loads test/fixtures/gradlab-rbm.safetensors (written by write-gradlab-fixture.ts from a
      seeded gradlab model) into a scikit-learn BernoulliRBM's attributes and checks that
      sklearn's transform / _free_energy equal gradlab's values in gradlab-rbm.json.

The safetensors format is read and written here with numpy and struct (the `safetensors`
Python package is not needed).
"""
import json
import os
import struct
import sys

import numpy as np
import sklearn
from sklearn.neural_network import BernoulliRBM

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'test', 'fixtures')
DTYPES = {'F64': (np.float64, 8), 'F32': (np.float32, 4)}


def write_safetensors(path, tensors, metadata):
    # As the reference writer: by descending alignment, then by name; header padded to 8 bytes.
    names = sorted(tensors, key=lambda n: (-tensors[n].dtype.itemsize, n))
    header = {'__metadata__': metadata}
    offset = 0
    blobs = []
    for n in names:
        a = np.ascontiguousarray(tensors[n])
        dtype = 'F64' if a.dtype == np.float64 else 'F32'
        b = a.astype('<f8' if dtype == 'F64' else '<f4').tobytes()
        header[n] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        np_dtype, _ = DTYPES[info['dtype']]
        a, b = info['data_offsets']
        out[name] = np.frombuffer(data[a:b], dtype=np.dtype(np_dtype).newbyteorder('<')).reshape(info['shape'])
    return out, meta


def bars_and_stripes(n=4):
    # The fixed order of @gradlab/core's barsAndStripes: bars for mask 0..2^n-1, then stripes 1..2^n-2.
    rows = []
    for m in range(2 ** n):
        rows.append([(m >> c) & 1 for r in range(n) for c in range(n)])
    for m in range(1, 2 ** n - 1):
        rows.append([(m >> r) & 1 for r in range(n) for c in range(n)])
    return np.array(rows, dtype=np.float64)


def exact_pll(rbm, X):
    # Mean over rows and units of log P(v_i | v_-i) = log sigmoid(F(v~) - F(v)), from sklearn's _free_energy.
    f0 = rbm._free_energy(X)
    total = 0.0
    for i in range(X.shape[1]):
        Xf = X.copy()
        Xf[:, i] = 1 - Xf[:, i]
        gap = rbm._free_energy(Xf) - f0
        total += (-np.logaddexp(0, -gap)).sum()
    return total / X.size


def sklearn_from_file(path):
    tensors, meta = read_safetensors(path)
    comp = np.array(tensors['components_'], dtype=np.float64)
    rbm = BernoulliRBM(n_components=comp.shape[0])
    rbm.components_ = comp
    rbm.intercept_hidden_ = np.array(tensors['intercept_hidden_'], dtype=np.float64)
    rbm.intercept_visible_ = np.array(tensors['intercept_visible_'], dtype=np.float64)
    rbm.n_features_in_ = comp.shape[1]
    return rbm, meta


def generate():
    X = bars_and_stripes(4)
    rbm = BernoulliRBM(n_components=12, learning_rate=0.1, batch_size=10, n_iter=1000, random_state=0).fit(X)
    meta = {'source': 'sklearn.neural_network.BernoulliRBM(n_components=12, learning_rate=0.1, batch_size=10, n_iter=1000, random_state=0).fit(4x4 bars-and-stripes)',
            'sklearn_version': sklearn.__version__}
    write_safetensors(os.path.join(FIXTURES, 'sklearn-rbm.safetensors'),
                      {'components_': rbm.components_, 'intercept_hidden_': rbm.intercept_hidden_,
                       'intercept_visible_': rbm.intercept_visible_}, meta)
    expected = {'sklearn_version': sklearn.__version__, 'n_components': 12, 'n_features_in': 16,
                'transform': rbm.transform(X).tolist(), 'free_energy': rbm._free_energy(X).tolist(),
                'pseudo_likelihood_per_unit': exact_pll(rbm, X)}
    with open(os.path.join(FIXTURES, 'sklearn-rbm.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    print('wrote sklearn-rbm.safetensors and sklearn-rbm.json; PLL per unit', expected['pseudo_likelihood_per_unit'])


def check():
    rbm, meta = sklearn_from_file(os.path.join(FIXTURES, 'gradlab-rbm.safetensors'))
    with open(os.path.join(FIXTURES, 'gradlab-rbm.json')) as f:
        ours = json.load(f)
    X = bars_and_stripes(4)
    dt = np.abs(rbm.transform(X) - np.array(ours['meanHidden'])).max()
    df = np.abs(rbm._free_energy(X) - np.array(ours['freeEnergy'])).max()
    print('metadata', meta)
    print('max |sklearn transform - gradlab meanHidden| =', dt)
    print('max |sklearn _free_energy - gradlab freeEnergy| =', df)
    assert dt < 1e-5 and df < 1e-4, 'mismatch'
    print('OK: the gradlab model loads into scikit-learn', sklearn.__version__, 'and gives the same outputs')


if __name__ == '__main__':
    {'generate': generate, 'check': check}[sys.argv[1] if len(sys.argv) > 1 else 'generate']()
