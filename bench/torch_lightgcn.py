#!/usr/bin/python3
"""LightGCN (or MF) on Gowalla in PyTorch, trained the way the LightGCN
reference code (gusye1234/LightGCN-PyTorch) trains it, timed per epoch and per
full-ranking evaluation, so that `make bench` can put gnnrec next to it.

    /usr/bin/python3 bench/torch_lightgcn.py [--model lightgcn|mf] [--epochs N]
        [--eval] [--eval-ref] [--data DIR] [--threads N] [--adj coo|csr] [--spmm RUNS]

Needs Debian's python3-torch (the system python, not a pyenv one).  Without
torch or without the data it prints "skipped: ..." and exits 0.

What one epoch does, as the reference's BPR_train_original + BPRLoss.stepOne:
  - |train| samples: a user uniform among the users with training items, a
    positive uniform among that user's items, a negative uniform over all items
    redrawn while it is one of the user's positives (vectorized with numpy,
    same distribution as the reference's per-sample loop);
  - shuffled, cut into batches of 2048;
  - per batch: the full-graph propagation (K torch.sparse.mm with Â =
    D^-1/2 A D^-1/2, mean of the K+1 layers), BPR loss
    mean(softplus(neg - pos)) + 1e-4 * ½(‖e⁰_u‖² + ‖e⁰_i‖² + ‖e⁰_j‖²)/batch,
    backward, dense torch.optim.Adam (lr 0.001) on the two embedding tables.
MF is the same code with K = 0.

Evaluation (--eval): the final embeddings are propagated once, then all test
users in batches of 100 (the reference's test_u_batch_size): scores = users @
itemsᵀ, training items set to -inf, topk 20, recall@20.  --eval-ref also times
one test pass exactly as the reference's Test() runs it, which redoes the
full propagation for every batch of 100 users (getUsersRating calls
computer()), applies the sigmoid and masks with -1024.

Output: key=value lines, medians over the epochs run, e.g.
  torch model=lightgcn epochs=2 epoch_s=163.2 sample_s=0.9 ...
  torch model=lightgcn eval_s=3.1 ...
"""

import argparse
import gzip
import os
import statistics
import sys
import time


def skip(why):
    print("skipped: %s" % why)
    sys.exit(0)


try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - depends on the machine
    skip("%s (install Debian's python3-torch: apt-get install -y python3-torch; "
         "run with /usr/bin/python3)" % e)


def read_adj(path):
    """Adjacency-list file 'user item item ...' -> (users, items) int64 arrays."""
    us, its = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            row = np.array(parts, dtype=np.int64)
            us.append(np.full(len(row) - 1, row[0], dtype=np.int64))
            its.append(row[1:])
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(us), np.concatenate(its)


class Data:
    def __init__(self, d):
        tu, ti = read_adj(os.path.join(d, "train.txt.gz"))
        su, si = read_adj(os.path.join(d, "test.txt.gz"))
        # The reference: n_users = max user id + 1, m_items = max item id + 1 over both files.
        self.n_users = int(max(tu.max(), su.max() if su.size else 0)) + 1
        self.m_items = int(max(ti.max(), si.max() if si.size else 0)) + 1
        self.train_size = int(tu.size)
        # Training CSR (user -> items), rows sorted, duplicates kept as the reference keeps them.
        order = np.lexsort((ti, tu))
        tu, ti = tu[order], ti[order]
        self.indptr = np.zeros(self.n_users + 1, np.int64)
        np.cumsum(np.bincount(tu, minlength=self.n_users), out=self.indptr[1:])
        self.indices = ti
        self.deg = np.diff(self.indptr)
        self.active_users = np.nonzero(self.deg)[0]
        # Sorted keys user * m + item for the negative-rejection test.
        self.pos_keys = np.unique(tu * self.m_items + ti)
        self.tu, self.ti = tu, ti
        # Test CSR.
        order = np.lexsort((si, su))
        su, si = su[order], si[order]
        self.test_indptr = np.zeros(self.n_users + 1, np.int64)
        np.cumsum(np.bincount(su, minlength=self.n_users), out=self.test_indptr[1:])
        self.test_indices = si
        self.test_users = np.nonzero(np.diff(self.test_indptr))[0]

    def norm_adj(self, layout):
        """Â = D^-1/2 A D^-1/2 of the bipartite graph, users first (getSparseGraph)."""
        n = self.n_users + self.m_items
        rows = np.concatenate([self.tu, self.n_users + self.ti])
        cols = np.concatenate([self.n_users + self.ti, self.tu])
        deg = np.bincount(rows, minlength=n).astype(np.float64)
        with np.errstate(divide="ignore"):
            dinv = np.power(deg, -0.5)
        dinv[np.isinf(dinv)] = 0.0
        vals = (dinv[rows] * dinv[cols]).astype(np.float32)
        g = torch.sparse_coo_tensor(torch.from_numpy(np.stack([rows, cols])),
                                    torch.from_numpy(vals), (n, n)).coalesce()
        if layout == "csr":
            g = g.to_sparse_csr()
        return g

    def sample(self, rng):
        """One epoch of (user, pos, neg), as UniformSample_original, vectorized."""
        t = self.train_size
        users = self.active_users[rng.integers(0, self.active_users.size, t)]
        pos = self.indices[self.indptr[users] + (rng.random(t) * self.deg[users]).astype(np.int64)]
        neg = rng.integers(0, self.m_items, t)
        todo = np.arange(t)
        while todo.size:
            keys = users[todo] * self.m_items + neg[todo]
            at = np.searchsorted(self.pos_keys, keys)
            at[at == self.pos_keys.size] = 0
            bad = todo[self.pos_keys[at] == keys]
            neg[bad] = rng.integers(0, self.m_items, bad.size)
            todo = bad
        return users, pos, neg


class LightGCN(torch.nn.Module):
    def __init__(self, n_users, m_items, dim, layers, graph):
        super().__init__()
        self.n_users, self.m_items, self.layers, self.graph = n_users, m_items, layers, graph
        self.embedding_user = torch.nn.Embedding(n_users, dim)
        self.embedding_item = torch.nn.Embedding(m_items, dim)
        torch.nn.init.normal_(self.embedding_user.weight, std=0.1)
        torch.nn.init.normal_(self.embedding_item.weight, std=0.1)

    def computer(self):
        all_emb = torch.cat([self.embedding_user.weight, self.embedding_item.weight])
        embs = [all_emb]
        for _ in range(self.layers):
            all_emb = torch.sparse.mm(self.graph, all_emb)
            embs.append(all_emb)
        light_out = torch.mean(torch.stack(embs, dim=1), dim=1)
        return torch.split(light_out, [self.n_users, self.m_items])

    def bpr_loss(self, users, pos, neg):
        all_users, all_items = self.computer()
        u, p, n = all_users[users], all_items[pos], all_items[neg]
        u0, p0, n0 = self.embedding_user(users), self.embedding_item(pos), self.embedding_item(neg)
        reg = (1 / 2) * (u0.norm(2).pow(2) + p0.norm(2).pow(2) + n0.norm(2).pow(2)) / float(len(users))
        pos_scores = torch.mul(u, p).sum(dim=1)
        neg_scores = torch.mul(u, n).sum(dim=1)
        return torch.mean(F.softplus(neg_scores - pos_scores)), reg


def train_epoch(model, opt, data, rng, batch, decay):
    t0 = time.perf_counter()
    users, pos, neg = data.sample(rng)
    perm = rng.permutation(users.size)  # utils.shuffle
    users = torch.from_numpy(users[perm])
    pos = torch.from_numpy(pos[perm])
    neg = torch.from_numpy(neg[perm])
    t1 = time.perf_counter()
    total, nb = 0.0, 0
    for s in range(0, users.numel(), batch):
        loss, reg = model.bpr_loss(users[s:s + batch], pos[s:s + batch], neg[s:s + batch])
        loss = loss + reg * decay
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
        nb += 1
    t2 = time.perf_counter()
    return t2 - t0, t1 - t0, total / nb, nb


def mask_of(indptr, indices, batch_users):
    """(row, col) of every training item of the batch's users."""
    lo, hi = indptr[batch_users], indptr[batch_users + 1]
    cnt = hi - lo
    rows = np.repeat(np.arange(batch_users.size), cnt)
    start = np.repeat(lo - np.concatenate([[0], np.cumsum(cnt)[:-1]]), cnt)
    cols = indices[start + np.arange(rows.size)]
    return torch.from_numpy(rows), torch.from_numpy(cols)


def hits_recall(data, batch_users, top):
    """Sum over the batch of |top-k ∩ test| / |test|."""
    lo, hi = data.test_indptr[batch_users], data.test_indptr[batch_users + 1]
    truth = np.zeros((batch_users.size, data.m_items), dtype=bool)
    r, c = mask_of(data.test_indptr, data.test_indices, batch_users)
    truth[r.numpy(), c.numpy()] = True
    hits = np.take_along_axis(truth, top, axis=1).sum(axis=1)
    return float((hits / (hi - lo)).sum())


def evaluate(model, data, topk, ubatch, as_reference):
    """One full-ranking pass over all test users; returns (seconds, propagate s, recall)."""
    model.eval()
    with torch.no_grad():
        t0 = time.perf_counter()
        prop = 0.0
        if not as_reference:
            all_users, all_items = model.computer()
            prop = time.perf_counter() - t0
        rsum = 0.0
        for s in range(0, data.test_users.size, ubatch):
            bu = data.test_users[s:s + ubatch]
            if as_reference:  # getUsersRating: computer() for every batch, then sigmoid
                all_users, all_items = model.computer()
                rating = torch.sigmoid(torch.matmul(all_users[torch.from_numpy(bu)], all_items.t()))
                r, c = mask_of(data.indptr, data.indices, bu)
                rating[r, c] = -(1 << 10)
            else:
                rating = torch.matmul(all_users[torch.from_numpy(bu)], all_items.t())
                r, c = mask_of(data.indptr, data.indices, bu)
                rating[r, c] = float("-inf")
            _, top = torch.topk(rating, k=topk)
            rsum += hits_recall(data, bu, top.numpy())
        secs = time.perf_counter() - t0
    model.train()
    return secs, prop, rsum / data.test_users.size


def time_spmm(graph, n, dim, runs):
    """Medians of Y = torch.sparse.mm(Â, X) alone and with its backward pass
    (what each propagation layer costs the reference per batch)."""
    x = torch.randn(n, dim)
    fwd, both = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        torch.sparse.mm(graph, x)
        fwd.append(time.perf_counter() - t0)
    xg = torch.randn(n, dim, requires_grad=True)
    for _ in range(runs):
        t0 = time.perf_counter()
        torch.sparse.mm(graph, xg).sum().backward()
        both.append(time.perf_counter() - t0)
    return statistics.median(fwd), statistics.median(both)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["lightgcn", "mf"], default="lightgcn")
    ap.add_argument("--epochs", type=int, default=int(os.environ.get("BENCH_TORCH_EPOCHS", "2")))
    ap.add_argument("--eval", action="store_true", help="time one full-ranking evaluation")
    ap.add_argument("--eval-ref", action="store_true",
                    help="also time Test() as the reference runs it (propagation per user batch)")
    ap.add_argument("--data", default=None, help="directory with train.txt.gz and test.txt.gz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--adj", choices=["coo", "csr"], default="coo",
                    help="layout of Â (the reference uses a coalesced COO tensor)")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--test-batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--spmm", type=int, default=0, metavar="RUNS",
                    help="also time torch.sparse.mm(Â, X) alone and with backward (median of RUNS)")
    a = ap.parse_args()

    d = a.data or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "gowalla")
    for f in ("train.txt.gz", "test.txt.gz"):
        if not os.path.isfile(os.path.join(d, f)):
            skip("%s not found" % os.path.join(d, f))

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    layers = 3 if a.model == "lightgcn" else 0

    t0 = time.perf_counter()
    data = Data(d)
    graph = data.norm_adj(a.adj)
    setup = time.perf_counter() - t0
    model = LightGCN(data.n_users, data.m_items, a.dim, layers, graph)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)

    print("torch model=%s version=%s threads=%d users=%d items=%d train=%d nnz=%d adj=%s dim=%d K=%d "
          "batch=%d setup_s=%.2f" % (a.model, torch.__version__, torch.get_num_threads(), data.n_users,
                                    data.m_items, data.train_size, graph._nnz() if a.adj == "coo"
                                    else graph.values().numel(), a.adj, a.dim, layers, a.batch, setup),
          flush=True)
    if a.spmm:
        fwd, both = time_spmm(graph, data.n_users + data.m_items, a.dim, a.spmm)
        print("torch spmm_s=%.4f spmm_fwd_bwd_s=%.4f runs=%d adj=%s dim=%d" % (fwd, both, a.spmm, a.adj, a.dim),
              flush=True)
    ep, sp, loss = [], [], 0.0
    for e in range(a.epochs):
        secs, samp, loss, nb = train_epoch(model, opt, data, rng, a.batch, 1e-4)
        ep.append(secs)
        sp.append(samp)
        print("torch model=%s epoch=%d epoch_s=%.3f sample_s=%.3f batches=%d loss=%.5f"
              % (a.model, e + 1, secs, samp, nb, loss), file=sys.stderr, flush=True)
    if ep:
        print("torch model=%s epochs=%d epoch_s=%.3f sample_s=%.3f loss=%.5f"
              % (a.model, len(ep), statistics.median(ep), statistics.median(sp), loss), flush=True)
    if a.eval:
        secs, prop, rec = evaluate(model, data, 20, a.test_batch, False)
        print("torch model=%s eval_s=%.3f propagate_s=%.3f test_users=%d test_batch=%d recall@20=%.6f"
              % (a.model, secs, prop, data.test_users.size, a.test_batch, rec), flush=True)
    if a.eval_ref:
        secs, _, rec = evaluate(model, data, 20, a.test_batch, True)
        print("torch model=%s eval_ref_s=%.3f test_users=%d test_batch=%d recall@20=%.6f"
              % (a.model, secs, data.test_users.size, a.test_batch, rec), flush=True)


if __name__ == "__main__":
    main()
