#!/usr/bin/env python3
"""scikit-learn's side of `npm run bench:sweeps` (bench/sweeps.ts): RandomizedSearchCV over
MLPClassifier with the bench's search space, on the same training rows as our sweep, scored on
the same held-out rows. A reference run beside ours, never a dependency of the project (Debian:
python3-sklearn python3-pandas). The table is read and preprocessed as
bench/tables/sklearn_baseline.py does it (imported from there).

    sklearn_search.py CSV LABEL TEST_JSON --types TYPES_JSON --random-state S
                      [--n-iter 30] [--max-iter 100] [--validation 0.15]

- Search: learning_rate_init log-uniform [1e-4, 1e-1], one hidden layer of 8..128 units,
  batch_size in {16, 32, 64, 128}, alpha log-uniform [1e-5, 1e-1]; n_iter candidates drawn with
  random_state S; each fitted on the training rows less a validation fraction (one ShuffleSplit,
  as our sweep holds out validationSplit) and scored by log loss on it (our objective,
  validationError, is the validation rows' cross-entropy); the best refitted on all training
  rows (RandomizedSearchCV's refit), max_iter epochs at most.

Prints one JSON object: the best candidate's parameters, its validation log loss, the held-out
accuracy, macro F1 and log loss, the iterations (epochs) every candidate and the refit trained,
and the seconds the search took. Not here: choosing the held-out rows (bench/tables/held-out.ts).
"""
import argparse
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import RandomizedSearchCV, ShuffleSplit
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tables"))
from sklearn_baseline import label_values, metrics, preprocessor, read_table  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv")
    parser.add_argument("label")
    parser.add_argument("test_json")
    parser.add_argument("--types", required=True)
    parser.add_argument("--random-state", type=int, default=1)
    parser.add_argument("--n-iter", type=int, default=30)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--validation", type=float, default=0.15)
    args = parser.parse_args()

    types = json.load(open(args.types))
    table = read_table(args.csv)
    table = table[~table[args.label].isna()].reset_index(drop=True)
    test = np.array(json.load(open(args.test_json)), dtype=int)
    is_test = np.zeros(len(table), dtype=bool)
    is_test[test] = True
    columns, used = preprocessor(types, args.label)
    x = table[used].copy()
    for name in used:
        if types[name] == "numeric":
            x[name] = x[name].astype(float)
        else:
            x[name] = x[name].astype(object).where(x[name].notna(), np.nan)
    y = label_values(table[args.label], "classification", types[args.label])
    x_train, y_train, x_test, y_test = x[~is_test], y[~is_test], x[is_test], y[is_test]

    iterations = []

    def validation_score(model, x_val, y_val):
        # one call per candidate (no train scores): also counts the epochs it trained
        iterations.append(int(model[-1].n_iter_))
        probabilities = model.predict_proba(x_val)
        return -log_loss(y_val, probabilities, labels=model.classes_)

    space = {
        "mlpclassifier__learning_rate_init": loguniform(1e-4, 1e-1),
        "mlpclassifier__hidden_layer_sizes": [(k,) for k in range(8, 129)],
        "mlpclassifier__batch_size": [16, 32, 64, 128],
        "mlpclassifier__alpha": loguniform(1e-5, 1e-1),
    }
    state = args.random_state
    model = make_pipeline(columns, MLPClassifier(max_iter=args.max_iter, random_state=state))
    search = RandomizedSearchCV(
        model,
        space,
        n_iter=args.n_iter,
        scoring=validation_score,
        cv=ShuffleSplit(n_splits=1, test_size=args.validation, random_state=state),
        random_state=state,
        refit=True,
        n_jobs=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        search.fit(x_train, y_train)
        seconds = time.perf_counter() - start
    best = search.best_estimator_
    params = {k.split("__")[1]: v for k, v in search.best_params_.items()}
    params["hidden_layer_sizes"] = list(params["hidden_layer_sizes"])
    print(
        json.dumps(
            {
                "sklearn": sklearn.__version__,
                "randomState": state,
                "bestParams": params,
                "validationLogLoss": -search.best_score_,
                "candidateEpochs": iterations,
                "refitEpochs": int(best[-1].n_iter_),
                "searchSeconds": seconds,
                "trainRows": int((~is_test).sum()),
                "testRows": int(is_test.sum()),
                **metrics("classification", best, x_test, y_test),
            }
        )
    )


if __name__ == "__main__":
    main()
