"""Optuna on the benchmark functions of lib/tune's tests, for the bench section "tune"
(scripts/bench/tune.ts, which also holds the TypeScript twins of these functions).

Reads one JSON object on stdin and prints one JSON line:

  run:  {"functions": [{"name", "space"}], "samplers": ["tpe", "random"], "seeds": [0, ...],
         "budget": N, "noise": {"<seed>": [eps_0, ...]}}
        -> {"optuna": version, "importMs", "results": {fn: {sampler: {"wallMs", "seeds":
            [{"seed", "trials": [{"params", "value"}]}]}}}}
  --eval: {"points": [{"fn", "params", "noise"}]} -> {"values": [...]} (no Optuna needed)

`space` is ganbook's space JSON (lib/tune/space.ts: float/int with optional log, choice), mapped
to suggest_float / suggest_int / suggest_categorical, so the domains are the TypeScript ones.
Evaluation i of seed s gets noise[s][i] (drawn by ganbook's rngFor(s, 'noise', i), as the tests do).
"""
import json
import math
import sys
import time


def branin(x, y):
    """Branin-Hoo (Dixon & Szegő 1978; Surjanovic & Bingham's library): min 0.397887 on
    [-5, 10] x [0, 15] at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475)."""
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


FUNCTIONS = {
    "branin": lambda p, eps: branin(p["x"], p["y"]),
    # test/tune/study.test.ts: Branin plus an integer and a categorical term; min 0.397887 at k = 2, relu
    "branin-mixed": lambda p, eps: branin(p["x"], p["y"]) + 0.5 * (p["k"] - 2) ** 2 + (1 if p["act"] == "tanh" else 0),
    # test/tune/bayes.test.ts: (x - 0.3)^2 + 0.1 eps on [-2, 2]
    "quadratic-noisy": lambda p, eps: (p["x"] - 0.3) ** 2 + 0.1 * eps,
}


def suggest(trial, name, spec):
    if spec["type"] == "float":
        return trial.suggest_float(name, spec["low"], spec["high"], log=bool(spec.get("log")))
    if spec["type"] == "int":
        return trial.suggest_int(name, spec["low"], spec["high"], log=bool(spec.get("log")))
    if spec["type"] == "choice":
        return trial.suggest_categorical(name, spec["values"])
    raise ValueError(f"Expected a float, int or choice parameter, got {spec!r} for {name!r}")


def run(cfg):
    t0 = time.perf_counter()
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import_ms = (time.perf_counter() - t0) * 1000
    make = {"tpe": lambda s: optuna.samplers.TPESampler(seed=s), "random": lambda s: optuna.samplers.RandomSampler(seed=s)}
    results = {}
    for fn in cfg["functions"]:
        f, space = FUNCTIONS[fn["name"]], fn["space"]
        results[fn["name"]] = {}
        for sampler in cfg["samplers"]:
            per_seed = []
            t = time.perf_counter()
            for seed in cfg["seeds"]:
                noise = cfg.get("noise", {}).get(str(seed), [])
                study = optuna.create_study(direction="minimize", sampler=make[sampler](seed))

                def objective(trial):
                    p = {name: suggest(trial, name, spec) for name, spec in space.items()}
                    return f(p, noise[trial.number] if trial.number < len(noise) else 0.0)

                study.optimize(objective, n_trials=cfg["budget"])
                per_seed.append({"seed": seed, "trials": [{"params": tr.params, "value": tr.value} for tr in study.trials]})
            results[fn["name"]][sampler] = {"wallMs": round((time.perf_counter() - t) * 1000, 1), "seeds": per_seed}
    return {"optuna": optuna.__version__, "importMs": round(import_ms, 1), "results": results}


def main():
    cfg = json.load(sys.stdin)
    if "--eval" in sys.argv:
        out = {"values": [FUNCTIONS[q["fn"]](q["params"], q.get("noise", 0.0)) for q in cfg["points"]]}
    else:
        out = run(cfg)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
