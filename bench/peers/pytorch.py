# PyTorch CPU on the workloads, as a reference only (never a dependency): `npm run bench` runs
# this when a python3 with torch is found (Debian's python3-torch), else leaves it out. Reads
# the workloads as JSON on stdin and the thread count as argv[1]; the same layers, batch sizes,
# softmax + cross-entropy and SGD at the workload's rate; a second of warm-up runs, then the
# median of three, one JSON line per workload. Batches are slices of the tensors in order (no
# shuffle).
import json
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(1)
activations = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh}

for w in json.load(sys.stdin):
    sizes = w["sizes"]
    layers = []
    for k in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(activations[w["hidden"]]())
    model = torch.nn.Sequential(*layers)  # logits: CrossEntropyLoss applies the softmax
    x = torch.randn(w["samples"], sizes[0])
    labels = torch.randint(0, sizes[-1], (w["samples"],))
    batch = w["samples"] if w["batchSize"] == "full" else w["batchSize"]
    batches = [(x[i : i + batch], labels[i : i + batch]) for i in range(0, w["samples"], batch)]
    optimizer = torch.optim.SGD(model.parameters(), lr=w["learningRate"])
    loss_fn = torch.nn.CrossEntropyLoss()

    def run():
        for _ in range(w["epochs"]):
            for xb, yb in batches:
                optimizer.zero_grad()
                loss_fn(model(xb), yb).backward()
                optimizer.step()

    warm = time.perf_counter()
    run()
    while time.perf_counter() - warm < 1:
        run()
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        runs.append(time.perf_counter() - start)
    samples = w["samples"] * w["epochs"]
    median = statistics.median(runs)
    print(
        json.dumps(
            {
                "framework": f"PyTorch {torch.__version__.split('a')[0]} CPU ({threads} thread{'s' if threads > 1 else ''})",
                "workload": w["name"],
                "samplesPerSecond": samples / median,
                "gflops": 6 * w["weights"] * samples / median / 1e9,
                "runsSeconds": runs,
                "note": "reference, not a dependency; "
                + torch.__config__.show().split("CPU capability usage: ")[1].split("\n")[0],
            }
        ),
        flush=True,
    )
