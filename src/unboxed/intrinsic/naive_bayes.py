"""What naive Bayes says about itself: per-feature log-likelihood-ratio contributions.

Naive Bayes scores class ``c`` by ``log P(c) + sum_j log P(x_j | c)``; the
evidence each feature brings is its log-likelihood term. For two classes the
explanation is the log-odds of ``classes_[1]``:

    log P(c1|x) / P(c0|x) = log P(c1)/P(c0) + sum_j [log P(x_j|c1) - log P(x_j|c0)]

so the base value is the log prior ratio and each feature's value is its
log-likelihood ratio. For more classes, each class ``c`` is compared with the
mean of the other classes in log space (for two classes this is the log-odds):

    log P(c|x) - mean_{d != c} log P(d|x)
      = [log P(c) - mean_{d != c} log P(d)] + sum_j [log P(x_j|c) - mean_{d != c} log P(x_j|d)]

Both sums equal the model's own ``predict_log_proba`` differences exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._model import provenance
from .._results import Attribution
from .._validation import describe
from ._common import ModelSpace, split_pipeline

__all__ = ["explain_naive_bayes"]


def _feature_terms(nb: Any, Xt: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature log-likelihood terms (n, p, K) and the class log priors (K,)."""
    from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB
    n, p = Xt.shape
    if isinstance(nb, GaussianNB):
        theta, var = nb.theta_, nb.var_                      # (K, p)
        L = -0.5 * np.log(2 * np.pi * var)[None] - 0.5 * (Xt[:, None, :] - theta[None]) ** 2 / var[None]
        return np.transpose(L, (0, 2, 1)), np.log(nb.class_prior_)
    if isinstance(nb, CategoricalNB):
        K = nb.class_count_.size
        L = np.empty((n, p, K))
        for j in range(p):
            flp = nb.feature_log_prob_[j]                   # (K, n_categories_j)
            x = Xt[:, j]
            bad = (x < 0) | (x != np.round(x))
            if bad.any():
                raise ValueError(f"feature {names[j]!r} must hold category codes 0, 1, 2, ...; got "
                                 f"{x[bad][:3].tolist()}")
            unseen = x >= flp.shape[1]
            if unseen.any():
                raise ValueError(f"feature {names[j]!r} has categories not seen in training: "
                                 f"{sorted(set(x[unseen].astype(int).tolist()))[:10]}; the model knows "
                                 f"0..{flp.shape[1] - 1}")
            L[:, j, :] = flp[:, x.astype(np.intp)].T
        return L, nb.class_log_prior_
    if isinstance(nb, BernoulliNB):
        Xb = Xt if nb.binarize is None else (Xt > nb.binarize).astype(np.float64)
        flp = nb.feature_log_prob_                          # (K, p)
        neg = np.log1p(-np.exp(flp))
        L = Xb[:, :, None] * flp.T[None] + (1 - Xb)[:, :, None] * neg.T[None]
        return L, nb.class_log_prior_
    if isinstance(nb, ComplementNB):
        L = Xt[:, :, None] * nb.feature_log_prob_.T[None]
        prior = nb.class_log_prior_ if nb.class_count_.size == 1 else np.zeros(nb.class_count_.size)
        return L, prior
    if isinstance(nb, MultinomialNB):
        L = Xt[:, :, None] * nb.feature_log_prob_.T[None]
        return L, nb.class_log_prior_
    raise TypeError(f"expected a fitted GaussianNB, CategoricalNB, MultinomialNB, BernoulliNB or ComplementNB "
                    f"(or a Pipeline ending in one), got {describe(nb)}")


def explain_naive_bayes(model: Any, X: Any) -> Attribution:
    """Per-feature log-likelihood-ratio contributions of a naive Bayes classifier.

    Parameters
    ----------
    model : fitted GaussianNB, CategoricalNB, MultinomialNB, BernoulliNB,
        ComplementNB, or a Pipeline ending in one.
    X : array-like or DataFrame (n_rows, n_features)

    Returns
    -------
    Attribution
        Two classes: one output, the log-odds of ``classes_[1]``
        (``output_space="log_odds"``); base value: the log prior ratio. More
        classes: one output per class, the log-probability of the class minus
        the mean log-probability of the other classes
        (``output_space="log_ratio"``). ``base_values + values.sum(axis=1)``
        equals the same quantity computed from ``predict_log_proba``.

    References
    ----------
    Kononenko, I. (1993). Inductive and Bayesian learning in medical diagnosis.
    Applied Artificial Intelligence, 7(4), 317-337.
    Možina, M., Demšar, J., Kattan, M., & Zupan, B. (2004). Nomograms for
    visualization of naive Bayesian classifier. PKDD.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from unboxed.intrinsic import explain_naive_bayes
    >>> X, y = load_iris(return_X_y=True)
    >>> explain_naive_bayes(GaussianNB().fit(X, y), X[:3]).values.shape
    (3, 4, 3)
    """
    _, final = split_pipeline(model)
    if not hasattr(final, "class_log_prior_") and not hasattr(final, "class_prior_"):
        raise TypeError(f"expected a fitted naive Bayes classifier (or a Pipeline ending in one), got "
                        f"{describe(final)}")
    space = ModelSpace(model, X, name="X", allow_nan=False)
    Xt = space.Xt
    L, prior = _feature_terms(final, Xt, space.names)
    K = L.shape[2]
    classes = [str(c) for c in np.asarray(final.classes_).tolist()]
    if K == 2:
        values = (L[:, :, 1] - L[:, :, 0])[:, :, None]
        base = np.array([prior[1] - prior[0]])
        outs, out_space = (classes[1],), "log_odds"
    else:
        others_mean = (L.sum(axis=2, keepdims=True) - L) / (K - 1)
        values = L - others_mean
        base = prior - (prior.sum() - prior) / (K - 1)
        outs, out_space = tuple(classes), "log_ratio"
    n = Xt.shape[0]
    if not space.prefix:
        names, data = space.schema.names, space.schema.display_values(space.Z)
    else:
        names, data = space.names, np.asarray(Xt, dtype=object)
    return Attribution(values=values, base_values=np.broadcast_to(base, (n, base.size)), feature_names=names,
                       output_names=outs, data=data, output_space=out_space,
                       provenance=provenance("explain_naive_bayes", space.f, {"model": type(final).__name__},
                                             n_evals=0))
