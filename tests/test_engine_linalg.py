"""Batched linear-algebra helpers of specverse.engine.linalg."""

import numpy as np
import statsmodels.api as sm

from specverse.engine import linalg


def stack(seed=0, S=5, n=60, k=4):
    rng = np.random.default_rng(seed)
    X = np.concatenate([np.ones((S, n, 1)), rng.normal(size=(S, n, k - 1))], axis=2)
    X[:, :, 1] *= 1e4  # units that would hurt unequilibrated normal equations
    y = rng.normal(size=(S, n)) + X[:, :, 2]
    return X, y


def test_ols_solve_matches_lstsq_batched_and_single():
    X, y = stack()
    beta, xtx_inv, ok = linalg.ols_solve(X, y)
    assert ok.all()
    for s in range(len(X)):
        ref = np.linalg.lstsq(X[s], y[s], rcond=None)[0]
        np.testing.assert_allclose(beta[s], ref, rtol=1e-10)
        np.testing.assert_allclose(xtx_inv[s], np.linalg.inv(X[s].T @ X[s]), rtol=1e-9)
        b1, _, ok1 = linalg.ols_solve(X[s], y[s])
        assert ok1 and np.allclose(b1, beta[s], rtol=1e-13, atol=0)


def test_ols_solve_several_right_hand_sides():
    X, y = stack(1)
    Y = np.stack([y, 2 * y - 1], axis=-1)  # (S, n, 2)
    B, _, ok = linalg.ols_solve(X, Y)
    b0, _, _ = linalg.ols_solve(X, y)
    np.testing.assert_allclose(B[..., 0], b0, rtol=1e-12)
    assert B.shape == (5, 4, 2) and ok.all()


def test_rank_deficiency_is_flagged_not_solved():
    X, y = stack(2)
    X[1, :, 3] = 2 * X[1, :, 2] - 5  # collinear with a column and the constant
    X[3, :, 2] = 0.0  # all-zero column
    beta, xtx_inv, ok = linalg.ols_solve(X, y)
    assert list(ok) == [True, False, True, False, True]
    assert np.isnan(beta[[1, 3]]).all() and np.isnan(xtx_inv[[1, 3]]).all()
    assert np.isfinite(beta[[0, 2, 4]]).all()
    G, _ = linalg.scaled_gram(X)
    assert list(linalg.rank_ok(G)) == list(ok)


def test_triangular_helpers():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(7, 6, 20))
    L = np.linalg.cholesky(A @ np.swapaxes(A, 1, 2))
    np.testing.assert_allclose(linalg.tril_inverse(L), np.linalg.inv(L), rtol=1e-10, atol=1e-13)
    b = rng.normal(size=(7, 6))
    np.testing.assert_allclose(
        linalg.tril_solve(L, b), np.linalg.solve(L, b[..., None])[..., 0], rtol=1e-10
    )
    Ginv, ok = linalg.chol_inverse(A @ np.swapaxes(A, 1, 2))
    assert ok.all()
    np.testing.assert_allclose(Ginv, np.linalg.inv(A @ np.swapaxes(A, 1, 2)), rtol=1e-9)


def test_residualize_is_fwl():
    X, y = stack(4)
    W = X[:, :, [0, 2, 3]]
    x = X[:, :, 1]
    rx = linalg.residualize(x[..., None], W)[..., 0]
    ry = linalg.residualize(y[..., None], W)[..., 0]
    assert np.abs(np.einsum("snp,sn->sp", W, rx)).max() < 1e-6 * np.abs(x).max()
    beta, _, _ = linalg.ols_solve(X, y)
    np.testing.assert_allclose(
        np.einsum("sn,sn->s", rx, ry) / np.einsum("sn,sn->s", rx, rx), beta[:, 1], rtol=1e-9
    )
    # a single problem with a vector works too
    np.testing.assert_allclose(linalg.residualize(y[0], W[0]), ry[0], rtol=1e-9, atol=1e-12)


def test_hat_diagonal_and_sandwich_match_statsmodels():
    X, y = stack(5)
    beta, xtx_inv, _ = linalg.ols_solve(X, y)
    e = y - np.einsum("snk,sk->sn", X, beta)
    h = linalg.hat_diagonal(X, xtx_inv)
    V = linalg.sandwich(X, xtx_inv, e**2)
    for s in range(len(X)):
        r = sm.OLS(y[s], X[s]).fit(cov_type="HC0")
        np.testing.assert_allclose(h[s], r.get_influence().hat_matrix_diag, rtol=1e-10)
        np.testing.assert_allclose(np.sqrt(np.diag(V[s])), r.bse, rtol=1e-9)
