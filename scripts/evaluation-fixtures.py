#!/usr/bin/python3
"""Writes test/fixtures/evaluation/*.json: held-out evaluation cases (inputs and scikit-learn's
answers) for src/engine/evaluation.ts. Not part of the build or the tests: the JSON is committed,
so the tests never need Python.

Run from the repository's root, with Debian bookworm's scikit-learn (1.2.1, numpy 1.24):

    apt-get install -y python3-sklearn
    /usr/bin/python3 scripts/evaluation-fixtures.py

Every input is seeded (numpy.random.RandomState) and rounded to float32 and back, so that a
Float32Array of it holds exactly the float64 values scikit-learn saw. Labels are class indices
0..K-1 and every metric is asked with labels=range(K), as the engine computes them for the
model's class list. Conventions pinned here, as the engine follows them:
- log_loss with eps=1e-15 (1.2.1's default, eps='auto', would clip at the dtype's machine
  epsilon, 2.2e-16 for float64; the service's contract says 1e-15), then rows renormalised;
- the prediction is the argmax, ties to the lowest index (numpy's argmax);
- precision, recall and F1 with zero_division=0;
- roc_auc_score only when every class has a positive and a negative row (it raises otherwise);
  roc_curve with drop_intermediate=True, full length (the engine thins to 201 points after);
- mean_squared_error(squared=False) and r2_score average per-output values uniformly.
"""

import json
import os

import numpy as np
import sklearn
from sklearn import metrics

OUT = os.path.join('test', 'fixtures', 'evaluation')


def f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def classification(name, description, classes, probabilities, truth):
    p = f32(probabilities)
    y = np.asarray(truth, dtype=np.int64)
    k = len(classes)
    labels = list(range(k))
    predicted = p.argmax(axis=1)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y, predicted, labels=labels, zero_division=0, average=None
    )
    expected = {
        'rows': int(len(y)),
        'accuracy': metrics.accuracy_score(y, predicted),
        'logLoss': metrics.log_loss(y, p, eps=1e-15, labels=labels),
        'confusionMatrix': {
            'labels': classes,
            'matrix': metrics.confusion_matrix(y, predicted, labels=labels).tolist(),
        },
        'perClass': [
            {
                'label': classes[c],
                'precision': float(precision[c]),
                'recall': float(recall[c]),
                'f1': float(f1[c]),
                'support': int(support[c]),
            }
            for c in labels
        ],
        'macroF1': metrics.f1_score(y, predicted, labels=labels, average='macro', zero_division=0),
        'weightedF1': metrics.f1_score(
            y, predicted, labels=labels, average='weighted', zero_division=0
        ),
    }
    # a class's curve is defined when it has a positive and a negative row
    ranked = [c for c in labels if 0 < (y == c).sum() < len(y)]
    curve_classes = ([1] if 1 in ranked else []) if k == 2 else ranked
    if len(ranked) == k and k >= 2:
        expected['rocAuc'] = (
            metrics.roc_auc_score(y, p[:, 1])
            if k == 2
            else metrics.roc_auc_score(y, p, multi_class='ovr', average='macro', labels=labels)
        )
    if curve_classes:
        curves = []
        for c in curve_classes:
            fpr, tpr, _ = metrics.roc_curve(y == c, p[:, c], drop_intermediate=True)
            curves.append({'label': classes[c], 'fpr': fpr.tolist(), 'tpr': tpr.tolist()})
        expected['rocCurves'] = curves
    write(
        name,
        {
            'description': description,
            'task': 'classification',
            'classes': classes,
            'probabilities': p.tolist(),
            'truth': y.tolist(),
            'expected': expected,
        },
    )


def regression(name, description, predicted, actual):
    p = f32(predicted)
    a = f32(actual)
    outputs = 1 if p.ndim == 1 else p.shape[1]
    expected = {
        'rows': int(a.shape[0]),
        'mae': metrics.mean_absolute_error(a, p),
        'rmse': metrics.mean_squared_error(a, p, squared=False),
        'r2': metrics.r2_score(a, p),
    }
    write(
        name,
        {
            'description': description,
            'task': 'regression',
            'outputs': outputs,
            'predicted': p.reshape(-1).tolist(),
            'actual': a.reshape(-1).tolist(),
            'expected': expected,
        },
    )


def write(name, case):
    case = {'name': name, 'sklearn': sklearn.__version__, **case}
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(case, f, indent=1)
        f.write('\n')
    print(name)


def noisy_classes(rng, rows, k, separation, noise):
    """Truth drawn uniformly; logits = separation on the true class + Gaussian noise."""
    y = rng.randint(0, k, size=rows)
    z = rng.normal(0, noise, size=(rows, k))
    z[np.arange(rows), y] += separation
    return softmax(z), y


def main():
    os.makedirs(OUT, exist_ok=True)

    rng = np.random.RandomState(1)
    p, y = noisy_classes(rng, 60, 2, 1.0, 1.0)
    classification(
        'binary-imperfect',
        'Two classes named by strings, 60 rows, overlapping probabilities.',
        ['no', 'yes'],
        p,
        y,
    )

    # confident, some wrongly: probabilities of exactly 0 and 1, where the clipping decides
    p1 = np.array([0.0, 1.0, 1.0, 0.0, 0.9, 0.2, 1.0, 0.0, 0.7, 0.4, 1e-20, 1 - 1e-9])
    classification(
        'binary-clipped',
        'Two classes numbered 0 and 1; probabilities of exactly 0 and 1, some on the wrong class '
        '(the 1e-15 clipping decides the log loss).',
        [0, 1],
        np.stack([1 - p1, p1], axis=1),
        [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1],
    )

    rng = np.random.RandomState(2)
    y = rng.randint(0, 3, size=45)
    z = rng.normal(0, 1, size=(45, 3))
    z[np.arange(45), y] += 1.5
    z[:, 1] -= 10  # Chinstrap is never the argmax
    classification(
        'multiclass-never-predicted',
        'Three classes; the second (Chinstrap) has 11 true rows but is never predicted '
        '(precision 0/0 = 0).',
        ['Adelie', 'Chinstrap', 'Gentoo'],
        softmax(z),
        y,
    )

    rng = np.random.RandomState(3)
    y = rng.randint(0, 4, size=40)
    raw = rng.randint(1, 4, size=(40, 4)).astype(np.float64)
    raw[np.arange(40), y] += rng.randint(0, 3, size=40)
    raw[:4] = [[1, 1, 0, 0], [0, 2, 2, 0], [1, 1, 1, 1], [0, 0, 3, 3]]  # argmax ties
    p = raw / raw.sum(axis=1, keepdims=True)
    classification(
        'multiclass-ties',
        'Four classes; probabilities from small integer counts, so many rows tie on a class score '
        '(the ROC curve and AUC step through tied scores) and some rows tie on the argmax (lowest '
        'index wins).',
        ['a', 'b', 'c', 'd'],
        p,
        y,
    )

    rng = np.random.RandomState(4)
    y = rng.randint(0, 2, size=30)  # class 2 never true
    z = rng.normal(0, 1, size=(30, 3))
    z[np.arange(30), y] += 1.0
    classification(
        'multiclass-absent-class',
        'Three classes numbered 10, 20, 30; the third has no true row (recall 0/0 = 0, no ROC AUC, '
        'no ROC curve for it) but is predicted sometimes.',
        [10, 20, 30],
        softmax(z),
        y,
    )

    rng = np.random.RandomState(5)
    p, y = noisy_classes(rng, 1500, 2, 0.8, 1.0)
    classification(
        'binary-large',
        '1500 rows of continuous scores: the ROC curve has more than 201 points after dropping '
        'collinear ones.',
        ['negative', 'positive'],
        p,
        y,
    )

    rng = np.random.RandomState(6)
    p, y = noisy_classes(rng, 800, 5, 1.2, 1.0)
    classification(
        'multiclass-large',
        'Five classes, 800 rows of continuous scores (one-vs-rest curves past 201 points).',
        ['v', 'w', 'x', 'y', 'z'],
        p,
        y,
    )

    rng = np.random.RandomState(7)
    a = rng.normal(20, 5, size=80)
    regression(
        'regression-single',
        'One output, 80 rows, predictions with noise and a slight bias.',
        a + 0.5 + rng.normal(0, 2, size=80),
        a,
    )

    rng = np.random.RandomState(8)
    a = rng.uniform(-3, 3, size=1200)
    regression(
        'regression-large',
        'One output, 1200 rows (the points drawn are 500 of them).',
        np.sin(a) + rng.normal(0, 0.3, size=1200),
        np.sin(a),
    )

    rng = np.random.RandomState(9)
    a = rng.normal(0, 1, size=(50, 3)) * [1, 10, 100]
    regression(
        'regression-multi',
        'Three outputs on different scales, 50 rows (metrics averaged uniformly over outputs).',
        a + rng.normal(0, 1, size=(50, 3)) * [0.5, 2, 80],
        a,
    )

    rng = np.random.RandomState(10)
    regression(
        'regression-constant',
        'A constant target, imperfect predictions: R2 is 0 by scikit-learn convention.',
        7.5 + rng.normal(0, 0.5, size=20),
        np.full(20, 7.5),
    )

    rng = np.random.RandomState(11)
    a = np.stack([rng.normal(0, 1, size=25), np.full(25, -2.0)], axis=1)
    regression(
        'regression-multi-constant-column',
        'Two outputs, the second constant and imperfectly predicted: its R2 is 0, averaged '
        'with the first.',
        a + rng.normal(0, 0.4, size=(25, 2)),
        a,
    )


if __name__ == '__main__':
    main()
