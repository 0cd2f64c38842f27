#!/usr/bin/env python3
"""scikit-learn's side of `npm run bench:tables` (bench/tables.ts): the pipeline a data team
writes in a dozen lines, fitted on a table's training rows and scored on the held-out rows our
service held out. A reference run beside ours, never a dependency of the project (Debian:
python3-sklearn python3-pandas).

    sklearn_baseline.py CSV LABEL TASK TEST_JSON [--types TYPES_JSON] [--random-state 1 2 3]
                        [--scale-target]

- Cells that are blank or one of NA, N/A, NaN, null, ? (any case, trimmed) are missing, as in
  our upload (src/data/missing.ts). Rows with a missing label are dropped first; TEST_JSON is a
  JSON array of indices into the rows that remain, in file order; every other row trains.
- Column types: TYPES_JSON (`{"name": "numeric" | "categorical" | "boolean" | "datetime" |
  "text" | "id" | "ignored"}`, what our profile said; bench/tables.ts passes it), else a
  simplified copy of the profile's rules (src/data/column-type.ts). Numbers: median imputation
  and StandardScaler; datetimes: their year, as a number; categories and booleans: most-frequent
  imputation and OneHotEncoder(handle_unknown='ignore'); text, id and ignored columns dropped.
- MLPRegressor or MLPClassifier with scikit-learn's defaults and `random_state`;
  `--scale-target` also standardizes a regression target (TransformedTargetRegressor), which
  the defaults do not.

Prints one JSON object: the table's shape and, per random state, the held-out metrics (r2, mae,
rmse; or accuracy, macroF1, logLoss) and the seconds `fit` took (preprocessing and training).
Not here: choosing the held-out rows (bench/tables/held-out.ts) or any report.
"""
import argparse
import json
import re
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

MISSING_TOKENS = {"na", "n/a", "nan", "null", "?"}
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"
)
BOOLEAN_WORDS = {"true", "false", "yes", "no"}
# src/data/column-type.ts: idMinRows, textMinDistinct, textDistinctFraction
ID_MIN_ROWS, TEXT_MIN_DISTINCT, TEXT_DISTINCT_FRACTION = 10, 20, 0.5


def read_table(path):
    """The CSV as trimmed strings, None where a cell is missing."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]

    def present(cell):
        text = cell.strip()
        return None if text == "" or text.lower() in MISSING_TOKENS else text

    return frame.apply(lambda column: column.map(present))


def infer_type(cells):
    """A simplified src/data/column-type.ts inferColumn, for runs without TYPES_JSON."""
    values = [v for v in cells if v is not None]
    if not values:
        return "ignored"
    if all(NUMBER.match(v) for v in values):
        return "numeric"
    if all(v.lower() in BOOLEAN_WORDS for v in values):
        return "boolean"
    if all(ISO_DATE.match(v) for v in values):
        return "datetime"
    distinct = len(set(values))
    if distinct == len(cells) and distinct >= ID_MIN_ROWS:
        return "id"
    if distinct > TEXT_MIN_DISTINCT and distinct > TEXT_DISTINCT_FRACTION * len(values):
        return "text"
    return "categorical"


def year_of(frame):
    """Each datetime column as its calendar year (a float, NaN where missing)."""
    return frame.apply(lambda c: pd.to_datetime(c, utc=True).dt.year).astype(
        float
    )


def preprocessor(types, label):
    """The ColumnTransformer for the columns of `types` other than the label, and their names."""
    of = lambda kinds: [n for n, t in types.items() if t in kinds and n != label]  # noqa: E731
    numbers, dates, categories = of({"numeric"}), of({"datetime"}), of({"categorical", "boolean"})
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    steps = []
    if numbers:
        steps.append(("numbers", numeric, numbers))
    if dates:
        steps.append(("dates", make_pipeline(FunctionTransformer(year_of), numeric), dates))
    if categories:
        categorical = make_pipeline(
            SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
        )
        steps.append(("categories", categorical, categories))
    return ColumnTransformer(steps, remainder="drop"), numbers + dates + categories


def label_values(cells, task, label_type):
    if task == "regression" or label_type == "numeric":
        return pd.to_numeric(cells).to_numpy()
    return cells.to_numpy(dtype=object)


def metrics(task, model, x_test, y_test):
    if task == "regression":
        predicted = model.predict(x_test)
        return {
            "r2": r2_score(y_test, predicted),
            "mae": mean_absolute_error(y_test, predicted),
            "rmse": float(np.sqrt(mean_squared_error(y_test, predicted))),
        }
    classes = model.classes_
    probabilities = model.predict_proba(x_test)
    predicted = classes[np.argmax(probabilities, axis=1)]
    return {
        "accuracy": accuracy_score(y_test, predicted),
        "macroF1": f1_score(y_test, predicted, average="macro", labels=classes),
        "logLoss": log_loss(y_test, probabilities, labels=classes),
    }


def network_of(model):
    inner = model.regressor_ if isinstance(model, TransformedTargetRegressor) else model
    return inner.steps[-1][1] if isinstance(inner, Pipeline) else inner


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv")
    parser.add_argument("label")
    parser.add_argument("task", choices=["classification", "regression"])
    parser.add_argument("test_json", help="JSON array of held-out row indices")
    parser.add_argument("--types", help="JSON object: column name -> our profile's type")
    parser.add_argument("--random-state", type=int, nargs="+", default=[1])
    parser.add_argument("--scale-target", action="store_true")
    args = parser.parse_args()

    table = read_table(args.csv)
    if args.label not in table.columns:
        sys.exit(f"no column named {args.label}; the columns are {', '.join(table.columns)}")
    given = json.load(open(args.types)) if args.types else {}
    types = {name: given.get(name) or infer_type(list(table[name])) for name in table.columns}
    blank_label = table[args.label].isna()
    table = table[~blank_label].reset_index(drop=True)
    test = np.array(json.load(open(args.test_json)), dtype=int)
    if len(set(test)) != len(test) or test.min() < 0 or test.max() >= len(table):
        sys.exit(f"test indices must be distinct and within 0..{len(table) - 1}")
    is_test = np.zeros(len(table), dtype=bool)
    is_test[test] = True

    columns, used = preprocessor(types, args.label)
    x = table[used].copy()
    for name in used:
        if types[name] == "numeric":
            x[name] = pd.to_numeric(x[name])
        else:  # NaN, not None, is what SimpleImputer takes for missing in a column of strings
            x[name] = x[name].astype(object).where(x[name].notna(), np.nan)
    y = label_values(table[args.label], args.task, types[args.label])
    x_train, y_train, x_test, y_test = x[~is_test], y[~is_test], x[is_test], y[is_test]

    runs = []
    for state in args.random_state:
        if args.task == "regression":
            model = make_pipeline(columns, MLPRegressor(random_state=state))
            if args.scale_target:
                model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
        else:
            model = make_pipeline(columns, MLPClassifier(random_state=state))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # reported as `converged`
            start = time.perf_counter()
            model.fit(x_train, y_train)
            seconds = time.perf_counter() - start
        network = network_of(model)
        runs.append(
            {
                "randomState": state,
                "fitSeconds": seconds,
                "iterations": network.n_iter_,
                "converged": network.n_iter_ < network.max_iter,
                **metrics(args.task, model, x_test, y_test),
            }
        )

    width = network_of(model).coefs_[0].shape[0]
    print(
        json.dumps(
            {
                "sklearn": sklearn.__version__,
                "task": args.task,
                "scaleTarget": bool(args.scale_target and args.task == "regression"),
                "droppedRows": int(blank_label.sum()),
                "rows": len(table),
                "trainRows": int((~is_test).sum()),
                "testRows": int(is_test.sum()),
                "columns": {n: types[n] for n in table.columns},
                "inputWidth": int(width),
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
